// `npm run automate -- <command>`: the driver's command line (yargs). Only light modules are
// imported here; the Pulumi engine, the AWS SDK and the crypto library load inside the
// commands that need them, so `--help`, `synth` argument errors and derive/verify start fast.
import { realpathSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import type { SsmSender } from "../platform/ssm/channel.js";
import { EXIT, destroyLayers, renderTimeline, stagedUp, type DriverDeps, type RunReport, type SignTestGate } from "./driver.js";
import { EngineError, classifyEngineError, type Engine, type PendingOperation } from "./engine.js";
import { redact } from "../layers/gate.js";
import type { StackOutputs } from "../layers/outputs.js";
import { LAYERS, LAYER_IDS, layer, parseLayer, type LayerId } from "../layers/registry.js";
import { layerSelection, selects, stateSelection, type LayerSelection } from "./layers.js";
import { processOut, type LogTarget, type Out, type Probes } from "./probes.js";
import { maskedOutputs, parseStackOutputs } from "./stack-outputs.js";
import { buildStatus, collectStatus, renderStatusMarkdown, type StatusInput } from "./status.js";
import { signTestOptions } from "./commands/sign-test.js";
import { awsTargetFor, type AwsTarget } from "./aws-target.js";
import { processInterruptDeps, watchInterrupts } from "./interrupts.js";

export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

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
  interrupts?: (onInterrupt: (alreadySignalled: boolean) => void) => { signal: AbortSignal; dispose(): void };
  /** Checks AWS credentials for the stack's region/profile up front; null = fine, else the message. */
  checkAws?: (aws: AwsTarget) => Promise<string | null>;
  now?: () => number;
  /** The SSM channel used by sign-test and fund (default: an SSMClient from the environment). */
  channel?: ChannelOverrides;
}

/** What the live probes need besides the outputs. */
export interface ProbeContext {
  aws?: AwsTarget;
  signal?: AbortSignal;
}

/** What tests inject into the commands that run an ops operation through SSM. */
export interface ChannelOverrides {
  client?: SsmSender;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  pollIntervalMs?: number;
}

/** The sign test as `up`'s final gate: the sign-test command's --json run, parsed. */
async function signTestGate(ctx: CliContext, stack: string, outputs: StackOutputs, live: ProbeContext): Promise<SignTestGate> {
  const { runSignTest, renderSignTestTable } = await import("./commands/sign-test.js");
  let json: string | undefined;
  const code = await runSignTest(
    { json: true },
    { stdout: (l) => (json = l), stderr: (l) => ctx.out.stderr(l) },
    { stack, outputs, signal: live.signal, aws: live.aws, ...ctx.channel },
  );
  let parsed: Record<string, any> | undefined;
  try {
    parsed = json ? JSON.parse(json) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed) return { ok: false, summary: `the sign test printed no result (exit ${code})`, lines: [] };
  if (parsed.error) {
    const error = { code: String(parsed.error.code), message: String(parsed.error.message) };
    return { ok: false, summary: `${error.code}: ${error.message}`, lines: [], error };
  }
  return {
    ok: code === 0 && parsed.ok === true,
    summary: String(parsed.summary ?? "no summary"),
    lines: renderSignTestTable(parsed as never),
    result: parsed,
  };
}

function defaultContext(): CliContext {
  return {
    out: processOut,
    env: process.env,
    workDir: REPO_DIR,
    async makeEngine(stack, create) {
      const { createPulumiEngine } = await import("./pulumi-engine.js");
      return createPulumiEngine({ stack, workDir: REPO_DIR, create });
    },
    async makeProbes(stack, outputs, opts) {
      const { createSsmProbes } = await import("./ssm-probes.js");
      return createSsmProbes({ stack, outputs, aws: opts?.aws, signal: opts?.signal });
    },
    async checkAws(aws) {
      const { awsCredentialsProblem } = await import("./backend.js");
      return awsCredentialsProblem(aws);
    },
    confirm: process.stdin.isTTY
      ? (question, expected) =>
          new Promise((done) => {
            const rl = createInterface({ input: process.stdin, output: process.stderr });
            rl.question(question, (answer) => {
              rl.close();
              done(answer.trim() === expected);
            });
          })
      : undefined,
    interrupts(onInterrupt) {
      return watchInterrupts(processInterruptDeps(), onInterrupt, EXIT.cancelled);
    },
  };
}

