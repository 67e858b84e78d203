// The sign-test operation through near-api-js against fake-nearcore, with the signer contract
// model answering `sign` from KNOWN root private keys (platform/chainsig/testkit).
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { JsonRpcProvider, KeyPair } from "near-api-js";
import { formatPublicKey, secp256k1Uncompressed } from "../../../platform/chainsig/index.js";
import { OpsError } from "../../../platform/near/errors.js";
import type { OperationContext } from "../../../platform/near/operation.js";
import {
  DEFAULT_SIGN_TEST_PATH,
  parseSignTestPayload,
  signTestOperations,
  type SignTestResult,
} from "../ops/sign-test/index.js";
import { FakeNearcore } from "../../../test/support/fake-nearcore.js";
import { fails, opContext } from "../../../test/support/ops.js";
import {
  SIGN_TIMEOUT_MESSAGE,
  SignerContractModel,
  testPrivateKey,
} from "../../../test/support/signer-contract-model.js";

const NEAR = 10n ** 24n;
const CONTRACT = "v1.signer.localnet";
const TESTER = "sign-tester.localnet";

let chain: FakeNearcore;
let model: SignerContractModel;
let root: KeyPair;
let lines: Record<string, unknown>[];
let logs: string[];

function ctx(env: Record<string, string> = { ROOT_KEY: root.toString() }, connectOptions = {}): OperationContext {
  return opContext(env, connectOptions, { lines, logs });
}

function payload(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rpcUrl: chain.url,
    expectChainId: "localnet",
    contractId: CONTRACT,
    tester: { accountId: TESTER, balance: "2 NEAR" },
    funder: { accountId: "localnet", keyRef: "env:ROOT_KEY" },
    ...extra,
  };
}

async function runOp(p: Record<string, unknown>, c = ctx()): Promise<SignTestResult> {
  const r = await signTestOperations["sign-test"](p, c);
  // what ops/main.ts prints must survive JSON (no bigint, no Uint8Array)
  return JSON.parse(JSON.stringify(r)) as SignTestResult;
}

beforeEach(async () => {
  chain = await FakeNearcore.start({ chainId: "localnet" });
  root = chain.addAccount("localnet", { amount: 1_000_000n * NEAR });
  model = SignerContractModel.withDefaultDomains();
  model.install(chain, CONTRACT);
  lines = [];
  logs = [];
});
afterEach(async () => {
  await chain.close();
});

