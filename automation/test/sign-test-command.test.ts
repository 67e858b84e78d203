// `sign-test` command against an injected SSM client. The fake "instance" behind the client
// (test/support/fake-ssm-instance.ts) runs the real ops CLI (ops/main.ts run) with the sign-test
// operation against fake-nearcore running the real signer wasm (near/mpc 3.14.1), whose requests
// simulated MPC nodes answer (test/support/mpc-nodes.ts); the root key is read "on the instance"
// from its parameter store (a FakeKeys).
import { KeyPair } from "near-api-js";
import { runSignTest, signDomains, signTestPayload, type SignTestArgs } from "../commands/sign-test.js";
import type { StackOutputs } from "../../layers/outputs.js";
import { FakeNearcore } from "../../test/support/fake-nearcore.js";
import { fakeSsmInstance, type FakeSsmInstance } from "../../test/support/fake-ssm-instance.js";
import { FakeKeys } from "../../test/support/ops.js";
import { startRunningSigner, type MpcNodes } from "../../test/support/mpc-nodes.js";
import { RpcProxy, viewMethod, withViewResult } from "../../test/support/rpc-proxy.js";

const CONTRACT = "v1.signer.localnet";
const ROOT_PARAM = "/near-localnet/localnet-account-key";
const INSTANCE = "i-0123456789abcdef0";
const SHA = "ab".repeat(32);
/** The contract's own text when nobody answers within 200 blocks (crates/contract/src/errors.rs). */
const SIGN_TIMEOUT_MESSAGE = "Request has timed out.";

let chain: FakeNearcore;
let nodes: MpcNodes;
let root: KeyPair;
let proxy: RpcProxy | undefined;
/** Per domain: whether the nodes answer its requests (unanswered ones time out after 200 blocks). */
let answered: Record<number, boolean>;

function outputs(extra: Partial<StackOutputs> = {}): StackOutputs {
  return {
    base: {
      instanceId: INSTANCE,
      privateIp: "10.0.1.5",
      rpcUrl: "http://10.0.1.5:3030",
      chainId: "localnet",
      rootAccountId: "localnet",
      bootNodes: [],
      rootAccountKeyParameter: ROOT_PARAM,
    },
    mpc: {
      nodes: [],
      contractId: CONTRACT,
      domains: [
        { id: 0, protocol: "CaitSith", reconstruction_threshold: 2, purpose: "Sign" },
        { id: 1, protocol: "Frost", reconstruction_threshold: 2, purpose: "Sign" },
      ],
      threshold: 2,
      rootKeys: [],
    },
    opsDocument: "near-localnet-run-op",
    opsBundle: { uri: "s3://near-localnet-artifacts/ops/bundle.mjs", sha256: SHA },
    problems: [],
    ...extra,
  };
}

/** The base instance: its parameter store holds the root key; neard answers on the fake chain. */
function fakeInstance(opts: { failSend?: Error; rpcUrl?: string } = {}): FakeSsmInstance {
  return fakeSsmInstance({ keys: new FakeKeys({ [`ssm:${ROOT_PARAM}`]: root }), rpcUrl: chain.url, ...opts });
}

function capture() {
  const out = { stdout: [] as string[], stderr: [] as string[] };
  return { out, sink: { stdout: (l: string) => out.stdout.push(l), stderr: (l: string) => out.stderr.push(l) } };
}

async function runCmd(args: SignTestArgs, o: StackOutputs, inst: FakeSsmInstance, stack = "localnet") {
  const { out, sink } = capture();
  const code = await runSignTest(args, sink, {
    stack,
    outputs: o,
    client: inst.client,
    sleep: async () => {},
    pollIntervalMs: 1,
  });
  return { code, ...out };
}

