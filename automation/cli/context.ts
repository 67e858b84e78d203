// What every command of `npm run automate` runs against (CliContext), and the plumbing from a yargs
// handler to it: a command's handler is `cliHandler(run)`, where `run(args, ctx)` returns the exit
// code. Only light modules are imported here (the command modules import this one for `--help`).
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import type { SsmSender } from "../../platform/ssm/channel.js";
import type { AwsTarget } from "../aws-target.js";
import { EXIT } from "../driver.js";
import { EngineError, classifyEngineError, type Engine } from "../engine.js";
import { processInterruptDeps, watchInterrupts } from "../interrupts.js";
import { processOut, type Out, type Probes } from "../probes.js";
import type { StackOutputs } from "../../layers/outputs.js";
import type { LogsClient } from "../cloudwatch-logs.js";
import type { ZoneLookups } from "../zone.js";
import type { Ec2Sender } from "../park/ec2.js";

const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Everything a command needs from the outside world; tests pass fakes. */
export interface CliContext {
  out: Out;
  env: NodeJS.ProcessEnv;
  workDir: string;
  /** create=false for read-only commands (a missing stack is reported, not created). */
  makeEngine(stack: string, create: boolean): Promise<Engine>;
  makeProbes(stack: string, outputs: StackOutputs, opts?: ProbeContext): Promise<Probes>;
  /** Asks on the terminal; undefined when there is no terminal. */
  confirm?: (question: string, expected: string) => Promise<boolean>;
  /**
   * Ctrl-C wiring: returns a signal aborted on the first SIGINT; `onInterrupt(alreadySignalled)`
   * tells the engine (see interrupts.ts).
   */
  interrupts?: (
    onInterrupt: (alreadySignalled: boolean) => void,
    /** What the first Ctrl-C prints (default: that the Pulumi operation is being cancelled). */
    message?: string,
  ) => { signal: AbortSignal; dispose(): void };
  /** Checks AWS credentials for the stack's region/profile up front; null = fine, else the message. */
  checkAws?: (aws: AwsTarget) => Promise<string | null>;
  now?: () => number;
  /** The SSM channel used by sign-test and fund (default: an SSMClient from the environment). */
  channel?: ChannelOverrides;
  /** The CloudWatch Logs client `logs` reads with (default: one for the stack's region and profile). */
  logsClient?: LogsClient;
  /** The EC2 look-ups `up` keeps the stack's availability zone with (automation/zone.ts); unset: not checked. */
  zoneLookups?: (aws: AwsTarget) => Promise<ZoneLookups>;
  /**
   * The EC2 client of stop/start/snapshots and of the parked-stack check of up/health/status
   * (a context without it skips that check).
   */
  makeEc2?: (aws: AwsTarget) => Promise<Ec2Sender>;
}

/** What the live probes need besides the outputs. */
export interface ProbeContext {
  aws?: AwsTarget;
  signal?: AbortSignal;
}

/** What tests inject into the commands that run an ops operation through SSM. */
interface ChannelOverrides {
  client?: SsmSender;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  pollIntervalMs?: number;
}

/** The real world: this process's streams and terminal, the Pulumi engine, the SSM probes, AWS. */
export function processContext(): CliContext {
  return {
    out: processOut,
    env: process.env,
    workDir: REPO_DIR,
    async makeEngine(stack, create) {
      const { createPulumiEngine } = await import("../pulumi-engine.js");
      return createPulumiEngine({ stack, workDir: REPO_DIR, create });
    },
    async makeProbes(stack, outputs, opts) {
      const { createSsmProbes } = await import("../ssm-probes.js");
      return createSsmProbes({ stack, outputs, aws: opts?.aws, signal: opts?.signal });
    },
    async checkAws(aws) {
      const { awsCredentialsProblem } = await import("../backend.js");
      return awsCredentialsProblem(aws);
    },
    async zoneLookups(aws) {
      const { ec2ZoneLookups } = await import("../zone.js");
      return ec2ZoneLookups(aws);
    },
    async makeEc2(aws) {
      const { ec2ClientFor } = await import("../park/ec2.js");
      return ec2ClientFor(aws);
    },
    confirm: process.stdin.isTTY ? askOnTerminal : undefined,
    interrupts(onInterrupt, message) {
      return watchInterrupts(processInterruptDeps(), onInterrupt, EXIT.cancelled, message);
    },
  };
}

function askOnTerminal(question: string, expected: string): Promise<boolean> {
  return new Promise((done) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    rl.question(question, (answer) => {
      rl.close();
      done(answer.trim() === expected);
    });
  });
}

/** The options every command gets (declared global in program.ts). */
export interface GlobalArgs {
  stack: string;
}

/** One invocation of the program: its context, its exit code so far, and whether yargs reported a usage error. */
export interface CliRun {
  ctx: CliContext;
  code: number;
  usageError: boolean;
}

// yargs merges the object given to `parseAsync(args, context)` into every handler's argv; a symbol
// key cannot clash with an option and is not an "unknown argument" to `.strict()`.
const RUN = Symbol("cli-run");

export function newRun(ctx: CliContext): CliRun {
  return { ctx, code: EXIT.ok, usageError: false };
}

/** The parse context that hands `run` to the handlers. */
export function parseContext(run: CliRun): object {
  return { [RUN]: run };
}

/**
 * A yargs handler from `run(args, ctx)` (which returns the exit code). Registered in another yargs
 * program (no parse context), the command runs against this process and sets process.exitCode.
 */
export function cliHandler<A>(
  run: (args: ArgumentsCamelCase<A>, ctx: CliContext) => Promise<number>,
): (args: ArgumentsCamelCase<A>) => Promise<void> {
  return async (args) => {
    const own = (args as { [RUN]?: CliRun })[RUN];
    // yargs (exitProcess false) may still call a handler after a validation failure: skip it.
    if (own?.usageError) return;
    const code = await run(args, own?.ctx ?? processContext());
    if (own) own.code = code;
    else process.exitCode = code;
  };
}

/** A command module: the builder declares the arguments `run` gets (besides the global ones). */
export interface CommandSpec<U> {
  command: string;
  describe: string;
  builder: (y: Argv<GlobalArgs>) => Argv<U>;
  run: (args: ArgumentsCamelCase<U>, ctx: CliContext) => Promise<number>;
}

export function defineCommand<U>(spec: CommandSpec<U>): CommandModule<GlobalArgs, U> {
  return { command: spec.command, describe: spec.describe, builder: spec.builder, handler: cliHandler(spec.run) };
}

export function reportUsage(out: Out, message: string | undefined): void {
  out.stderr(`error: ${message}`);
  out.stderr("Run with --help for usage.");
}

/** A command's own argument checks, before any engine or AWS client exists: EXIT.usage once reported. */
export function checkUsage(ctx: CliContext, check: () => void): number | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    reportUsage(ctx.out, (err as Error).message);
    return EXIT.usage;
  }
}

/** Reports what a command failed with; the exit code follows the engine's error kind. */
export function fail(ctx: CliContext, err: unknown): number {
  const e = err instanceof EngineError ? err : classifyEngineError(err);
  ctx.out.stderr(`error: ${e.message}`);
  if (e.detail && e.kind === "failed") ctx.out.stderr(e.detail);
  return e.kind === "concurrent-update" ? EXIT.locked : e.kind === "cancelled" ? EXIT.cancelled : EXIT.failed;
}
