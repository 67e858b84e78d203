// Staged deployment: layer by layer, each followed by its health gate. On a failure: a refresh
// targeted at the failed layer (clearing pending creates), a report, a non-zero exit; never a
// destroy. A re-run resumes: layers that are deployed and pass their gate are left alone.
import { EngineError, classifyEngineError, type Engine, type ResourceProgress } from "./engine.js";
import { evaluateLayer, type LayerProbes, type LayerVerdict } from "./health.js";
import {
  LAYERS,
  layer as layerDef,
  layerSelection,
  layersFromTopDownTo,
  layersUpTo,
  type LayerDef,
  type LayerId,
} from "./layers.js";
import type { Out, Probes } from "./probes.js";
import { parseStackOutputs, type StackOutputs } from "./stack-outputs.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, locked: 3, cancelled: 130 } as const;

export interface DriverDeps {
  engine: Engine;
  probes: Probes;
  out: Out;
  /** Milliseconds clock; injectable so that tests do not depend on time. */
  now?: () => number;
  /** Aborted on Ctrl-C: the running operation is cancelled and no further step starts. */
  signal?: AbortSignal;
}

export type StepName = "confirm" | "up" | "gate" | "refresh" | "destroy";

export interface StepRecord {
  step: StepName;
  ok: boolean;
  startedAt: number;
  durationMs: number;
  detail?: string;
}

export type LayerOutcome = "left-alone" | "updated" | "failed" | "not-run" | "destroyed";

export interface LayerRun {
  layer: LayerId;
  outcome: LayerOutcome;
  steps: StepRecord[];
  verdict?: LayerVerdict;
  error?: { kind: string; message: string; detail?: string };
}

export interface RunReport {
  ok: boolean;
  exitCode: number;
  stack: string;
  layers: LayerRun[];
  failedLayer?: LayerId;
  nextActions: string[];
}

export interface UpOptions {
  /** Highest layer to deploy (default: all). */
  through?: LayerId;
  /** Run `up` on every layer even when it is healthy (applies program changes). */
  reconcile?: boolean;
  skipGates?: boolean;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  if (h > 0) return `${h}h${String(m % 60).padStart(2, "0")}m${String(s % 60).padStart(2, "0")}s`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

const OP_SYMBOL: Record<string, string> = {
  create: "+",
  update: "~",
  delete: "-",
  replace: "+-",
  "create-replacement": "++",
  "delete-replaced": "--",
  refresh: "~r",
  same: "=",
  read: ">",
};

function tag(def: LayerDef): string {
  return `[${def.index}/${LAYERS.length} ${def.id}]`;
}

class Runner {
  private readonly now: () => number;
  constructor(private readonly deps: DriverDeps) {
    this.now = deps.now ?? Date.now;
  }

  get aborted(): boolean {
    return this.deps.signal?.aborted ?? false;
  }

  log(line: string): void {
    this.deps.out.stderr(line);
  }

  /** Runs one step, records it, prints its start and end with the elapsed time. */
  async step<T>(run: LayerRun, def: LayerDef, name: StepName, fn: (elapsed: () => string) => Promise<T>): Promise<T> {
    const startedAt = this.now();
    const elapsed = () => formatDuration(this.now() - startedAt);
    this.log(`${tag(def)} ${name}: started`);
    try {
      const value = await fn(elapsed);
      run.steps.push({ step: name, ok: true, startedAt, durationMs: this.now() - startedAt });
      return value;
    } catch (err) {
      const e = err instanceof EngineError ? err : classifyEngineError(err, this.aborted);
      run.steps.push({ step: name, ok: false, startedAt, durationMs: this.now() - startedAt, detail: e.message });
      this.log(`${tag(def)} ${name}: failed after ${elapsed()}`);
      throw e;
    }
  }

  progress(def: LayerDef, step: StepName, elapsed: () => string): (e: ResourceProgress) => void {
    return (e) => {
      if (e.op === "same" || e.type === "pulumi:pulumi:Stack") return;
      const symbol = OP_SYMBOL[e.op] ?? e.op;
      const state = e.status === "started" ? "..." : e.status === "failed" ? "FAILED" : "done";
      this.log(`${tag(def)} ${step}: ${symbol} ${e.type} ${e.name} ${state} (${elapsed()})`);
    };
  }

  async outputs(): Promise<StackOutputs> {
    try {
      return parseStackOutputs(await this.deps.engine.outputs());
    } catch (err) {
      const e = classifyEngineError(err);
      if (e.kind === "stack-not-found") return parseStackOutputs({});
      throw e;
    }
  }

  async gate(run: LayerRun, def: LayerDef, name: "confirm" | "gate", probes: LayerProbes): Promise<LayerVerdict> {
    const verdict = await this.check(run, def, name, probes);
    if (!verdict.done) run.steps[run.steps.length - 1].ok = false;
    return verdict;
  }

