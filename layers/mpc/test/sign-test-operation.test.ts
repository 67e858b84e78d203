// The sign-test operation through near-api-js against the real signer contract (near/mpc 3.14.1
// wasm in fake-nearcore): keys generated and requests answered by simulated MPC nodes that hold the
// root private keys (test/support/mpc-nodes.ts), so every signature is checked by the contract and
// again here against keys derived independently. An RPC proxy stands in for a node that answers
// wrongly (what the contract itself never returns).
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { JsonRpcProvider, KeyPair, actions } from "near-api-js";
import {
  SIGN_DEPOSIT_YOCTO,
  SIGN_GAS,
  SIGN_MIN_GAS,
  buildSignArgs,
  parsePublicKey,
  secp256k1Uncompressed,
  toSignResponseJson,
} from "../../../platform/chainsig/index.js";
import { connect, sendTransaction } from "../../../platform/near/client.js";
import { signLikeContract } from "../../../platform/chainsig/testkit.js";
import { OpsError } from "../../../platform/near/errors.js";
import type { OperationContext } from "../../../platform/near/operation.js";
import {
  DEFAULT_SIGN_TEST_PATH,
  parseSignTestPayload,
  signTestOperations,
  type SignTestResult,
} from "../ops/sign-test/index.js";
import { FakeNearcore } from "../../../test/support/fake-nearcore.js";
import {
  rootPrivateKey,
  startRunningSigner,
  type MpcNodes,
  type RespondMode,
} from "../../../test/support/mpc-nodes.js";
import { fails, opContext } from "../../../test/support/ops.js";
import { RpcProxy, viewMethod, withViewResult, type Rewrite } from "../../../test/support/rpc-proxy.js";

const NEAR = 10n ** 24n;
const CONTRACT = "v1.signer.localnet";
const TESTER = "sign-tester.localnet";
/** The contract's own texts (crates/contract/src/errors.rs). */
const TIMED_OUT = "Request has timed out.";
const INVALID_SIGNATURE = "The provided signature is invalid.";

let chain: FakeNearcore;
/** Whether this test started a chain (the payload tests need none). */
let started = false;
let nodes: MpcNodes;
let root: KeyPair;
let lines: Record<string, unknown>[];
let logs: string[];
let proxy: RpcProxy | undefined;
/** Every `sign` the contract executed: who called it, with which arguments, and whether it ran. */
let signCalls: { predecessorId: string; signerId: string; args: any; ok: boolean; error?: string }[];

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

/** A localnet after Layer 3 whose nodes answer per request as `respond` says; unanswered requests time out. */
async function startSigner(respond?: (req: { domainId: number }) => RespondMode): Promise<void> {
  ({ chain, root, nodes } = await startRunningSigner(respond));
  started = true;
  nodes.timeOutUnanswered = true;
  chain.onFunctionCall((e) => {
    if (e.receiverId === CONTRACT && e.methodName === "sign") {
      const { predecessorId, signerId, argsJson: args, ok, error } = e;
      signCalls.push({ predecessorId, signerId, args, ok, ...(error === undefined ? {} : { error }) });
    }
  });
}

/** The sign result (the final SuccessValue of a `sign` transaction) replaced through a proxy. */
function rewriteSignResult(replace: (response: any) => unknown): Rewrite {
  const signResponse = (v: unknown): any => {
    try {
      const value = JSON.parse(Buffer.from(v as string, "base64").toString("utf8"));
      return typeof value?.scheme === "string" ? value : undefined;
    } catch {
      return undefined; // not JSON: not a sign result
    }
  };
  return (req, res) => {
    const v = res?.result?.status?.SuccessValue;
    const value = ["send_tx", "tx"].includes(req.method) && typeof v === "string" ? signResponse(v) : undefined;
    if (!value) return res;
    const SuccessValue = Buffer.from(JSON.stringify(replace(value))).toString("base64");
    return { ...res, result: { ...res.result, status: { SuccessValue } } };
  };
}

beforeEach(() => {
  signCalls = [];
  lines = [];
  logs = [];
});
afterEach(async () => {
  if (!started) return;
  started = false;
  nodes.stop();
  await proxy?.close();
  proxy = undefined;
  await chain.close();
});

