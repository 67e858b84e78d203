// The whole life cycle of the signer contract against the one contract model: NotInitialized ->
// mpc-setup-signer (init) -> Running without domains -> every node's vote -> Initializing (keygen,
// driven as the nodes would) -> Running with a keyset -> the sign-test operation signs with the
// keys keygen produced, and the signatures verify against independently derived keys.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { formatPublicKey } from "../../../../platform/chainsig/index.js";
import { mpcOperations } from "../../ops/index.js";
import { connect, view } from "../../../../platform/near/client.js";
import { DEFAULT_SIGN_TEST_PATH, signTestOperations, type SignTestResult } from "../../ops/sign-test/index.js";
import { CONTRACT, fails, node, startNet, type Net } from "./harness.js";

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
  it("NotInitialized -> Running -> Initializing -> Running with keys -> sign", async () => {
    // NotInitialized: the contract account does not even exist yet
    expect(net.chain.account(CONTRACT)).toBeUndefined();

    await mpcOperations["mpc-setup-signer"](net.options() as unknown as Record<string, unknown>, net.ctx);
    expect(net.model.calls.init).toBe(1);
    expect(net.model.phase).toBe("Running");
    expect(net.model.protocolState.Running.keyset).toEqual({ epoch_id: 0, domains: [] });

    // signing before any domain has a key: the sign test cannot read the keys, sends no sign
    const early = await signTest();
    expect(early.ok).toBe(false);
    expect(early.derivedKeys.map((k) => k.error)).toEqual([
      expect.stringContaining("Domain 0 does not exist"),
      expect.stringContaining("Domain 1 does not exist"),
    ]);
    expect(early.requests.map((r) => r.verdict)).toEqual(["skipped", "skipped"]);
    expect(net.model.requests).toHaveLength(0);

    for (const i of [0, 1, 2]) {
      await mpcOperations["mpc-vote-domains"](
        { rpcUrl: net.chain.url, accountId: node(i), key: `env:NODE${i}_KEY` },
        net.ctx,
      );
    }
    expect(net.model.calls.vote_add_domains).toBe(3);
    expect(net.model.phase).toBe("Initializing");
    expect(net.model.publicKeyOf(0)).toBeUndefined();

    // keygen, as the nodes would run it: domain 0 by two reports and a third, then domain 1
    net.model.startAttempt();
    net.model.complete(node(0));
    net.model.complete(node(1));
    expect(net.model.phase).toBe("Initializing");
    net.model.complete(node(2));
    expect(net.model.protocolState.Initializing.generated_keys.map((k: { domain_id: number }) => k.domain_id)).toEqual([
      0,
    ]);
    net.model.finishKeygen();
    expect(net.model.phase).toBe("Running");

    const waited = await mpcOperations["mpc-wait-keygen"](
      { rpcUrl: net.chain.url, timeoutMs: 5_000, pollMs: 5 },
      net.ctx,
    );
    expect(waited.phase).toBe("Running");
    const roots = await mpcOperations["mpc-root-keys"]({ rpcUrl: net.chain.url }, net.ctx);
    // the keyset holds the public side of the keys the model signs with
    expect((roots.keys as { publicKey: string }[]).map((k) => k.publicKey)).toEqual([
      formatPublicKey(net.model.rootPublicKey(0)),
      formatPublicKey(net.model.rootPublicKey(1)),
    ]);
    expect(net.model.publicKeyOf(0)).toMatch(/^secp256k1:/);
    expect(net.model.publicKeyOf(1)).toMatch(/^ed25519:/);

    const r = await signTest();
    expect(r.ok).toBe(true);
    expect(r.summary).toBe("2/2 requests verified, 2/2 derived keys match");
    for (const id of [0, 1]) {
      expect(r.derivedKeys[id]).toMatchObject({
        domainId: id,
        rootPublicKey: net.model.publicKeyOf(id),
        contractDerivedKey: formatPublicKey(net.model.derivedPublicKey(id, TESTER, DEFAULT_SIGN_TEST_PATH)),
        match: true,
      });
    }
    expect(net.model.requests.map((q) => [q.predecessorId, q.domainId, q.payloadKind])).toEqual([
      [TESTER, 0, "Ecdsa"],
      [TESTER, 1, "Eddsa"],
    ]);
  });

  it("a contract that is not initialised answers its views with the Default panic", async () => {
    await mpcOperations["mpc-setup-signer"](net.options() as unknown as Record<string, unknown>, net.ctx);
    // a second contract account running the same stand-in code, never initialised
    net.chain.addAccount("v2.signer.localnet", { code: net.chain.account(CONTRACT)!.code });
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
