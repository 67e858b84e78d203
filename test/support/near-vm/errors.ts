// nearcore's function-call errors (runtime/near-vm-runner/src/logic/errors.rs): their Debug form
// (what a view's legacy error shows) and Display form (what a receipt's ExecutionError carries).
import type { VmFailure } from "./types.js";

type Field = [name: string, value: string | bigint | number];

/** Rust's Debug of a struct-like variant: `Name { a: "x", b: 3 }`, or just `Name`. */
function debugOf(name: string, fields: Field[]): string {
  if (fields.length === 0) return name;
  const body = fields.map(([k, v]) => `${k}: ${typeof v === "string" ? JSON.stringify(v) : String(v)}`).join(", ");
  return `${name} { ${body} }`;
}

/** A HostError raised by a host function; unwinds the wasm call. */
export class HostError extends Error {
  constructor(
    readonly variant: string,
    message: string,
    readonly fields: Field[] = [],
  ) {
    super(message);
  }

  failure(): VmFailure {
    return { kind: "HostError", debug: debugOf(this.variant, this.fields), message: this.message, json: this.variant };
  }
}

export const hostErrors = {
  badUtf8: () => new HostError("BadUTF8", "String encoding is bad UTF-8 sequence."),
  badUtf16: () => new HostError("BadUTF16", "String encoding is bad UTF-16 sequence."),
  gasExceeded: () => new HostError("GasExceeded", "Exceeded the prepaid gas."),
  balanceExceeded: () => new HostError("BalanceExceeded", "Exceeded the account balance."),
  emptyMethodName: () => new HostError("EmptyMethodName", "Tried to call an empty method name."),
  guestPanic: (msg: string) => new HostError("GuestPanic", `Smart contract panicked: ${msg}`, [["panic_msg", msg]]),
  invalidPromiseIndex: (i: bigint) =>
    new HostError("InvalidPromiseIndex", `${i} does not correspond to existing promises`, [["promise_idx", i]]),
  jointPromise: () =>
    new HostError("CannotAppendActionToJointPromise", "Actions can only be appended to non-joint promise."),
  returnJointPromise: () =>
    new HostError("CannotReturnJointPromise", "Returning joint promise is currently prohibited."),
  invalidResultIndex: (i: bigint) =>
    new HostError("InvalidPromiseResultIndex", `Accessed invalid promise result index: ${i}`, [["result_idx", i]]),
  invalidRegister: (id: bigint) =>
    new HostError("InvalidRegisterId", `Accessed invalid register id: ${id}`, [["register_id", id]]),
  memoryAccess: () => new HostError("MemoryAccessViolation", "Accessed memory outside the bounds."),
  invalidAccountId: () => new HostError("InvalidAccountId", "VM Logic returned an invalid account id"),
  invalidPublicKey: () => new HostError("InvalidPublicKey", "VM Logic provided an invalid public key"),
  prohibitedInView: (method: string) =>
    new HostError("ProhibitedInView", `${method} is not allowed in view calls`, [["method_name", method]]),
  ecrecover: (msg: string) => new HostError("ECRecoverError", `ECDSA recover error: ${msg}`, [["msg", msg]]),
  ed25519: (msg: string) =>
    new HostError("Ed25519VerifyInvalidInput", `ED25519 signature verification error: ${msg}`, [["msg", msg]]),
  yieldPayload: (length: number, limit: number) =>
    new HostError(
      "YieldPayloadLength",
      `Yield resume payload is ${length} bytes which exceeds the ${limit} byte limit`,
      [
        ["length", length],
        ["limit", limit],
      ],
    ),
  dataIdMalformed: () => new HostError("DataIdMalformed", "yield resumption token is malformed"),
  deprecated: (method: string) =>
    new HostError("Deprecated", `Attempted to call deprecated host function ${method}`, [["method_name", method]]),
};

/**
 * A host function no tested path calls (global contracts, gas keys, BLS12-381 outside the signer's
 * key derivation): the call fails loudly instead of behaving unlike nearcore.
 */
export class UnsupportedHostFunction extends HostError {
  constructor(name: string) {
    super("Unsupported", `${name} is not supported by the test runtime`, [["name", name]]);
  }
}

// V8's trap messages, mapped to nearcore's WasmTrap variants and their Display text.
const TRAPS: [RegExp, string, string][] = [
  [/unreachable/, "Unreachable", "An `unreachable` opcode was executed."],
  [/memory access out of bounds/, "MemoryOutOfBounds", "Memory out of bounds trap."],
  [
    /divide by zero|remainder by zero|integer overflow|unrepresentable/,
    "IllegalArithmetic",
    "An arithmetic exception, e.g. divided by zero.",
  ],
  [/table index is out of bounds/, "CallIndirectOOB", "Call indirect out of bounds trap."],
  [/signature mismatch/, "IncorrectCallIndirectSignature", "Call indirect incorrect signature trap."],
  [/call stack size|stack overflow/, "StackOverflow", "Stack overflow."],
];

/** A trap (WebAssembly.RuntimeError or a stack overflow) as nearcore's WasmTrap. */
export function trapFailure(e: Error): VmFailure {
  const hit = TRAPS.find(([re]) => re.test(e.message)) ?? [/./, "GenericTrap", "Generic trap."];
  return { kind: "WasmTrap", debug: hit[1], message: `WebAssembly trap: ${hit[2]}`, json: hit[1] };
}

export function methodNotFound(): VmFailure {
  return { kind: "MethodResolveError", debug: "MethodNotFound", message: "MethodNotFound", json: "MethodNotFound" };
}

export function codeDoesNotExist(accountId: string): VmFailure {
  return {
    kind: "CompilationError",
    debug: `CodeDoesNotExist { account_id: ${JSON.stringify(accountId)} }`,
    message: `cannot find contract code for account ${accountId}`,
    json: { CodeDoesNotExist: { account_id: accountId } },
  };
}

/**
 * The ActionError kind a failed call leaves in a receipt outcome: nearcore keeps compilation and
 * method-resolution errors structured and turns traps and host errors into their Display text.
 */
export function actionErrorKind(f: VmFailure): unknown {
  if (f.kind === "MethodResolveError") return { FunctionCallError: { MethodResolveError: f.json } };
  if (f.kind === "CompilationError") return { FunctionCallError: { CompilationError: f.json } };
  return { FunctionCallError: { ExecutionError: f.message } };
}

/** The legacy `error` text of a failed view (call_function). */
export function viewErrorText(f: VmFailure): string {
  return `wasm execution failed with error: FunctionCallError(${f.kind}(${f.debug}))`;
}