describe("sign-test command", () => {
  // a localnet after Layer 3 (test/support/mpc-nodes.ts), copied for each test
  beforeEach(async () => {
    answered = { 0: true, 1: true };
    ({ chain, root, nodes } = await startRunningSigner((req) => (answered[req.domainId] ? "valid" : "never")));
    nodes.timeOutUnanswered = true;
  });
  afterEach(async () => {
    nodes.stop();
    await proxy?.close();
    proxy = undefined;
    await chain.close();
  });

  it("runs the operation on the base instance with key references only, prints the table, exit 0", async () => {
    const inst = fakeInstance();
    const r = await runCmd({}, outputs(), inst);
    expect(r.code).toBe(0);

    expect(inst.sent).toHaveLength(1);
    const p = inst.sent[0];
    // No nodeImage: the document's default, the stack's opsImage, applies.
    expect(p.nodeImage).toBeUndefined();
    expect(p).toMatchObject({
      instanceId: INSTANCE,
      document: "near-localnet-run-op",
      operation: "sign-test",
      bundleUri: "s3://near-localnet-artifacts/ops/bundle.mjs",
      bundleSha256: SHA,
      executionTimeout: String(300 * 2 + 180),
    });
    expect(JSON.parse(Buffer.from(p.payload, "base64").toString("utf8"))).toEqual({
      expectChainId: "localnet",
      contractId: CONTRACT,
      path: "near-localnet-sign-test",
      tester: { accountId: "sign-tester.localnet" },
      funder: { accountId: "localnet", keyRef: `ssm:${ROOT_PARAM}` },
      domains: [
        { domainId: 0, scheme: "Secp256k1" },
        { domainId: 1, scheme: "Ed25519" },
      ],
      timeoutSeconds: 300,
    });
    // no secret anywhere in what SSM stores
    const secretHalf = root.toString().slice(8, 40);
    expect(JSON.stringify(inst.sent)).not.toContain(secretHalf);
    expect(Buffer.from(p.payload, "base64").toString("utf8")).not.toContain(secretHalf);

    expect(r.stdout[0]).toBe(
      `sign test on ${CONTRACT} (chain localnet) as sign-tester.localnet (created), path "near-localnet-sign-test"`,
    );
    expect(r.stdout[1]).toMatch(/^DOMAIN {2}SCHEME {5}DERIVED KEY {2}VERDICT {3}LATENCY +DETAIL$/);
    expect(r.stdout[2]).toMatch(
      /^0 {7}Secp256k1 {2}match {8}verified {2}\d+ ms +Secp256k1 signature verifies for secp256k1:/,
    );
    expect(r.stdout[3]).toMatch(
      /^1 {7}Ed25519 {4}match {8}verified {2}\d+ ms +Ed25519 signature verifies for ed25519:/,
    );
    expect(r.stdout[4]).toMatch(/^domain 0 derived key: secp256k1:\w+$/);
    expect(r.stdout[5]).toMatch(/^domain 1 derived key: ed25519:\w+$/);
    expect(r.stdout.at(-1)).toBe("PASS: 2/2 requests verified, 2/2 derived keys match");
    expect(r.stderr[0]).toBe(`sign-test: ${CONTRACT} on ${INSTANCE} as sign-tester.localnet, 2 domain(s), bound 780s`);
    await nodes.idle();
    expect(nodes.signRequests.map((q) => [q.predecessor, q.domainId, q.respondedBy])).toEqual([
      ["sign-tester.localnet", 0, "mpc-node-0.localnet"],
      ["sign-tester.localnet", 1, "mpc-node-0.localnet"],
    ]);
  });

  it("--json prints one object with the per-request report", async () => {
    const r = await runCmd({ json: true }, outputs(), fakeInstance());
    expect(r.code).toBe(0);
    expect(r.stdout).toHaveLength(1);
    const j = JSON.parse(r.stdout[0]);
    expect(j).toMatchObject({
      stack: "localnet",
      instanceId: INSTANCE,
      commandId: "cmd-1",
      ok: true,
      contractId: CONTRACT,
    });
    expect(j.requests.map((q: { verdict: string; scheme: string }) => [q.scheme, q.verdict])).toEqual([
      ["Secp256k1", "verified"],
      ["Ed25519", "verified"],
    ]);
    expect(j.derivedKeys.every((k: { match: boolean }) => k.match)).toBe(true);
  });

  it("a request nobody answers: the contract's timeout error in the table, FAIL, exit 1", async () => {
    answered[0] = false;
    const r = await runCmd({}, outputs(), fakeInstance());
    expect(r.code).toBe(1);
    expect(r.stdout[2]).toMatch(
      new RegExp(`^0 {7}Secp256k1 {2}match {8}contract-error {2}\\d+ ms +${SIGN_TIMEOUT_MESSAGE.replace(".", "\\.")}$`),
    );
    expect(r.stdout[3]).toMatch(/verified/);
    expect(r.stdout.at(-1)).toBe("FAIL: 1/2 requests verified, 2/2 derived keys match");

    answered = { 0: true, 1: false };
    const j = await runCmd({ json: true }, outputs(), fakeInstance());
    expect(j.code).toBe(1);
    const parsed = JSON.parse(j.stdout[0]);
    expect(parsed.ok).toBe(false);
    expect(parsed.requests[1]).toMatchObject({ verdict: "contract-error", contractError: SIGN_TIMEOUT_MESSAGE });
  });

  it("a derived-key mismatch (an RPC that alters the contract's answer) shows MISMATCH and fails", async () => {
    proxy = await RpcProxy.start(chain.url, (req, res) => {
      const args = viewMethod(req) === "derived_public_key" ? JSON.parse(atob(req.params.args_base64)) : undefined;
      return args?.domain_id === 1 ? withViewResult(res, "ed25519:11111111111111111111111111111111") : res;
    });
    const r = await runCmd({}, outputs(), fakeInstance({ rpcUrl: proxy.url }));
    expect(r.code).toBe(1);
    expect(r.stdout[3]).toMatch(/^1 {7}Ed25519 {4}MISMATCH {5}verified/);
    expect(r.stdout[5]).toMatch(
      new RegExp(
        "^domain 1 derived key: ed25519:\\w+ \\(the contract derives " +
          "ed25519:11111111111111111111111111111111 for sign-tester\\.localnet",
      ),
    );
  });

  it("an operation that cannot run: its error code, exit 1", async () => {
    chain.addAccount("sign-tester.localnet", { publicKeys: [KeyPair.fromRandom("ed25519").getPublicKey().toString()] });
    const r = await runCmd({}, outputs(), fakeInstance());
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([]);
    expect(r.stderr.join("\n")).toMatch(
      /sign-test could not run: sign-test on i-0123456789abcdef0 failed \(exit code 1\): ACCOUNT_KEY_MISMATCH/,
    );
    const j = await runCmd({ json: true }, outputs(), fakeInstance());
    expect(JSON.parse(j.stdout[0])).toMatchObject({
      ok: false,
      error: { code: "ACCOUNT_KEY_MISMATCH", kind: "operation" },
    });
  });

  it("a channel failure: exit 1 with the channel's code", async () => {
    const err = Object.assign(new Error("Instances not in a valid state"), { name: "InvalidInstanceId" });
    const r = await runCmd({ json: true }, outputs(), fakeInstance({ failSend: err }));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout[0])).toMatchObject({ ok: false, error: { code: "NOT_MANAGED", kind: "channel" } });
  });

  it("a stack without Layer 3 or the channel: exit 1, nothing sent", async () => {
    const inst = fakeInstance();
    const noMpc = await runCmd({}, outputs({ mpc: undefined }), inst);
    expect(noMpc.code).toBe(1);
    expect(noMpc.stderr[0]).toMatch(/exports no signer contract: deploy Layer 3 first/);
    const noDoc = await runCmd({ json: true }, outputs({ opsDocument: undefined }), inst);
    expect(noDoc.code).toBe(1);
    expect(JSON.parse(noDoc.stdout[0]).error).toMatchObject({ code: "NOT_DEPLOYED" });
    expect(inst.sent).toHaveLength(0);
  });

  it("bad arguments: exit 2, a key given as a reference is refused and not echoed", async () => {
    const inst = fakeInstance();
    expect((await runCmd({ timeoutSeconds: 0 }, outputs(), inst)).code).toBe(2);
    const secret = root.toString();
    const r = await runCmd({ funderKeyRef: secret }, outputs(), inst);
    expect(r.code).toBe(2);
    expect(r.stderr.join("\n")).toMatch(/--funder-key-ref must be a key reference/);
    expect(r.stderr.join("\n")).not.toContain(secret);
    expect(inst.sent).toHaveLength(0);
  });
});

