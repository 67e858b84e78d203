// Errors with stable codes: the CLI prints them as {"code","message"} in its result line and the
// Pulumi/driver side keys on the code. Messages name the accounts and keys involved, never a
// secret.
import {
  AccountAlreadyExistsActionError,
  ContractExecutionError,
  HostGuestPanicError,
  InvalidNonceError,
  LackBalanceForStateActionError,
  NotEnoughBalanceError,
  TransactionTimeoutError,
} from "near-api-js/rpc-errors";

export type OpsErrorCode =
  | "ACCOUNT_KEY_MISMATCH"
  | "ACCOUNT_NOT_FOUND"
  | "ACCOUNT_EXISTS"
  | "INSUFFICIENT_BALANCE"
  | "CONTRACT_PANIC"
  | "RPC_UNREACHABLE"
  | "RPC_ERROR"
  | "TIMEOUT"
  | "WASM_CHECKSUM_MISMATCH"
  | "WASM_DOWNLOAD_FAILED"
  | "KEY_REF_INVALID"
  | "KEY_NOT_FOUND"
  | "KEY_INVALID"
  | "CHAIN_ID_MISMATCH"
  | "CHECK_FAILED"
  | "POSTCONDITION_FAILED"
  | "TX_FAILED"
  | "INVALID_INPUT"
  | "FAUCET_LIMIT"
  | "FAUCET_REJECTED"
  | "FAUCET_UNAVAILABLE"
  | "UNATTESTED"
  | "INTERNAL";

export class OpsError extends Error {
  constructor(
    readonly code: OpsErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "OpsError";
  }
}

/** The message inside nearcore's legacy view error "…GuestPanic { panic_msg: \"…\" }…". */
function guestPanicMessage(text: string): string | undefined {
  const m = /GuestPanic \{ panic_msg: ("(?:[^"\\]|\\.)*")/.exec(text);
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]) as string;
  } catch {
    return m[1].slice(1, -1);
  }
}

// Errors from fetch may come from another realm (jest VM modules): test shape, not instanceof.
function isErrorLike(e: unknown): e is Error {
  return typeof e === "object" && e !== null && typeof (e as Error).message === "string";
}

export function isNetworkError(e: unknown): boolean {
  if (!isErrorLike(e)) return false;
  const text = `${e.name} ${e.message} ${String((e as { cause?: unknown }).cause ?? "")}`;
  return (
    /fetch failed|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|socket hang up|other side closed|UND_ERR/i.test(
      text,
    ) ||
    // near-api-js ProviderError for 5xx answers (cause is the HTTP status)
    [500, 502, 503, 408].includes((e as { cause?: unknown }).cause as number)
  );
}

/** Turns anything thrown by near-api-js (or fetch) into an OpsError with a code. */
export function toOpsError(e: unknown, context: { rpcUrl?: string; what?: string } = {}): OpsError {
  if (e instanceof OpsError) return e;
  const what = context.what ? `${context.what}: ` : "";
  if (e instanceof InvalidNonceError) {
    return new OpsError("TX_FAILED", `${what}${e.message}`);
  }
  if (e instanceof LackBalanceForStateActionError) {
    return new OpsError(
      "INSUFFICIENT_BALANCE",
      `${what}account ${e.accountId} does not have enough balance to cover its storage (short by ${e.amount} yoctoNEAR)`,
      { accountId: e.accountId, shortYocto: e.amount.toString() },
    );
  }
  if (e instanceof NotEnoughBalanceError) {
    return new OpsError(
      "INSUFFICIENT_BALANCE",
      `${what}signer ${e.signerId} has ${e.balance} yoctoNEAR, the transaction costs ${e.cost}`,
      { accountId: e.signerId, balance: e.balance.toString(), cost: e.cost.toString() },
    );
  }
  if (e instanceof AccountAlreadyExistsActionError) {
    return new OpsError("ACCOUNT_EXISTS", `${what}${e.message}`);
  }
  if (e instanceof HostGuestPanicError) {
    return new OpsError("CONTRACT_PANIC", `${what}contract panicked: ${e.panicMessage}`, { panic: e.panicMessage });
  }
  if (e instanceof ContractExecutionError) {
    const m = /^Smart contract panicked: ([\s\S]*)$/.exec(e.message);
    if (m) return new OpsError("CONTRACT_PANIC", `${what}contract panicked: ${m[1]}`, { panic: m[1] });
    return new OpsError("CONTRACT_PANIC", `${what}contract execution failed: ${e.message}`, { panic: e.message });
  }
  if (e instanceof TransactionTimeoutError) {
    return new OpsError("TIMEOUT", `${what}the node timed out waiting for the transaction`);
  }
  if (isErrorLike(e)) {
    const panic = guestPanicMessage(e.message);
    if (panic !== undefined) return new OpsError("CONTRACT_PANIC", `${what}contract panicked: ${panic}`, { panic });
    if (isNetworkError(e)) {
      return new OpsError(
        "RPC_UNREACHABLE",
        `${what}NEAR RPC ${context.rpcUrl ?? ""} is unreachable (${e.message})`.replace("  ", " "),
      );
    }
    return new OpsError("RPC_ERROR", `${what}${e.message}`);
  }
  return new OpsError("INTERNAL", `${what}${String(e)}`);
}
