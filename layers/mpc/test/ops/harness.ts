// A fake localnet for the MPC operations: fake-nearcore with the root account, a stand-in signer
// wasm (served over loopback HTTP, registered with the signer contract model, NotInitialized until
// the set-up's init), node keys as env: references.
import { KeyPair } from "near-api-js";
import { type SignerPlanOptions } from "../../ops/index.js";
import type { OperationContext } from "../../../../platform/near/operation.js";
import { FakeNearcore, codeHashOf } from "../../../../test/support/fake-nearcore.js";
import { FakeKeys, opContext } from "../../../../test/support/ops.js";
import { StaticServer, fakeWasm } from "../../../../test/support/static-server.js";
import { SignerContractModel } from "../../../../test/support/signer-contract-model.js";

export const NEAR = 10n ** 24n;
export const CONTRACT = "v1.signer.localnet";
// a smaller stand-in than the real 1,182,130 bytes: signing and decoding a 1.2 MB deploy costs
// seconds per run in the fake, and nothing here depends on the size beyond the storage check
export const wasm = fakeWasm(20_000);

export interface Net {
  chain: FakeNearcore;
  files: StaticServer;
  model: SignerContractModel;
  root: KeyPair;
  nodeKeys: KeyPair[];
  p2pKeys: string[];
  /** The key source: ROOT_KEY and NODE<i>_KEY as env: references. */
  keys: FakeKeys;
  /** keys.env (live: a variable added later resolves too). */
  env: Record<string, string>;
  ctx: OperationContext;
  lines: Record<string, unknown>[];
  logs: string[];
  options: (over?: Partial<SignerPlanOptions>) => SignerPlanOptions;
  close: () => Promise<void>;
}

export async function startNet(n = 3): Promise<Net> {
  const files = await StaticServer.start({ "/signer.wasm": wasm.bytes });
  const chain = await FakeNearcore.start({ chainId: "localnet" });
  const root = chain.addAccount("localnet", { amount: 1_000_000n * NEAR });
  const model = new SignerContractModel();
  chain.registerContract(codeHashOf(wasm.bytes), model.behaviour());
  model.attach(chain, CONTRACT);
  const nodeKeys = Array.from({ length: n }, () => KeyPair.fromRandom("ed25519"));
  const p2pKeys = Array.from({ length: n }, () => KeyPair.fromRandom("ed25519").getPublicKey().toString());
  const keys = new FakeKeys({ "env:ROOT_KEY": root });
  nodeKeys.forEach((k, i) => keys.set(`env:NODE${i}_KEY`, k));
  const { lines, logs, ...ctx } = opContext(keys);
  const options = (over: Partial<SignerPlanOptions> = {}): SignerPlanOptions => ({
    rpcUrl: chain.url,
    chainId: "localnet",
    rootKey: "env:ROOT_KEY",
    threshold: 2,
    wasm: { url: files.url("/signer.wasm"), sha256: wasm.sha256, size: wasm.size },
    nodes: nodeKeys.map((k, i) => ({
      accountPublicKey: k.getPublicKey().toString(),
      p2pPublicKey: p2pKeys[i],
      url: `http://10.0.1.${10 + i}:3000`,
    })),
    ...over,
  });
  return {
    chain,
    files,
    model,
    root,
    nodeKeys,
    p2pKeys,
    keys,
    env: keys.env,
    ctx,
    lines,
    logs,
    options,
    close: async () => {
      await chain.close();
      await files.close();
    },
  };
}

export { fails } from "../../../../test/support/ops.js";

export const node = (i: number) => `mpc-node-${i}.localnet`;