describe("sign-test: success", () => {
  it("creates the tester, checks both derived keys and verifies an ECDSA and an EdDSA signature", async () => {
    const r = await runOp(payload());
    expect(r.ok).toBe(true);
    expect(r.summary).toBe("2/2 requests verified, 2/2 derived keys match");
    expect(r).toMatchObject({ contractId: CONTRACT, chainId: "localnet", path: DEFAULT_SIGN_TEST_PATH });
    expect(r.tester).toMatchObject({ accountId: TESTER, action: "created", balance: (2n * NEAR).toString() });

    // the tester was created by localnet with the funder's public key (no tester keyRef given)
    expect(chain.appliedTransactions[0]).toMatchObject({
      signerId: "localnet",
      receiverId: TESTER,
      actions: ["CreateAccount", "Transfer", "AddKey"],
    });
    expect(chain.account(TESTER)?.publicKeys).toEqual([root.getPublicKey().toString()]);

    // derived keys: local == contract == the key of the child private key the model signs with
    for (const [i, id] of [0, 1].entries()) {
      const expected = formatPublicKey(model.derivedPublicKey(id, TESTER, DEFAULT_SIGN_TEST_PATH));
      expect(r.derivedKeys[i]).toEqual({
        domainId: id,
        scheme: id === 0 ? "Secp256k1" : "Ed25519",
        rootPublicKey: formatPublicKey(model.rootPublicKey(id)),
        localDerivedKey: expected,
        contractDerivedKey: expected,
        match: true,
      });
    }
    expect(r.derivedKeys[0].localDerivedKey).toMatch(/^secp256k1:/);
    expect(r.derivedKeys[1].localDerivedKey).toMatch(/^ed25519:/);

    // the exact sign calls the contract received
    expect(model.requests).toHaveLength(2);
    const [ecdsa, eddsa] = r.requests;
    expect(model.requests[0]).toMatchObject({
      predecessorId: TESTER,
      signerId: TESTER,
      attachedDeposit: 1n,
      domainId: 0,
      payloadKind: "Ecdsa",
    });
    expect(model.requests[0].args).toEqual({
      request: { path: DEFAULT_SIGN_TEST_PATH, domain_id: 0, payload_v2: { Ecdsa: ecdsa.payload } },
    });
    expect(model.requests[1].args).toEqual({
      request: { path: DEFAULT_SIGN_TEST_PATH, domain_id: 1, payload_v2: { Eddsa: eddsa.payload } },
    });
    expect(ecdsa.payload).toMatch(/^[0-9a-f]{64}$/);
    expect(eddsa.payload).toMatch(/^[0-9a-f]{64}$/);
    expect(ecdsa.payload).not.toBe(eddsa.payload);

    // 300 Tgas and 1 yoctoNEAR on the wire, read back from the chain
    const provider = new JsonRpcProvider({ url: chain.url });
    for (const req of r.requests) {
      const tx = (await provider.viewTransactionStatus({
        txHash: req.txHash!,
        accountId: TESTER,
        waitUntil: "FINAL",
      })) as any;
      expect(tx.transaction.actions).toEqual([
        { FunctionCall: expect.objectContaining({ method_name: "sign", gas: 300_000_000_000_000, deposit: "1" }) },
      ]);
    }

    expect(ecdsa).toMatchObject({ domainId: 0, scheme: "Secp256k1", verdict: "verified", check: "ok" });
    expect(eddsa).toMatchObject({ domainId: 1, scheme: "Ed25519", verdict: "verified", check: "ok" });
    expect(typeof ecdsa.latencyMs).toBe("number");
    expect(ecdsa.derivedPublicKey).toBe(r.derivedKeys[0].localDerivedKey);

    // the reported responses verify independently of platform/chainsig's verifier
    const e = JSON.parse(ecdsa.response!);
    expect(Object.keys(e)).toEqual(["scheme", "big_r", "s", "recovery_id"]);
    const compact = Buffer.from(e.big_r.affine_point.slice(2) + e.s.scalar, "hex");
    const childPub = secp256k1Uncompressed(model.derivedPublicKey(0, TESTER, DEFAULT_SIGN_TEST_PATH));
    expect(secp256k1.verify(compact, Buffer.from(ecdsa.payload, "hex"), childPub, { prehash: false })).toBe(true);
    const d = JSON.parse(eddsa.response!);
    expect(d.scheme).toBe("Ed25519");
    expect(
      ed25519.verify(
        Uint8Array.from(d.signature),
        Buffer.from(eddsa.payload, "hex"),
        model.derivedPublicKey(1, TESTER, DEFAULT_SIGN_TEST_PATH).bytes,
      ),
    ).toBe(true);

    // step lines, in order
    expect(lines.map((l) => [l.event, l.kind, l.domainId ?? null])).toEqual([
      ["step", "tester", null],
      ["step", "derived-key", 0],
      ["step", "sign", 0],
      ["step", "derived-key", 1],
      ["step", "sign", 1],
    ]);
    expect(lines[2]).toMatchObject({ operation: "sign-test", verdict: "verified", txHash: ecdsa.txHash });
    expect(logs.join("\n")).toContain("PASS: 2/2 requests verified");
  });

  it("a re-run reuses the tester (no account transaction) and uses its own key when given", async () => {
    const testerKey = KeyPair.fromRandom("ed25519");
    const env = { ROOT_KEY: root.toString(), TESTER_KEY: testerKey.toString() };
    const p = payload({ tester: { accountId: TESTER, keyRef: "env:TESTER_KEY" }, path: "ethereum-1" });
    const first = await runOp(p, ctx(env));
    expect(first.ok).toBe(true);
    expect(chain.account(TESTER)?.publicKeys).toEqual([testerKey.getPublicKey().toString()]);
    chain.resetCounters();
    const again = await runOp(p, ctx(env));
    expect(again.ok).toBe(true);
    expect(again.tester.action).toBe("unchanged");
    expect(chain.appliedTransactions.map((t) => [t.signerId, t.actions])).toEqual([
      [TESTER, ["FunctionCall:sign"]],
      [TESTER, ["FunctionCall:sign"]],
    ]);
    expect(model.requests.every((q) => q.path === "ethereum-1")).toBe(true);
  });

  it("needs no funder when the tester exists", async () => {
    chain.addAccount(TESTER, { keyPair: root, amount: NEAR });
    const { funder: _f, ...p } = payload({ tester: { accountId: TESTER, keyRef: "env:ROOT_KEY" } });
    const r = await runOp(p);
    expect(r.ok).toBe(true);
    expect(r.tester.action).toBe("unchanged");
  });
});

