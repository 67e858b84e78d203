/**
 * A fake chain as Layer 2 leaves it: the root account "localnet", then the Layer 2 plan
 * (platform/near/plan.ts coreContractsPlan, with the faucet account and key references
 * layers/services/component.ts passes) applied on the real whitelist, staking pool factory, w_near
 * and linkdrop (on the root) wasm. Applying costs about a second under jest: it runs once per test file and each call
 * gets a copy of the resulting chain.
 *
 *   const l2 = await layer2Chain();
 *   l2.chain                        // FakeNearcore (close it)
 *   l2.root, l2.faucet              // the KeyPairs of localnet and faucet.localnet
 *   l2.keys                         // FakeKeys holding them under ROOT_KEY_REF / FAUCET_KEY_REF
 */
import { KeyPair } from "near-api-js";
import { apply, coreContractsPlan } from "../../platform/near/plan.js";
import { CoreContractFiles } from "./core-contract-files.js";
import { FakeNearcore, type ChainSnapshot } from "./fake-nearcore.js";
import { FakeKeys } from "./ops.js";

/** The key references the program renders for Layer 2 (layers/services/component.ts). */
const ROOT_KEY_REF = "ssm:/near-localnet/localnet-account-key";
export const FAUCET_KEY_REF = "ssm:/near-localnet/faucet-key";
export const FAUCET_ACCOUNT = "faucet.localnet";

const NEAR = 10n ** 24n;

export interface Layer2Chain {
  chain: FakeNearcore;
  root: KeyPair;
  faucet: KeyPair;
  keys: FakeKeys;
}

let built: Promise<{ snapshot: ChainSnapshot; root: KeyPair; faucet: KeyPair }> | undefined;

async function build(): Promise<{ snapshot: ChainSnapshot; root: KeyPair; faucet: KeyPair }> {
  const chain = await FakeNearcore.start({ chainId: "localnet" });
  const files = await CoreContractFiles.start();
  try {
    const root = chain.addAccount("localnet", { amount: 1_000_000_000n * NEAR });
    const faucet = KeyPair.fromRandom("ed25519");
    const keys = new FakeKeys({ [ROOT_KEY_REF]: root, [FAUCET_KEY_REF]: faucet });
    const plan = coreContractsPlan({
      rootKey: ROOT_KEY_REF,
      chainId: "localnet",
      rpcUrl: chain.url,
      wasm: {
        whitelist: files.source("whitelist"),
        poolv1: files.source("poolv1"),
        wrap: files.source("wrap"),
        linkdrop: files.source("linkdrop"),
      },
      // the services layer's defaults: 100 000 NEAR for the faucet (layers/services/config.ts)
      faucet: {
        accountId: FAUCET_ACCOUNT,
        balance: "100000 NEAR",
        key: FAUCET_KEY_REF,
        publicKey: faucet.getPublicKey().toString(),
      },
    });
    await apply(plan, { keys: keys.resolver(), emit: () => {}, connectOptions: { pollMs: 10 } });
    return { snapshot: chain.snapshot(), root, faucet };
  } finally {
    await files.close();
    await chain.close();
  }
}

export async function layer2Chain(): Promise<Layer2Chain> {
  built ??= build();
  const { snapshot, root, faucet } = await built;
  const chain = await FakeNearcore.start({ from: snapshot });
  return { chain, root, faucet, keys: new FakeKeys({ [ROOT_KEY_REF]: root, [FAUCET_KEY_REF]: faucet }) };
}
