// The in-VPC operations channel, caller side: SSM Run Command through an injected AWS SDK v3
// SSMClient. Used by automation/ssm-run.ts (which the SsmOperation component runs) and by the
// driver for checks and one-off commands.
//
// Output limits: GetCommandInvocation returns the FIRST 24,000 characters of stdout and the
// FIRST 8,000 of stderr. The run-op document keeps what it returns under those limits (the
// result line whole, the tail of stderr); `stdoutTruncated` / `stderrTruncated` flag a hit.
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type Command,
  type GetCommandInvocationCommandOutput,
  type InstanceInformation,
} from "@aws-sdk/client-ssm";
import { sleep as defaultSleep } from "../time.js";

/** What the channel needs of an SSMClient (an SSMClient, or a mock of one). */
export interface SsmSender {
  send(command: any, options?: any): Promise<any>;
}

const SSM_STDOUT_LIMIT = 24000;
const SSM_STDERR_LIMIT = 8000;

export type SsmChannelErrorCode =
  | "COMMAND_FAILED" // the command ran and exited non-zero (or SSM marked it Failed)
  | "TIMEOUT" // our bound passed (the command was cancelled) or SSM's execution timeout hit
  | "UNDELIVERABLE" // the agent never received it (Undeliverable, Delivery Timed Out)
  | "NOT_MANAGED" // the instance is not (yet) a managed, online SSM instance
  | "CANCELLED" // someone (or SSM: Terminated) cancelled the command
  | "ABORTED" // the caller's AbortSignal fired (the command was cancelled)
  | "SEND_FAILED"; // SendCommand was refused (document, parameters, permissions)

export interface CommandOutcome {
  commandId: string;
  instanceId: string;
  /** Final CommandInvocationStatus: Success, Failed, TimedOut, Cancelled ... */
  status: string;
  statusDetails: string;
  /** The script's exit code (SSM ResponseCode); -1 when SSM reports none. */
  exitCode: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  elapsedMs: number;
}

export class SsmChannelError extends Error {
  readonly code: SsmChannelErrorCode;
  readonly commandId?: string;
  readonly instanceId: string;
  readonly status?: string;
  readonly statusDetails?: string;
  readonly exitCode?: number;
  readonly stdout: string;
  readonly stderr: string;
  override readonly cause?: unknown;

  constructor(
    code: SsmChannelErrorCode,
    message: string,
    detail: {
      instanceId: string;
      commandId?: string;
      status?: string;
      statusDetails?: string;
      exitCode?: number;
      stdout?: string;
      stderr?: string;
      cause?: unknown;
    },
  ) {
    super(message);
    this.name = "SsmChannelError";
    this.code = code;
    this.instanceId = detail.instanceId;
    this.commandId = detail.commandId;
    this.status = detail.status;
    this.statusDetails = detail.statusDetails;
    this.exitCode = detail.exitCode;
    this.stdout = detail.stdout ?? "";
    this.stderr = detail.stderr ?? "";
    this.cause = detail.cause;
  }

  /** The last `lines` lines of the remote stderr. */
  stderrTail(lines = 20): string {
    return tailLines(this.stderr, lines);
  }
}

export function tailLines(text: string, lines: number): string {
  const all = text.replace(/\s+$/, "").split("\n");
  return all.slice(Math.max(0, all.length - lines)).join("\n");
}

export interface Progress {
  /** online: waiting for the agent; earlier: waiting for an earlier run of the same operation; command: ours. */
  phase: "online" | "earlier" | "command";
  instanceId: string;
  commandId?: string;
  /** SSM status (PingStatus while waiting to be online, invocation Status afterwards). */
  state: string;
  statusDetails?: string;
  elapsedMs: number;
}

