/**
 * The faucet (layers/services/ops/faucet.ts) as the tests run it: on a free loopback port over a fake chain, the
 * parent "localnet" signing with `parentKey` (read as env:ROOT_KEY from a FakeKeys), 10 NEAR for a
 * new account, at most 20 NEAR a request and 25 NEAR an account; `overrides` changes any of it.
 *
 *   const faucet = await startTestFaucet(chain, chain.addAccount("localnet", { amount }));
 */
import type { KeyPair } from "near-api-js";
import { startFaucet, type FaucetConfig, type FaucetHandle } from "../../layers/services/ops/faucet.js";
import type { FakeNearcore } from "./fake-nearcore.js";
import { FakeKeys } from "./ops.js";

export function startTestFaucet(
  chain: FakeNearcore,
  parentKey: KeyPair | string,
  overrides: Partial<FaucetConfig> = {},
): Promise<FaucetHandle> {
  return startFaucet(
    {
      rpcUrl: chain.url,
      chainId: "localnet",
      listen: { host: "127.0.0.1", port: 0 },
      parentKey: "env:ROOT_KEY",
      initialBalance: "10 NEAR",
      maxPerRequest: "20 NEAR",
      maxPerAccount: "25 NEAR",
      ...overrides,
    },
    { keys: new FakeKeys({ "env:ROOT_KEY": parentKey }).resolver(), connectOptions: { pollMs: 10 } },
  );
}
