/**
 * The faucet (layers/services/ops/faucet.ts) as the tests run it: on a free loopback port over a
 * chain as Layer 2 leaves it (test/support/layer2.ts), configured as layers/services/component.ts
 * renders it: the faucet's own account (faucet.localnet, its key read by reference) creates
 * `<name>.localnet` accounts through the linkdrop contract on the root "localnet" and pays top-ups;
 * 10 NEAR for a new account, at most 20 NEAR a request and 25 NEAR an account; `overrides` changes
 * any of it.
 *
 *   const l2 = await layer2Chain();
 *   const faucet = await startTestFaucet(l2);
 */
import { startFaucet, type FaucetConfig, type FaucetHandle } from "../../layers/services/ops/faucet.js";
import { contractWasm } from "./contracts.js";
import { codeHashOf } from "./fake-nearcore.js";
import { FAUCET_ACCOUNT, FAUCET_KEY_REF, type Layer2Chain } from "./layer2.js";

export function startTestFaucet(
  l2: Layer2Chain,
  overrides: Partial<FaucetConfig> = {},
  deps: { now?: () => number } = {},
): Promise<FaucetHandle> {
  return startFaucet(
    {
      rpcUrl: l2.chain.url,
      chainId: "localnet",
      listen: { host: "127.0.0.1", port: 0 },
      parentAccountId: "localnet",
      parentCodeHash: codeHashOf(contractWasm("linkdrop")),
      accountId: FAUCET_ACCOUNT,
      key: FAUCET_KEY_REF,
      initialBalance: "10 NEAR",
      maxPerRequest: "20 NEAR",
      maxPerAccount: "25 NEAR",
      ...overrides,
    },
    { keys: l2.keys.resolver(), connectOptions: { pollMs: 10 }, ...deps },
  );
}