export interface Timing {
  /** Clock in milliseconds (injectable for tests). Default Date.now. */
  now?: () => number;
  /** Waits `ms` (injectable for tests). Default a timer that an abort interrupts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RunOperationOptions extends Timing {
  client: SsmSender;
  instanceId: string;
  documentName: string;
  /** Document version to run; default the document's default version. */
  documentVersion?: string;
  /** Document parameters. Never secrets: SSM keeps them in clear text in the command history. */
  parameters: Record<string, string>;
  /** Bound on the whole run, from SendCommand to a final status; the command is cancelled past it. */
  timeoutSeconds: number;
  /** Pause between GetCommandInvocation calls. Default 2000. */
  pollIntervalMs?: number;
  /** How long SSM tries to deliver the command to the agent (SendCommand TimeoutSeconds, min 30). Default min(600, max(30, timeoutSeconds)). */
  deliveryTimeoutSeconds?: number;
  comment?: string;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

const FINAL = new Set(["Success", "Failed", "TimedOut", "Cancelled"]);

function errorName(err: unknown): string {
  const e = err as { name?: string; Code?: string; __type?: string } | undefined;
  return e?.name ?? e?.Code ?? e?.__type ?? "";
}

function isTransient(err: unknown): boolean {
  const e = err as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } } | undefined;
  const name = errorName(err);
  return (
    name === "ThrottlingException" ||
    name === "InternalServerError" ||
    name === "TimeoutError" ||
    name === "ECONNRESET" ||
    e?.$retryable !== undefined ||
    (e?.$metadata?.httpStatusCode ?? 0) >= 500
  );
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs a document on one instance and waits for a final status.
 * Resolves with the outcome when the command succeeds (exit code 0); rejects with an
 * SsmChannelError otherwise, carrying what is known (exit code, stdout, stderr).
 */
export async function runOperation(opts: RunOperationOptions): Promise<CommandOutcome> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const pollMs = opts.pollIntervalMs ?? 2000;
  const started = now();
  const elapsed = () => now() - started;
  const base = { instanceId: opts.instanceId };
  if (!(opts.timeoutSeconds > 0)) throw new Error("timeoutSeconds must be positive");

  if (opts.signal?.aborted) throw new SsmChannelError("ABORTED", `aborted before sending ${opts.documentName}`, base);

  let commandId: string;
  try {
    const sent = await opts.client.send(
      new SendCommandCommand({
        InstanceIds: [opts.instanceId],
        DocumentName: opts.documentName,
        DocumentVersion: opts.documentVersion,
        Parameters: Object.fromEntries(Object.entries(opts.parameters).map(([k, v]) => [k, [v]])),
        TimeoutSeconds: opts.deliveryTimeoutSeconds ?? Math.min(600, Math.max(30, Math.ceil(opts.timeoutSeconds))),
        Comment: opts.comment?.slice(0, 100),
      }),
    );
    commandId = sent?.Command?.CommandId;
    if (!commandId) throw new Error("SendCommand returned no CommandId");
  } catch (err) {
    if (err instanceof SsmChannelError) throw err;
    if (errorName(err) === "InvalidInstanceId") throw notManaged(opts.instanceId, err);
    throw new SsmChannelError(
      "SEND_FAILED",
      `SendCommand ${opts.documentName} to ${opts.instanceId} failed: ${errorName(err) || "error"}: ${message(err)}`,
      {
        ...base,
        cause: err,
      },
    );
  }

  const detail = (inv?: GetCommandInvocationCommandOutput) => ({
    ...base,
    commandId,
    status: inv?.Status,
    statusDetails: inv?.StatusDetails,
    exitCode: inv?.ResponseCode ?? undefined,
    stdout: inv?.StandardOutputContent ?? "",
    stderr: inv?.StandardErrorContent ?? "",
  });

  const cancel = async (): Promise<string> => {
    try {
      await opts.client.send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [opts.instanceId] }));
      return "cancelled";
    } catch (err) {
      return `cancel failed: ${message(err)}`;
    }
  };

  let last: GetCommandInvocationCommandOutput | undefined;
  let transientErrors = 0;
  for (;;) {
    if (opts.signal?.aborted) {
      const c = await cancel();
      throw new SsmChannelError(
        "ABORTED",
        `aborted while waiting for command ${commandId} on ${opts.instanceId} (${c})`,
        detail(last),
      );
    }
    if (elapsed() >= opts.timeoutSeconds * 1000) {
      const c = await cancel();
      throw new SsmChannelError(
        "TIMEOUT",
        `command ${commandId} (${opts.documentName}) on ${opts.instanceId} did not finish within ${opts.timeoutSeconds}s; last state ${last?.Status ?? "not yet visible"} (${c})`,
        detail(last),
      );
    }

    let inv: GetCommandInvocationCommandOutput | undefined;
    try {
      inv = await opts.client.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: opts.instanceId }),
      );
      transientErrors = 0;
    } catch (err) {
      // Right after SendCommand the invocation may not exist yet: keep polling.
      if (errorName(err) !== "InvocationDoesNotExist") {
        if (!isTransient(err) || ++transientErrors > 5) {
          throw new SsmChannelError(
            "SEND_FAILED",
            `GetCommandInvocation for ${commandId} failed: ${errorName(err) || "error"}: ${message(err)}`,
            {
              ...detail(last),
              cause: err,
            },
          );
        }
      }
    }

    if (inv) {
      last = inv;
      const status = inv.Status ?? "Pending";
      opts.onProgress?.({
        phase: "command",
        instanceId: opts.instanceId,
        commandId,
        state: status,
        statusDetails: inv.StatusDetails,
        elapsedMs: elapsed(),
      });
      if (FINAL.has(status)) return finish(inv, commandId, opts, elapsed());
    }
    await sleep(pollMs, opts.signal);
  }
}

