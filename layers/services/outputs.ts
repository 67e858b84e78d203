// Layer 2's stack output `services`: what index.ts exports and what the driver reads back.
import { isObject, optionalString } from "../outputs.js";

/** The `services` output as the program exports it. */
export interface ServicesExport {
  /** accountId -> expected (pinned) on-chain code hash. */
  contracts: Record<string, string>;
  /** http://<base private ip>:<faucet port> */
  faucetUrl: string;
  /** The account that pays the faucet's top-ups (faucet.<root>). */
  faucetAccountId: string;
}

export type ServicesOutputs = Pick<ServicesExport, "contracts"> & Partial<Omit<ServicesExport, "contracts">>;

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
  };
}
