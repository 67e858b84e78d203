// Transactions: nearcore's validation (runtime/runtime/src/verifier.rs: signature, block hash, signer,
// access key and its permission, nonce, balance), the charge, the conversion into the first action
// receipt, and the outcome views (a transaction is final once every receipt of it has executed).
import { sha256 } from "@noble/hashes/sha2.js";
import { baseEncode } from "near-api-js";
import type { VmAction } from "../near-vm/index.js";
import { storageShortfall, type AccessKeyRec } from "./accounts.js";
import type { DecodedTx } from "./borsh.js";
import { GAS_PRICE, type Chain, type ReceiptOutcome, type TxRecord } from "./chain.js";

/** The gas a transaction burns per action when it becomes a receipt (a plausible constant). */
const ACTION_GAS = 2_428_000_000_000n;
const MAX_TX_SIZE = 4 * 1024 * 1024;

export class TxError extends Error {
  constructor(readonly invalidTx: unknown) {
    super("invalid transaction");
  }
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

export function actionName(a: VmAction): string {
  return a.type === "FunctionCall" ? `FunctionCall:${a.methodName}` : a.type;
}

/** An action as nearcore's views show it (DeployContract: the base64 sha256 of the code). */
function actionView(a: VmAction): unknown {
  switch (a.type) {
    case "CreateAccount":
      return "CreateAccount";
    case "Transfer":
      return { Transfer: { deposit: a.deposit.toString() } };
    case "AddKey":
      return { AddKey: { public_key: a.publicKey, access_key: { nonce: Number(a.nonce), permission: a.permission } } };
    case "DeleteKey":
      return { DeleteKey: { public_key: a.publicKey } };
    case "DeployContract":
      return { DeployContract: { code: b64(sha256(a.code)) } };
    case "FunctionCall":
      return {
        FunctionCall: {
          method_name: a.methodName,
          args: b64(a.args),
          gas: Number(a.gas),
          deposit: a.deposit.toString(),
        },
      };
    case "DeleteAccount":
      return { DeleteAccount: { beneficiary_id: a.beneficiaryId } };
    case "Stake":
      return { Stake: { stake: a.stake.toString(), public_key: a.publicKey } };
  }
}

/** A function-call access key signs one FunctionCall without deposit, to its receiver and methods. */
function checkPermission(key: AccessKeyRec, actions: VmAction[], receiverId: string): void {
  if (key.permission === "FullAccess") return;
  const p = key.permission.FunctionCall;
  const a = actions[0];
  if (actions.length !== 1 || a.type !== "FunctionCall")
    throw new TxError({ InvalidAccessKeyError: "RequiresFullAccess" });
  if (a.deposit > 0n) throw new TxError({ InvalidAccessKeyError: "DepositWithFunctionCall" });
  if (receiverId !== p.receiver_id) {
    throw new TxError({
      InvalidAccessKeyError: { ReceiverMismatch: { tx_receiver: receiverId, ak_receiver: p.receiver_id } },
    });
  }
  if (p.method_names.length > 0 && !p.method_names.includes(a.methodName)) {
    throw new TxError({ InvalidAccessKeyError: { MethodNameMismatch: { method_name: a.methodName } } });
  }
}

function chargeAllowance(key: AccessKeyRec, cost: bigint, signerId: string, pk: string): void {
  if (key.permission === "FullAccess" || key.permission.FunctionCall.allowance === null) return;
  const allowance = BigInt(key.permission.FunctionCall.allowance);
  if (allowance < cost) {
    const info = { account_id: signerId, public_key: pk, allowance: allowance.toString(), cost: cost.toString() };
    throw new TxError({ InvalidAccessKeyError: { NotEnoughAllowance: info } });
  }
  key.permission.FunctionCall.allowance = (allowance - cost).toString();
}

export interface IncomingTx {
  tx: DecodedTx;
  hash: string;
  size: number;
  /** Another client "used" the nonce first (chain.injectInvalidNonce). */
  nonceStolen: boolean;
}

function validate(chain: Chain, t: IncomingTx): { key: AccessKeyRec; cost: bigint; burnt: bigint } {
  const { tx } = t;
  const pkStr = tx.publicKey.toString();
  if (t.size > MAX_TX_SIZE) throw new TxError({ TransactionSizeExceeded: { size: t.size, limit: MAX_TX_SIZE } });
  if (!tx.publicKey.verify(sha256(tx.txBytes), tx.signature.data)) throw new TxError("InvalidSignature");
  if (!chain.hasBlock(baseEncode(tx.blockHash))) throw new TxError("Expired");
  const signer = chain.accounts.get(tx.signerId);
  if (!signer) throw new TxError({ SignerDoesNotExist: { signer_id: tx.signerId } });
  const key = signer.keys.get(pkStr);
  if (!key) {
    throw new TxError({ InvalidAccessKeyError: { AccessKeyNotFound: { account_id: tx.signerId, public_key: pkStr } } });
  }
  if (t.nonceStolen && key.nonce < tx.nonce) key.nonce = tx.nonce;
  if (tx.nonce <= key.nonce) {
    throw new TxError({ InvalidNonce: { tx_nonce: Number(tx.nonce), ak_nonce: Number(key.nonce) } });
  }
  const deposits = tx.actions.reduce(
    (n, a) => n + (a.type === "Transfer" || a.type === "FunctionCall" ? a.deposit : 0n),
    0n,
  );
  const prepaid = tx.actions.reduce((n, a) => n + (a.type === "FunctionCall" ? a.gas : 0n), 0n);
  const burnt = ACTION_GAS * BigInt(Math.max(tx.actions.length, 1));
  const cost = deposits + (burnt + prepaid) * GAS_PRICE;
  chargeAllowance(key, cost, tx.signerId, pkStr);
  if (signer.amount < cost) {
    const info = { signer_id: tx.signerId, balance: signer.amount.toString(), cost: cost.toString() };
    throw new TxError({ NotEnoughBalance: info });
  }
  const short = storageShortfall({ ...signer, amount: signer.amount - cost });
  if (short > 0n) throw new TxError({ LackBalanceForState: { signer_id: tx.signerId, amount: short.toString() } });
  checkPermission(key, tx.actions, tx.receiverId);
  return { key, cost, burnt };
}

/** Validates and charges the transaction, then includes it in a new block and runs what it starts. */
export function acceptTransaction(chain: Chain, t: IncomingTx): TxRecord {
  const { tx } = t;
  const { key, cost, burnt } = validate(chain, t);
  key.nonce = tx.nonce;
  chain.accounts.get(tx.signerId)!.amount -= cost;
  const record: TxRecord = {
    hash: t.hash,
    signerId: tx.signerId,
    receiverId: tx.receiverId,
    view: {
      signer_id: tx.signerId,
      public_key: tx.publicKey.toString(),
      nonce: Number(tx.nonce),
      receiver_id: tx.receiverId,
      actions: tx.actions.map(actionView),
      priority_fee: 0,
      signature: `${tx.signature.keyType}:${baseEncode(tx.signature.data)}`,
      hash: t.hash,
    },
    blockHash: "",
    gasBurnt: burnt,
    receiptId: chain.newId("receipt"),
    outcomes: [],
    pending: 0,
    waiters: new Set(),
  };
  chain.txs.set(t.hash, record);
  chain.enqueue({
    id: record.receiptId,
    tx: record,
    predecessorId: tx.signerId,
    receiverId: tx.receiverId,
    signerId: tx.signerId,
    signerPublicKey: tx.publicKey.toString(),
    actions: tx.actions,
    inputDataIds: [],
    outputDataReceivers: [],
  });
  chain.produceBlock();
  record.blockHash = chain.head.hash;
  chain.drain();
  return record;
}

/** nearcore's final status: follow the receipt chain from the first receipt; "Started" while pending. */
function finalStatus(tx: TxRecord): unknown {
  const byId = new Map(tx.outcomes.map((o) => [o.id, o]));
  let id = tx.receiptId;
  for (;;) {
    const o = byId.get(id);
    if (!o) return "Started";
    if (!("SuccessReceiptId" in o.status)) return o.status;
    id = o.status.SuccessReceiptId;
  }
}

function receiptOutcomeView(o: ReceiptOutcome): unknown {
  return {
    proof: [],
    block_hash: o.blockHash,
    id: o.id,
    outcome: {
      logs: o.logs,
      receipt_ids: o.receiptIds,
      gas_burnt: Number(o.gasBurnt),
      tokens_burnt: (o.gasBurnt * GAS_PRICE).toString(),
      executor_id: o.executorId,
      status: o.status,
      metadata: { version: 3, gas_profile: [] },
    },
  };
}

/** nearcore's FinalExecutionOutcomeView (EXPERIMENTAL_tx_status adds `receipts`). */
export function outcomeView(tx: TxRecord, withReceipts: boolean): Record<string, unknown> {
  const view: Record<string, unknown> = {
    status: finalStatus(tx),
    transaction: tx.view,
    transaction_outcome: {
      proof: [],
      block_hash: tx.blockHash,
      id: tx.hash,
      outcome: {
        logs: [],
        receipt_ids: [tx.receiptId],
        gas_burnt: Number(tx.gasBurnt),
        tokens_burnt: (tx.gasBurnt * GAS_PRICE).toString(),
        executor_id: tx.signerId,
        status: { SuccessReceiptId: tx.receiptId },
        metadata: { version: 1, gas_profile: null },
      },
    },
    receipts_outcome: tx.outcomes.map(receiptOutcomeView),
  };
  if (withReceipts) view.receipts = [];
  return view;
}
