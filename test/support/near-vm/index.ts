/**
 * near-vm: a NEAR wasm runtime for tests, on Node's WebAssembly, with the host functions of nearcore
 * 2.13.3 (runtime/near-vm-runner/src/logic/logic.rs) that the pinned contracts import. One call:
 *
 *   const outcome = runFunction(code, "add_factory", context, external);
 *   outcome.failure      // undefined, or nearcore's error (kind, Debug and Display forms)
 *   outcome.returnData   // none | value bytes | the index of a created receipt (promise_return)
 *   outcome.receipts     // promise batches created, in order, with their dependencies and yields
 *   outcome.storage      // storage changes (apply only on success), balance, storageUsage, gas
 *
 * The chain around it (receipts, blocks, balances) is fake-nearcore's. Not modelled: wasm gas metering
 * (every call burns CALL_BURNT_GAS), nearcore's limits on logs/registers/promises, global contracts,
 * gas keys and BLS12-381 (those host functions fail with "... is not supported by the test runtime").
 */
import { createHash } from "node:crypto";
import { HostError, codeDoesNotExist, methodNotFound, trapFailure } from "./errors.js";
import { hostFunctions } from "./host.js";
import { promiseFunctions } from "./host-promises.js";
import { CALL_BURNT_GAS, CallState } from "./state.js";
import type { VmContext, VmExternal, VmFailure, VmOutcome } from "./types.js";
import "./webassembly.js";

export { actionErrorKind, codeDoesNotExist, viewErrorText } from "./errors.js";
export { CALL_BURNT_GAS, STORAGE_RECORD_OVERHEAD, latin1 } from "./state.js";
export type * from "./types.js";

const modules = new Map<string, WebAssembly.Module>();

/** The compiled module of `code`, cached by its sha256 (V8 compiles function bodies lazily). */
function compile(code: Uint8Array): WebAssembly.Module {
  const key = createHash("sha256").update(code).digest("hex");
  let m = modules.get(key);
  if (!m) {
    m = new WebAssembly.Module(code);
    modules.set(key, m);
  }
  return m;
}

function compilationFailure(msg: string): VmFailure {
  return {
    kind: "CompilationError",
    debug: `WasmerCompileError { msg: ${JSON.stringify(msg)} }`,
    message: `Wasmer compilation error: ${msg}`,
    json: { WasmerCompileError: { msg } },
  };
}

/**
 * Instantiates the module with the host functions. nearcore gives every contract an imported memory
 * (64 KiB pages: 17 initial, 2048 at most); contracts that export their own keep it.
 */
function instantiate(module: WebAssembly.Module, s: CallState): WebAssembly.Instance {
  const host: Record<string, unknown> = { ...hostFunctions(s), ...promiseFunctions(s) };
  let memory: WebAssembly.Memory | undefined;
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.kind === "memory") host[i.name] = memory = new WebAssembly.Memory({ initial: 17, maximum: 2048 });
    else if (!(i.name in host))
      throw new Error(`near-vm: the contract imports env.${i.name}, which the test runtime lacks`);
  }
  const instance = new WebAssembly.Instance(module, { env: host as WebAssembly.ModuleImports });
  memory ??= Object.values(instance.exports).find((x): x is WebAssembly.Memory => x instanceof WebAssembly.Memory);
  if (memory) s.memory.attach(memory);
  return instance;
}

function failureOf(e: unknown): VmFailure {
  if (e instanceof HostError) return e.failure();
  if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) return trapFailure(e);
  throw e;
}

/** Runs `method` of `code` (undefined: the account has no code). */
export function runFunction(code: Uint8Array | undefined, method: string, ctx: VmContext, ext: VmExternal): VmOutcome {
  const s = new CallState(ctx, ext);
  if (!code) return s.outcome(codeDoesNotExist(ctx.currentAccountId));
  let module: WebAssembly.Module;
  try {
    module = compile(code);
  } catch (e) {
    return s.outcome(compilationFailure(e instanceof Error ? e.message : String(e)));
  }
  const exported = WebAssembly.Module.exports(module).some((x) => x.kind === "function" && x.name === method);
  if (!exported || method === "") return s.outcome(methodNotFound());
  try {
    s.burn(CALL_BURNT_GAS);
    (instantiate(module, s).exports[method] as () => void)();
  } catch (e) {
    return s.outcome(failureOf(e));
  }
  return s.outcome();
}
