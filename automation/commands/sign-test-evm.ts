// The sign test's Ethereum leg as the `sign-test` command asks for it (layers/mpc/ops/sign-test/evm.ts
// runs it on the base host): the payload section from the stack's destination chain, and its lines
// in the report.
import type { StackOutputs } from "../../layers/outputs.js";
import type { EvmLegReport } from "../../layers/mpc/ops/sign-test/evm.js";
import { evmLoopbackUrl } from "../../layers/services/evm/outputs.js";

/** Funding, fees and the receipt on top of the sign request itself, seconds. */
export const EVM_LEG_SECONDS = 120;

/**
 * The "evm" payload section: the chain on the base host's loopback (the operation runs there,
 * with the host's network), its chain id, the dev key by reference. `wanted` true requires a
 * destination chain, undefined takes it when the stack has one, false never.
 */
export function evmLegPayload(outputs: StackOutputs, wanted: boolean | undefined): Record<string, unknown> | undefined {
  if (wanted === false) return undefined;
  const evm = outputs.services?.evm;
  if (!evm) {
    if (wanted === undefined) return undefined;
    throw new Error(
      "the stack exports no destination chain (services.evm): set near-localnet:destinationChain evm and deploy Layer 2 (npm run automate -- up)",
    );
  }
  return { rpcUrl: evmLoopbackUrl(evm), chainId: evm.chainId, devKeyRef: `ssm:${evm.devKeyParameter}` };
}

/** The report's lines: the verdict, the addresses and hashes, each step's latency. */
export function renderEvmLeg(e: EvmLegReport): string[] {
  const steps = e.steps.map((s) => `${s.step} ${s.latencyMs} ms`).join(", ");
  const lines = [`ethereum (chain ${e.chainId}, domain ${e.domainId}): ${e.ok ? "mined" : "FAILED"}: ${e.detail}`];
  if (e.address) lines.push(`  derived address ${e.address}${e.sender ? `, sender ${e.sender}` : ""}`);
  if (e.txHash)
    lines.push(`  tx ${e.txHash} in block ${e.blockNumber}${e.fundTxHash ? `, funded by ${e.fundTxHash}` : ""}`);
  if (steps) lines.push(`  steps: ${steps}`);
  return lines;
}
