// Layer 2's stack output `services`: what index.ts exports and what the driver reads back.
import { isObject, optionalString } from "../outputs.js";
import { parseEvmOutputs, type EvmExport } from "./evm/outputs.js";

/**
 * The `services` output as the program exports it. What Layer 2's operations establish is undefined until they
 * have run (a per-layer `up` of Layer 1 skips them), so the driver never takes Layer 2 for deployed before it is.
 */
export interface ServicesExport {
  /** accountId -> expected (pinned) on-chain code hash, once the contracts are deployed. */
  contracts: Record<string, string> | undefined;
  /** http://<base private ip>:<faucet port>, once the faucet was started. */
  faucetUrl: string | undefined;
  /** The account that pays the faucet's top-ups (faucet.<root>). */
  faucetAccountId: string;
  /** The destination EVM chain, once started (undefined with destinationChain "none"). */
  evm: EvmExport | undefined;
}

export interface ServicesOutputs {
  contracts: Record<string, string>;
  faucetUrl?: string;
  faucetAccountId?: string;
  evm?: EvmExport;
}

export function parseServicesOutputs(v: unknown, problems: string[]): ServicesOutputs | undefined {
  if (!isObject(v)) return undefined;
  const contracts: Record<string, string> = {};
  if (isObject(v.contracts)) {
    for (const [account, hash] of Object.entries(v.contracts)) {
      if (typeof hash === "string") contracts[account] = hash;
      else problems.push(`services.contracts["${account}"] is not a code hash string`);
    }
  } else if (v.contracts !== undefined) {
    problems.push("services.contracts is not an object of account -> code hash");
  }
  return {
    contracts,
    faucetUrl: optionalString(v, "faucetUrl"),
    faucetAccountId: optionalString(v, "faucetAccountId"),
    ...(v.evm === undefined ? {} : { evm: parseEvmOutputs(v.evm, problems) }),
  };
}
