// The sign test's Ethereum leg: the tester spends from the address its secp256k1 domain derives,
// on the stack's destination EVM chain, with a transaction the signer contract signed:
//   connect    eth_chainId must be the payload's chain id
//   build      an EIP-1559 transfer of valueWei back to the dev account, with the node's fees
//   fund       when the derived address cannot pay that transfer, the dev account tops it up to
//              fundWei (skipped when it can)
//   sign       `sign` on the contract with the transaction's signing hash as payload_v2.Ecdsa
//   assemble   r, s and recovery_id (as the y-parity) into the signed transaction; its recovered
//              sender must be the derived address before anything is broadcast
//   broadcast  eth_sendRawTransaction, then the receipt: status success, from = the derived address
// Like the rest of the sign test, a failing step is data in the report (ok:false, the step and the
// reason), not an error.
//
// Payload section "evm": {"rpcUrl","chainId","devKeyRef","fundWei"?,"valueWei"?,"receiptTimeoutSeconds"?}
import { getAddress, isAddressEqual, type Address } from "viem";
import { actions } from "near-api-js";
import {
  SIGN_DEPOSIT_YOCTO,
  SIGN_GAS,
  buildSignArgs,
  ethereumAddress,
  parseSignSuccessValue,
  toHex,
  type ChainSigPublicKey,
  type EcdsaSignResponse,
} from "../../../../platform/chainsig/index.js";
import { sendTransaction, type NearConnection, type Signer } from "../../../../platform/near/client.js";
import { OpsError } from "../../../../platform/near/errors.js";
import type { KeyResolver } from "../../../../platform/near/keys.js";
import { parseKeyRef } from "../../../../platform/near/keys.js";
import {
  connectEvm,
  devAddress,
  fundFromDevAccount,
  maxCost,
  nextTransfer,
  parseDevKey,
  sendAndWait,
  type EvmChain,
} from "../../../../platform/evm/chain.js";
import { assembleSignedTransaction, recoverSender, signingHash } from "../../../../platform/evm/transaction.js";

export interface EvmLegPayload {
  rpcUrl: string;
  chainId: number;
  devKeyRef: string;
  fundWei: bigint;
  valueWei: bigint;
  receiptTimeoutSeconds: number;
}

/** 0.01 ether: many transfers' worth of gas at a dev chain's fees. */
const DEFAULT_FUND_WEI = 10n ** 16n;
const DEFAULT_VALUE_WEI = 1n;
const DEFAULT_RECEIPT_TIMEOUT_SECONDS = 60;

type EvmStep = "connect" | "build" | "fund" | "sign" | "assemble" | "broadcast";

export interface EvmLegReport {
  ok: boolean;
  rpcUrl: string;
  chainId: number;
  domainId: number;
  /** The Ethereum address of the tester's derived secp256k1 key. */
  address?: string;
  fundTxHash?: string;
  /** The hash the contract signed (hex). */
  signingHash?: string;
  /** The NEAR transaction of the `sign` call. */
  signTxHash?: string;
  /** The Ethereum transaction that spent from the derived address. */
  txHash?: string;
  blockNumber?: string;
  /** The sender the signed transaction recovers to (and the receipt names). */
  sender?: string;
  /** Latency of each step that ran, milliseconds. */
  steps: { step: EvmStep; latencyMs: number }[];
  /** The step that failed, when one did. */
  failedStep?: EvmStep;
  detail: string;
}

function bad(message: string): never {
  throw new OpsError("INVALID_INPUT", `sign-test payload: evm.${message}`);
}

function wei(v: unknown, where: string, fallback: bigint): bigint {
  if (v === undefined) return fallback;
  if (typeof v !== "string" || !/^[0-9]{1,78}$/.test(v)) bad(`${where} must be a decimal string of wei`);
  return BigInt(v);
}

export function parseEvmLegPayload(raw: unknown): EvmLegPayload {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) bad("must be an object");
  const o = raw as Record<string, unknown>;
  const allowed = ["rpcUrl", "chainId", "devKeyRef", "fundWei", "valueWei", "receiptTimeoutSeconds"];
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length) bad(`has unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(", ")}`);
  if (typeof o.rpcUrl !== "string" || !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(o.rpcUrl))
    bad("rpcUrl must be an http(s) URL");
  if (typeof o.chainId !== "number" || !Number.isSafeInteger(o.chainId) || o.chainId < 1)
    bad("chainId must be a positive integer");
  if (typeof o.devKeyRef !== "string" || /^0x/i.test(o.devKeyRef))
    bad('devKeyRef must be a key reference "ssm:<name>", "secretsmanager:<id>" or "env:<VAR>"');
  parseKeyRef(o.devKeyRef);
  const t = o.receiptTimeoutSeconds ?? DEFAULT_RECEIPT_TIMEOUT_SECONDS;
  if (typeof t !== "number" || !(t > 0 && t <= 3600)) bad("receiptTimeoutSeconds must be in (0, 3600]");
  const valueWei = wei(o.valueWei, "valueWei", DEFAULT_VALUE_WEI);
  const fundWei = wei(o.fundWei, "fundWei", DEFAULT_FUND_WEI);
  if (fundWei <= valueWei) bad("fundWei must be more than valueWei (the rest pays the gas)");
  return { rpcUrl: o.rpcUrl, chainId: o.chainId, devKeyRef: o.devKeyRef, fundWei, valueWei, receiptTimeoutSeconds: t };
}

