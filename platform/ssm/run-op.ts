// One NEAR operation through the run-op document: the parameters it takes, the run, and the
// parsed result. Shared by automation/ssm-run.ts (Pulumi) and the driver.
import { createHash } from "node:crypto";
import {
  awaitEarlierRuns,
  runOperation,
  SsmChannelError,
  tailLines,
  type CommandOutcome,
  type Progress,
  type SsmSender,
  type Timing,
} from "./channel.js";
import { OpsOutputError, parseOpsOutput, type OpsFailure, type OpsStep, type OpsSuccess } from "./ops-output.js";
import { checkParameter, encodePayload } from "./patterns.js";

export interface OpsBundleRef {
  /** s3://bucket/key of dist/ops.mjs. */
  uri: string;
  /** Its sha256 (lower-case hex). */
  sha256: string;
}

export interface RunOpParametersInput {
  operation: string;
  /** The JSON payload object, or its base64 text. Never a key: keys are named by reference ("ssm:...", "secretsmanager:..."). */
  payload: Record<string, unknown> | string;
  bundle: OpsBundleRef;
  /** The image to run the bundle in; unset: the document's default (the stack's opsImage). */
  nodeImage?: string;
  /** SSM execution timeout of the script, seconds. */
  executionTimeoutSeconds?: number;
}

/** The run-op document's parameters, each checked against the document's allowedPattern. */
export function runOpParameters(input: RunOpParametersInput): Record<string, string> {
  const payload = typeof input.payload === "string" ? input.payload : encodePayload(input.payload);
  const params: Record<string, string> = {
    operation: input.operation,
    payload,
    bundleUri: input.bundle.uri,
    bundleSha256: input.bundle.sha256,
  };
  if (input.nodeImage !== undefined) params.nodeImage = input.nodeImage;
  if (input.executionTimeoutSeconds !== undefined)
    params.executionTimeout = String(Math.ceil(input.executionTimeoutSeconds));
  for (const [name, value] of Object.entries(params)) checkParameter(name, value);
  return params;
}

export interface RunNearOperationOptions extends RunOpParametersInput, Timing {
  client: SsmSender;
  instanceId: string;
  /** Name of the stack's run-op document. */
  documentName: string;
  /** Bound on the whole run (the SSM execution timeout defaults to the same). */
  timeoutSeconds: number;
  pollIntervalMs?: number;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export interface NearOperationOutcome<T = Record<string, unknown>> {
  command: CommandOutcome;
  steps: OpsStep[];
  /** The final result line. */
  result: OpsSuccess<T>;
}

/**
 * The operation's identity, sent as the SSM command's Comment (at most 100 characters): the
 * operation and a digest of its payload, so that a re-sent step finds the run it repeats.
 */
export function operationComment(operation: string, payload: string): string {
  const id = createHash("sha256").update(`${operation}\n${payload}`).digest("hex").slice(0, 16);
  return `near-localnet ${operation} ${id}`;
}

export type RunOpErrorKind = "operation" | "channel" | "output";

/** A run-op that did not succeed: the operation said ok:false, the channel failed, or stdout broke the contract. */
export class RunOpError extends Error {
  readonly kind: RunOpErrorKind;
  /** The operation's error code (e.g. ACCOUNT_KEY_MISMATCH), the channel's (e.g. TIMEOUT), or BAD_OUTPUT. */
  readonly code: string;
  readonly operation: string;
  readonly commandId?: string;
  readonly exitCode?: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly steps: OpsStep[];
  /** The failed result line, when the operation printed one. */
  readonly failure?: OpsFailure;
  override readonly cause?: unknown;