describe("sign-test: failures are reported per request", () => {
  it("a timeout answer: the contract's error text, the other domain still verified", async () => {
    model.mode(1, "timeout");
    const r = await runOp(payload());
    expect(r.ok).toBe(false);
    expect(r.summary).toBe("1/2 requests verified, 2/2 derived keys match");
    expect(r.requests[0].verdict).toBe("verified");
    expect(r.requests[1]).toMatchObject({
      domainId: 1,
      scheme: "Ed25519",
      verdict: "contract-error",
      contractError: SIGN_TIMEOUT_MESSAGE,
      errorCode: "CONTRACT_PANIC",
    });
    expect(r.requests[1].detail).toBe(`the contract failed the request: ${SIGN_TIMEOUT_MESSAGE}`);
    expect(r.requests[1].txHash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/);
    expect(typeof r.requests[1].latencyMs).toBe("number");
    expect(lines.find((l) => l.kind === "sign" && l.domainId === 1)).toMatchObject({
      verdict: "contract-error",
      contractError: SIGN_TIMEOUT_MESSAGE,
    });
    expect(logs.join("\n")).toContain("FAIL: 1/2 requests verified");
  });

  it("a derived-key mismatch between local and contract fails the test and names both keys", async () => {
    const lie = formatPublicKey(model.derivedPublicKey(0, "someone-else.localnet", DEFAULT_SIGN_TEST_PATH));
    model.derivedKeyOverride.set(0, lie);
    const r = await runOp(payload());
    expect(r.ok).toBe(false);
    expect(r.summary).toBe("2/2 requests verified, 1/2 derived keys match");
    const local = formatPublicKey(model.derivedPublicKey(0, TESTER, DEFAULT_SIGN_TEST_PATH));
    expect(r.derivedKeys[0]).toMatchObject({ match: false, localDerivedKey: local, contractDerivedKey: lie });
    expect(r.derivedKeys[0].error).toContain(lie);
    expect(r.derivedKeys[0].error).toContain(local);
    expect(r.derivedKeys[1].match).toBe(true);
    // the signature is still checked against the locally derived key
    expect(r.requests[0]).toMatchObject({ verdict: "verified", derivedPublicKey: local });
  });

  it("a response by another key does not verify", async () => {
    model.mode(0, "wrong-key").mode(1, "wrong-key");
    const r = await runOp(payload());
    expect(r.ok).toBe(false);
    for (const req of r.requests) {
      expect(req).toMatchObject({ verdict: "not-verified", check: "bad-signature" });
      expect(req.detail).toContain("does not verify");
      expect(req.detail).toContain(req.derivedPublicKey);
    }
    expect(r.summary).toBe("0/2 requests verified, 2/2 derived keys match");
  });

  it("a malformed response is bad-response with the parser's reason", async () => {
    model.mode(0, () => ({
      scheme: "Secp256k1",
      big_r: { affine_point: "02ab" },
      s: { scalar: "00".repeat(32) },
      recovery_id: 0,
    }));
    const r = await runOp(payload({ domains: [{ domainId: 0, scheme: "ecdsa" }] }));
    expect(r.ok).toBe(false);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]).toMatchObject({ verdict: "bad-response", check: "malformed" });
    expect(r.requests[0].detail).toMatch(/big_r\.affine_point must be 33 bytes/);
    expect(r.requests[0].response).toContain('"02ab"');
  });

  it("a domain the contract does not have: keys unreadable, request skipped, nothing sent for it", async () => {
    const r = await runOp(
      payload({
        domains: [
          { domainId: 0, scheme: "Secp256k1" },
          { domainId: 5, scheme: "Ed25519" },
        ],
      }),
    );
    expect(r.ok).toBe(false);
    expect(r.derivedKeys[1]).toMatchObject({ domainId: 5, match: false });
    expect(r.derivedKeys[1].error).toContain("Domain 5 does not exist");
    expect(r.requests[1]).toMatchObject({ domainId: 5, verdict: "skipped" });
    expect(model.requests.map((q) => q.domainId)).toEqual([0]);
  });

  it("a domain whose root key is on the other curve is reported, not signed", async () => {
    const r = await runOp(payload({ domains: [{ domainId: 1, scheme: "Secp256k1" }] }));
    expect(r.derivedKeys[0].error).toMatch(/domain 1 has a ed25519 root key, but the test expects Secp256k1/);
    expect(r.requests[0].verdict).toBe("skipped");
    expect(model.requests).toHaveLength(0);
  });

  it("no final outcome within timeoutSeconds is a timeout verdict", async () => {
    chain.addAccount(TESTER, { keyPair: root, amount: NEAR });
    chain.failNext(1, "hang", { method: "send_tx" });
    chain.failNext(1000, "hang", { method: "tx" });
    const r = await runOp(
      payload({ domains: [{ domainId: 0, scheme: "Secp256k1" }], timeoutSeconds: 0.3 }),
      ctx(undefined, { requestTimeoutMs: 100, pollMs: 20 }),
    );
    expect(r.ok).toBe(false);
    expect(r.requests[0]).toMatchObject({ verdict: "timeout", errorCode: "TIMEOUT" });
    expect(r.requests[0].detail).toMatch(/^no final outcome within 0.3s/);
  });
});

