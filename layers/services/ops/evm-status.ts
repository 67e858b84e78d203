// `evm-status`: the destination chain's health as `health` and `status` read it, on the base host
// (the ops bundle's operation; payload {"rpcUrl","chainId","withinMs"?}). Read-only: eth_chainId
// must be the stack's, and eth_blockNumber must advance within withinMs (anvil mines one block
// every evmBlockTimeSeconds). A chain that does not answer is a result with ok:false, not an error.
import { connectEvm } from "../../../platform/evm/chain.js";
import { OpsError } from "../../../platform/near/errors.js";
import type { OperationTable } from "../../../platform/near/operation.js";

interface EvmStatus {
  ok: boolean;
  rpcUrl: string;
  chainId: number;
  /** eth_blockNumber at the first and the last reading. */
  from?: number;
  to?: number;
  detail: string;
}

const DEFAULT_WITHIN_MS = 15_000;

function parsePayload(p: Record<string, unknown>): { rpcUrl: string; chainId: number; withinMs: number } {
  const { rpcUrl, chainId, withinMs = DEFAULT_WITHIN_MS } = p;
  if (typeof rpcUrl !== "string" || !/^https?:\/\/\S+$/.test(rpcUrl))
    throw new OpsError("INVALID_INPUT", "evm-status payload: rpcUrl must be an http(s) URL");
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId < 1)
    throw new OpsError("INVALID_INPUT", "evm-status payload: chainId must be a positive integer");
  if (typeof withinMs !== "number" || !(withinMs > 0 && withinMs <= 120_000))
    throw new OpsError("INVALID_INPUT", "evm-status payload: withinMs must be in (0, 120000]");
  return { rpcUrl, chainId, withinMs };
}

async function evmStatus(
  p: { rpcUrl: string; chainId: number; withinMs: number },
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<EvmStatus> {
  const status: EvmStatus = { ok: false, rpcUrl: p.rpcUrl, chainId: p.chainId, detail: "" };
  try {
    const chain = await connectEvm(p.rpcUrl, p.chainId);
    const deadline = Date.now() + p.withinMs;
    status.from = Number(await chain.client.getBlockNumber({ cacheTime: 0 }));
    status.to = status.from;
    while (status.to === status.from && Date.now() < deadline) {
      await sleep(250);
      status.to = Number(await chain.client.getBlockNumber({ cacheTime: 0 }));
    }
    status.ok = status.to > status.from;
    status.detail = status.ok
      ? `chain ${p.chainId} at block ${status.to}, advancing`
      : `chain ${p.chainId} stayed at block ${status.from} for ${p.withinMs} ms`;
  } catch (e) {
    status.detail = (e as Error).message.split("\n")[0];
  }
  return status;
}

export const evmStatusOperations: OperationTable = {
  "evm-status": async (payload) => ({ ...(await evmStatus(parsePayload(payload))) }),
};