  constructor(
    kind: RunOpErrorKind,
    code: string,
    message: string,
    d: {
      operation: string;
      commandId?: string;
      exitCode?: number;
      stdout?: string;
      stderr?: string;
      steps?: OpsStep[];
      failure?: OpsFailure;
      cause?: unknown;
    },
  ) {
    super(message);
    this.name = "RunOpError";
    this.kind = kind;
    this.code = code;
    this.operation = d.operation;
    this.commandId = d.commandId;
    this.exitCode = d.exitCode;
    this.stdout = d.stdout ?? "";
    this.stderr = d.stderr ?? "";
    this.steps = d.steps ?? [];
    this.failure = d.failure;
    this.cause = d.cause;
  }
}

function tailSuffix(stderr: string): string {
  const tail = tailLines(stderr, 20);
  return tail ? `\n--- stderr (tail) ---\n${tail}` : "";
}

/** Runs one operation of the ops bundle on an instance and returns its parsed result. */
export async function runNearOperation<T = Record<string, unknown>>(
  opts: RunNearOperationOptions,
): Promise<NearOperationOutcome<T>> {
  const parameters = runOpParameters({
    ...opts,
    executionTimeoutSeconds: opts.executionTimeoutSeconds ?? Math.max(30, Math.ceil(opts.timeoutSeconds)),
  });
  const comment = operationComment(opts.operation, parameters.payload);
  let command: CommandOutcome;
  try {
    // Single flight across senders: an earlier run of this very operation (its sender killed) is
    // waited for first; run-op.sh's lock on the instance would hold ours back anyway.
    const waitStarted = (opts.now ?? Date.now)();
    await awaitEarlierRuns({
      client: opts.client,
      instanceId: opts.instanceId,
      documentName: opts.documentName,
      comment,
      timeoutSeconds: opts.timeoutSeconds,
      pollIntervalMs: opts.pollIntervalMs,
      onProgress: opts.onProgress,
      signal: opts.signal,
      now: opts.now,
      sleep: opts.sleep,
    });
    // The wait spends the same bound: the whole step stays within timeoutSeconds.
    const waitedSeconds = ((opts.now ?? Date.now)() - waitStarted) / 1000;
    command = await runOperation({
      client: opts.client,
      instanceId: opts.instanceId,
      documentName: opts.documentName,
      parameters,
      timeoutSeconds: Math.max(1, opts.timeoutSeconds - waitedSeconds),
      pollIntervalMs: opts.pollIntervalMs,
      onProgress: opts.onProgress,
      signal: opts.signal,
      now: opts.now,
      sleep: opts.sleep,
      comment,
    });
  } catch (err) {
    if (!(err instanceof SsmChannelError)) throw err;
    const base = {
      operation: opts.operation,
      commandId: err.commandId,
      exitCode: err.exitCode,
      stdout: err.stdout,
      stderr: err.stderr,
      cause: err,
    };
    if (err.code === "COMMAND_FAILED" && err.stdout.trim() !== "") {
      try {
        const out = parseOpsOutput(err.stdout);
        if (!out.result.ok) {
          const f = out.result;
          throw new RunOpError(
            "operation",
            f.error.code,
            `${opts.operation} on ${opts.instanceId} failed (exit code ${err.exitCode}): ${f.error.code}: ${f.error.message}${tailSuffix(err.stderr)}`,
            { ...base, steps: out.steps, failure: f },
          );
        }
      } catch (parseErr) {
        if (parseErr instanceof RunOpError) throw parseErr;
        // Not the contract's output: report the channel failure below.
      }
    }
    throw new RunOpError("channel", err.code, err.message, base);
  }

  let parsed;
  try {
    parsed = parseOpsOutput<T>(command.stdout, { truncated: command.stdoutTruncated });
  } catch (err) {
    if (!(err instanceof OpsOutputError)) throw err;
    throw new RunOpError(
      "output",
      "BAD_OUTPUT",
      `${opts.operation} on ${opts.instanceId}: ${err.message}${tailSuffix(command.stderr)}`,
      {
        operation: opts.operation,
        commandId: command.commandId,
        exitCode: command.exitCode,
        stdout: command.stdout,
        stderr: command.stderr,
        cause: err,
      },
    );
  }
  if (!parsed.result.ok) {
    // Exit code 0 with ok:false breaks the contract, but the operation's word wins.
    const f = parsed.result;
    throw new RunOpError(
      "operation",
      f.error.code,
      `${opts.operation} on ${opts.instanceId} failed: ${f.error.code}: ${f.error.message}`,
      {
        operation: opts.operation,
        commandId: command.commandId,
        exitCode: command.exitCode,
        stdout: command.stdout,
        stderr: command.stderr,
        steps: parsed.steps,
        failure: f,
      },
    );
  }
  if (parsed.result.operation !== opts.operation) {
    throw new RunOpError(
      "output",
      "BAD_OUTPUT",
      `${opts.operation} on ${opts.instanceId}: the result line names operation ${parsed.result.operation}`,
      {
        operation: opts.operation,
        commandId: command.commandId,
        exitCode: command.exitCode,
        stdout: command.stdout,
        stderr: command.stderr,
      },
    );
  }
  return { command, steps: parsed.steps, result: parsed.result };
}