interface Common {
  stack: string;
  json?: boolean;
}

function fail(ctx: CliContext, err: unknown): number {
  const e = err instanceof EngineError ? err : classifyEngineError(err);
  ctx.out.stderr(`error: ${e.message}`);
  if (e.detail && e.kind === "failed") ctx.out.stderr(e.detail);
  return e.kind === "concurrent-update" ? EXIT.locked : e.kind === "cancelled" ? EXIT.cancelled : EXIT.failed;
}

function printReport(ctx: CliContext, report: RunReport, json: boolean | undefined): void {
  if (json) ctx.out.stdout(JSON.stringify(report));
  else for (const line of renderTimeline(report)) ctx.out.stdout(line);
}

/** Runs a command's own argument checks before any engine or AWS client exists; false = usage error reported. */
function usageOk(ctx: CliContext, check: () => void, set: (code: number) => void): boolean {
  try {
    check();
    return true;
  } catch (err) {
    ctx.out.stderr(`error: ${(err as Error).message}`);
    ctx.out.stderr("Run with --help for usage.");
    set(EXIT.usage);
    return false;
  }
}

/** Runs an engine-driven command with Ctrl-C mapped to engine.cancel(). */
async function withEngine(
  ctx: CliContext,
  stack: string,
  create: boolean,
  fn: (engine: Engine, signal?: AbortSignal) => Promise<number>,
): Promise<number> {
  let engine: Engine;
  try {
    engine = await ctx.makeEngine(stack, create);
  } catch (err) {
    return fail(ctx, err);
  }
  const intr = ctx.interrupts?.((alreadySignalled) => engine.cancel({ alreadySignalled }));
  try {
    return await fn(engine, intr?.signal);
  } catch (err) {
    // After Ctrl-C whatever the command ended with is a cancel (the terminal may have signalled Pulumi directly).
    const aborted = intr?.signal.aborted ?? false;
    return fail(ctx, aborted && err instanceof EngineError && err.kind !== "cancelled" ? classifyEngineError(err.message, true) : classifyEngineError(err, aborted));
  } finally {
    intr?.dispose();
  }
}

async function readOutputs(engine: Engine): Promise<StackOutputs> {
  return parseStackOutputs(await engine.outputs());
}

/** The stack's AWS region/profile for the driver's own clients, with credentials checked up front. */
async function awsOf(ctx: CliContext, engine: Engine, stack: string): Promise<AwsTarget> {
  const aws = await awsTargetFor(engine, ctx.workDir, stack, ctx.env);
  const problem = await ctx.checkAws?.(aws);
  if (problem) throw new EngineError("missing-credentials", problem);
  return aws;
}

/** A read-only command over the stack's outputs and what the live probes answer about them (health, status). */
function withLiveStatus(
  ctx: CliContext,
  stack: string,
  fn: (outputs: StackOutputs, input: StatusInput) => number,
): Promise<number> {
  return withEngine(ctx, stack, false, async (engine, signal) => {
    const outputs = await readOutputs(engine);
    const aws = await awsOf(ctx, engine, stack);
    return fn(outputs, await collectStatus(stack, outputs, await ctx.makeProbes(stack, outputs, { aws, signal })));
  });
}

/** Resolves `logs <node>`: "base", "mpc-node-1", "1", an account id or an instance id. */
export function resolveLogTarget(node: string, outputs: StackOutputs, container?: string): LogTarget {
  const base = outputs.base;
  if (base && (node === "base" || node === "neard" || node === base.instanceId)) {
    return { instanceId: base.instanceId, container: container ?? "neard", label: "base" };
  }
  if ((node === "faucet" || node === "near-faucet") && base) {
    return { instanceId: base.instanceId, container: "near-faucet", label: "faucet" };
  }
  const nodes = outputs.mpc?.nodes ?? [];
  const m = /^(?:mpc-node-)?(\d+)$/.exec(node);
  const found =
    (m ? nodes.find((n) => n.accountId.startsWith(`mpc-node-${m[1]}.`)) ?? nodes[Number(m[1])] : undefined) ??
    nodes.find((n) => n.accountId === node || n.instanceId === node || n.accountId.split(".")[0] === node);
  if (found) return { instanceId: found.instanceId, container: container ?? "mpc-node", label: found.accountId };
  const known = ["base", "faucet", ...nodes.map((n) => n.accountId.split(".")[0])];
  throw new EngineError("failed", `unknown node "${node}": use one of ${known.join(", ")} (or an instance id)`);
}