  private check(run: LayerRun, def: LayerDef, name: "confirm" | "gate", probes: LayerProbes): Promise<LayerVerdict> {
    return this.step(run, def, name, async (elapsed) => {
      const outputs = await this.outputs();
      const { probes: p } = this.deps;
      if (def.id === "base" || (def.id === "mpc" && !probes.base && outputs.base)) {
        probes.base = await p.base(outputs).catch((err) => ({ rpcReachable: false, error: String(err?.message ?? err) }));
      }
      if (def.id === "services") probes.services = await p.services(outputs);
      if (def.id === "mpc") probes.mpc = await p.mpc(outputs);
      const verdict = evaluateLayer(def.id, outputs, probes);
      run.verdict = verdict;
      if (verdict.done) {
        this.log(`${tag(def)} ${name}: healthy (${elapsed()})`);
      } else {
        for (const f of verdict.findings) this.log(`${tag(def)} ${name}: NOT DONE: ${f.message}`);
      }
      return verdict;
    });
  }
}

function hasOutputs(id: LayerId, o: StackOutputs): boolean {
  if (id === "base") return !!o.base;
  if (id === "services") return !!o.services && Object.keys(o.services.contracts).length > 0;
  return !!o.mpc && o.mpc.nodes.length > 0;
}

function cmd(args: string): string {
  return `npm run automate -- ${args}`;
}

function failureActions(stack: string, id: LayerId, e: EngineError | undefined, verdict?: LayerVerdict): string[] {
  const s = stack === "localnet" ? "" : ` --stack ${stack}`;
  if (e?.kind === "concurrent-update") {
    return ["Wait for the other run to finish, then run `" + cmd(`up${s}`) + "` again."];
  }
  if (e?.kind === "cancelled") {
    return ["Run `" + cmd(`up${s}`) + "` to resume; healthy layers are confirmed and left alone."];
  }
  if (e && ["missing-cli", "missing-credentials", "missing-passphrase"].includes(e.kind)) {
    return [e.message];
  }
  const actions: string[] = [];
  if (verdict && !verdict.done) {
    actions.push(`Inspect the layer: \`${cmd(`status${s}`)}\` and \`${cmd(`logs <node>${s}`)}\`.`);
  } else {
    actions.push(`Read the error above, fix its cause (program, config or AWS limits).`);
  }
  actions.push(
    `Re-run \`${cmd(`up${s}`)}\`: it resumes at Layer ${layerDef(id).index} (${id}); layers below are left alone.`,
  );
  actions.push(`Nothing was destroyed. To remove this layer explicitly: \`${cmd(`destroy --layer ${id}${s}`)}\`.`);
  return actions;
}

function exitFor(e: EngineError | undefined): number {
  if (e?.kind === "concurrent-update") return EXIT.locked;
  if (e?.kind === "cancelled") return EXIT.cancelled;
  return EXIT.failed;
}

/** The staged `up`. Never calls engine.destroy. */
export async function stagedUp(deps: DriverDeps, opts: UpOptions = {}): Promise<RunReport> {
  const r = new Runner(deps);
  const { engine } = deps;
  const plan = layersUpTo(opts.through ?? "mpc");
  const report: RunReport = { ok: true, exitCode: EXIT.ok, stack: engine.stack, layers: [], nextActions: [] };
  const probes: LayerProbes = {};
  let outputs: StackOutputs | undefined;

  for (const def of plan) {
    const run: LayerRun = { layer: def.id, outcome: "not-run", steps: [] };
    report.layers.push(run);
    if (report.failedLayer || r.aborted) continue;
    let error: EngineError | undefined;
    try {
      outputs ??= await r.outputs();
      if (!opts.reconcile && hasOutputs(def.id, outputs)) {
        const verdict = await r.gate(run, def, "confirm", probes);
        if (verdict.done) {
          run.outcome = "left-alone";
          continue;
        }
        r.log(`${tag(def)} not healthy: updating it`);
      }
      if (r.aborted) continue;
      await r.step(run, def, "up", (elapsed) =>
        engine.up({ ...layerSelection(engine.stack, def.id), onProgress: r.progress(def, "up", elapsed) }),
      );
      outputs = await r.outputs();
      if (!opts.skipGates) {
        const verdict = await r.gate(run, def, "gate", probes);
        if (!verdict.done) throw new EngineError("failed", `Layer ${def.index} (${def.id}) failed its health gate`);
      }
      run.outcome = "updated";
    } catch (err) {
      error = err instanceof EngineError ? err : classifyEngineError(err, r.aborted);
      run.outcome = "failed";
      run.error = { kind: error.kind, message: error.message, detail: error.detail };
      report.failedLayer = def.id;
      report.ok = false;
      report.exitCode = exitFor(error);
      r.log(`${tag(def)} FAILED: ${error.message}`);
      // Clear pending creates and re-read the layer's real state, so that the next run starts
      // from the truth. Not after a lock conflict (someone else holds the stack), a cancel, or
      // a local prerequisite error (nothing ran).
      if (!["concurrent-update", "cancelled", "missing-cli", "missing-credentials", "missing-passphrase"].includes(error.kind)) {
        try {
          await r.step(run, def, "refresh", (elapsed) =>
            engine.refresh({
              ...layerSelection(engine.stack, def.id),
              clearPendingCreates: true,
              onProgress: r.progress(def, "refresh", elapsed),
            }),
          );
        } catch (refreshErr) {
          r.log(`${tag(def)} refresh also failed: ${(refreshErr as Error).message}`);
        }
      }
      report.nextActions = failureActions(engine.stack, def.id, error, run.verdict);
    }
  }
  if (r.aborted && !report.failedLayer) {
    report.ok = false;
    report.exitCode = EXIT.cancelled;
    report.nextActions = failureActions(engine.stack, "base", new EngineError("cancelled", "cancelled"));
  }
  return report;
}

export interface DestroyOptions {
  /** Lowest layer to remove: that layer and every layer above it go, nothing below. */
  layer?: LayerId;
  yes?: boolean;
  /** Asked (unless yes) with the list of layers; true = go ahead. */
  confirm?: (question: string) => Promise<boolean>;
}

export async function destroyLayers(deps: DriverDeps, opts: DestroyOptions = {}): Promise<RunReport> {
  const r = new Runner(deps);
  const { engine } = deps;
  const plan = layersFromTopDownTo(opts.layer ?? "base");
  const report: RunReport = { ok: true, exitCode: EXIT.ok, stack: engine.stack, layers: [], nextActions: [] };
  const names = plan.map((d) => `Layer ${d.index} ${d.title} (${d.id})`).join(", ");
  if (!opts.yes) {
    const question =
      `This DESTROYS, in this order: ${names} of stack "${engine.stack}". ` +
      `Chain data and keys of these layers are lost. Type the stack name to confirm: `;
    const ok = opts.confirm ? await opts.confirm(question) : false;
    if (!ok) {
      r.log(opts.confirm ? "Not confirmed: nothing was destroyed." : "Refusing to destroy without --yes (no terminal to confirm on).");
      return { ...report, ok: false, exitCode: EXIT.usage };
    }
  }
  for (const def of plan) {
    const run: LayerRun = { layer: def.id, outcome: "not-run", steps: [] };
    report.layers.push(run);
    if (report.failedLayer || r.aborted) continue;
    try {
      await r.step(run, def, "destroy", (elapsed) =>
        engine.destroy({ ...layerSelection(engine.stack, def.id), onProgress: r.progress(def, "destroy", elapsed) }),
      );
      run.outcome = "destroyed";
    } catch (err) {
      const e = err instanceof EngineError ? err : classifyEngineError(err, r.aborted);
      run.outcome = "failed";
      run.error = { kind: e.kind, message: e.message, detail: e.detail };
      report.failedLayer = def.id;
      report.ok = false;
      report.exitCode = exitFor(e);
      r.log(`${tag(def)} destroy FAILED: ${e.message}`);
      report.nextActions = [
        `Layers below ${def.id} were not touched. Fix the cause and run the same destroy again.`,
      ];
    }
  }
  if (r.aborted && !report.failedLayer) {
    report.ok = false;
    report.exitCode = EXIT.cancelled;
  }
  return report;
}

const OUTCOME_TEXT: Record<LayerOutcome, string> = {
  "left-alone": "healthy, left alone",
  updated: "updated, gate passed",
  failed: "FAILED",
  "not-run": "not run",
  destroyed: "destroyed",
};

/** The per-layer timeline printed at the end of a run. */
export function renderTimeline(report: RunReport): string[] {
  const lines = [`Timeline (stack ${report.stack}):`];
  for (const run of report.layers) {
    const def = layerDef(run.layer);
    const total = run.steps.reduce((a, s) => a + s.durationMs, 0);
    const steps = run.steps.map((s) => `${s.step} ${s.ok ? "ok" : "FAILED"} ${formatDuration(s.durationMs)}`).join(", ");
    lines.push(
      `  Layer ${def.index} ${def.id.padEnd(8)} ${OUTCOME_TEXT[run.outcome].padEnd(22)} ${formatDuration(total).padStart(8)}${
        steps ? `  (${steps})` : ""
      }`,
    );
    if (run.error) lines.push(`      error: ${run.error.message}`);
    for (const f of run.verdict?.done === false ? run.verdict.findings : []) lines.push(`      NOT DONE: ${f.message}`);
  }
  lines.push(report.ok ? "Result: OK" : `Result: FAILED (exit ${report.exitCode})`);
  if (report.nextActions.length) {
    lines.push("Next:");
    for (const a of report.nextActions) lines.push(`  - ${a}`);
  }
  return lines;
}
