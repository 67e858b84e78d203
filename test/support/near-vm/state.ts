// The state of one function call while it runs: registers and memory, the promises and receipts it
// creates, storage changes in an overlay, balance, storage usage and gas (nearcore's VMLogic and
// ExecutionResultState, runtime/near-vm-runner/src/logic/logic.rs).
import { hostErrors } from "./errors.js";
import { Memory, Registers } from "./memory.js";
import type { NewReceipt, ReturnData, VmContext, VmExternal, VmFailure, VmOutcome } from "./types.js";

/** nearcore storage_usage_config.num_extra_bytes_record: the per-record overhead of a state entry. */
export const STORAGE_RECORD_OVERHEAD = 40n;
/**
 * The gas every call burns, whatever it does: the test runtime does not meter wasm. Small enough for
 * the smallest callback the pinned contracts schedule (the signer's fail_on_timeout gets 2 Tgas).
 */
export const CALL_BURNT_GAS = 1_000_000_000_000n;

type PromiseEntry = { receipt: number } | { joint: number[] };

export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("latin1");
}

export class CallState {
  readonly registers = new Registers();
  readonly memory = new Memory(this.registers);
  readonly logs: string[] = [];
  returnData: ReturnData = { kind: "none" };
  readonly promises: PromiseEntry[] = [];
  readonly receipts: NewReceipt[] = [];
  readonly resumed: { dataId: Uint8Array; payload: Uint8Array }[] = [];
  readonly storage = new Map<string, Uint8Array | null>();
  balance: bigint;
  storageUsage: bigint;
  burnt = 0n;
  used = 0n;

  constructor(
    readonly ctx: VmContext,
    readonly ext: VmExternal,
  ) {
    this.balance = ctx.accountBalance + ctx.attachedDeposit;
    this.storageUsage = ctx.storageUsage;
  }

  /** Host functions that change state or read the caller fail in views as nearcore's do. */
  notInView(method: string): void {
    if (this.ctx.isView) throw hostErrors.prohibitedInView(method);
  }

  burn(gas: bigint): void {
    this.burnt += gas;
    this.prepay(gas);
  }

  /** Reserves gas for a receipt this call creates (nearcore's prepay_gas); running out burns it all. */
  prepay(gas: bigint): void {
    this.used += gas;
    if (this.used > this.ctx.prepaidGas) {
      this.burnt = this.ctx.prepaidGas;
      throw hostErrors.gasExceeded();
    }
  }

  deduct(amount: bigint): void {
    if (this.balance < amount) throw hostErrors.balanceExceeded();
    this.balance -= amount;
  }

  storageRead(key: Uint8Array): Uint8Array | undefined {
    const k = latin1(key);
    if (this.storage.has(k)) return this.storage.get(k) ?? undefined;
    return this.ext.storageGet(key);
  }

  storageSet(key: Uint8Array, value: Uint8Array | null): void {
    this.storage.set(latin1(key), value);
  }

  pushPromise(entry: PromiseEntry): bigint {
    this.promises.push(entry);
    return BigInt(this.promises.length - 1);
  }

  pushReceipt(receipt: NewReceipt): bigint {
    this.receipts.push(receipt);
    return this.pushPromise({ receipt: this.receipts.length - 1 });
  }

  promise(idx: bigint): PromiseEntry {
    const p = idx < BigInt(this.promises.length) ? this.promises[Number(idx)] : undefined;
    if (!p) throw hostErrors.invalidPromiseIndex(idx);
    return p;
  }

  /** The receipt a batch action appends to; joint promises (promise_and) take no actions. */
  receiptOf(idx: bigint): NewReceipt {
    const p = this.promise(idx);
    if (!("receipt" in p)) throw hostErrors.jointPromise();
    return this.receipts[p.receipt];
  }

  /** nearcore's compute_outcome: unused gas goes to the function calls that carry a gas weight. */
  private distributeGas(): void {
    const weighted = this.receipts.flatMap((r) =>
      r.actions.filter((a) => a.type === "FunctionCall" && a.gasWeight > 0n),
    ) as Extract<NewReceipt["actions"][number], { type: "FunctionCall" }>[];
    const unused = this.ctx.prepaidGas - this.used;
    if (weighted.length === 0 || unused <= 0n) return;
    const total = weighted.reduce((n, a) => n + a.gasWeight, 0n);
    let given = 0n;
    weighted.forEach((a, i) => {
      const share = i === weighted.length - 1 ? unused - given : (unused * a.gasWeight) / total;
      a.gas += share;
      given += share;
    });
    this.used = this.ctx.prepaidGas;
  }

  outcome(failure?: VmFailure): VmOutcome {
    if (failure) {
      return {
        failure,
        returnData: { kind: "none" },
        logs: this.logs,
        receipts: [],
        resumed: [],
        storage: new Map(),
        balance: this.ctx.accountBalance + this.ctx.attachedDeposit,
        storageUsage: this.ctx.storageUsage,
        burntGas: this.burnt,
        usedGas: this.burnt,
      };
    }
    this.distributeGas();
    const { returnData, logs, receipts, resumed, storage, balance, storageUsage } = this;
    return {
      returnData,
      logs,
      receipts,
      resumed,
      storage,
      balance,
      storageUsage,
      burntGas: this.burnt,
      usedGas: this.used,
    };
  }
}