describe("sign-test: success", () => {
  beforeEach(() => startSigner());

  it("creates the tester, checks both derived keys and verifies an ECDSA and an EdDSA signature", async () => {
    const r = await runOp(payload());
    expect(r.ok).toBe(true);
    expect(r.summary).toBe("2/2 requests verified, 2/2 derived keys match");
    expect(r).toMatchObject({ contractId: CONTRACT, chainId: "localnet", path: DEFAULT_SIGN_TEST_PATH });
    expect(r.tester).toMatchObject({ accountId: TESTER, action: "created", balance: (2n * NEAR).toString() });

    // the tester was created by localnet with the funder's public key (no tester keyRef given)
    const created = chain.appliedTransactions.find((t) => t.receiverId === TESTER);
    expect(created).toMatchObject({ signerId: "localnet", actions: ["CreateAccount", "Transfer", "AddKey"] });
    expect(chain.account(TESTER)?.publicKeys).toEqual([root.getPublicKey().toString()]);

    // derived keys: local == contract == the key of the child private key the nodes sign with
    for (const [i, id] of [0, 1].entries()) {
      const expected = nodes.derivedPublicKey(id, TESTER, DEFAULT_SIGN_TEST_PATH);
      expect(r.derivedKeys[i]).toEqual({
        domainId: id,
        scheme: id === 0 ? "Secp256k1" : "Ed25519",
        rootPublicKey: nodes.rootPublicKey(id),
        localDerivedKey: expected,
        contractDerivedKey: expected,
        match: true,
      });
    }
    expect(r.derivedKeys[0].localDerivedKey).toMatch(/^secp256k1:/);
    expect(r.derivedKeys[1].localDerivedKey).toMatch(/^ed25519:/);

    // the exact sign calls the contract executed, each answered by a node
    const [ecdsa, eddsa] = r.requests;
    expect(signCalls).toEqual([
      {
        predecessorId: TESTER,
        signerId: TESTER,
        args: { request: { path: DEFAULT_SIGN_TEST_PATH, domain_id: 0, payload_v2: { Ecdsa: ecdsa.payload } } },
        ok: true,
      },
      {
        predecessorId: TESTER,
        signerId: TESTER,
        args: { request: { path: DEFAULT_SIGN_TEST_PATH, domain_id: 1, payload_v2: { Eddsa: eddsa.payload } } },
        ok: true,
      },
    ]);
    await nodes.idle();
    expect(nodes.signRequests.map((q) => q.respondedBy)).toEqual(["mpc-node-0.localnet", "mpc-node-0.localnet"]);
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
    const childPub = secp256k1Uncompressed(parsePublicKey(nodes.derivedPublicKey(0, TESTER, DEFAULT_SIGN_TEST_PATH)));
    expect(secp256k1.verify(compact, Buffer.from(ecdsa.payload, "hex"), childPub, { prehash: false })).toBe(true);
    const d = JSON.parse(eddsa.response!);
    expect(d.scheme).toBe("Ed25519");
    expect(
      ed25519.verify(
        Uint8Array.from(d.signature),
        Buffer.from(eddsa.payload, "hex"),
        parsePublicKey(nodes.derivedPublicKey(1, TESTER, DEFAULT_SIGN_TEST_PATH)).bytes,
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
    await nodes.idle();
    chain.resetCounters();
    const again = await runOp(p, ctx(env));
    expect(again.ok).toBe(true);
    expect(again.tester.action).toBe("unchanged");
    await nodes.idle();
    // the tester sent only its two sign calls; the rest are the nodes' responds
    expect(chain.appliedTransactions.map((t) => [t.signerId, t.actions])).toEqual([
      [TESTER, ["FunctionCall:sign"]],
      ["mpc-node-0.localnet", ["FunctionCall:respond"]],
      [TESTER, ["FunctionCall:sign"]],
      ["mpc-node-0.localnet", ["FunctionCall:respond"]],
    ]);
    expect(nodes.signRequests.every((q) => q.path === "ethereum-1")).toBe(true);
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
  it("a request no node answers: the contract's own timeout after 200 blocks, the other domain verified", async () => {
    await startSigner((req) => (req.domainId === 1 ? "never" : "valid"));
    const r = await runOp(payload());
    expect(r.ok).toBe(false);
    expect(r.summary).toBe("1/2 requests verified, 2/2 derived keys match");
    expect(r.requests[0].verdict).toBe("verified");
    expect(r.requests[1]).toMatchObject({
      domainId: 1,
      scheme: "Ed25519",
      verdict: "contract-error",
      contractError: TIMED_OUT,
      errorCode: "CONTRACT_PANIC",
    });
    expect(r.requests[1].detail).toBe(`the contract failed the request: ${TIMED_OUT}`);
    expect(r.requests[1].txHash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/);
    expect(typeof r.requests[1].latencyMs).toBe("number");
    expect(lines.find((l) => l.kind === "sign" && l.domainId === 1)).toMatchObject({
      verdict: "contract-error",
      contractError: TIMED_OUT,
    });
    expect(logs.join("\n")).toContain("FAIL: 1/2 requests verified");
    await nodes.idle();
    // the `sign` itself ran; its yield timed out (the callback fails through fail_on_timeout)
    expect(signCalls.map((c) => c.ok)).toEqual([true, true]);
    expect(nodes.signRequests.map((q) => q.respondedBy)).toEqual(["mpc-node-0.localnet", undefined]);
  });

  it("a node that answers with a wrong signature: the contract refuses it and the request times out", async () => {
    await startSigner(() => "wrong-signature");
    const r = await runOp(payload({ domains: [{ domainId: 0, scheme: "Secp256k1" }] }));
    expect(r.ok).toBe(false);
    expect(r.requests[0]).toMatchObject({ verdict: "contract-error", contractError: TIMED_OUT });
    expect(nodes.calls.filter((c) => c.method === "respond")).toEqual([
      expect.objectContaining({ node: "mpc-node-0.localnet", ok: false, error: INVALID_SIGNATURE }),
    ]);
  });

  it("a derived-key mismatch between local and contract fails the test and names both keys", async () => {
    await startSigner();
    const lie = nodes.derivedPublicKey(0, "someone-else.localnet", DEFAULT_SIGN_TEST_PATH);
    proxy = await RpcProxy.start(chain.url, (req, res) => {
      const args = viewMethod(req) === "derived_public_key" ? JSON.parse(atob(req.params.args_base64)) : undefined;
      return args?.domain_id === 0 ? withViewResult(res, lie) : res;
    });
    const r = await runOp(payload({ rpcUrl: proxy.url }));
    expect(r.ok).toBe(false);
    expect(r.summary).toBe("2/2 requests verified, 1/2 derived keys match");
    const local = nodes.derivedPublicKey(0, TESTER, DEFAULT_SIGN_TEST_PATH);
    expect(r.derivedKeys[0]).toMatchObject({ match: false, localDerivedKey: local, contractDerivedKey: lie });
    expect(r.derivedKeys[0].error).toContain(lie);
    expect(r.derivedKeys[0].error).toContain(local);
    expect(r.derivedKeys[1].match).toBe(true);
    // the signature is still checked against the locally derived key
    expect(r.requests[0]).toMatchObject({ verdict: "verified", derivedPublicKey: local });
  });

  it("a sign result by another key does not verify (an RPC that alters the contract's answer)", async () => {
    await startSigner();
    proxy = await RpcProxy.start(
      chain.url,
      rewriteSignResult((resp) => {
        const q = nodes.signRequests.at(-1)!;
        const curve = resp.scheme === "Secp256k1" ? "secp256k1" : "ed25519";
        const other = rootPrivateKey(curve, 9); // a key no domain has
        const payloadBytes = Buffer.from(Object.values(q.request.payload)[0] as string, "hex");
        return toSignResponseJson(signLikeContract(curve, other, payloadBytes));
      }),
    );
    const r = await runOp(payload({ rpcUrl: proxy.url }));
    expect(r.ok).toBe(false);
    for (const req of r.requests) {
      expect(req).toMatchObject({ verdict: "not-verified", check: "bad-signature" });
      expect(req.detail).toContain("does not verify");
      expect(req.detail).toContain(req.derivedPublicKey);
    }
    expect(r.summary).toBe("0/2 requests verified, 2/2 derived keys match");
  });

  it("a malformed sign result is bad-response with the parser's reason", async () => {
    await startSigner();
    proxy = await RpcProxy.start(
      chain.url,
      rewriteSignResult(() => ({
        scheme: "Secp256k1",
        big_r: { affine_point: "02ab" },
        s: { scalar: "00".repeat(32) },
        recovery_id: 0,
      })),
    );
    const r = await runOp(payload({ rpcUrl: proxy.url, domains: [{ domainId: 0, scheme: "ecdsa" }] }));
    expect(r.ok).toBe(false);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]).toMatchObject({ verdict: "bad-response", check: "malformed" });
    expect(r.requests[0].detail).toMatch(/big_r\.affine_point must be 33 bytes/);
    expect(r.requests[0].response).toContain('"02ab"');
  });

  it("a domain the contract does not have: keys unreadable, request skipped, nothing sent for it", async () => {
    await startSigner();
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
    expect(r.derivedKeys[1].error).toMatch(/^public_key of domain 5: .*contract panicked: /);
    expect(r.requests[1]).toMatchObject({ domainId: 5, verdict: "skipped" });
    expect(signCalls.map((c) => c.args.request.domain_id)).toEqual([0]);
  });

  it("a domain whose root key is on the other curve is reported, not signed", async () => {
    await startSigner();
    const r = await runOp(payload({ domains: [{ domainId: 1, scheme: "Secp256k1" }] }));
    expect(r.derivedKeys[0].error).toMatch(/domain 1 has a ed25519 root key, but the test expects Secp256k1/);
    expect(r.requests[0].verdict).toBe("skipped");
    expect(signCalls).toHaveLength(0);
  });

  it("no final outcome within timeoutSeconds is a timeout verdict", async () => {
    await startSigner();
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
  beforeEach(() => startSigner());

  it("ACCOUNT_KEY_MISMATCH when the tester exists with another key", async () => {
    const other = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    chain.addAccount(TESTER, { publicKeys: [other] });
    const e = await fails(runOp(payload()));
    expect(e.code).toBe("ACCOUNT_KEY_MISMATCH");
    expect(e.message).toContain(other);
    expect(signCalls).toHaveLength(0);
  });

  it("ACCOUNT_NOT_FOUND when the tester is missing and no funder is named", async () => {
    const { funder: _f, ...p } = payload({ tester: { accountId: TESTER, keyRef: "env:ROOT_KEY" } });
    const e = await fails(runOp(p));
    expect(e.code).toBe("ACCOUNT_NOT_FOUND");
    expect(e.message).toContain(TESTER);
  });

  it("INVALID_INPUT when the funder cannot create the tester (not its parent)", async () => {
    chain.addAccount("other.localnet", { keyPair: root });
    chain.resetCounters();
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
    nodes.stop();
    await chain.close();
    const down = await fails(runOp(payload(), ctx(undefined, { requestTimeoutMs: 1000, httpRetries: 0 })));
    expect(down.code).toBe("RPC_UNREACHABLE");
    expect(down.message).toContain(url);
    chain = await FakeNearcore.start(); // for afterEach
  });
});

// The sign test attaches 300 Tgas and 1 yoctoNEAR (platform/chainsig/sign-args.ts); the contract checks
// the prepaid gas against its sign_call_gas_attachment_requirement (15 Tgas) and the deposit against
// MINIMUM_SIGN_REQUEST_DEPOSIT (crates/contract/src/lib.rs, config.rs). fake-nearcore meters no wasm
// gas, so whether 15 Tgas also covers a real execution is not shown here.
describe("the contract's own rules for sign (what the sign test attaches)", () => {
  /** One `sign` from the tester with the given gas and deposit, straight through the client. */
  async function sign(gas: bigint, deposit: bigint): Promise<unknown> {
    chain.addAccount(TESTER, { keyPair: root, amount: NEAR });
    const conn = await connect(chain.url, { pollMs: 5 });
    const args = buildSignArgs({ path: "p", domainId: 0, kind: "Ecdsa", payload: new Uint8Array(32).fill(7) });
    return (
      await sendTransaction(conn, { accountId: TESTER, keyPair: root }, CONTRACT, [
        actions.functionCall("sign", args, gas, deposit),
      ])
    ).value;
  }

  it("less than 15 Tgas is refused with the contract's message", async () => {
    await startSigner();
    const e = await fails(sign(SIGN_MIN_GAS - 1n, SIGN_DEPOSIT_YOCTO));
    expect(e.code).toBe("CONTRACT_PANIC");
    expect(e.details?.panic).toBe(
      `Provided gas is lower than required. Provided: ${SIGN_MIN_GAS - 1n}, required: ${SIGN_MIN_GAS}`,
    );
    expect(nodes.signRequests).toHaveLength(0);
  });

  // 3.14.1 bounds EdDSA payloads only above (near-mpc-crypto-types primitives.rs: Payload::Eddsa is an
  // UpperBoundedVec of 1232 bytes), and so does the client; signed and verified end to end, 0 and 16
  // bytes, in layers/mpc/test/ops/cancelled-keygen.test.ts.
  it("a 16-byte EdDSA payload: the client builds it and the contract takes it", async () => {
    await startSigner(() => "never"); // no node answers: the contract's acceptance is what is shown
    expect(buildSignArgs({ path: "p", domainId: 1, kind: "Eddsa", payload: new Uint8Array(16).fill(0xab) })).toEqual({
      request: { path: "p", domain_id: 1, payload_v2: { Eddsa: "ab".repeat(16) } },
    });
    chain.addAccount(TESTER, { keyPair: root, amount: NEAR });
    const conn = await connect(chain.url, { pollMs: 5 });
    const args = { request: { path: "p", domain_id: 1, payload_v2: { Eddsa: "ab".repeat(16) } } };
    const e = await fails(
      sendTransaction(conn, { accountId: TESTER, keyPair: root }, CONTRACT, [
        actions.functionCall("sign", args, SIGN_GAS, SIGN_DEPOSIT_YOCTO),
      ]),
    );
    // accepted (the request was queued), then timed out as nobody answered
    expect(signCalls).toEqual([expect.objectContaining({ ok: true, args })]);
    expect(e.details?.panic).toBe(TIMED_OUT);
  });

  it("no deposit is refused with the contract's message", async () => {
    await startSigner();
    const e = await fails(sign(SIGN_GAS, 0n));
    expect(e.code).toBe("CONTRACT_PANIC");
    expect(e.details?.panic).toBe("Attached deposit is lower than required. Attached: 0, required: 1");
    expect(signCalls).toEqual([expect.objectContaining({ ok: false })]);
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
});
