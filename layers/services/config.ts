// Layer 2's configuration: the faucet (its port and the NEAR it holds and hands out).
import { fullKey, type ConfigReader } from "../../platform/config/reader.js";

export interface ServicesConfig {
  faucetPort: number;
  faucetBalanceNear: string;
  faucetMaxPerRequestNear: string;
  faucetMaxPerAccountNear: string;
}

export const SERVICES_DEFAULTS = {
  faucetPort: 3031,
  faucetBalanceNear: "100000",
  faucetMaxPerRequestNear: "100",
  faucetMaxPerAccountNear: "1000",
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
  return {
    faucetPort: r.int("faucetPort", d.faucetPort, 1024, 65535, "3031"),
    faucetBalanceNear,
    faucetMaxPerRequestNear,
    faucetMaxPerAccountNear,
  };
}