export function buildCli(argv: string[], ctx: CliContext) {
  let code: number = EXIT.ok;
  let usageError = false;
  const set = (c: number) => {
    code = c;
  };
  // yargs (exitProcess false) may still call a handler after a validation failure: skip it.
  const guard =
    <A>(fn: (a: A) => Promise<void>) =>
    async (a: A): Promise<void> => {
      if (!usageError) await fn(a);
    };
  const deps = (engine: Engine, probes: Probes, signal?: AbortSignal): DriverDeps => ({
    engine,
    probes,
    out: ctx.out,
    signal,
    now: ctx.now,
  });
  const layerOpt = {
    type: "string" as const,
    describe: `layer: ${LAYER_IDS.join(" | ")} (or ${LAYERS.map((l) => l.index).join(" | ")})`,
    coerce: (v: string | undefined) => (v === undefined ? undefined : parseLayer(v)),
  };

  const cli = yargs(argv)
    .scriptName("npm run automate --")
    .usage("$0 <command> [options]")
    .option("stack", { type: "string", default: "localnet", describe: "stack (environment) name", global: true })
    .strict()
    .demandCommand(1, "name a command (see --help)")
    .recommendCommands()
    .command(
      "up",
      "Deploy layer by layer, each followed by its health gate; resumes where a previous run stopped",
      (y) =>
        y
          .option("layer", { ...layerOpt, describe: "deploy up to and including this layer (default: all)" })
          .option("reconcile", { type: "boolean", default: false, describe: "run up on healthy layers too (applies program changes)" })
          .option("skip-gates", { type: "boolean", default: false, describe: "do not run the health gates (nor the sign test)" })
          .option("skip-sign-test", { type: "boolean", default: false, describe: "do not run the end-to-end sign test after Layer 3" })
          .option("json", { type: "boolean", default: false, describe: "print the run report as JSON" }),
      guard(async (a) =>
        set(
          await withEngine(ctx, a.stack, true, async (engine, signal) => {
            const live: ProbeContext = { aws: await awsOf(ctx, engine, a.stack), signal };
            const probes = await ctx.makeProbes(a.stack, parseStackOutputs({}), live);
            const lazyProbes = await lazyOutputsProbes(ctx, a.stack, probes, live);
            const report = await stagedUp(
              { ...deps(engine, lazyProbes, signal), signTest: (outputs) => signTestGate(ctx, a.stack, outputs, live) },
              {
                through: a.layer as LayerId | undefined,
                reconcile: a.reconcile,
                skipGates: a["skip-gates"],
                skipSignTest: a["skip-sign-test"],
              },
            );
            printReport(ctx, report, a.json);
            return report.exitCode;
          }),
        ),
      ),
    )
    .command(
      "preview",
      "Show what up would change, per layer or for the whole stack",
      (y) => y.option("layer", layerOpt).option("json", { type: "boolean", default: false }),
      guard(async (a) =>
        set(
          // read-only: a stack that does not exist is reported, not created (nor its secrets salt written)
          await withEngine(ctx, a.stack, false, async (engine) => {
            const sel = a.layer ? layerSelection(engine.stack, a.layer as LayerId) : {};
            const r = await engine.preview({ ...sel, onOutput: a.json ? undefined : (l) => ctx.out.stderr(l) });
            if (a.json) ctx.out.stdout(JSON.stringify({ stack: engine.stack, layer: a.layer ?? "all", changes: r.changes }));
            else ctx.out.stdout(`changes: ${JSON.stringify(r.changes)}`);
            return EXIT.ok;
          }),
        ),
      ),
    )
    .command(
      "refresh",
      "Read the real state of a layer's resources (or the whole stack) into the state",
      (y) =>
        y.option("layer", layerOpt).option("clear-pending-creates", {
          type: "boolean",
          default: false,
          describe: "drop pending creates left by an interrupted update",
        }),
      guard(async (a) =>
        set(
          await withEngine(ctx, a.stack, false, async (engine) => {
            const id = a.layer as LayerId | undefined;
            let sel: LayerSelection = {};
            if (id) {
              // from the state: Pulumi refuses literal targets/excludes the state does not hold
              const fromState = engine.resources ? stateSelection(engine.stack, id, await engine.resources()) : layerSelection(engine.stack, id);
              if (!fromState) {
                ctx.out.stderr(`Layer ${layer(id).index} (${id}) is not deployed: the state holds nothing of it, nothing to refresh.`);
                return EXIT.ok;
              }
              sel = fromState;
            }
            const clear = a["clear-pending-creates"];
            if (clear) {
              // Pulumi drops the pending creates of the WHOLE stack, whatever the targets.
              const pending = (engine.pendingOperations ? await engine.pendingOperations() : []).filter((p) => p.op === "creating");
              const outside = pending.filter((p) => !selects(sel, p.urn));
              const list = (ps: PendingOperation[]) => ps.map((p) => `  ${p.urn} (${p.id ? `id ${p.id}` : "no id recorded"})`);
              if (id && outside.length) {
                ctx.out.stderr(
                  `error: not clearing pending creates: clearing is stack-wide, and ${outside.length} of the ${pending.length} pending create(s) lie outside Layer ${layer(id).index} (${id}):`,
                );
                for (const l of list(outside)) ctx.out.stderr(l);
                const s = a.stack === "localnet" ? "" : ` --stack ${a.stack}`;
                ctx.out.stderr(
                  `Check in AWS whether each exists (delete it, or import it), then clear every pending create of the stack deliberately: \`npm run automate -- refresh --clear-pending-creates${s}\`. Nothing was run.`,
                );
                return EXIT.failed;
              }
              if (pending.length) {
                ctx.out.stderr(`clearing ${pending.length} pending create(s); if any of these exists in AWS, it is no longer tracked (delete or import it):`);
                for (const l of list(pending)) ctx.out.stderr(l);
              }
            }
            const r = await engine.refresh({ ...sel, clearPendingCreates: clear, onOutput: (l) => ctx.out.stderr(l) });
            ctx.out.stdout(`refreshed: ${JSON.stringify(r.changes)}`);
            return EXIT.ok;
          }),
        ),
      ),
    )
    .command(
      "outputs",
      "Print the stack outputs (secret values masked)",
      (y) => y.option("json", { type: "boolean", default: false }),
      guard(async (a) =>
        set(
          await withEngine(ctx, a.stack, false, async (engine) => {
            const raw = await engine.outputs();
            // nested secrets are marked only in the exported state (the root stack resource's outputs)
            const root = engine.resources ? (await engine.resources()).find((r) => r.type === "pulumi:pulumi:Stack") : undefined;
            const shown = maskedOutputs(raw, root?.outputs);
            if (a.json) ctx.out.stdout(JSON.stringify(shown));
            else for (const [k, v] of Object.entries(shown)) ctx.out.stdout(`${k}: ${JSON.stringify(v, null, 2)}`);
            return EXIT.ok;
          }),
        ),
      ),
    )
    .command(
      "health",
      "Run every layer's health gate inside the VPC (changes nothing)",
      (y) => y.option("json", { type: "boolean", default: false }),
      guard(async (a) =>
        set(
          await withLiveStatus(ctx, a.stack, (outputs, input) => {
            const verdicts = LAYERS.map((l) => l.evaluate(outputs, input.probes));
            if (a.json) ctx.out.stdout(JSON.stringify({ stack: a.stack, layers: verdicts, probeErrors: input.probeErrors }));
            else
              for (const v of verdicts) {
                ctx.out.stdout(`${v.layer}: ${v.done ? "healthy" : "NOT healthy"}`);
                for (const f of v.findings) ctx.out.stdout(`  - ${f.message}`);
                const err = input.probeErrors?.[v.layer];
                if (err) ctx.out.stdout(`  - probe failed: ${err}`);
              }
            return verdicts.every((v) => v.done) && !Object.keys(input.probeErrors ?? {}).length ? EXIT.ok : EXIT.failed;
          }),
        ),
      ),
    )
    .command(
      "logs <node>",
      "Recent container logs of a node through SSM (base | faucet | mpc-node-<i> | <i> | instance id)",
      (y) =>
        y
          .positional("node", { type: "string", demandOption: true })
          .option("lines", { type: "number", default: 100, describe: "number of lines (1-999)" })
          .option("container", { type: "string", choices: ["neard", "mpc-node", "near-faucet"] }),
      guard(async (a) => {
        const linesOk = () => {
          if (!Number.isInteger(a.lines) || a.lines < 1 || a.lines > 999) throw new Error("--lines must be a whole number from 1 to 999");
        };
        if (!usageOk(ctx, linesOk, set)) return;
        set(
          await withEngine(ctx, a.stack, false, async (engine, signal) => {
            const outputs = await readOutputs(engine);
            const target = resolveLogTarget(a.node as string, outputs, a.container);
            const probes = await ctx.makeProbes(a.stack, outputs, { aws: await awsOf(ctx, engine, a.stack), signal });
            ctx.out.stderr(`logs of ${target.container} on ${target.label} (${target.instanceId}):`);
            for (const line of await probes.logs(target, a.lines)) ctx.out.stdout(redact(line));
            return EXIT.ok;
          }),
        );
      }),
    )
    .command(
      "status",
      "Checkpoint report from live probes (Markdown; --json for data)",
      (y) => y.option("json", { type: "boolean", default: false }),
      guard(async (a) =>
        set(
          await withLiveStatus(ctx, a.stack, (_outputs, input) => {
            const report = buildStatus(input);
            ctx.out.stdout(a.json ? JSON.stringify(report) : renderStatusMarkdown(report));
            return report.overall === "DONE" ? EXIT.ok : EXIT.failed;
          }),
        ),
      ),
    )
    .command(
      "sign-test",
      "End-to-end chain-signature test inside the VPC: derive, sign on every signing domain, verify (--json for data)",
      (y) => y.options(signTestOptions),
      guard(async (a) => {
        const { runSignTest, checkSignTestArgs } = await import("./commands/sign-test.js");
        const args = {
          json: a.json,
          tester: a.tester,
          path: a.path,
          testerKeyRef: a["tester-key-ref"],
          funderKeyRef: a["funder-key-ref"],
          timeoutSeconds: a.timeout,
        };
        if (!usageOk(ctx, () => checkSignTestArgs(args), set)) return;
        set(
          await withEngine(ctx, a.stack, false, async (engine, signal) =>
            runSignTest(args, ctx.out, {
              stack: a.stack,
              outputs: () => readOutputs(engine),
              signal,
              aws: await awsOf(ctx, engine, a.stack),
              ...ctx.channel,
            }),
          ),
        );
      }),
    )
    .command(
      "fund <account> [amount]",
      "NEAR from the stack's faucet (amount in NEAR, default the faucet's); --public-key creates <name>.<root> with that key",
      (y) =>
        y
          .positional("account", { type: "string", demandOption: true, describe: "account to fund (or create)" })
          .positional("amount", { type: "string", describe: 'amount: "5", "0.5 NEAR" or "<digits>yocto"' })
          .option("public-key", { type: "string", describe: "create the account with this ed25519 public key (full access)" })
          .option("json", { type: "boolean", default: false, describe: "print one JSON object" }),
      guard(async (a) => {
        const { runFund, checkFundArgs } = await import("./commands/fund.js");
        const args = { account: a.account as string, amount: a.amount, publicKey: a["public-key"], json: a.json };
        if (!usageOk(ctx, () => checkFundArgs(args), set)) return;
        set(
          await withEngine(ctx, a.stack, false, async (engine, signal) =>
            runFund(args, ctx.out, {
              stack: a.stack,
              outputs: await readOutputs(engine),
              signal,
              aws: await awsOf(ctx, engine, a.stack),
              ...ctx.channel,
            }),
          ),
        );
      }),
    )
    .command(
      "destroy",
      "Destroy layers, top first (explicit only; asks for the stack name unless --yes)",
      (y) =>
        y
          .option("layer", { ...layerOpt, describe: "remove this layer and the ones above it, nothing below (default: all)" })
          .option("yes", { type: "boolean", default: false, describe: "do not ask for confirmation" })
          .option("json", { type: "boolean", default: false }),
      guard(async (a) =>
        set(
          await withEngine(ctx, a.stack, false, async (engine, signal) => {
            const report = await destroyLayers(deps(engine, NO_PROBES, signal), {
              layer: a.layer as LayerId | undefined,
              yes: a.yes,
              confirm: ctx.confirm ? (q) => ctx.confirm!(q, engine.stack) : undefined,
            });
            if (report.layers.length) printReport(ctx, report, a.json);
            return report.exitCode;
          }),
        ),
      ),
    )
    .command(
      "synth",
      "Run the program offline under the mock runtime and write DIR/<stack>.json and DIR/scripts/",
      (y) => y.option("out", { type: "string", demandOption: true, describe: "output directory" }),
      guard(async (a) => {
        const { runSynth } = await import("./synth.js");
        set(await runSynth({ stack: a.stack, out: a.out }));
      }),
    )
    .command(
      "derive",
      "Derive a chain-signature public key (and Ethereum address for secp256k1) for an account and path",
      (y) =>
        y
          .option("root", { type: "string", demandOption: true, describe: "domain root key (secp256k1:... or ed25519:...)" })
          .option("predecessor", { type: "string", demandOption: true, describe: "account that calls sign" })
          .option("path", { type: "string", demandOption: true, describe: "derivation path" })
          .option("json", { type: "boolean", default: false }),
      guard(async (a) => {
        const { runDerive } = await import("./commands/derive.js");
        set(await runDerive({ root: a.root, predecessor: a.predecessor, path: a.path, json: a.json }, ctx.out));
      }),
    )
    .command(
      "verify-signature",
      "Verify a signer-contract sign response (exit 0 valid, 1 invalid, 2 malformed)",
      (y) =>
        y
          .option("public-key", { type: "string", demandOption: true, describe: "expected (derived) public key" })
          .option("payload", { type: "string", demandOption: true, describe: "signed payload, hex" })
          .option("signature", { type: "string", demandOption: true, describe: "the contract's sign response JSON" })
          .option("json", { type: "boolean", default: false }),
      guard(async (a) => {
        const { runVerifySignature } = await import("./commands/verify-signature.js");
        set(
          await runVerifySignature(
            { publicKey: a["public-key"], payload: a.payload, signature: a.signature, json: a.json },
            ctx.out,
          ),
        );
      }),
    )
    .epilogue(
      "State: file://<repo>/.pulumi-state unless PULUMI_BACKEND_URL is set; secrets: PULUMI_CONFIG_PASSPHRASE(_FILE). " +
        "Exit codes: 0 ok, 1 failed, 2 usage, 3 stack locked by another run, 130 cancelled.",
    )
    .help()
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => {
      usageError = true;
      ctx.out.stderr(`error: ${msg ?? err?.message}`);
      ctx.out.stderr("Run with --help for usage.");
      code = EXIT.usage;
    });
  return { cli, code: () => code };
}

