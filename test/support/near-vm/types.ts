// The shapes the test runtime exchanges with its caller (fake-nearcore): the context of one
// function call, what the runtime asks the chain for, and what a call leaves behind.

/** An access key's permission, as nearcore's views show it. */
export type AccessKeyPermission =
  "FullAccess" | { FunctionCall: { allowance: string | null; receiver_id: string; method_names: string[] } };

/** One action of a receipt (from a transaction or a promise batch). Public keys in NEAR string form. */
export type VmAction =
  | { type: "CreateAccount" }
  | { type: "DeployContract"; code: Uint8Array }
  | { type: "FunctionCall"; methodName: string; args: Uint8Array; deposit: bigint; gas: bigint; gasWeight: bigint }
  | { type: "Transfer"; deposit: bigint }
  | { type: "Stake"; stake: bigint; publicKey: string }
  | { type: "AddKey"; publicKey: string; nonce: bigint; permission: AccessKeyPermission }
  | { type: "DeleteKey"; publicKey: string }
  | { type: "DeleteAccount"; beneficiaryId: string };

/** A receipt a call created (a promise batch), in creation order; `dependsOn` indexes this list. */
export interface NewReceipt {
  receiverId: string;
  actions: VmAction[];
  dependsOn: number[];
  /** A yielded callback (promise_yield_create): it waits for the data id instead of receipts. */
  yield?: { dataId: Uint8Array; resumedWith?: Uint8Array };
}

/** The result of a receipt a callback depends on; `failed` for a failed receipt or a yield timeout. */
export type PromiseResult = { status: "successful"; value: Uint8Array } | { status: "failed" };

export interface VmContext {
  currentAccountId: string;
  signerAccountId: string;
  /** borsh PublicKey: 1 byte key type (0 ed25519, 1 secp256k1) + the key bytes. */
  signerAccountPk: Uint8Array;
  predecessorAccountId: string;
  input: Uint8Array;
  blockHeight: bigint;
  blockTimestamp: bigint;
  epochHeight: bigint;
  /** The account's balance before the call (without the attached deposit). */
  accountBalance: bigint;
  accountLockedBalance: bigint;
  storageUsage: bigint;
  attachedDeposit: bigint;
  prepaidGas: bigint;
  randomSeed: Uint8Array;
  isView: boolean;
  promiseResults: PromiseResult[];
}

/** What a call reads from the chain. */
export interface VmExternal {
  storageGet(key: Uint8Array): Uint8Array | undefined;
  /** A fresh 32-byte data id for a yield. */
  newDataId(): Uint8Array;
  /** Whether `accountId` has a yield waiting for `dataId` (created by an earlier receipt). */
  yieldWaiting(accountId: string, dataId: Uint8Array): boolean;
}

export type ReturnData = { kind: "none" } | { kind: "value"; value: Uint8Array } | { kind: "receipt"; index: number };

/** How a call failed, in nearcore's terms (runtime/near-vm-runner/src/logic/errors.rs). */
export interface VmFailure {
  kind: "HostError" | "WasmTrap" | "MethodResolveError" | "CompilationError";
  /** The variant's Debug form, e.g. `GuestPanic { panic_msg: "x" }`, `MethodNotFound`. */
  debug: string;
  /** Its Display form, e.g. "Smart contract panicked: x". */
  message: string;
  /** The variant name and fields (for the structured JSON of MethodResolveError / CompilationError). */
  json: unknown;
}

export interface VmOutcome {
  failure?: VmFailure;
  returnData: ReturnData;
  logs: string[];
  receipts: NewReceipt[];
  /** promise_yield_resume of yields created by earlier receipts. */
  resumed: { dataId: Uint8Array; payload: Uint8Array }[];
  /** Storage changes (key bytes as latin1 text; null removes); apply only when the call succeeded. */
  storage: Map<string, Uint8Array | null>;
  /** The account balance after the call: before + deposit - what the promises attached. */
  balance: bigint;
  storageUsage: bigint;
  burntGas: bigint;
  /** Burnt gas plus the gas handed to the receipts the call created. */
  usedGas: bigint;
}
