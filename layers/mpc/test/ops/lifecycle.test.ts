// The whole life cycle of the real signer contract (near/mpc 3.14.1 wasm in fake-nearcore): not
// deployed -> mpc-setup-signer (deploy + init) -> Running without domains -> every node's vote ->
// Initializing (keygen by the simulated nodes) -> Running with a keyset -> the sign-test operation,
// answered by the nodes, verifies against keys derived independently from the keys they voted.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mpcOperations } from "../../ops/index.js";
import { connect, view } from "../../../../platform/near/client.js";
import { DEFAULT_SIGN_TEST_PATH, signTestOperations, type SignTestResult } from "../../ops/sign-test/index.js";
import { CONTRACT, fails, node, setUpSigner, signerWasm, startNet, voteAll, type Net } from "./harness.js";

const TESTER = "sign-tester.localnet";

let net: Net;
beforeEach(async () => {
  net = await startNet(3);
});
afterEach(async () => {
  await net.close();
});

const signTest = async () =>
  (await signTestOperations["sign-test"](
    {
      rpcUrl: net.chain.url,
      expectChainId: "localnet",
      contractId: CONTRACT,
      tester: { accountId: TESTER, balance: "2 NEAR" },
      funder: { accountId: "localnet", keyRef: "env:ROOT_KEY" },
    },
    net.ctx,
  )) as unknown as SignTestResult;

describe("signer contract life cycle", () => {
  it("not deployed -> Running -> Initializing -> Running with keys -> sign", async () => {
    expect(net.chain.account(CONTRACT)).toBeUndefined();

    await setUpSigner(net);
    expect(net.calls("init")).toBe(1);
    expect((await net.state()).Running.keyset).toEqual({ epoch_id: 0, domains: [] });

    // signing before any domain has a key: the sign test cannot read the keys, sends no sign
    net.nodes.follow();
    const early = await signTest();
    expect(early.ok).toBe(false);
    expect(early.derivedKeys.map((k) => k.error)).toEqual([
      expect.stringMatching(/^public_key of domain 0: .*contract panicked: /),
      expect.stringMatching(/^public_key of domain 1: .*contract panicked: /),
    ]);
    expect(early.requests.map((r) => r.verdict)).toEqual(["skipped", "skipped"]);
    expect(net.calls("sign")).toBe(0);

    await net.nodes.attest();
    await voteAll(net);
    expect(net.calls("vote_add_domains")).toBe(3);
    // the last vote set the nodes' keygen off (they follow the chain)
    await net.nodes.idle();
    const s = await net.state();
    expect(s.Running.keyset.domains.map((k: { domain_id: number }) => k.domain_id)).toEqual([0, 1]);

    const waited = await mpcOperations["mpc-wait-keygen"](
      { rpcUrl: net.chain.url, timeoutMs: 5_000, pollMs: 5 },
      net.ctx,
    );
    expect(waited.phase).toBe("Running");
    const roots = await mpcOperations["mpc-root-keys"]({ rpcUrl: net.chain.url }, net.ctx);
    // the keyset holds the public side of the keys the nodes sign with
    expect((roots.keys as { publicKey: string }[]).map((k) => k.publicKey)).toEqual([
      net.nodes.rootPublicKey(0),
      net.nodes.rootPublicKey(1),
    ]);
    expect(net.nodes.rootPublicKey(0)).toMatch(/^secp256k1:/);
    expect(net.nodes.rootPublicKey(1)).toMatch(/^ed25519:/);

    const r = await signTest();
    expect(r.ok).toBe(true);
    expect(r.summary).toBe("2/2 requests verified, 2/2 derived keys match");
    for (const id of [0, 1]) {
      expect(r.derivedKeys[id]).toMatchObject({
        domainId: id,
        rootPublicKey: net.nodes.rootPublicKey(id),
        contractDerivedKey: net.nodes.derivedPublicKey(id, TESTER, DEFAULT_SIGN_TEST_PATH),
        match: true,
      });
    }
    expect(net.nodes.signRequests.map((q) => [q.predecessor, q.domainId, Object.keys(q.request.payload)[0]])).toEqual([
      [TESTER, 0, "Ecdsa"],
      [TESTER, 1, "Eddsa"],
    ]);
    await net.nodes.idle();
    expect(net.nodes.signRequests.map((q) => q.respondedBy)).toEqual([node(0), node(0)]);
  });

  it("a contract that is not initialised answers its views with the Default panic", async () => {
    await setUpSigner(net);
    // a second contract account running the same code, never initialised
    net.chain.addAccount("v2.signer.localnet", { code: signerWasm.bytes });
    const conn = await connect(net.chain.url, { pollMs: 10 });
    const panic = await fails(view(conn, "v2.signer.localnet", "state", {}));
    expect(panic.code).toBe("CONTRACT_PANIC");
    expect(panic.message).toContain("Calling default not allowed.");
    // which the operations read as NotInitialized
    const e = await fails(
      mpcOperations["mpc-root-keys"]({ rpcUrl: net.chain.url, contractId: "v2.signer.localnet" }, net.ctx),
    );
    expect(e.code).toBe("CHECK_FAILED");
    expect(e.message).toBe("v2.signer.localnet has no complete keyset yet: the signer contract is not initialised");
  });
});