const NO_PROBES: Probes = {
  base: () => Promise.reject(new Error("no probes")),
  services: () => Promise.reject(new Error("no probes")),
  mpc: () => Promise.reject(new Error("no probes")),
  logs: () => Promise.reject(new Error("no probes")),
};

/**
 * Probes built once the stack exists: `up` creates it, so outputs are read at each gate. The
 * probes are built once, but every call passes them the outputs of that moment (a Layer 1 update
 * may bring a new instance or ops bundle).
 */
async function lazyOutputsProbes(ctx: CliContext, stack: string, initial: Probes, live: ProbeContext): Promise<Probes> {
  let built: Probes | undefined;
  const get = async (outputs: StackOutputs) => (built ??= outputs.base ? await ctx.makeProbes(stack, outputs, live) : initial);
  return {
    base: async (o) => (await get(o)).base(o),
    services: async (o) => (await get(o)).services(o),
    mpc: async (o, opts) => (await get(o)).mpc(o, opts),
    logs: async (t, n) => (built ?? initial).logs(t, n),
  };
}

export async function main(argv: string[], ctx: CliContext = defaultContext()): Promise<number> {
  const { cli, code } = buildCli(argv, ctx);
  try {
    await cli.parseAsync();
  } catch (err) {
    if (code() === EXIT.ok) return fail(ctx, err);
  }
  return code();
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main(hideBin(process.argv)).then((c) => {
    process.exitCode = c;
  });
}