export interface EvmLegContext {
  conn: NearConnection;
  keys: KeyResolver;
  contractId: string;
  path: string;
  tester: Signer;
  domainId: number;
  /** The tester's derived secp256k1 key (checked against the contract's derived_public_key). */
  derivedKey: ChainSigPublicKey;
  log: (message: string) => void;
  now?: () => number;
}

/** `sign` on the contract for a 32-byte hash; the ECDSA answer. */
async function signHash(c: EvmLegContext, hash: Uint8Array): Promise<{ response: EcdsaSignResponse; txHash: string }> {
  const args = buildSignArgs({ path: c.path, domainId: c.domainId, kind: "Ecdsa", payload: hash });
  const r = await sendTransaction(c.conn, c.tester, c.contractId, [
    actions.functionCall("sign", args, SIGN_GAS, SIGN_DEPOSIT_YOCTO),
  ]);
  const value = (r.outcome?.status as Record<string, unknown> | undefined)?.SuccessValue;
  if (typeof value !== "string") throw new Error("the sign transaction succeeded without a SuccessValue");
  const response = parseSignSuccessValue(value);
  if (response.scheme !== "Secp256k1")
    throw new Error(`domain ${c.domainId} answered with a ${response.scheme} signature`);
  return { response, txHash: r.txHash };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/** Runs the Ethereum leg; never throws for a failing step (the report says which and why). */
export async function evmLeg(p: EvmLegPayload, c: EvmLegContext): Promise<EvmLegReport> {
  const now = c.now ?? Date.now;
  const report: EvmLegReport = {
    ok: false,
    rpcUrl: p.rpcUrl,
    chainId: p.chainId,
    domainId: c.domainId,
    steps: [],
    detail: "",
  };
  const timed = async <T>(step: EvmStep, f: () => Promise<T>): Promise<T> => {
    const t0 = now();
    try {
      return await f();
    } catch (e) {
      report.failedStep = step;
      throw e;
    } finally {
      report.steps.push({ step, latencyMs: now() - t0 });
    }
  };
  const address: Address = getAddress(ethereumAddress(c.derivedKey));
  report.address = address;
  const timeoutMs = p.receiptTimeoutSeconds * 1000;
  try {
    const devKey = parseDevKey(await c.keys.resolveText(p.devKeyRef), p.devKeyRef);
    const chain: EvmChain = await timed("connect", () => connectEvm(p.rpcUrl, p.chainId));
    const tx = await timed("build", () => nextTransfer(chain, address, devAddress(devKey), p.valueWei));
    const funding = { devKey, address, atLeast: maxCost(tx), topUpTo: p.fundWei, timeoutMs };
    const funded = await timed("fund", () => fundFromDevAccount(chain, funding));
    if (funded) report.fundTxHash = funded.hash;
    c.log(`evm: ${address} ${funded ? `funded by ${funded.hash}` : "holds enough"} on chain ${p.chainId}`);
    const hash = signingHash(tx);
    report.signingHash = toHex(hash);
    const { response, txHash } = await timed("sign", () => signHash(c, hash));
    report.signTxHash = txHash;
    const signed = await timed("assemble", async () => assembleSignedTransaction(tx, response));
    const sender = await recoverSender(signed);
    report.sender = sender;
    if (!isAddressEqual(sender, address)) {
      report.failedStep = "assemble";
      report.detail = `the signed transaction recovers to ${sender}, not the derived address ${address}`;
      return report;
    }
    const mined = await timed("broadcast", () => sendAndWait(chain, signed, timeoutMs));
    Object.assign(report, { txHash: mined.hash, blockNumber: mined.blockNumber.toString(), sender: mined.from });
    report.ok = mined.status === "success" && isAddressEqual(mined.from, address);
    report.detail = report.ok
      ? `transfer from ${address} mined in block ${mined.blockNumber}`
      : `transaction ${mined.hash} ${mined.status} with sender ${mined.from}`;
  } catch (e) {
    if (e instanceof OpsError && !report.failedStep) throw e; // the dev key is missing or malformed: cannot run
    report.detail = `${report.failedStep ?? "evm"}: ${firstLine(e)}`;
  }
  return report;
}
