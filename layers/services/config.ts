// Layer 2's configuration: the faucet (its port, the NEAR it holds and hands out, and the limits that
// keep a flood of requests from draining it or the host) and the destination chain (evm/config.ts).
import { fullKey, type ConfigReader } from "../../platform/config/reader.js";
import { EVM_DEFAULTS, readEvmConfig, type EvmConfig } from "./evm/config.js";

export interface ServicesConfig {
  faucetPort: number;
  faucetBalanceNear: string;
  faucetMaxPerRequestNear: string;
  faucetMaxPerAccountNear: string;
  /** NEAR the faucet pays out in any rolling hour, all clients together. */
  faucetNearPerHourNear: string;
  /** NEAR it pays out in any rolling hour for one client address. */
  faucetClientNearPerHourNear: string;
  /** Requests that may wait for a transaction at once; more are answered 503. */
  faucetQueueLength: number;
  faucetMaxConnections: number;
  /** Bounds on receiving a request's headers and the whole request (not on the faucet's answer). */
  faucetHeadersTimeoutSeconds: number;
  faucetRequestTimeoutSeconds: number;
  evm: EvmConfig;
}

/** What a new account gets from the faucet when near-cli-rs asks for one. */
const FAUCET_INITIAL_BALANCE_NEAR = "10";

export const SERVICES_DEFAULTS = {
  faucetPort: 3031,
  faucetBalanceNear: "100000",
  faucetMaxPerRequestNear: "100",
  faucetMaxPerAccountNear: "1000",
  faucetNearPerHourNear: "1000",
  faucetClientNearPerHourNear: "200",
  faucetQueueLength: 16,
  faucetMaxConnections: 64,
  faucetHeadersTimeoutSeconds: 10,
  faucetRequestTimeoutSeconds: 30,
  ...EVM_DEFAULTS,
};

/** Reports `key` unless its yocto amount is at least `minYocto` (the other key's). */
function atLeast(
  r: ConfigReader,
  key: string,
  near: string,
  yocto: string,
  other: string,
  otherNear: string,
  otherYocto: string,
) {
  if (BigInt(yocto) < BigInt(otherYocto))
    r.bad(key, near, `must be at least ${fullKey(other)} (${otherNear})`, otherNear);
}

export function readServicesConfig(r: ConfigReader): ServicesConfig {
  const d = SERVICES_DEFAULTS;
  const [faucetBalanceNear] = r.near("faucetBalance", d.faucetBalanceNear, d.faucetBalanceNear);
  const near = (key: string, def: string) => r.near(key, def, def);
  const [perRequest, perRequestYocto] = near("faucetMaxPerRequest", d.faucetMaxPerRequestNear);
  const [perAccount, perAccountYocto] = near("faucetMaxPerAccount", d.faucetMaxPerAccountNear);
  const [perHour, perHourYocto] = near("faucetNearPerHour", d.faucetNearPerHourNear);
  const [clientPerHour, clientPerHourYocto] = near("faucetClientNearPerHour", d.faucetClientNearPerHourNear);
  const initialYocto = (BigInt(FAUCET_INITIAL_BALANCE_NEAR) * 10n ** 24n).toString();
  if (BigInt(perRequestYocto) < BigInt(initialYocto))
    r.bad(
      "faucetMaxPerRequest",
      perRequest,
      `must be at least a new account's ${FAUCET_INITIAL_BALANCE_NEAR} NEAR`,
      "100",
    );
  atLeast(r, "faucetMaxPerAccount", perAccount, perAccountYocto, "faucetMaxPerRequest", perRequest, perRequestYocto);
  // A request over the hourly limits could never be paid.
  atLeast(
    r,
    "faucetClientNearPerHour",
    clientPerHour,
    clientPerHourYocto,
    "faucetMaxPerRequest",
    perRequest,
    perRequestYocto,
  );
  atLeast(r, "faucetNearPerHour", perHour, perHourYocto, "faucetClientNearPerHour", clientPerHour, clientPerHourYocto);
  const headers = r.int("faucetHeadersTimeoutSeconds", d.faucetHeadersTimeoutSeconds, 1, 300, "10");
  const request = r.int("faucetRequestTimeoutSeconds", d.faucetRequestTimeoutSeconds, 1, 600, "30");
  // node:http refuses a headers timeout above the request timeout
  if (headers > request) {
    const why = `must be at most ${fullKey("faucetRequestTimeoutSeconds")} (${request})`;
    r.bad("faucetHeadersTimeoutSeconds", headers, why, String(request));
  }
  // its port against the base host's others: layers/config.ts checkPorts
  const evm = readEvmConfig(r);
  return {
    faucetPort: r.int("faucetPort", d.faucetPort, 1024, 65535, "3031"),
    faucetBalanceNear,
    faucetMaxPerRequestNear: perRequest,
    faucetMaxPerAccountNear: perAccount,
    faucetNearPerHourNear: perHour,
    faucetClientNearPerHourNear: clientPerHour,
    faucetQueueLength: r.int("faucetQueueLength", d.faucetQueueLength, 1, 1000, "16"),
    faucetMaxConnections: r.int("faucetMaxConnections", d.faucetMaxConnections, 1, 10000, "64"),
    faucetHeadersTimeoutSeconds: headers,
    faucetRequestTimeoutSeconds: request,
    evm,
  };
}

/** The faucet's limits as its operation takes them (layers/services/ops/faucet.ts FaucetConfig). */
export function faucetLimitSettings(s: Omit<ServicesConfig, "evm">) {
  return {
    initialBalance: `${FAUCET_INITIAL_BALANCE_NEAR} NEAR`,
    maxPerRequest: `${s.faucetMaxPerRequestNear} NEAR`,
    maxPerAccount: `${s.faucetMaxPerAccountNear} NEAR`,
    nearPerHour: `${s.faucetNearPerHourNear} NEAR`,
    clientNearPerHour: `${s.faucetClientNearPerHourNear} NEAR`,
    queueLength: s.faucetQueueLength,
    maxConnections: s.faucetMaxConnections,
    headersTimeoutMs: s.faucetHeadersTimeoutSeconds * 1000,
    requestTimeoutMs: s.faucetRequestTimeoutSeconds * 1000,
  };
}
