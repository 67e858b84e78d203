// The signer set-up against the real signer contract (near/mpc 3.14.1 wasm in fake-nearcore).
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mpcOperations, signerPlan, SIGNER_CODE_HASH, SIGNER_WASM, type SignerPlanOptions } from "../../ops/index.js";
import { codeHashOf } from "../../../../test/support/fake-nearcore.js";
import { fakeWasm } from "../../../../test/support/static-server.js";
import { CONTRACT, NEAR, fails, node, startNet, voteAll, type Net } from "./harness.js";

let net: Net;
beforeEach(async () => {
  net = await startNet(3);
});
afterEach(async () => {
  await net.close();
});

const setup = (opts: SignerPlanOptions) =>
  mpcOperations["mpc-setup-signer"](opts as unknown as Record<string, unknown>, net.ctx);

async function rpc(url: string, method: string, params: unknown): Promise<any> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: unknown };
  if (!body.result) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

describe("signerPlan", () => {
  it("accounts funded for the contract's storage, the pinned wasm, each node with its own key", () => {
    const opts = net.options();
    delete opts.wasm;
    const sp = signerPlan({ ...opts, rpcUrl: undefined, chainId: undefined });
    expect(sp.plan).toEqual({
      keys: { localnet: "env:ROOT_KEY", "signer.localnet": "env:ROOT_KEY", "v1.signer.localnet": "env:ROOT_KEY" },
      steps: [
        { kind: "account", accountId: "signer.localnet", creator: "localnet", balance: (65n * NEAR).toString() },
        ...[0, 1, 2].map((i) => ({
          kind: "account",
          accountId: node(i),
          creator: "localnet",
          balance: "50 NEAR",
          publicKey: net.nodeKeys[i].getPublicKey().toString(),
          functionCallOn: CONTRACT,
        })),
        // last, and initialised in the transaction that creates and deploys it
        {
          kind: "deploy",
          accountId: "v1.signer.localnet",
          creator: "signer.localnet",
          balance: (60n * NEAR).toString(),
          wasm: SIGNER_WASM,
          init: { method: "init", args: sp.init.args, gas: "300000000000000" },
        },
      ],
    });
    expect(sp.init.contractId).toBe(CONTRACT);
    expect(sp.init.signerAccountId).toBe(CONTRACT);
    expect(sp.init.args.parameters.participants.participants.map((t) => t[0])).toEqual([node(0), node(1), node(2)]);
    expect(sp.nodeAccountIds).toEqual([node(0), node(1), node(2)]);
    expect(sp.codeHash).toBe("F8NqkFhF97BxjYrweg3hFFhdH57k4qgqoPdLDwP6H9dL");
  });

  it("rejects a contract balance that cannot hold the code, shared node keys, foreign node accounts", () => {
    const pinned = net.options({ balances: { contract: "11 NEAR" } });
    delete pinned.wasm;
    expect(() => signerPlan(pinned)).toThrow(
      "the contract balance 11 NEAR cannot pay for the 1182130-byte code's storage (11.8213 NEAR)",
    );
    const small = fakeWasm(20_000);
    const smallWasm = { url: "http://127.0.0.1:1/small.wasm", sha256: small.sha256, size: small.size };
    expect(() => signerPlan(net.options({ balances: { contract: "0.2 NEAR" }, wasm: smallWasm }))).toThrow(
      "20000-byte code's storage (0.2 NEAR)",
    );
    expect(
      signerPlan(net.options({ balances: { contract: "0.3 NEAR" }, wasm: smallWasm })).plan.steps.at(-1),
    ).toMatchObject({ balance: (3n * NEAR) / 10n + "" });
    const opts = net.options();
    opts.nodes[2].accountPublicKey = opts.nodes[0].accountPublicKey;
    expect(() => signerPlan(opts)).toThrow("share the same account key");
    const other = net.options();
    other.nodes[1].accountId = "mpc-node-1.other.localnet";
    expect(() => signerPlan(other)).toThrow("must be a direct sub-account of localnet");
  });
});

