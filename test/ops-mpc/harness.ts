// A fake localnet for the MPC operations: fake-nearcore with the root account, a stand-in signer
// wasm (served over loopback HTTP, registered with the SignerModel), node keys as env: references.
import { KeyPair } from "near-api-js";
import { KeyResolver } from "../../ops/keys.js";
import { type SignerPlanOptions } from "../../ops/mpc/index.js";
import type { MpcOpContext } from "../../ops/mpc/operations.js";
import { OpsError } from "../../ops/errors.js";
import { FakeNearcore, codeHashOf } from "../support/fake-nearcore.js";
import { StaticServer, fakeWasm } from "../support/static-server.js";
import { SignerModel } from "./signer-model.js";

export const NEAR = 10n ** 24n;
export const CONTRACT = "v1.signer.localnet";
// a smaller stand-in than the real 1,182,130 bytes: signing and decoding a 1.2 MB deploy costs
// seconds per run in the fake, and nothing here depends on the size beyond the storage check
export const wasm = fakeWasm(20_000);

export interface Net {
  chain: FakeNearcore;
  files: StaticServer;
  model: SignerModel;
  root: KeyPair;
  nodeKeys: KeyPair[];
  p2pKeys: string[];
  env: Record<string, string>;
  ctx: MpcOpContext;
  lines: Record<string, unknown>[];
  logs: string[];
  options: (over?: Partial<SignerPlanOptions>) => SignerPlanOptions;
  close: () => Promise<void>;
}

export async function startNet(n = 3): Promise<Net> {
  const files = await StaticServer.start({ "/signer.wasm": wasm.bytes });
  const chain = await FakeNearcore.start({ chainId: "localnet" });
  const root = chain.addAccount("localnet", { amount: 1_000_000n * NEAR });
  const model = new SignerModel();
  chain.registerContract(codeHashOf(wasm.bytes), model.behaviour);
  model.bind(chain, CONTRACT);
  const nodeKeys = Array.from({ length: n }, () => KeyPair.fromRandom("ed25519"));
  const p2pKeys = Array.from({ length: n }, () => KeyPair.fromRandom("ed25519").getPublicKey().toString());
  const env: Record<string, string> = { ROOT_KEY: root.toString() };
  nodeKeys.forEach((k, i) => (env[`NODE${i}_KEY`] = k.toString()));
  const lines: Record<string, unknown>[] = [];
  const logs: string[] = [];
  const ctx: MpcOpContext = {
    keys: new KeyResolver({ env }),
    emit: (l) => void lines.push(l),
    log: (m) => void logs.push(m),
    connectOptions: { pollMs: 10 },
  };
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
    env,
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

export async function fails(p: Promise<unknown>): Promise<OpsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OpsError) return e;
    throw e;
  }
  throw new Error("expected an OpsError");
}

export const node = (i: number) => `mpc-node-${i}.localnet`;