describe("sign-test: errors that stop the test", () => {
  it("ACCOUNT_KEY_MISMATCH when the tester exists with another key", async () => {
    const other = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    chain.addAccount(TESTER, { publicKeys: [other] });
    const e = await fails(runOp(payload()));
    expect(e.code).toBe("ACCOUNT_KEY_MISMATCH");
    expect(e.message).toContain(other);
    expect(model.requests).toHaveLength(0);
  });

  it("ACCOUNT_NOT_FOUND when the tester is missing and no funder is named", async () => {
    const { funder: _f, ...p } = payload({ tester: { accountId: TESTER, keyRef: "env:ROOT_KEY" } });
    const e = await fails(runOp(p));
    expect(e.code).toBe("ACCOUNT_NOT_FOUND");
    expect(e.message).toContain(TESTER);
  });

  it("INVALID_INPUT when the funder cannot create the tester (not its parent)", async () => {
    chain.addAccount("other.localnet", { keyPair: root });
    const e = await fails(runOp(payload({ funder: { accountId: "other.localnet", keyRef: "env:ROOT_KEY" } })));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toContain("not a direct sub-account of the funder other.localnet");
    expect(chain.txCount).toBe(0);
  });

  it("KEY_NOT_FOUND names the reference, RPC_UNREACHABLE the URL, CHAIN_ID_MISMATCH both ids", async () => {
    expect((await fails(runOp(payload(), ctx({})))).code).toBe("KEY_NOT_FOUND");
    const mismatch = await fails(runOp(payload({ expectChainId: "mpc-localnet" })));
    expect(mismatch.code).toBe("CHAIN_ID_MISMATCH");
    const url = chain.url;
    await chain.close();
    const down = await fails(runOp(payload(), ctx(undefined, { requestTimeoutMs: 1000, httpRetries: 0 })));
    expect(down.code).toBe("RPC_UNREACHABLE");
    expect(down.message).toContain(url);
    chain = await FakeNearcore.start(); // for afterEach
  });
});

