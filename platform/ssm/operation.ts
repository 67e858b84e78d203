// SsmOperation: one NEAR operation run on an instance through the stack's run-op SSM document,
// as a Pulumi step. It wraps one @pulumi/command local.Command that runs automation/ssm-run.ts
// (which sends the command, waits with a bound and a visible progress line, and fails the step
// with exit code and stderr on failure). It runs on create, again on any input change (the
// bundle checksum, the payload, the version ...), and on delete only `deleteOperation`, if any.
//
// No secret goes through here: the payload names keys by reference ("ssm:<parameter>",
// "secretsmanager:<id>") and the operation reads them on the instance. The environment of the
// local command (kept in the state) and the SSM parameters (kept in the command history) are
// therefore plain.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { parseOpsOutput } from "./ops-output.js";
import { checkParameter, encodePayload } from "./patterns.js";
import { SSM_RUN_DEFAULTS, SSM_RUN_ENV } from "./run-env.js";

/** The command the local.Command runs, from the project directory (Pulumi's working directory). */
export const SSM_RUN_COMMAND = "node --import tsx automation/ssm-run.ts";

/** Extra time the Pulumi step gets beyond the run's own bounds, seconds. */
const STEP_MARGIN_SECONDS = 120;

export interface SsmOperationArgs {
  /** The instance that runs the operation (it needs the SSM agent online and read access to the bundle object). */
  instanceId: pulumi.Input<string>;
  /** Name of the stack's run-op document (SsmDocuments.runOpName). */
  documentName: pulumi.Input<string>;
  /** Operation of the ops bundle (^[a-z][a-z0-9-]{0,63}$), or "faucet-start". */
  operation: string;
  /**
   * Run when the step is deleted (a destroy, or the old step of a replacement), with the step's last
   * settings (its payload and bundle), e.g. "faucet-stop". Best effort: an instance that is gone (a
   * replaced host) cannot run it and must not block the deletion, so a failure is reported on stderr
   * and the deletion goes on.
   */
  deleteOperation?: string;
  /** The operation's JSON payload. Never a key: name keys by reference ("ssm:...", "secretsmanager:..."). */
  payload: pulumi.Input<Record<string, unknown>>;
  /** The ops bundle object and its sha256 (a new checksum re-runs the operation). */
  bundle: { uri: pulumi.Input<string>; sha256: pulumi.Input<string> };
  /** Region of the instance and the document. */
  region: pulumi.Input<string>;
  /** Container image that runs node on the instance. Default: the run-op document's (the stack's opsImage). */
  nodeImage?: pulumi.Input<string>;
  /** Bound on the run once the instance is online, seconds (the command is cancelled past it). Default 900. */
  timeoutSeconds?: number;
  /** Bound on waiting for the instance to be online in SSM, seconds; 0 skips the wait. Default 600. */
  onlineTimeoutSeconds?: number;
  /** Pause between status polls, milliseconds. Default 3000. */
  pollIntervalMs?: number;
  /** Bump to re-run the operation with unchanged inputs. */
  version?: pulumi.Input<string>;
  /** More values whose change re-runs the operation (e.g. a wasm checksum, a contract's code hash). */
  triggers?: pulumi.Input<unknown>[];
  /** What the Pulumi engine logs of the command. Default "stderr": the progress lines; the result is in `result`. */
  logging?: "stdout" | "stderr" | "stdoutAndStderr" | "none";
  /** Directory to run from; default Pulumi's working directory, the project root. */
  dir?: pulumi.Input<string>;
  /** AWS profile for the local command (the stack's aws:profile); otherwise the environment's credentials. */
  awsProfile?: string;
}

/** Bound on waiting for the instance on delete, seconds: a replaced host never comes back online. */
const DELETE_ONLINE_TIMEOUT_SECONDS = 30;

/** The local command of `deleteOperation`: the same ssm-run with the operation swapped, never failing the deletion. */
function deleteCommand(operation: string): string {
  const env = `${SSM_RUN_ENV.operation}=${operation} ${SSM_RUN_ENV.onlineTimeoutSeconds}=${DELETE_ONLINE_TIMEOUT_SECONDS}`;
  const warn = `echo "[ssm-run] ${operation} did not complete (see above); the deletion goes on" >&2`;
  return `${env} ${SSM_RUN_COMMAND} || ${warn}`;
}

function isPlainJson(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (value !== null && typeof value === "object") return Object.values(value).every(isPlainJson);
  return true;
}

