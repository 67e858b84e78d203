// Reading the ops bundle's stdout (JSON lines, see the shared contract):
//   zero or more {"event":"step",...} lines, then exactly one final line
//   {"event":"result","ok":true,"operation":"<op>","result":{...}} or
//   {"event":"result","ok":false,"operation":"<op>","error":{"code":"<CODE>","message":"..."}}.

export interface OpsStep {
  event: "step";
  [key: string]: unknown;
}

export interface OpsSuccess<T = Record<string, unknown>> {
  event: "result";
  ok: true;
  operation: string;
  result: T;
}

export interface OpsFailure {
  event: "result";
  ok: false;
  operation: string;
  error: { code: string; message: string; [key: string]: unknown };
}

type OpsResult<T = Record<string, unknown>> = OpsSuccess<T> | OpsFailure;

export interface OpsOutput<T = Record<string, unknown>> {
  steps: OpsStep[];
  result: OpsResult<T>;
}

/** stdout did not follow the contract (no result line, a broken line, output after the result). */
export class OpsOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OpsOutputError";
  }
}

/** An operation that reported ok:false. */
export class OpsOperationError extends Error {
  readonly operation: string;
  readonly code: string;
  readonly steps: OpsStep[];
  constructor(output: { steps: OpsStep[]; result: OpsFailure }) {
    super(`${output.result.operation} failed: ${output.result.error.code}: ${output.result.error.message}`);
    this.name = "OpsOperationError";
    this.operation = output.result.operation;
    this.code = output.result.error.code;
    this.steps = output.steps;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function checkResult(line: Record<string, unknown>, n: number): OpsResult {
  if (typeof line.ok !== "boolean" || typeof line.operation !== "string") {
    throw new OpsOutputError(`line ${n}: a result line needs boolean "ok" and string "operation"`);
  }
  if (line.ok) {
    if (!isObject(line.result)) throw new OpsOutputError(`line ${n}: an ok result line needs an object "result"`);
  } else {
    const e = line.error;
    if (!isObject(e) || typeof e.code !== "string" || typeof e.message !== "string") {
      throw new OpsOutputError(`line ${n}: a failed result line needs "error" with string "code" and "message"`);
    }
  }
  return line as unknown as OpsResult;
}

/**
 * Parses the ops bundle's stdout into steps and the final result.
 * `truncated` (SSM cut stdout at its limit) turns a missing or broken last line into a clear message.
 */
export function parseOpsOutput<T = Record<string, unknown>>(
  stdout: string,
  opts: { truncated?: boolean } = {},
): OpsOutput<T> {
  const lines = stdout.split("\n").map((l) => l.replace(/\r$/, ""));
  const steps: OpsStep[] = [];
  let result: OpsResult | undefined;
  const hint = opts.truncated ? " (SSM truncated the output at 24000 characters: the operation printed too much)" : "";
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    const n = i + 1;
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      const shown = text.length > 120 ? `${text.slice(0, 120)}...` : text;
      throw new OpsOutputError(`line ${n} of the ops output is not JSON${hint}: ${shown}`);
    }
    if (!isObject(line)) throw new OpsOutputError(`line ${n} of the ops output is not a JSON object`);
    if (result) throw new OpsOutputError(`line ${n}: output after the result line`);
    if (line.event === "step") steps.push(line as OpsStep);
    else if (line.event === "result") result = checkResult(line, n);
    else throw new OpsOutputError(`line ${n}: unknown event ${JSON.stringify(line.event)}`);
  });
  if (!result) throw new OpsOutputError(`the ops output has no result line${hint}`);
  return { steps, result: result as OpsResult<T> };
}

/** Parses, and throws OpsOperationError when the operation reported ok:false. */
export function expectOpsSuccess<T = Record<string, unknown>>(
  stdout: string,
  opts: { truncated?: boolean } = {},
): { steps: OpsStep[]; result: OpsSuccess<T> } {
  const out = parseOpsOutput<T>(stdout, opts);
  if (!out.result.ok) throw new OpsOperationError({ steps: out.steps, result: out.result });
  return { steps: out.steps, result: out.result };
}
