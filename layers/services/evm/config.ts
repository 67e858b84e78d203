// Layer 2's destination chain: a dev EVM chain (Foundry's anvil) on the base host, for the sign
// test's Ethereum leg and the users' dApps. `destinationChain: none` leaves it out.
import type { ConfigReader } from "../../../platform/config/reader.js";
import { EVM_RPC_PORT } from "../../../platform/evm/ports.js";

const DESTINATION_CHAINS = ["evm", "none"] as const;
type DestinationChain = (typeof DESTINATION_CHAINS)[number];

export interface EvmConfig {
  destinationChain: DestinationChain;
  chainId: number;
  port: number;
  blockTimeSeconds: number;
  /** What the dev account holds on a fresh chain, in ether. */
  devBalanceEther: number;
}

/** 31337: anvil's own default chain id (wallets and tools know it as the local dev chain). */
export const EVM_DEFAULTS = {
  destinationChain: "evm" as DestinationChain,
  evmChainId: 31337,
  evmPort: EVM_RPC_PORT,
  evmBlockTimeSeconds: 2,
  evmDevBalance: 1_000_000,
};

export function readEvmConfig(r: ConfigReader): EvmConfig {
  const d = EVM_DEFAULTS;
  const chain = r.str(
    "destinationChain",
    d.destinationChain,
    (v) => (DESTINATION_CHAINS as readonly string[]).includes(v),
    `must be one of ${DESTINATION_CHAINS.join(", ")}`,
    "evm",
  ) as DestinationChain;
  return {
    destinationChain: chain,
    // EIP-155 chain ids are integers; JSON numbers in wallets and tools stay exact below 2^52
    chainId: r.int("evmChainId", d.evmChainId, 1, 4503599627370476, "31337"),
    port: r.int("evmPort", d.evmPort, 1024, 65535, "8545"),
    blockTimeSeconds: r.int("evmBlockTimeSeconds", d.evmBlockTimeSeconds, 1, 60, "2"),
    devBalanceEther: r.int("evmDevBalance", d.evmDevBalance, 1, 1_000_000_000, "1000000"),
  };
}
