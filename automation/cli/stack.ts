// What the commands over a stack share: the engine with Ctrl-C wiring, the stack outputs, the AWS
// target, the live status, the run report, and the `--layer` and `--json` options.
import { awsTargetFor, type AwsTarget } from "../aws-target.js";
import { renderTimeline, type DriverDeps, type RunReport } from "../driver.js";
import { EngineError, classifyEngineError, type Engine } from "../engine.js";
import type { StackOutputs } from "../../layers/outputs.js";
import { LAYERS, LAYER_IDS, parseLayer } from "../../layers/registry.js";
import type { Probes } from "../probes.js";
import { parseStackOutputs } from "../stack-outputs.js";
import { collectStatus, type StatusInput } from "../status.js";
import { fail, type CliContext } from "./context.js";
import { refuseWhenParked } from "./park.js";

/** `--layer`: an id or index of layers.ts; an unknown one is a usage error (parseLayer throws). */
export function layerOption(
  describe = `layer: ${LAYER_IDS.join(" | ")} (or ${LAYERS.map((l) => l.index).join(" | ")})`,
) {
  return {
    type: "string",
    describe,
    coerce: (v: string | undefined) => (v === undefined ? undefined : parseLayer(v)),
  } as const;
}

export function jsonOption(describe?: string) {
  const option = { type: "boolean", default: false } as const;
  return describe === undefined ? option : { ...option, describe };
}

/** Runs an engine-driven command with Ctrl-C mapped to engine.cancel(). */
export async function withEngine(
  ctx: CliContext,
  stack: string,
  create: boolean,
  fn: (engine: Engine, signal?: AbortSignal) => Promise<number>,
  /** What the first Ctrl-C prints (default: that the Pulumi operation is being cancelled). */
  interruptMessage?: string,
): Promise<number> {
  let engine: Engine;
  try {
    engine = await ctx.makeEngine(stack, create);
  } catch (err) {
    return fail(ctx, err);
  }
  const intr = ctx.interrupts?.((alreadySignalled) => engine.cancel({ alreadySignalled }), interruptMessage);
  try {
    return await fn(engine, intr?.signal);
  } catch (err) {
    // After Ctrl-C whatever the command ended with is a cancel (the terminal may have signalled Pulumi directly).
    const aborted = intr?.signal.aborted ?? false;
    const cancelled = aborted && err instanceof EngineError && err.kind !== "cancelled";
    return fail(ctx, cancelled ? classifyEngineError(err.message, true) : classifyEngineError(err, aborted));
  } finally {
    intr?.dispose();
  }
}

export async function readOutputs(engine: Engine): Promise<StackOutputs> {
  return parseStackOutputs(await engine.outputs());
}

/** The stack's AWS region/profile for the driver's own clients, with credentials checked up front. */
export async function awsOf(ctx: CliContext, engine: Engine, stack: string): Promise<AwsTarget> {
  const aws = await awsTargetFor(engine, ctx.workDir, stack, ctx.env);
  const problem = await ctx.checkAws?.(aws);
  if (problem) throw new EngineError("missing-credentials", problem);
  return aws;
}

/** A read-only command over the stack's outputs and what the live probes answer about them (health, status). */
export function withLiveStatus(
  ctx: CliContext,
  stack: string,
  fn: (outputs: StackOutputs, input: StatusInput) => number,
  json = false,
): Promise<number> {
  return withEngine(ctx, stack, false, async (engine, signal) => {
    const outputs = await readOutputs(engine);
    const aws = await awsOf(ctx, engine, stack);
    const parked = await refuseWhenParked(ctx, engine, aws, outputs, json);
    if (parked !== undefined) return parked;
    return fn(outputs, await collectStatus(stack, outputs, await ctx.makeProbes(stack, outputs, { aws, signal })));
  });
}

export function driverDeps(ctx: CliContext, engine: Engine, probes: Probes, signal?: AbortSignal): DriverDeps {
  return { engine, probes, out: ctx.out, signal, now: ctx.now };
}

export function printReport(ctx: CliContext, report: RunReport, json: boolean | undefined): void {
  if (json) ctx.out.stdout(JSON.stringify(report));
  else for (const line of renderTimeline(report)) ctx.out.stdout(line);
}
