// What snapshot, restore, reset and up's baseline share: the dependencies of a snapshot set and of
// a restore, built from the CLI context, the engine and the stack's AWS target.
import { ssmClientFor, type AwsTarget } from "../aws-target.js";
import { gateStack } from "../driver.js";
import type { Engine } from "../engine.js";
import { LAYERS } from "../../layers/registry.js";
import type { StackOutputs } from "../../layers/outputs.js";
import { collectStatus } from "../status.js";
import { stackHosts } from "../park/hosts.js";
import type { SnapshotDeps, SnapshotSetReport } from "../snapshots/create.js";
import { stateDataVolumes } from "../snapshots/adopt.js";
import { journalStore } from "../snapshots/journal.js";
import type { RestoreDeps } from "../snapshots/restore.js";
import type { CliContext } from "./context.js";
import { parkDeps } from "./park.js";
import { driverDeps } from "./stack.js";
import { signTestGate } from "./up.js";

export interface SnapshotTarget {
  engine: Engine;
  stack: string;
  aws: AwsTarget;
  outputs: StackOutputs;
  signal?: AbortSignal;
  /** How long failing gates are re-checked after a restore's start (default: gateStack's). */
  settleMs?: number;
  skipSignTest?: boolean;
}

async function resources(engine: Engine) {
  return engine.resources ? engine.resources() : [];
}

export async function snapshotDeps(ctx: CliContext, t: SnapshotTarget): Promise<SnapshotDeps> {
  const park = await parkDeps(ctx, t.aws, t.signal);
  return {
    ...park,
    pollMs: ctx.channel?.pollIntervalMs,
    ssm: ctx.channel?.client ?? (await ssmClientFor(t.aws)),
    stack: t.stack,
    outputs: t.outputs,
    hosts: stackHosts(t.outputs, await resources(t.engine)),
    health: async () => {
      const probes = await ctx.makeProbes(t.stack, t.outputs, { aws: t.aws, signal: t.signal });
      const input = await collectStatus(t.stack, t.outputs, probes);
      const errors = Object.entries(input.probeErrors ?? {}).map(([l, e]) => `${l}: probe failed: ${e}`);
      const findings = LAYERS.map((l) => l.evaluate(t.outputs, input.probes)).flatMap((v) =>
        v.findings.map((f) => `${v.layer}: ${f.message}`),
      );
      return [...errors, ...findings];
    },
  };
}

export async function restoreDeps(ctx: CliContext, t: SnapshotTarget): Promise<RestoreDeps> {
  const park = await parkDeps(ctx, t.aws, t.signal);
  const live = { aws: t.aws, signal: t.signal };
  const { engine } = t;
  return {
    ...park,
    pollMs: ctx.channel?.pollIntervalMs,
    park,
    stack: t.stack,
    outputs: t.outputs,
    hosts: stackHosts(t.outputs, await resources(engine)),
    stateVolumes: stateDataVolumes(await resources(engine)),
    journal: journalStore(ctx.workDir, t.stack),
    gates: async () => {
      const report = await gateStack(
        {
          ...driverDeps(ctx, engine, await ctx.makeProbes(t.stack, t.outputs, live), t.signal),
          sleep: ctx.channel?.sleep,
          signTest: (o) => signTestGate(ctx, t.stack, o, live),
        },
        { settleMs: t.settleMs, skipSignTest: t.skipSignTest },
      );
      const failed = report.layers.filter((l) => l.outcome === "failed");
      return report.ok
        ? []
        : failed.flatMap((l) => [
            l.error?.message ?? `${l.layer} failed`,
            ...(l.verdict?.findings.map((f) => f.message) ?? []),
          ]);
    },
    rewriteState: async (rewrite) => {
      if (!engine.rewriteState) throw new Error("this engine cannot rewrite the stack state");
      await engine.rewriteState(rewrite);
    },
  };
}

export function snapshotLines(r: SnapshotSetReport): string[] {
  const lines = [`snapshot set ${r.name}: ${r.ok ? "OK" : "FAILED"}`];
  for (const s of r.snapshots) lines.push(`  ${s.host.padEnd(12)} ${s.volumeId} -> ${s.snapshotId ?? "-"}`);
  if (r.error) lines.push(`  error: ${r.error}`);
  return lines;
}
