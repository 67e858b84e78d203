// Layer 2's configuration: the faucet (its port and the NEAR it holds and hands out) and the
// destination chain (evm/config.ts).
import { fullKey, type ConfigReader } from "../../platform/config/reader.js";
import { EVM_DEFAULTS, readEvmConfig, type EvmConfig } from "./evm/config.js";

export interface ServicesConfig {
  faucetPort: number;
  faucetBalanceNear: string;
  faucetMaxPerRequestNear: string;
  faucetMaxPerAccountNear: string;
  evm: EvmConfig;
}

export const SERVICES_DEFAULTS = {
  faucetPort: 3031,
  faucetBalanceNear: "100000",
  faucetMaxPerRequestNear: "100",
  faucetMaxPerAccountNear: "1000",
  ...EVM_DEFAULTS,
};

export function readServicesConfig(r: ConfigReader): ServicesConfig {
  const d = SERVICES_DEFAULTS;
  const [faucetBalanceNear] = r.near("faucetBalance", d.faucetBalanceNear, d.faucetBalanceNear);
  const [faucetMaxPerRequestNear, perRequestYocto] = r.near(
    "faucetMaxPerRequest",
    d.faucetMaxPerRequestNear,
    d.faucetMaxPerRequestNear,
  );
  const [faucetMaxPerAccountNear, perAccountYocto] = r.near(
    "faucetMaxPerAccount",
    d.faucetMaxPerAccountNear,
    d.faucetMaxPerAccountNear,
  );
  if (BigInt(perAccountYocto) < BigInt(perRequestYocto)) {
    const why = `must be at least ${fullKey("faucetMaxPerRequest")} (${faucetMaxPerRequestNear})`;
    r.bad("faucetMaxPerAccount", faucetMaxPerAccountNear, why, faucetMaxPerRequestNear);
  }
  const faucetPort = r.int("faucetPort", d.faucetPort, 1024, 65535, "3031");
  // its port against the base host's others: layers/config.ts checkPorts
  const evm = readEvmConfig(r);
  return { faucetPort, faucetBalanceNear, faucetMaxPerRequestNear, faucetMaxPerAccountNear, evm };
}