describe("sign-test payload from the stack outputs", () => {
  it("names the exported root key parameter, or the stack's naming rule when the output is absent", () => {
    const o = outputs();
    o.base!.rootAccountKeyParameter = "/custom/root-key";
    expect(signTestPayload("dev", o, {}).funder).toEqual({ accountId: "localnet", keyRef: "ssm:/custom/root-key" });
    delete o.base!.rootAccountKeyParameter;
    expect(signTestPayload("dev", o, {}).funder).toEqual({
      accountId: "localnet",
      keyRef: "ssm:/near-localnet/dev/localnet-account-key",
    });
    expect(signTestPayload("localnet", o, {}).funder).toEqual({ accountId: "localnet", keyRef: `ssm:${ROOT_PARAM}` });
  });

  it("passes tester, path, tester key and timeout through", () => {
    const p = signTestPayload("localnet", outputs(), {
      tester: "alice.localnet",
      path: "ethereum-1",
      testerKeyRef: "secretsmanager:alice",
      timeoutSeconds: 60,
    });
    expect(p).toMatchObject({
      tester: { accountId: "alice.localnet", keyRef: "secretsmanager:alice" },
      path: "ethereum-1",
      timeoutSeconds: 60,
    });
  });

  it("signing domains only, by id, from protocol or scheme names; both by default", () => {
    const o = outputs();
    o.mpc!.domains = [
      { id: 0, protocol: "CaitSith", purpose: "Sign" },
      { id: 1, protocol: "Frost", purpose: "Sign" },
      { id: 2, protocol: "ConfidentialKeyDerivation", purpose: "CKD" },
      { id: 3, protocol: "CaitSith", purpose: "ForeignTx" },
      { id: 4, scheme: "ed25519" },
    ];
    expect(signDomains(o)).toEqual([
      { domainId: 0, scheme: "Secp256k1" },
      { domainId: 1, scheme: "Ed25519" },
      { domainId: 4, scheme: "Ed25519" },
    ]);
    o.mpc!.domains = [];
    expect(signDomains(o)).toEqual([
      { domainId: 0, scheme: "Secp256k1" },
      { domainId: 1, scheme: "Ed25519" },
    ]);
  });
});