describe("mpc-setup-signer", () => {
  it("creates the accounts, deploys the contract and initialises it with the participants", async () => {
    const r = await setup(net.options());
    expect(r).toMatchObject({
      chainId: "localnet",
      contractId: CONTRACT,
      nodeAccountIds: [node(0), node(1), node(2)],
      // created, deployed and initialised in one transaction; the guarded init then finds it done
      init: { action: "unchanged", phase: "Running" },
      transactions: 5,
    });
    expect(net.lines.map((l) => [l.target, l.action])).toEqual([
      ["signer.localnet", "created"],
      [node(0), "created"],
      [node(1), "created"],
      [node(2), "created"],
      [CONTRACT, "created"],
      [`${CONTRACT}.init`, "unchanged"],
    ]);
    const created = net.chain.appliedTransactions.find((t) => t.actions.includes("FunctionCall:init"))!;
    expect(created.actions).toEqual(["CreateAccount", "Transfer", "AddKey", "DeployContract", "FunctionCall:init"]);
    const contract = net.chain.account(CONTRACT)!;
    expect(contract.codeHash).toBe(SIGNER_CODE_HASH);
    expect(contract.amount).toBeGreaterThanOrEqual(59n * NEAR);
    for (let i = 0; i < 3; i++) {
      expect(net.chain.account(node(i))!.publicKeys).toEqual([net.nodeKeys[i].getPublicKey().toString()]);
      expect(net.chain.account(node(i))!.amount).toBe(50n * NEAR);
      // the node's key may only call the contract (any method, no allowance limit), as nodes do
      const key = await rpc(net.chain.url, "query", {
        request_type: "view_access_key",
        finality: "final",
        account_id: node(i),
        public_key: net.nodeKeys[i].getPublicKey().toString(),
      });
      expect(key.permission).toEqual({ FunctionCall: { allowance: null, receiver_id: CONTRACT, method_names: [] } });
    }
    // the init call came in signer.<root>'s transaction that created the contract, with the 3.14.1 shape
    expect(created.signerId).toBe("signer.localnet");
    expect(net.calls("init")).toBe(1);
    const state = await net.state();
    expect(state.Running.parameters).toEqual({
      threshold: 2,
      participants: {
        next_id: 3,
        participants: [0, 1, 2].map((i) => [
          node(i),
          i,
          { tls_public_key: net.p2pKeys[i], url: `http://10.0.1.${10 + i}:3000` },
        ]),
      },
    });
    expect(state.Running.domains).toEqual({ domains: [], next_domain_id: 0 });
    expect(state.Running.keyset).toEqual({ epoch_id: 0, domains: [] });
  });

  it("a re-run sends nothing", async () => {
    await setup(net.options());
    net.chain.resetCounters();
    net.lines.length = 0;
    const r = await setup(net.options());
    expect(r.transactions).toBe(0);
    expect(r.init).toEqual({ action: "unchanged", contractId: CONTRACT, phase: "Running" });
    expect(net.chain.txCount).toBe(0);
    expect(net.lines.every((l) => l.action === "unchanged")).toBe(true);
  });

  it("an invalid threshold is refused before any request reaches the chain", async () => {
    net.chain.resetCounters();
    const e = await fails(setup(net.options({ threshold: 1 })));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toContain("threshold 1 is below the minimum of 2");
    expect(net.chain.requests).toEqual([]);
    const e2 = await fails(setup({ ...net.options(), nodes: net.options().nodes.slice(0, 1) }));
    expect(e2.message).toContain("exceeds the number of participants (1)");
  });
});

// The contract account already holds the pinned code (the set-up leaves it alone): the checks
// that follow the deploy, without a 1.2 MB deploy transaction each.
describe("mpc-setup-signer on an existing contract account", () => {
  beforeEach(async () => {
    await net.close();
    net = await startNet(3, { predeployed: true });
  });

  it("a re-run after keygen (other phase, same participants) sends nothing", async () => {
    await setup(net.options());
    await voteAll(net, { schemes: ["secp256k1"] });
    expect(Object.keys(await net.state())).toEqual(["Initializing"]);
    net.chain.resetCounters();
    const r = await setup(net.options());
    expect(r.init).toEqual({ action: "unchanged", contractId: CONTRACT, phase: "Initializing" });
    expect(net.chain.txCount).toBe(0);
  });

  it("initialised with different participants: a clear error naming both, and nothing is sent", async () => {
    await setup(net.options());
    net.chain.resetCounters();
    const changed = net.options();
    changed.nodes[1].url = "http://10.0.9.99:3000";
    const e = await fails(setup(changed));
    expect(e.code).toBe("CHECK_FAILED");
    expect(e.message).toContain(`${CONTRACT} is already initialised (Running) with different participants`);
    expect(e.message).toContain(`#1 ${node(1)} http://10.0.1.11:3000 ${net.p2pKeys[1]}`); // on-chain
    expect(e.message).toContain(`#1 ${node(1)} http://10.0.9.99:3000 ${net.p2pKeys[1]}`); // configured
    expect(e.details?.onChain).toBeDefined();
    expect(net.chain.txCount).toBe(0);

    const e2 = await fails(setup(net.options({ threshold: 3 })));
    expect(e2.message).toMatch(/on-chain threshold 2, .*configured threshold 3/);
    expect(net.chain.txCount).toBe(0);
  });

  it("refuses to redeploy over an initialised contract running other code", async () => {
    await setup(net.options());
    net.chain.resetCounters();
    const other = fakeWasm(2_000);
    const e = await fails(
      setup(net.options({ wasm: { url: net.files.url("/other.wasm"), sha256: other.sha256, size: other.size } })),
    );
    expect(e.code).toBe("CHECK_FAILED");
    expect(e.message).toContain(
      `${CONTRACT} runs code ${SIGNER_CODE_HASH} with initialised state, ` +
        `not the pinned signer release (code hash ${codeHashOf(other.bytes)})`,
    );
    expect(net.chain.txCount).toBe(0);
  });

  it("a node account that exists with another key stops the set-up before init", async () => {
    net.chain.addAccount(node(1), { amount: 10n * NEAR });
    const e = await fails(setup(net.options()));
    expect(e.code).toBe("ACCOUNT_KEY_MISMATCH");
    expect(e.message).toContain(node(1));
    expect(net.calls("init")).toBe(0);
  });
});