describe("sign-test payload", () => {
  const base = {
    contractId: CONTRACT,
    tester: { accountId: TESTER },
    funder: { keyRef: "ssm:/near-localnet/localnet-account-key" },
  };

  it("defaults: local RPC, both domains, path, balance, funder = parent, tester key = funder key", () => {
    expect(parseSignTestPayload(base)).toEqual({
      rpcUrl: "http://127.0.0.1:3030",
      expectChainId: undefined,
      contractId: CONTRACT,
      path: "near-localnet-sign-test",
      tester: {
        accountId: TESTER,
        keyRef: "ssm:/near-localnet/localnet-account-key",
        parent: "localnet",
        balance: NEAR,
      },
      funder: { accountId: "localnet", keyRef: "ssm:/near-localnet/localnet-account-key" },
      domains: [
        { domainId: 0, scheme: "Secp256k1" },
        { domainId: 1, scheme: "Ed25519" },
      ],
      timeoutSeconds: 300,
    });
  });

  it("accepts scheme names of the config and the contract", () => {
    const p = parseSignTestPayload({
      ...base,
      domains: [
        { domainId: 0, scheme: "CaitSith" },
        { domainId: 1, scheme: "frost" },
        { domainId: 2, scheme: "secp256k1" },
        { domainId: 3, scheme: "EdDSA" },
      ],
    });
    expect(p.domains.map((d) => d.scheme)).toEqual(["Secp256k1", "Ed25519", "Secp256k1", "Ed25519"]);
  });

  it.each([
    [{ ...base, contractId: "Bad Id" }, /contractId must be a NEAR account id/],
    [{ ...base, extra: 1 }, /unknown field\(s\) "extra"/],
    [{ ...base, tester: { accountId: TESTER, balance: 5 } }, /tester.balance must be a string/],
    [{ ...base, tester: { accountId: TESTER, balance: "five" } }, /tester.balance: amount "five"/],
    [{ ...base, domains: [] }, /domains must be a non-empty array/],
    [
      { ...base, domains: [{ domainId: 0, scheme: "rsa" }] },
      /scheme must be "Secp256k1" \(ECDSA\) or "Ed25519" \(EdDSA\), got "rsa"/,
    ],
    [
      {
        ...base,
        domains: [
          { domainId: 0, scheme: "ecdsa" },
          { domainId: 0, scheme: "eddsa" },
        ],
      },
      /domain 0 is listed twice/,
    ],
    [{ ...base, domains: [{ domainId: -1, scheme: "ecdsa" }] }, /domainId must be a non-negative integer/],
    [{ ...base, timeoutSeconds: 0 }, /timeoutSeconds must be/],
    [{ ...base, rpcUrl: "ftp://x" }, /rpcUrl must be an http\(s\) URL/],
    [{ contractId: CONTRACT, tester: { accountId: TESTER } }, /tester.keyRef is needed/],
    [{ ...base, funder: { keyRef: "file:/etc/key" } }, /is not "ssm:<name>"/],
  ])("refuses %j", (raw, re) => {
    expect(() => parseSignTestPayload(raw)).toThrow(re);
    try {
      parseSignTestPayload(raw);
    } catch (e) {
      expect(["INVALID_INPUT", "KEY_REF_INVALID"]).toContain((e as OpsError).code);
    }
  });

  it("refuses a key in place of a key reference without echoing it", () => {
    const secret = KeyPair.fromRandom("ed25519").toString();
    let err: OpsError | undefined;
    try {
      parseSignTestPayload({ ...base, tester: { accountId: TESTER, keyRef: secret } });
    } catch (e) {
      err = e as OpsError;
    }
    expect(err?.code).toBe("INVALID_INPUT");
    expect(err?.message).toMatch(/tester.keyRef holds a key, not a reference/);
    expect(err?.message).not.toContain(secret.slice(8, 20));
  });

  it("testPrivateKey gives distinct valid keys per seed (model sanity)", () => {
    expect(Buffer.from(testPrivateKey("secp256k1", 1)).equals(Buffer.from(testPrivateKey("secp256k1", 2)))).toBe(false);
  });
});
