// The engine interface the driver is written against. The Automation-API adapter
// (pulumi-engine.ts) is a thin implementation of it; tests use a recording fake.
import type { OutputValue, StateResource } from "./stack-outputs.js";

/** One resource step as reported while an operation runs. */
export interface ResourceProgress {
  op: string;
  urn: string;
  type: string;
  name: string;
  status: "started" | "done" | "failed";
  /** The parent resource's URN, when the engine names one. */
  parent?: string;
}

export interface OpOptions {
  /** URN literals / globs to operate on; undefined = the whole stack. */
  targets?: string[];
  /** URN literals / globs to leave alone (Pulumi --exclude). */
  excludes?: string[];
  /** refresh only: drop pending creates left by an interrupted or failed update. */
  clearPendingCreates?: boolean;
  onProgress?: (event: ResourceProgress) => void;
  /** Raw engine text (diagnostics, diff), line by line. */
  onOutput?: (line: string) => void;
}

export interface OpResult {
  /** Counts by step kind, e.g. {create: 3, same: 10}. */
  changes: Record<string, number>;
  /** The engine's human output (preview diff). */
  text?: string;
}

/** An operation the state records as started but not finished (Pulumi's pending_operations). */
export interface PendingOperation {
  urn: string;
  /** Resource type token. */
  type: string;
  /** The provider id, when the operation got that far. */
  id?: string;
  /** "creating" | "updating" | "deleting" | "reading" | "importing" */
  op: string;
}

export interface CancelOptions {
  /**
   * The terminal already delivered SIGINT to Pulumi (Ctrl-C reaches the whole foreground process
   * group): only note the cancel. Signalling again would make Pulumi terminate at once, without
   * saving the state of the steps in flight.
   */
  alreadySignalled?: boolean;
}

export interface Engine {
  readonly stack: string;
  up(opts: OpOptions): Promise<OpResult>;
  preview(opts: OpOptions): Promise<OpResult>;
  refresh(opts: OpOptions): Promise<OpResult>;
  destroy(opts: OpOptions): Promise<OpResult>;
  outputs(): Promise<Record<string, OutputValue>>;
  /** The resources recorded in the stack's state (read-only). */
  resources?(): Promise<StateResource[]>;
  /** The operations the state records as interrupted (read-only). */
  pendingOperations?(): Promise<PendingOperation[]>;
  /**
   * Replaces the stack's state with `rewrite(deployment)` (export, rewrite, import): how a restore
   * adopts the volumes it attached (snapshots/adopt.ts).
   */
  rewriteState?(rewrite: (deployment: unknown) => unknown): Promise<void>;
  /** The stack's configuration as plain strings (secret values left out), e.g. {"aws:region": "us-east-1"}. */
  config?(): Promise<Record<string, string>>;
  /** Sets one plain config value of the stack (written to Pulumi.<stack>.yaml). */
  setConfig?(key: string, value: string): Promise<void>;
  /**
   * Ask the running operation to stop (graceful: the engine starts no new step, stops the ones in
   * flight, whose local commands are killed, and saves state). Does not signal Pulumi again once it
   * has acknowledged a cancel.
   */
  cancel(opts?: CancelOptions): void;
}

/** What Pulumi prints when it starts cancelling on SIGINT (pkg/util/cancel, cmd). */
export const PULUMI_CANCEL_ACK = "received; cancelling";

/**
 * Cancel bookkeeping of one running Pulumi operation: whether Pulumi has already acknowledged a
 * SIGINT (its output says so), and whether a cancel was asked for. `cancel` answers whether the
 * caller must still signal Pulumi (true at most once).
 */
export class CancelTracker {
  private tail = "";
  private acknowledged = false;
  private signalled = false;
  /** A cancel was asked for (by us or through the terminal): errors read as "cancelled". */
  requested = false;

  /** Feed Pulumi's output as it arrives (chunks may split lines). */
  output(chunk: string): void {
    const text = this.tail + chunk;
    if (text.includes(PULUMI_CANCEL_ACK)) this.acknowledged = true;
    this.tail = text.slice(-PULUMI_CANCEL_ACK.length);
  }

  get cancelling(): boolean {
    return this.acknowledged;
  }

  /** true = send SIGINT now. */
  cancel(opts: CancelOptions = {}): boolean {
    this.requested = true;
    if (opts.alreadySignalled || this.acknowledged || this.signalled) return false;
    this.signalled = true;
    return true;
  }
}

export type EngineErrorKind =
  | "concurrent-update"
  | "cancelled"
  | "missing-cli"
  | "missing-credentials"
  | "missing-passphrase"
  | "stack-not-found"
  | "failed";

export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = "EngineError";
  }
}