function finish(
  inv: GetCommandInvocationCommandOutput,
  commandId: string,
  opts: RunOperationOptions,
  elapsedMs: number,
): CommandOutcome {
  const stdout = inv.StandardOutputContent ?? "";
  const stderr = inv.StandardErrorContent ?? "";
  const outcome: CommandOutcome = {
    commandId,
    instanceId: opts.instanceId,
    status: inv.Status ?? "",
    statusDetails: inv.StatusDetails ?? "",
    exitCode: inv.ResponseCode ?? (inv.Status === "Success" ? 0 : -1),
    stdout,
    stderr,
    stdoutTruncated: stdout.length >= SSM_STDOUT_LIMIT,
    stderrTruncated: stderr.length >= SSM_STDERR_LIMIT,
    elapsedMs,
  };
  if (outcome.status === "Success" && outcome.exitCode === 0) return outcome;

  const d = {
    instanceId: opts.instanceId,
    commandId,
    status: outcome.status,
    statusDetails: outcome.statusDetails,
    exitCode: outcome.exitCode,
    stdout,
    stderr,
  };
  const where = `command ${commandId} (${opts.documentName}) on ${opts.instanceId}`;
  const tail = tailLines(stderr, 20);
  const withTail = (text: string) => (tail ? `${text}\n--- stderr (tail) ---\n${tail}` : text);
  const details = outcome.statusDetails.replace(/\s+/g, "");
  if (details === "Undeliverable" || details === "DeliveryTimedOut") {
    throw new SsmChannelError(
      "UNDELIVERABLE",
      `${where} was not delivered (${outcome.statusDetails}): is the instance running with the SSM agent online?`,
      d,
    );
  }
  if (outcome.status === "TimedOut" || details === "ExecutionTimedOut") {
    throw new SsmChannelError(
      "TIMEOUT",
      withTail(`${where} hit the document's execution timeout (${outcome.statusDetails})`),
      d,
    );
  }
  if (outcome.status === "Cancelled" || details === "Terminated") {
    throw new SsmChannelError("CANCELLED", withTail(`${where} was cancelled`), d);
  }
  throw new SsmChannelError(
    "COMMAND_FAILED",
    withTail(`${where} failed with exit code ${outcome.exitCode} (${outcome.status})`),
    d,
  );
}

function notManaged(instanceId: string, err: unknown): SsmChannelError {
  return new SsmChannelError(
    "NOT_MANAGED",
    `${instanceId} is not a managed instance that SSM can reach (not running, agent not registered, no instance profile with AmazonSSMManagedInstanceCore, or another region): ${message(err)}`,
    { instanceId, cause: err },
  );
}

/** Command statuses of a command SSM still runs (ListCommands Status). */
const ACTIVE = new Set(["Pending", "InProgress", "Delayed", "Cancelling"]);
/** Pages of ListCommands read when looking for earlier runs (50 commands each, newest first). */
const LIST_PAGES = 10;

interface InFlightOptions {
  client: SsmSender;
  instanceId: string;
  documentName: string;
  /** The operation's identity, exactly as sent in SendCommand's Comment. */
  comment: string;
}

/**
 * Commands of `documentName` on `instanceId` carrying `comment` that SSM still runs: an earlier run
 * of the same operation, e.g. one whose sender was killed (Pulumi SIGKILLs local commands on
 * Ctrl-C or a timeout, and the SSM command runs on). Newest first.
 */
async function findInFlight(opts: InFlightOptions): Promise<Command[]> {
  const found: Command[] = [];
  let token: string | undefined;
  for (let page = 0; page < LIST_PAGES; page++) {
    const out = await opts.client.send(
      new ListCommandsCommand({
        InstanceId: opts.instanceId,
        Filters: [{ key: "DocumentName", value: opts.documentName }],
        MaxResults: 50,
        NextToken: token,
      }),
    );
    for (const c of (out?.Commands ?? []) as Command[]) {
      if (c.Comment === opts.comment && c.DocumentName === opts.documentName && ACTIVE.has(c.Status ?? "")) {
        found.push(c);
      }
    }
    token = out?.NextToken;
    if (!token) break;
  }
  return found;
}

