// `up`: deploys layer by layer, each layer followed by its health gate, and after Layer 3 the sign
// test as the final gate; a later run resumes where a previous one stopped.
import { renderSignTestTable, runSignTest } from "../commands/sign-test.js";
import { stagedUp, type SignTestGate } from "../driver.js";
import type { Probes } from "../probes.js";
import type { StackOutputs } from "../../layers/outputs.js";
import { parseStackOutputs } from "../stack-outputs.js";
import { saveTimeline } from "../timeline/files.js";
import { keepZone } from "../zone.js";
import { defineCommand, type CliContext, type ProbeContext } from "./context.js";
import { takeBaselineOnce } from "./baseline.js";
import { refuseWhenParked } from "./park.js";
import { awsOf, driverDeps, jsonOption, layerOption, printReport, readOutputs, withEngine } from "./stack.js";

export const upCommand = defineCommand({
  command: "up",
  describe: "Deploy layer by layer, each followed by its health gate; resumes where a previous run stopped",
  builder: (y) =>
    y
      .option("layer", layerOption("deploy up to and including this layer (default: all)"))
      .option("reconcile", {
        type: "boolean",
        default: false,
        describe: "run up on healthy layers too (applies program changes)",
      })
      .option("skip-gates", {
        type: "boolean",
        default: false,
        describe: "do not run the health gates (nor the sign test)",
      })
      .option("skip-sign-test", {
        type: "boolean",
        default: false,
        describe: "do not run the end-to-end sign test after Layer 3",
      })
      .option("json", jsonOption("print the run report as JSON")),
  run: (a, ctx) =>
    withEngine(ctx, a.stack, true, async (engine, signal) => {
      const aws = await awsOf(ctx, engine, a.stack);
      const live: ProbeContext = { aws, signal };
      const parked = await refuseWhenParked(
        ctx,
        engine,
        aws,
        await readOutputs(engine).catch(() => parseStackOutputs({})),
        a.json,
      );
      if (parked !== undefined) return parked;
      // before anything changes: the zone is kept, and it offers the instance types (automation/zone.ts)
      if (ctx.zoneLookups) {
        const lookups = await ctx.zoneLookups(aws);
        await keepZone({ engine, stack: a.stack, workDir: ctx.workDir, lookups, log: (l) => ctx.out.stderr(l) });
      }
      const initial = await ctx.makeProbes(a.stack, parseStackOutputs({}), live);
      const probes = lazyOutputsProbes(ctx, a.stack, initial, live);
      const signTest = (outputs: StackOutputs) => signTestGate(ctx, a.stack, outputs, live);
      const report = await stagedUp(
        { ...driverDeps(ctx, engine, probes, signal), signTest },
        { through: a.layer, reconcile: a.reconcile, skipGates: a["skip-gates"], skipSignTest: a["skip-sign-test"] },
      );
      if (report.timeline) {
        try {
          report.timelineFiles = saveTimeline(ctx.workDir, report.timeline);
        } catch (err) {
          ctx.out.stderr(`could not write the timeline: ${(err as Error).message}`);
        }
      }
      await takeBaselineOnce(ctx, engine, live.aws!, report, signal);
      printReport(ctx, report, a.json);
      return report.exitCode;
    }),
});

/**
 * Probes built once the stack exists: `up` creates it, so outputs are read at each gate. The
 * probes are built once, but every call passes them the outputs of that moment (a Layer 1 update
 * may bring a new instance or ops bundle).
 */
function lazyOutputsProbes(ctx: CliContext, stack: string, initial: Probes, live: ProbeContext): Probes {
  let built: Probes | undefined;
  const get = async (outputs: StackOutputs) =>
    (built ??= outputs.base ? await ctx.makeProbes(stack, outputs, live) : initial);
  return {
    base: async (o) => (await get(o)).base(o),
    services: async (o) => (await get(o)).services(o),
    mpc: async (o, opts) => (await get(o)).mpc(o, opts),
    logs: async (t, n) => (built ?? initial).logs(t, n),
    imagePins: async (id) => (built ?? initial).imagePins(id),
  };
}

/** The sign test as `up`'s final gate: the sign-test command's --json run, parsed. */
export async function signTestGate(
  ctx: CliContext,
  stack: string,
  outputs: StackOutputs,
  live: ProbeContext,
): Promise<SignTestGate> {
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
