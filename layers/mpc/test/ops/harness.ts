// A fake localnet for the MPC operations: fake-nearcore (which runs the real signer wasm) with the
// root account, the pinned signer wasm served over loopback HTTP for the set-up to download, node
// keys as env: references, and simulated MPC nodes (test/support/mpc-nodes.ts) holding those keys.
import { KeyPair } from "near-api-js";
import { mpcOperations, type SignerPlanOptions } from "../../ops/index.js";
import type { OperationContext } from "../../../../platform/near/operation.js";
import { connect, view } from "../../../../platform/near/client.js";
import { contractSource, contractWasm } from "../../../../test/support/contracts.js";
import { FakeNearcore } from "../../../../test/support/fake-nearcore.js";
import { MpcNodes, type MpcNodeConfig } from "../../../../test/support/mpc-nodes.js";
import { FakeKeys, opContext } from "../../../../test/support/ops.js";
import { StaticServer } from "../../../../test/support/static-server.js";

export const NEAR = 10n ** 24n;
export const CONTRACT = "v1.signer.localnet";
export const signerWasm = { bytes: contractWasm("signer"), ...contractSource("signer") };

export interface Net {
  chain: FakeNearcore;
  files: StaticServer;
  root: KeyPair;
  nodeKeys: KeyPair[];
  p2pKeys: string[];
  /** The simulated MPC nodes, one per participant, with the node keys (they attest, run keygen, respond). */
  nodes: MpcNodes;
  /** The key source: ROOT_KEY and NODE<i>_KEY as env: references. */
  keys: FakeKeys;
  /** keys.env (live: a variable added later resolves too). */
  env: Record<string, string>;
  ctx: OperationContext;
  lines: Record<string, unknown>[];
  logs: string[];
  options: (over?: Partial<SignerPlanOptions>) => SignerPlanOptions;
  /** The contract's `state` view (JSON as the contract returns it). */
  state: (contractId?: string) => Promise<any>;
  /** Transactions applied since the last resetCounters that called `method`. */
  calls: (method: string) => number;
  close: () => Promise<void>;
}

export interface NetOptions {
  /** Per-node behaviour of the simulated nodes (attest, respond), by index. */
  behaviour?: Partial<Pick<MpcNodeConfig, "attest" | "respond">>[];
  /**
   * The contract account exists with the pinned code (and the root key, which signs init) before
   * the set-up runs, so the set-up deploys nothing: for suites about what comes after the deploy.
   * Signing and decoding the 1.2 MB deploy transaction costs seconds under jest.
   */
  predeployed?: boolean;
}

export async function startNet(n = 3, opts: NetOptions = {}): Promise<Net> {
  const files = await StaticServer.start({ "/signer.wasm": signerWasm.bytes });
  const chain = await FakeNearcore.start({ chainId: "localnet" });
  const root = chain.addAccount("localnet", { amount: 1_000_000n * NEAR });
  if (opts.predeployed) chain.addAccount(CONTRACT, { keyPair: root, amount: 60n * NEAR, code: signerWasm.bytes });
  const nodeKeys = Array.from({ length: n }, () => KeyPair.fromRandom("ed25519"));
  const p2pKeys = Array.from({ length: n }, () => KeyPair.fromRandom("ed25519").getPublicKey().toString());
  const nodes = new MpcNodes({
    chain,
    contractId: CONTRACT,
    nodes: nodeKeys.map((k, i) => ({
      accountId: node(i),
      accountKey: k,
      tlsPublicKey: p2pKeys[i],
      ...opts.behaviour?.[i],
    })),
  });
  const keys = new FakeKeys({ "env:ROOT_KEY": root });
  nodeKeys.forEach((k, i) => keys.set(`env:NODE${i}_KEY`, k));
  const { lines, logs, ...ctx } = opContext(keys);
  const options = (over: Partial<SignerPlanOptions> = {}): SignerPlanOptions => ({
    rpcUrl: chain.url,
    chainId: "localnet",
    rootKey: "env:ROOT_KEY",
    threshold: 2,
    wasm: { url: files.url("/signer.wasm"), sha256: signerWasm.sha256, size: signerWasm.size },
    nodes: nodeKeys.map((k, i) => ({
      accountPublicKey: k.getPublicKey().toString(),
      p2pPublicKey: p2pKeys[i],
      url: `http://10.0.1.${10 + i}:3000`,
    })),
    ...over,
  });
  const state = async (contractId = CONTRACT) => view(await connect(chain.url, { pollMs: 5 }), contractId, "state");
  const calls = (method: string) =>
    chain.appliedTransactions.filter((t) => t.actions.includes(`FunctionCall:${method}`)).length;
  return {
    chain,
    files,
    root,
    nodeKeys,
    p2pKeys,
    nodes,
    keys,
    env: keys.env,
    ctx,
    lines,
    logs,
    options,
    state,
    calls,
    close: async () => {
      nodes.stop();
      await chain.close();
      await files.close();
    },
  };
}

/** The set-up operation (accounts, the real wasm, init) with the net's options. */
export async function setUpSigner(net: Net, over: Partial<SignerPlanOptions> = {}): Promise<Record<string, unknown>> {
  return mpcOperations["mpc-setup-signer"](net.options(over) as unknown as Record<string, unknown>, net.ctx);
}

/** mpc-vote-domains for node i, with its own key. */
export async function vote(net: Net, i: number, over: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return mpcOperations["mpc-vote-domains"](
    { rpcUrl: net.chain.url, accountId: node(i), key: `env:NODE${i}_KEY`, ...over },
    net.ctx,
  );
}

/** Every node votes (the product operation); the last vote moves the contract to Initializing. */
export async function voteAll(net: Net, over: Record<string, unknown> = {}): Promise<void> {
  for (let i = 0; i < net.nodeKeys.length; i++) await vote(net, i, over);
}

/** Set-up, attestations, every node's vote and keygen by the nodes: Running with keys. */
export async function runningWithKeys(net: Net, over: Record<string, unknown> = {}): Promise<void> {
  await setUpSigner(net);
  await net.nodes.attest();
  await voteAll(net, over);
  const s = await net.nodes.keygen();
  if (!s?.Running) throw new Error(`keygen did not finish: ${JSON.stringify(s).slice(0, 300)}`);
}

export { fails } from "../../../../test/support/ops.js";

export const node = (i: number) => `mpc-node-${i}.localnet`;