export interface AwaitEarlierOptions extends InFlightOptions, Timing {
  /** Bound on the wait; past it the run fails, naming the command and how to cancel it. */
  timeoutSeconds: number;
  /** Default 2000. */
  pollIntervalMs?: number;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

/**
 * Waits until no earlier run of the operation (same document, instance and comment) is still going,
 * so a re-sent operation never runs beside the one it repeats. Resolves with the ids waited for.
 */
export async function awaitEarlierRuns(opts: AwaitEarlierOptions): Promise<string[]> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const started = now();
  const waited: string[] = [];
  let earlier: Command[];
  try {
    earlier = await findInFlight(opts);
  } catch (err) {
    if (errorName(err) === "InvalidInstanceId") throw notManaged(opts.instanceId, err);
    throw new SsmChannelError(
      "SEND_FAILED",
      `ListCommands for ${opts.instanceId} failed (is ssm:ListCommands allowed?): ${errorName(err) || "error"}: ${message(err)}`,
      { instanceId: opts.instanceId, cause: err },
    );
  }
  for (const c of earlier) {
    const commandId = c.CommandId ?? "";
    waited.push(commandId);
    let state = c.Status ?? "Pending";
    for (;;) {
      opts.onProgress?.({
        phase: "earlier",
        instanceId: opts.instanceId,
        commandId,
        state,
        elapsedMs: now() - started,
      });
      if (opts.signal?.aborted) {
        throw new SsmChannelError("ABORTED", `aborted while waiting for the earlier command ${commandId}`, {
          instanceId: opts.instanceId,
          commandId,
        });
      }
      if (now() - started >= opts.timeoutSeconds * 1000) {
        throw new SsmChannelError(
          "TIMEOUT",
          `an earlier run of this operation (command ${commandId}, "${opts.comment}") is still ${state} on ${opts.instanceId} ` +
            `after ${opts.timeoutSeconds}s; wait for it, or cancel it: aws ssm cancel-command --command-id ${commandId} --instance-ids ${opts.instanceId}`,
          { instanceId: opts.instanceId, commandId, status: state },
        );
      }
      await sleep(opts.pollIntervalMs ?? 2000, opts.signal);
      try {
        const inv = await opts.client.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: opts.instanceId }),
        );
        state = inv?.Status ?? state;
      } catch (err) {
        if (errorName(err) !== "InvocationDoesNotExist" && !isTransient(err)) throw err;
      }
      if (FINAL.has(state)) break;
    }
  }
  return waited;
}

export interface WaitOnlineOptions extends Timing {
  client: SsmSender;
  instanceId: string;
  /** Bound on the wait. */
  timeoutSeconds: number;
  /** Default 5000. */
  pollIntervalMs?: number;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

/**
 * Waits until the instance's SSM agent reports PingStatus Online (a freshly booted instance
 * takes a minute or two to register). Resolves with its InstanceInformation.
 */
export async function waitForInstanceOnline(opts: WaitOnlineOptions): Promise<InstanceInformation> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const pollMs = opts.pollIntervalMs ?? 5000;
  const started = now();
  let state = "NotRegistered";
  let transientErrors = 0;
  for (;;) {
    if (opts.signal?.aborted) {
      throw new SsmChannelError("ABORTED", `aborted while waiting for ${opts.instanceId} to come online`, {
        instanceId: opts.instanceId,
      });
    }
    try {
      const out = await opts.client.send(
        new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: [opts.instanceId] }] }),
      );
      transientErrors = 0;
      const info: InstanceInformation | undefined = out?.InstanceInformationList?.find(
        (i: InstanceInformation) => i.InstanceId === opts.instanceId,
      );
      state = info?.PingStatus ?? "NotRegistered";
      opts.onProgress?.({ phase: "online", instanceId: opts.instanceId, state, elapsedMs: now() - started });
      if (info && state === "Online") return info;
    } catch (err) {
      if (!isTransient(err) || ++transientErrors > 5) {
        throw new SsmChannelError(
          "SEND_FAILED",
          `DescribeInstanceInformation for ${opts.instanceId} failed: ${errorName(err) || "error"}: ${message(err)}`,
          { instanceId: opts.instanceId, cause: err },
        );
      }
    }
    if (now() - started >= opts.timeoutSeconds * 1000) {
      throw new SsmChannelError(
        "NOT_MANAGED",
        `${opts.instanceId} did not come online in SSM within ${opts.timeoutSeconds}s (last PingStatus ${state}); check that it runs, has an instance profile with AmazonSSMManagedInstanceCore and can reach the SSM endpoints`,
        { instanceId: opts.instanceId, status: state },
      );
    }
    await sleep(pollMs, opts.signal);
  }
}
