// The fake chain: accounts, blocks, receipts and yields. A transaction becomes one action receipt,
// executed in the block that includes it; the receipts its calls create run in later blocks, each
// once every receipt it depends on has delivered its result (nearcore's data receipts). Blocks are
// produced on demand: one per accepted transaction, then one per round while receipts are ready.
import { sha256 } from "@noble/hashes/sha2.js";
import { baseEncode } from "near-api-js";
import { EMPTY_CODE_HASH } from "../../../platform/near/code-hash.js";
import type { PromiseResult, VmAction } from "../near-vm/index.js";
import { cloneAccount, type AccountRec } from "./accounts.js";
import { applyReceipt } from "./apply.js";

export const GAS_PRICE = 100_000_000n;
/** nearcore core/parameters runtime config yield_timeout_length_in_blocks (unchanged through 2.13.3). */
export const YIELD_TIMEOUT_BLOCKS = 200;

export interface Block {
  height: number;
  hash: string;
  prevHash: string;
  timestampNs: bigint;
}

/** Every executed FunctionCall action, as onFunctionCall listeners see it. */
export interface FunctionCallEvent {
  receiverId: string;
  methodName: string;
  args: Uint8Array;
  /** The arguments parsed as JSON; undefined when they are not JSON. */
  argsJson: unknown;
  predecessorId: string;
  signerId: string;
  blockHeight: number;
  /** Whether the receipt (atomic: all its actions) succeeded. */
  ok: boolean;
  /** The failure, e.g. "Smart contract panicked: ..." (nearcore's ExecutionError text). */
  error?: string;
  receiptId: string;
  txHash: string;
}

export type ExecStatus =
  | { SuccessValue: string }
  | { SuccessReceiptId: string }
  | { Failure: { ActionError: { index: number | null; kind: unknown } } };

export interface ReceiptOutcome {
  id: string;
  blockHash: string;
  logs: string[];
  receiptIds: string[];
  gasBurnt: bigint;
  executorId: string;
  status: ExecStatus;
}

export interface TxRecord {
  hash: string;
  signerId: string;
  receiverId: string;
  /** The `transaction` field of nearcore's outcome view. */
  view: unknown;
  blockHash: string;
  gasBurnt: bigint;
  receiptId: string;
  outcomes: ReceiptOutcome[];
  /** Action receipts of this transaction not executed yet (yielded callbacks included). */
  pending: number;
  waiters: Set<() => void>;
}

export interface Receipt {
  id: string;
  tx: TxRecord;
  predecessorId: string;
  receiverId: string;
  signerId: string;
  signerPublicKey: string;
  actions: VmAction[];
  inputDataIds: string[];
  outputDataReceivers: { dataId: string; receiverId: string }[];
}

interface YieldRec {
  accountId: string;
  expiresAt: number;
}

export class Chain {
  readonly accounts = new Map<string, AccountRec>();
  readonly blocks: Block[] = [];
  readonly txs = new Map<string, TxRecord>();
  /**
   * Stakes below this fail with InsufficientStake: nearcore's minimum is the seat price divided by
   * minimum_stake_divisor (10), and `neard init`'s localnet validator stakes 50 000 000 NEAR.
   */
  minimumStake = 5_000_000n * 10n ** 24n;
  private ready: Receipt[] = [];
  private waiting: Receipt[] = [];
  private readonly data = new Map<string, PromiseResult>();
  readonly yields = new Map<string, YieldRec>();
  private readonly listeners = new Set<(e: FunctionCallEvent) => void>();
  private counter = 0;
  private readonly blockHashes = new Set<string>();

  constructor(readonly chainId: string) {
    this.pushBlock();
  }

  /** Accounts (deep copies) and blocks of another chain: a copy of its state, without its transactions. */
  copyFrom(other: { accounts: Map<string, AccountRec>; blocks: Block[] }): void {
    this.accounts.clear();
    for (const [id, a] of other.accounts) this.accounts.set(id, cloneAccount(a));
    this.blocks.splice(0, this.blocks.length, ...other.blocks);
    this.blockHashes.clear();
    for (const b of other.blocks) this.blockHashes.add(b.hash);
  }

  get head(): Block {
    return this.blocks[this.blocks.length - 1];
  }

  private pushBlock(): void {
    const prev = this.blocks.at(-1);
    const height = prev ? prev.height + 1 : 1;
    const hash = baseEncode(sha256(Buffer.from(`${this.chainId}:block:${height}`)));
    this.blocks.push({
      height,
      hash,
      prevHash: prev?.hash ?? EMPTY_CODE_HASH,
      timestampNs: 1_700_000_000_000_000_000n + BigInt(height) * 1_000_000_000n,
    });
    this.blockHashes.add(hash);
  }

  /** Whether a block of this chain has the hash (a transaction names a recent block). */
  hasBlock(hash: string): boolean {
    return this.blockHashes.has(hash);
  }

  newId(kind: string): string {
    this.counter++;
    return baseEncode(sha256(Buffer.from(`${kind}:${this.counter}:${this.head.hash}`)));
  }

  newDataId(): Uint8Array {
    this.counter++;
    return sha256(Buffer.from(`data:${this.counter}:${this.chainId}`));
  }

  /** Queues a new action receipt: ready once all its input data is there. */
  enqueue(r: Receipt): void {
    r.tx.pending++;
    if (r.inputDataIds.every((d) => this.data.has(d))) this.ready.push(r);
    else this.waiting.push(r);
  }

  /** A receipt's result (or a yield's payload / timeout) reaches the receipts waiting for it. */
  deliver(dataId: string, result: PromiseResult): void {
    if (this.data.has(dataId)) return;
    this.data.set(dataId, result);
    const now = this.waiting.filter((r) => r.inputDataIds.every((d) => this.data.has(d)));
    this.waiting = this.waiting.filter((r) => !now.includes(r));
    this.ready.push(...now);
  }

  promiseResults(r: Receipt): PromiseResult[] {
    return r.inputDataIds.map((d) => this.data.get(d)!);
  }

  registerYield(dataId: string, accountId: string): void {
    this.yields.set(dataId, { accountId, expiresAt: this.head.height + YIELD_TIMEOUT_BLOCKS });
  }

  resumeYield(dataId: string, payload: Uint8Array): void {
    if (!this.yields.delete(dataId)) return;
    this.deliver(dataId, { status: "successful", value: payload });
  }

  /** One block: yields that expire at this height fail their callbacks; every ready receipt runs. */
  produceBlock(): void {
    this.pushBlock();
    const height = this.head.height;
    for (const [dataId, y] of [...this.yields]) {
      if (y.expiresAt > height) continue;
      this.yields.delete(dataId);
      this.deliver(dataId, { status: "failed" });
    }
    const batch = this.ready;
    this.ready = [];
    for (const r of batch) this.run(r);
  }

  /** Blocks until no receipt is ready (yields may still wait). */
  drain(): void {
    while (this.ready.length > 0) this.produceBlock();
  }

  private run(r: Receipt): void {
    applyReceipt(this, r);
    r.tx.pending--;
    if (r.tx.pending === 0) for (const w of [...r.tx.waiters]) w();
  }

  onFunctionCall(listener: (e: FunctionCallEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Tells the listeners; one that throws fails the test (rethrown outside block production). */
  emit(e: FunctionCallEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