export class SsmOperation<T extends Record<string, unknown> = Record<string, unknown>>
  extends pulumi.ComponentResource
{
  readonly command: command.local.Command;
  /** The final result line printed by ssm-run (JSON). */
  readonly stdout: pulumi.Output<string>;
  /** Progress and the operation's own stderr. */
  readonly stderr: pulumi.Output<string>;
  /** The operation's `result` object. */
  readonly result: pulumi.Output<T>;

  constructor(name: string, args: SsmOperationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("near-localnet:index:SsmOperation", name, {}, opts);
    checkParameter("operation", args.operation);
    if (args.deleteOperation !== undefined) checkParameter("operation", args.deleteOperation);
    const timeoutSeconds = args.timeoutSeconds ?? SSM_RUN_DEFAULTS.timeoutSeconds;
    const onlineTimeoutSeconds = args.onlineTimeoutSeconds ?? SSM_RUN_DEFAULTS.onlineTimeoutSeconds;
    const pollIntervalMs = args.pollIntervalMs ?? SSM_RUN_DEFAULTS.pollIntervalMs;
    for (const [what, n, min] of [
      ["timeoutSeconds", timeoutSeconds, 1],
      ["onlineTimeoutSeconds", onlineTimeoutSeconds, 0],
      ["pollIntervalMs", pollIntervalMs, 1],
    ] as const) {
      if (!Number.isInteger(n) || n < min)
        throw new Error(`SsmOperation ${name}: ${what} must be a whole number >= ${min}`);
    }

    // A payload known now is checked now; one holding Outputs is checked when they resolve.
    if (isPlainJson(args.payload)) encodePayload(args.payload as Record<string, unknown>);
    const payload = pulumi.output(args.payload).apply((p) => encodePayload(p as Record<string, unknown>));
    const environment: Record<string, pulumi.Input<string>> = {
      [SSM_RUN_ENV.instanceId]: args.instanceId,
      [SSM_RUN_ENV.document]: args.documentName,
      [SSM_RUN_ENV.operation]: args.operation,
      [SSM_RUN_ENV.payload]: payload,
      [SSM_RUN_ENV.bundleUri]: args.bundle.uri,
      [SSM_RUN_ENV.bundleSha256]: args.bundle.sha256,
      [SSM_RUN_ENV.timeoutSeconds]: String(timeoutSeconds),
      [SSM_RUN_ENV.onlineTimeoutSeconds]: String(onlineTimeoutSeconds),
      [SSM_RUN_ENV.pollIntervalMs]: String(pollIntervalMs),
      [SSM_RUN_ENV.region]: args.region,
    };
    if (args.nodeImage !== undefined) environment[SSM_RUN_ENV.nodeImage] = args.nodeImage;
    if (args.awsProfile !== undefined) environment.AWS_PROFILE = args.awsProfile;

    const stepMinutes = Math.ceil((timeoutSeconds + onlineTimeoutSeconds + STEP_MARGIN_SECONDS) / 60);
    this.command = new command.local.Command(
      `${name}-run`,
      {
        create: SSM_RUN_COMMAND,
        update: SSM_RUN_COMMAND,
        ...(args.deleteOperation !== undefined ? { delete: deleteCommand(args.deleteOperation) } : {}),
        dir: args.dir,
        environment,
        triggers: [
          args.operation,
          payload,
          args.bundle.sha256,
          args.version ?? "",
          args.instanceId,
          ...(args.triggers ?? []),
        ],
        logging: args.logging ?? "stderr",
        addPreviousOutputInEnv: false,
      },
      {
        parent: this,
        customTimeouts: {
          create: `${stepMinutes}m`,
          update: `${stepMinutes}m`,
          ...(args.deleteOperation !== undefined ? { delete: `${stepMinutes}m` } : {}),
        },
      },
    );

    this.stdout = this.command.stdout;
    this.stderr = this.command.stderr;
    const operation = args.operation;
    this.result = this.command.stdout.apply((text) => {
      // A targeted run that skips creating this step (its layer is not being deployed) has no
      // stdout; @pulumi/pulumi before 3.256 still runs applies on it.
      if (text === undefined) return undefined as unknown as T;
      const { result } = parseOpsOutput<T>(text);
      if (!result.ok) throw new Error(`${operation}: ${result.error.code}: ${result.error.message}`);
      return result.result;
    });
    this.registerOutputs({ stdout: this.stdout, result: this.result });
  }
}
