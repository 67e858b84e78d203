// The destination EVM chain as the operations see it: a JSON-RPC endpoint with a chain id, a
// funded dev account whose private key is read on the instance, and the few calls the sign test
// makes. viem does the requests; this module adds the bounds and the error texts.
import { createPublicClient, getAddress, http, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { eip1559Transfer, type UnsignedTransfer } from "./transaction.js";

export interface EvmChain {
  rpcUrl: string;
  chainId: number;
  client: PublicClient;
}

/** A dev account's private key: 0x and 64 hex digits. The message never quotes the value. */
export function parseDevKey(secret: string, where: string): Hex {
  const t = secret.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(t)) throw new Error(`the value behind ${where} is not a 0x-prefixed 32-byte hex key`);
  return t as Hex;
}

/** Connects and checks the chain id; throws naming the URL when it does not answer or serves another chain. */
export async function connectEvm(rpcUrl: string, expectChainId: number, timeoutMs = 10_000): Promise<EvmChain> {
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 1 }) });
  let chainId: number;
  try {
    chainId = await client.getChainId();
  } catch (e) {
    throw new Error(`the EVM chain at ${rpcUrl} does not answer eth_chainId: ${(e as Error).message.split("\n")[0]}`);
  }
  if (chainId !== expectChainId)
    throw new Error(`the EVM chain at ${rpcUrl} has chain id ${chainId}, expected ${expectChainId}`);
  return { rpcUrl, chainId, client };
}

/** A transfer from `from` with its next nonce and the node's EIP-1559 fee estimate. */
export async function nextTransfer(c: EvmChain, from: Address, to: Address, value: bigint): Promise<UnsignedTransfer> {
  const [nonce, fees] = await Promise.all([
    c.client.getTransactionCount({ address: from, blockTag: "pending" }),
    c.client.estimateFeesPerGas({ type: "eip1559", chain: null }),
  ]);
  return eip1559Transfer({
    chainId: c.chainId,
    nonce,
    to,
    value,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
  });
}

export interface MinedTransaction {
  hash: Hex;
  from: Address;
  blockNumber: bigint;
  status: "success" | "reverted";
}

/** Broadcasts a signed transaction and waits for its receipt. */
export async function sendAndWait(c: EvmChain, signed: Hex, timeoutMs: number): Promise<MinedTransaction> {
  const hash = await c.client.sendRawTransaction({ serializedTransaction: signed });
  const r = await c.client.waitForTransactionReceipt({ hash, timeout: timeoutMs, pollingInterval: 250 });
  return { hash, from: getAddress(r.from), blockNumber: r.blockNumber, status: r.status };
}

/**
 * When `address` holds less than `atLeast`, the dev account tops it up to `topUpTo` (one transfer
 * of the difference); undefined when nothing was needed. A re-run after a failure converges.
 */
export async function fundFromDevAccount(
  c: EvmChain,
  f: { devKey: Hex; address: Address; atLeast: bigint; topUpTo: bigint; timeoutMs: number },
): Promise<MinedTransaction | undefined> {
  const balance = await c.client.getBalance({ address: f.address });
  if (balance >= f.atLeast) return undefined;
  const dev = privateKeyToAccount(f.devKey);
  const target = f.topUpTo > f.atLeast ? f.topUpTo : f.atLeast;
  const tx = await nextTransfer(c, dev.address, f.address, target - balance);
  return sendAndWait(c, await dev.signTransaction(tx), f.timeoutMs);
}

/** What a transaction can cost its sender at most: value + gas x maxFeePerGas. */
export function maxCost(tx: UnsignedTransfer): bigint {
  return (tx.value ?? 0n) + (tx.gas ?? 0n) * (tx.maxFeePerGas ?? 0n);
}

/** The dev account's address (public) from its key. */
export function devAddress(devKey: Hex): Address {
  return privateKeyToAccount(devKey).address;
}