const AWS_CREDENTIAL_MARKERS = [
  "No valid credential sources found",
  "NoCredentialProviders",
  "failed to refresh cached credentials",
  "InvalidClientTokenId",
  "ExpiredToken",
  "UnrecognizedClientException",
  "unable to validate AWS credentials",
  "could not load credentials",
];

/** Last meaningful "error:" lines of a Pulumi stderr, for reports. */
function errorLines(text: string, max = 6): string {
  const lines = text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => /error|failed|panic/i.test(l));
  return (lines.length ? lines : text.split("\n").filter(Boolean)).slice(-max).join("\n");
}

/**
 * Turns whatever the Automation API threw into an EngineError with an operator-facing message.
 * `aborted` tells whether the operation was cancelled by us (Ctrl-C).
 */
export function classifyEngineError(err: unknown, aborted = false): EngineError {
  if (err instanceof EngineError) return err;
  const e = err as { name?: string; message?: string; code?: string; commandResult?: { stderr?: string } };
  const text = `${e?.message ?? String(err)}\n${e?.commandResult?.stderr ?? ""}`;
  if (aborted) {
    return new EngineError(
      "cancelled",
      "Cancelled. Pulumi stopped the steps in flight (their local commands are killed; an SSM operation one " +
        "of them sent may still run on its instance, and the next up waits for it) and saved the state; " +
        "nothing was destroyed. Run `npm run automate -- up` again to resume.",
      errorLines(text),
    );
  }
  if (e?.name === "ConcurrentUpdateError" || /\[409\] Conflict|the stack is currently locked by/.test(text)) {
    return new EngineError(
      "concurrent-update",
      "The stack is locked: another update is in progress (another terminal, CI, or a run that was killed). " +
        "Wait for it to finish. If no other run exists (e.g. a killed process left the lock), " +
        "remove the lock with `pulumi cancel` (Pulumi Cloud) or by deleting the lock file under " +
        ".pulumi-state/.pulumi/locks/ (file backend), then run `pulumi refresh` before the next up.",
      errorLines(text),
    );
  }
  if (e?.name === "StackNotFoundError" || /no stack named .* found/.test(text)) {
    return new EngineError("stack-not-found", "The stack does not exist yet: run `npm run automate -- up` first.");
  }
  if (e?.code === "ENOENT" || /pulumi: (command )?not found|spawn pulumi ENOENT/.test(text)) {
    return new EngineError("missing-cli", MISSING_CLI_MESSAGE);
  }
  if (/incorrect passphrase/i.test(text)) {
    return new EngineError("missing-passphrase", WRONG_PASSPHRASE_MESSAGE, errorLines(text));
  }
  if (/passphrase must be set|PULUMI_CONFIG_PASSPHRASE/.test(text)) {
    return new EngineError("missing-passphrase", MISSING_PASSPHRASE_MESSAGE, errorLines(text));
  }
  if (AWS_CREDENTIAL_MARKERS.some((m) => text.includes(m))) {
    return new EngineError("missing-credentials", MISSING_AWS_MESSAGE, errorLines(text));
  }
  return new EngineError("failed", errorLines(text) || "the Pulumi operation failed", text);
}

export const MISSING_CLI_MESSAGE =
  "The Pulumi CLI was not found on PATH. Install it (https://www.pulumi.com/docs/install/: " +
  "`curl -fsSL https://get.pulumi.com | sh` or `brew install pulumi`), or point PULUMI_CLI_ROOT at an " +
  "installation directory, then run the command again. (`synth`, `derive` and `verify-signature` need no CLI.)";

export const MISSING_PASSPHRASE_MESSAGE =
  "No secrets passphrase. The stack's secrets (keys kept in state) are encrypted with a passphrase: set " +
  "PULUMI_CONFIG_PASSPHRASE, or PULUMI_CONFIG_PASSPHRASE_FILE to a file that holds it. Use the same one " +
  "every time: a different passphrase cannot decrypt the existing state. (To use Pulumi Cloud or a KMS " +
  "key instead, set PULUMI_BACKEND_URL / the stack's secretsprovider the standard Pulumi ways.)";

const WRONG_PASSPHRASE_MESSAGE =
  "The secrets passphrase is not the one this stack's secrets were encrypted with (Pulumi: incorrect passphrase). " +
  "Set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the passphrase used when the stack was created; " +
  "a new passphrase cannot decrypt the existing state or config.";

export const MISSING_AWS_MESSAGE =
  "No usable AWS credentials. Configure them the standard way (AWS_PROFILE with `aws sso login`, " +
  "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance role) and check them with " +
  "`aws sts get-caller-identity`; nothing was changed.";
