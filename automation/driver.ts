// Staged deployment: layer by layer, each followed by its health gate. On a failure: a refresh
// targeted at the failed layer (clearing pending creates), a report, a non-zero exit; never a
// destroy. A re-run resumes: layers that are deployed and pass their gate are left alone.
import {
  EngineError,
  classifyEngineError,
  type Engine,
  type PendingOperation,
  type ResourceProgress,
} from "./engine.js";
import type { LayerVerdict } from "../layers/gate.js";
import type { StackOutputs } from "../layers/outputs.js";
import { collectMpcDiagnostics, type MpcDiagnostics } from "../layers/mpc/diagnostics.js";
import { mpcFromState } from "../layers/mpc/outputs.js";
import {
  LAYERS,
  TOP_LAYER,
  layer as layerDef,
  layersFromTopDownTo,
  layersUpTo,
  type AnyLayer,
  type LayerId,
  type LayerProbes,
} from "../layers/registry.js";
import { layerOfUrn, layerSelection, selects, stateSelection, type LayerSelection } from "./layers.js";
import type { Out, Probes } from "./probes.js";
import { sleep } from "../platform/time.js";
import { formatDuration } from "./timeline/format.js";
import { earlyLayers, upSelection } from "./stages.js";
import { TimelineRecorder, longestSteps, type Timeline } from "./timeline/recorder.js";
import { parseStackOutputs } from "./stack-outputs.js";
import { configuredImages, parseImagePins, planImagePins } from "./image-pins.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, locked: 3, cancelled: 130 } as const;

export interface DriverDeps {
  engine: Engine;
  probes: Probes;
  out: Out;
  /** Milliseconds clock; injectable so that tests do not depend on time. */
  now?: () => number;
  /** Aborted on Ctrl-C: the running operation is cancelled and no further step starts. */
  signal?: AbortSignal;
  /** Waits (abortable); injectable so that tests do not wait. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Pause before the one re-check of a gate that failed right after an up (default 30 s). */
  gateRetryMs?: number;
  /** The end-to-end sign test (the final gate of `up` once Layer 3 is healthy). */
  signTest?: (outputs: StackOutputs) => Promise<SignTestGate>;
}

/** What the sign test step reports to the driver. */
export interface SignTestGate {
  ok: boolean;
  /** One line, e.g. "2/2 requests verified, 2/2 derived keys match" or "NOT_MANAGED: ...". */
  summary: string;
  /** The per-request table (human), printed in the progress and kept in the report. */
  lines: string[];
  /** The operation's result object (the sign-test command's --json output). */
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

type StepName = "confirm" | "preview" | "up" | "gate" | "refresh" | "destroy" | "sign-test";

interface StepRecord {
  step: StepName;
  ok: boolean;
  startedAt: number;
  durationMs: number;
  detail?: string;
}

type LayerOutcome = "left-alone" | "updated" | "failed" | "not-run" | "destroyed" | "not-deployed";

interface LayerRun {
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
  /** The final gate's result (absent when skipped or not reached). */
  signTest?: SignTestGate;
  /** Set when Layer 3 failed: the per-node runtime evidence and the contract state. */
  diagnostics?: MpcDiagnostics;
  /**
   * Creates the state records as interrupted that the failure refresh did NOT clear, because some
   * lie outside the failed layer (clearing is stack-wide): check them in AWS, then clear deliberately.
   */
  pendingCreates?: PendingOperation[];
  nextActions: string[];
  /** `up` only: when each layer, driver step and resource group started and ended. */
  timeline?: Timeline;
  /** Where `up` wrote the timeline (JSON and the SVG chart). */
  timelineFiles?: { json: string; svg: string };
}

export interface UpOptions {
  /** Highest layer to deploy (default: all). */
  through?: LayerId;
  /** Run `up` on every layer even when it is healthy (applies program changes). */
  reconcile?: boolean;
  skipGates?: boolean;
  /** Do not run the end-to-end sign test after Layer 3 (it also does not run with skipGates). */
  skipSignTest?: boolean;
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

function tag(def: AnyLayer): string {
  return `[${def.index}/${LAYERS.length} ${def.id}]`;
}

/** The one preview of the whole stack that a resumed or no-op run takes with its confirm probes. */
interface StackPreview {
  /** Counts by step kind per layer, from the engine's step events. */
  changes: Map<LayerId, Record<string, number>>;
  startedAt: number;
  durationMs: number;
  /** Whether a layer's run already shows the step. */
  recorded: boolean;
}

class Runner {
  readonly now: () => number;
  readonly timeline: TimelineRecorder;
  constructor(readonly deps: DriverDeps) {
    this.now = deps.now ?? Date.now;
    this.timeline = new TimelineRecorder(deps.engine.stack, this.now);
  }

  get aborted(): boolean {
    return this.deps.signal?.aborted ?? false;
  }

  log(line: string): void {
    this.deps.out.stderr(line);
  }

  /** Runs one step, records it, prints its start and end with the elapsed time. */
  async step<T>(run: LayerRun, def: AnyLayer, name: StepName, fn: (elapsed: () => string) => Promise<T>): Promise<T> {
    const startedAt = this.now();
    const elapsed = () => formatDuration(this.now() - startedAt);
    this.log(`${tag(def)} ${name}: started`);
    try {
      const value = await fn(elapsed);
      run.steps.push({ step: name, ok: true, startedAt, durationMs: this.now() - startedAt });
      return value;
    } catch (err) {
      const e = this.asError(err);
      run.steps.push({ step: name, ok: false, startedAt, durationMs: this.now() - startedAt, detail: e.message });
      this.log(`${tag(def)} ${name}: failed after ${elapsed()}`);
      throw e;
    }
  }

  /**
   * The error as the run reports it. Once Ctrl-C was pressed, whatever the operation ended with is
   * a cancel: the terminal may have delivered the SIGINT to Pulumi itself, so the engine cannot
   * always tell.
   */
  asError(err: unknown): EngineError {
    if (this.aborted && !(err instanceof EngineError && err.kind === "cancelled")) {
      const detail = err instanceof EngineError ? (err.detail ?? err.message) : undefined;
      return new EngineError("cancelled", classifyEngineError(new Error("cancelled"), true).message, detail);
    }
    return err instanceof EngineError ? err : classifyEngineError(err, this.aborted);
  }

  /**
   * The selection of a layer for refresh/destroy, built from the state (see stateSelection);
   * undefined = nothing of the layer is in the state. Without state access: the static one.
   */
  async selectionInState(id: LayerId): Promise<LayerSelection | undefined> {
    const { engine } = this.deps;
    if (!engine.resources) return layerSelection(engine.stack, id);
    let resources;
    try {
      resources = await engine.resources();
    } catch (err) {
      const e = classifyEngineError(err);
      if (e.kind === "stack-not-found") return undefined;
      throw e;
    }
    return stateSelection(engine.stack, id, resources);
  }

  /** The interrupted creates the state records ([] when the engine cannot tell). */
  async pendingCreates(): Promise<PendingOperation[]> {
    const ops = this.deps.engine.pendingOperations ? await this.deps.engine.pendingOperations() : [];
    return ops.filter((p) => p.op === "creating");
  }

  progress(def: AnyLayer, step: StepName, elapsed: () => string): (e: ResourceProgress) => void {
    return (e) => {
      this.timeline.resource(e);
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

  async gate(run: LayerRun, def: AnyLayer, name: "confirm" | "gate", probes: LayerProbes): Promise<LayerVerdict> {
    const verdict = await this.check(run, def, name, probes);
    if (!verdict.done) run.steps[run.steps.length - 1].ok = false;
    return verdict;
  }

  /** Probes started together for the confirm checks of a run; dropped once a layer is updated. */
  private readonly prefetched = new Map<LayerId, Promise<LayerProbes[LayerId]>>();

  /** Starts the probes of these layers at once (read-only, independent of each other). */
  prefetch(outputs: StackOutputs, ids: readonly LayerId[]): void {
    for (const id of ids) {
      const p = this.probe(id, outputs);
      p.catch(() => undefined); // awaited (and reported) by the check that uses it
      this.prefetched.set(id, p);
    }
  }

  /** The whole-stack preview started with the prefetched probes (undefined: none, failed or stale). */
  stackPreview?: Promise<StackPreview | undefined>;

  /** An update may change what the probes and the preview saw: later layers are checked afresh. */
  dropPrefetched(): void {
    this.prefetched.clear();
    this.stackPreview = undefined;
  }

  private check(run: LayerRun, def: AnyLayer, name: "confirm" | "gate", probes: LayerProbes): Promise<LayerVerdict> {
    return this.step(run, def, name, async (elapsed) => {
      const outputs = await this.outputs();
      const ids = [...(def.reads ?? []), def.id].filter((id) => id === def.id || layerDef(id).isDeployed(outputs));
      // Read-only and independent of each other: taken together.
      const taken = await Promise.all(
        ids.map((id) => (name === "confirm" ? this.prefetched.get(id) : undefined) ?? this.probe(id, outputs)),
      );
      ids.forEach((id, i) => Object.assign(probes, { [id]: taken[i] }));
      const verdict = def.evaluate(outputs, probes);
      run.verdict = verdict;
      if (verdict.done) {
        this.log(`${tag(def)} ${name}: healthy (${elapsed()})`);
      } else {
        for (const f of verdict.findings) this.log(`${tag(def)} ${name}: NOT DONE: ${f.message}`);
      }
      return verdict;
    });
  }

  /** One layer's probe; a layer that has a stand-in for a failed probe gets it instead of the error. */
  private async probe(id: LayerId, outputs: StackOutputs): Promise<LayerProbes[LayerId]> {
    const l = layerDef(id);
    try {
      return await this.deps.probes[id](outputs);
    } catch (err) {
      if (!l.probeFailed) throw err;
      return l.probeFailed(String((err as Error)?.message ?? err));
    }
  }
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
    `Re-run \`${cmd(`up${s}`)}\`: it resumes at Layer ${layerDef(id).index} (${id}); healthy layers below are left alone ` +
      `unless a preview shows program changes for them. \`${cmd(`up --reconcile${s}`)}\` runs up on every layer.`,
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
  const plan = layersUpTo(opts.through ?? TOP_LAYER);
  const report: RunReport = { ok: true, exitCode: EXIT.ok, stack: engine.stack, layers: [], nextActions: [] };
  const probes: LayerProbes = {};
  let outputs: StackOutputs | undefined;
  let prefetched = false;

  for (const def of plan) {
    const run: LayerRun = { layer: def.id, outcome: "not-run", steps: [] };
    report.layers.push(run);
    if (report.failedLayer || r.aborted) continue;
    let error: EngineError | undefined;
    try {
      outputs ??= await r.outputs();
      if (!prefetched && !opts.reconcile) {
        // A resumed or no-op run confirms every deployed layer: their probes run together.
        prefetched = true;
        const deployed = plan.filter((l) => l.isDeployed(outputs!));
        r.prefetch(
          outputs,
          deployed.map((l) => l.id),
        );
        // Every layer deployed: one preview of the whole stack, alongside the probes, instead of one per layer.
        if (deployed.length === plan.length) r.stackPreview = previewStack(r);
      }
      if (!opts.reconcile && def.isDeployed(outputs)) {
        const verdict = await r.gate(run, def, "confirm", probes);
        if (verdict.done) {
          if (r.aborted) continue;
          // Healthy, but the program may have changed since (e.g. a new ops bundle that upper
          // layers run): a preview of the layer is cheap; update it when it has changes.
          const whole = await r.stackPreview;
          const changes = whole ? layerChanges(run, def, whole) : await previewChanges(r, run, def);
          if (!changes) {
            run.outcome = "left-alone";
            continue;
          }
          r.log(`${tag(def)} healthy, but the program has changes for it (${changes}): updating it`);
        } else {
          r.log(`${tag(def)} not healthy: updating it`);
        }
      }
      if (r.aborted) continue;
      r.dropPrefetched();
      const early = def.index === 1 ? earlyLayers(outputs) : [];
      if (early.length)
        r.log(
          `${tag(def)} up: also brings up the hosts of ${early.map((id) => `Layer ${layerDef(id).index} (${id})`).join(", ")}; their on-chain steps wait for the gates below`,
        );
      await r.step(run, def, "up", (elapsed) =>
        engine.up({
          ...upSelection({ stack: engine.stack, layer: def.id, early }),
          onProgress: r.progress(def, "up", elapsed),
        }),
      );
      outputs = await r.outputs();
      if (!opts.skipGates) {
        let verdict = await r.gate(run, def, "gate", probes);
        if (!verdict.done && !r.aborted) {
          // A layer just updated may need a moment (a container restarting, an indexer catching
          // up): one re-check after a pause, then the verdict stands.
          const wait = deps.gateRetryMs ?? GATE_RETRY_MS;
          r.log(`${tag(def)} gate: not healthy yet; checking once more in ${formatDuration(wait)}`);
          await (deps.sleep ?? sleep)(wait, deps.signal);
          if (!r.aborted) verdict = await r.gate(run, def, "gate", probes);
        }
        if (r.aborted) throw r.asError(new Error("cancelled"));
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
      let kept: PendingOperation[] = [];
      if (!NO_RUN_KINDS.includes(error.kind) && !r.aborted) {
        try {
          kept = await failureRefresh(r, run, def);
        } catch (refreshErr) {
          r.log(`${tag(def)} refresh also failed: ${(refreshErr as Error).message}`);
        }
      }
      if (def.id === "mpc" && !NO_RUN_KINDS.includes(error.kind)) {
        report.diagnostics = await layer3Diagnostics(r, deps, probes);
      }
      report.nextActions = failureActions(engine.stack, def.id, error, run.verdict);
      if (kept.length) {
        report.pendingCreates = kept;
        report.nextActions.push(pendingCreatesAction(engine.stack, def.id, kept));
      }
    }
  }
  if (outputs && !r.aborted && report.layers.some((l) => l.outcome === "updated")) {
    await pinImagesOnFirstUse(r, deps, outputs);
  }
  const mpcRun = report.layers.find((l) => l.layer === "mpc");
  if (mpcRun && !report.failedLayer && !r.aborted) {
    if (opts.skipSignTest || opts.skipGates || !deps.signTest) {
      r.log(
        `${tag(layerDef("mpc"))} sign-test: skipped${opts.skipSignTest ? " (--skip-sign-test)" : opts.skipGates ? " (--skip-gates)" : ""}`,
      );
    } else {
      await finalSignTest(r, deps, report, mpcRun, probes);
    }
  }
  if (r.aborted && !report.failedLayer) {
    report.ok = false;
    report.exitCode = EXIT.cancelled;
    report.nextActions = failureActions(engine.stack, "base", new EngineError("cancelled", "cancelled"));
  }
  report.timeline = r.timeline.finish(report);
  return report;
}

const GATE_RETRY_MS = 30_000;

/**
 * After the layers' ups: images the stack names by tag alone that its hosts resolved on their first
 * pull are reported with the command that pins them in the stack configuration
 * (automation/image-pins.ts). The driver does not write them itself: a pin changes the hosts' user
 * data, so writing it would make the next `up` with no change of the user's replace every host.
 * A failure here is reported and leaves the deploy as it is: the hosts keep running what they recorded.
 */
async function pinImagesOnFirstUse(r: Runner, deps: DriverDeps, outputs: StackOutputs): Promise<void> {
  const { engine } = deps;
  const hosts = [outputs.base?.instanceId, ...(outputs.mpc?.nodes ?? []).map((n) => n.instanceId)].filter(
    (id): id is string => Boolean(id),
  );
  if (!engine.config || hosts.length === 0) return;
  try {
    const configured = configuredImages(await engine.config(), engine.stack);
    if (!configured || Object.values(configured).every((v) => v.includes("@"))) return;
    const lines = (await Promise.all(hosts.map((id) => deps.probes.imagePins(id)))).flat();
    const plan = planImagePins(configured, parseImagePins(lines));
    for (const c of plan.conflicts) {
      r.log(
        `images: the hosts resolved ${c.image} (${c.key}) to different digests (${c.digests.join(", ")}): ` +
          `pin one on purpose: pulumi config set ${c.key} '${c.image}@<digest>' -s ${engine.stack}`,
      );
    }
    for (const w of plan.writes) {
      r.log(
        `images: the hosts pinned ${w.key} to ${w.value} at their first pull and keep running it; to pin it in ` +
          `the stack config (the next up then replaces those hosts once, keeping their data): ` +
          `pulumi config set ${w.key} '${w.value}' -s ${engine.stack}`,
      );
    }
  } catch (err) {
    r.log(
      `images: could not read the hosts' image pins (${(err as Error).message}); they keep running what they recorded`,
    );
  }
}

/** Failures where nothing ran on the stack (or someone else holds it): no refresh, no probes. */
const NO_RUN_KINDS: string[] = [
  "concurrent-update",
  "cancelled",
  "missing-cli",
  "missing-credentials",
  "missing-passphrase",
];

/** "2 to create, 1 to update" from a preview's counts; "" when nothing but same/read steps. */
function describeChanges(changes: Record<string, number>): string {
  return Object.entries(changes)
    .filter(([op, n]) => n > 0 && op !== "same" && op !== "read")
    .map(([op, n]) => `${n} to ${op}`)
    .join(", ");
}

/**
 * One preview of the whole stack (read-only, like the probes it runs beside), its steps counted
 * per layer from the engine's events. Undefined when it fails or its events do not account for
 * every change it counted: then each layer is previewed on its own, as before.
 */
async function previewStack(r: Runner): Promise<StackPreview | undefined> {
  const { engine } = r.deps;
  const changes = new Map<LayerId, Record<string, number>>();
  const startedAt = r.now();
  const counted = (c: Record<string, number>) =>
    Object.entries(c).reduce((n, [op, k]) => (op === "same" || op === "read" ? n : n + k), 0);
  try {
    const result = await engine.preview({
      onProgress: (e) => {
        if (e.status !== "started" || e.type === "pulumi:pulumi:Stack" || e.type.startsWith("pulumi:providers:"))
          return;
        const id = layerOfUrn(engine.stack, e.urn);
        const c = changes.get(id) ?? {};
        c[e.op] = (c[e.op] ?? 0) + 1;
        changes.set(id, c);
      },
    });
    const attributed = [...changes.values()].reduce((n, c) => n + counted(c), 0);
    if (attributed < counted(result.changes)) {
      r.log(
        `preview of the whole stack: its events name ${attributed} of ${counted(result.changes)} changes; previewing layer by layer`,
      );
      return undefined;
    }
    return { changes, startedAt, durationMs: r.now() - startedAt, recorded: false };
  } catch (err) {
    if (!r.aborted) r.log(`preview of the whole stack failed (${(err as Error).message}); previewing layer by layer`);
    return undefined;
  }
}

/** A healthy layer's changes from the whole-stack preview; the first layer's run shows the preview step. */
function layerChanges(run: LayerRun, def: AnyLayer, whole: StackPreview): string {
  if (!whole.recorded) {
    whole.recorded = true;
    run.steps.push({ step: "preview", ok: true, startedAt: whole.startedAt, durationMs: whole.durationMs });
  }
  return describeChanges(whole.changes.get(def.id) ?? {});
}

/**
 * Preview of a healthy layer: the changes up would make ("" = none). A preview that fails does
 * not fail the run: the layer is left alone with a word about --reconcile.
 */
async function previewChanges(r: Runner, run: LayerRun, def: AnyLayer): Promise<string> {
  const { engine } = r.deps;
  try {
    const result = await r.step(run, def, "preview", () => engine.preview({ ...layerSelection(engine.stack, def.id) }));
    return describeChanges(result.changes);
  } catch (err) {
    if (r.aborted) return "";
    const s = engine.stack === "localnet" ? "" : ` --stack ${engine.stack}`;
    r.log(
      `${tag(def)} preview failed (${(err as Error).message}); left alone. If the program changed, apply it with \`${cmd(`up --reconcile${s}`)}\`.`,
    );
    return "";
  }
}

/**
 * The refresh after a failed layer: its selection from the state (nothing to do when the state
 * holds nothing of it), clearing pending creates only when every one of them lies in this layer
 * (Pulumi clears them stack-wide, whatever the targets). Returns the pending creates it kept.
 */
async function failureRefresh(r: Runner, run: LayerRun, def: AnyLayer): Promise<PendingOperation[]> {
  const { engine } = r.deps;
  const sel = await r.selectionInState(def.id);
  if (!sel) {
    r.log(`${tag(def)} refresh: skipped, the state holds nothing of this layer`);
    return [];
  }
  let pending: PendingOperation[] = [];
  let readable = true;
  try {
    pending = await r.pendingCreates();
  } catch (err) {
    readable = false;
    r.log(`${tag(def)} refresh: cannot read the pending operations (${(err as Error).message}); not clearing any`);
  }
  const outside = pending.filter((p) => !selects(sel, p.urn));
  if (outside.length) {
    r.log(
      `${tag(def)} refresh: NOT clearing pending creates: ${outside.length} of ${pending.length} lie outside this layer (${outside
        .map((p) => p.urn)
        .join(", ")})`,
    );
  }
  await r.step(run, def, "refresh", (elapsed) =>
    engine.refresh({
      ...sel,
      clearPendingCreates: readable && pending.length > 0 && outside.length === 0,
      onProgress: r.progress(def, "refresh", elapsed),
    }),
  );
  return outside.length ? pending : [];
}

function pendingCreatesAction(stack: string, id: LayerId, pending: PendingOperation[]): string {
  const s = stack === "localnet" ? "" : ` --stack ${stack}`;
  const list = pending.map((p) => `${p.urn} (${p.id ? `id ${p.id}` : "no id recorded"})`).join("; ");
  return (
    `The state records interrupted creates that were NOT cleared because not all of them are in Layer ${layerDef(id).index}: ${list}. ` +
    `Check in AWS whether each exists (delete it, or import it), then clear them for the whole stack deliberately: ` +
    `\`${cmd(`refresh --clear-pending-creates${s}`)}\`.`
  );
}

async function layer3Diagnostics(
  r: Runner,
  deps: DriverDeps,
  probes: LayerProbes,
): Promise<MpcDiagnostics | undefined> {
  let outputs: StackOutputs;
  try {
    outputs = await r.outputs();
  } catch (err) {
    r.log(`${tag(layerDef("mpc"))} diagnostics: cannot read the stack outputs: ${(err as Error).message}`);
    return undefined;
  }
  // A first deploy that failed (e.g. at the keygen wait) exports no mpc outputs: find the MPC
  // instances in the state instead.
  if (!outputs.mpc?.nodes.length && deps.engine.resources) {
    try {
      const mpc = mpcFromState(await deps.engine.resources(), outputs.base?.rootAccountId || "localnet");
      if (mpc) outputs = { ...outputs, mpc };
    } catch (err) {
      r.log(`${tag(layerDef("mpc"))} diagnostics: cannot read the stack state: ${(err as Error).message}`);
    }
  }
  const d = await collectMpcDiagnostics((o, opts) => deps.probes.mpc(o, opts), outputs, probes.base?.blockHeight);
  for (const line of d?.lines ?? []) r.log(line);
  return d;
}

/**
 * The final gate: the end-to-end sign test once Layer 3 is healthy. A failure fails Layer 3 and
 * the run (exit 1) with the per-request results and Layer 3 diagnostics. No refresh: the deploy
 * itself succeeded (nothing is pending), the failure is at runtime.
 */
async function finalSignTest(
  r: Runner,
  deps: DriverDeps,
  report: RunReport,
  run: LayerRun,
  probes: LayerProbes,
): Promise<void> {
  const def = layerDef("mpc");
  let gate: SignTestGate;
  try {
    gate = await r.step(run, def, "sign-test", async (elapsed) => {
      const g = await deps.signTest!(await r.outputs());
      for (const line of g.lines) r.log(`${tag(def)} sign-test: ${line}`);
      r.log(`${tag(def)} sign-test: ${g.ok ? "PASS" : "FAIL"}: ${g.summary} (${elapsed()})`);
      return g;
    });
  } catch (err) {
    const e = r.asError(err);
    gate = { ok: false, summary: e.message, lines: [], error: { code: e.kind, message: e.message } };
  }
  if (r.aborted) {
    // Ctrl-C during the test: a cancel, not a failed test (whatever the aborted run returned).
    const e = r.asError(new Error("cancelled"));
    const last = run.steps[run.steps.length - 1];
    if (last?.step === "sign-test") last.ok = false;
    run.outcome = "failed";
    run.error = { kind: e.kind, message: e.message };
    report.failedLayer = "mpc";
    report.ok = false;
    report.exitCode = EXIT.cancelled;
    report.nextActions = failureActions(report.stack, "mpc", e);
    r.log(`${tag(def)} sign-test: cancelled`);
    return;
  }
  report.signTest = gate;
  if (gate.ok) return;
  run.steps[run.steps.length - 1].ok = false;
  run.outcome = "failed";
  run.error = { kind: "sign-test", message: `the end-to-end sign test failed: ${gate.summary}` };
  report.failedLayer = "mpc";
  report.ok = false;
  report.exitCode = EXIT.failed;
  r.log(`${tag(def)} FAILED: ${run.error.message}`);
  report.diagnostics = await layer3Diagnostics(r, deps, probes);
  const s = report.stack === "localnet" ? "" : ` --stack ${report.stack}`;
  report.nextActions = [
    'Read the per-request results and the Layer 3 diagnostics above: a contract error such as "Request has timed out." means the MPC nodes did not respond (not live, indexer behind, peers missing).',
    `Re-run the test alone: \`${cmd(`sign-test${s}`)}\`, or \`${cmd(`up${s}`)}\` (healthy layers are left alone).`,
    "Nothing was destroyed or refreshed: every layer is deployed; the failure is at runtime.",
  ];
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
      r.log(
        opts.confirm
          ? "Not confirmed: nothing was destroyed."
          : "Refusing to destroy without --yes (no terminal to confirm on).",
      );
      return { ...report, ok: false, exitCode: EXIT.usage };
    }
  }
  for (const def of plan) {
    const run: LayerRun = { layer: def.id, outcome: "not-run", steps: [] };
    report.layers.push(run);
    if (report.failedLayer || r.aborted) continue;
    try {
      // From the state, afresh for each layer: literal URNs of layers already gone would make
      // Pulumi refuse the destroy, and Layer 1 needs no excludes once the layers above are gone.
      const sel = await r.selectionInState(def.id);
      if (!sel) {
        r.log(`${tag(def)} destroy: not deployed (nothing of it in the state), skipped`);
        run.outcome = "not-deployed";
        continue;
      }
      await r.step(run, def, "destroy", (elapsed) =>
        engine.destroy({ ...sel, onProgress: r.progress(def, "destroy", elapsed) }),
      );
      run.outcome = "destroyed";
    } catch (err) {
      const e = r.asError(err);
      run.outcome = "failed";
      run.error = { kind: e.kind, message: e.message, detail: e.detail };
      report.failedLayer = def.id;
      report.ok = false;
      report.exitCode = exitFor(e);
      r.log(`${tag(def)} destroy FAILED: ${e.message}`);
      report.nextActions = [`Layers below ${def.id} were not touched. Fix the cause and run the same destroy again.`];
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
  "not-deployed": "not deployed",
};

/** The per-layer timeline printed at the end of a run. */
export function renderTimeline(report: RunReport): string[] {
  const lines = [`Timeline (stack ${report.stack}):`];
  for (const run of report.layers) {
    const def = layerDef(run.layer);
    const total = run.steps.reduce((a, s) => a + s.durationMs, 0);
    const steps = run.steps
      .map((s) => `${s.step} ${s.ok ? "ok" : "FAILED"} ${formatDuration(s.durationMs)}`)
      .join(", ");
    lines.push(
      `  Layer ${def.index} ${def.id.padEnd(8)} ${OUTCOME_TEXT[run.outcome].padEnd(22)} ${formatDuration(total).padStart(8)}${
        steps ? `  (${steps})` : ""
      }`,
    );
    if (run.error) lines.push(`      error: ${run.error.message}`);
    for (const f of run.verdict?.done === false ? run.verdict.findings : []) lines.push(`      NOT DONE: ${f.message}`);
  }
  if (report.signTest) {
    lines.push(`Sign test: ${report.signTest.ok ? "PASS" : "FAIL"}: ${report.signTest.summary}`);
    for (const l of report.signTest.lines) lines.push(`  ${l}`);
  }
  if (report.diagnostics) lines.push(...report.diagnostics.lines);
  if (report.timeline) {
    const longest = longestSteps(report.timeline).map(
      (s) => `${s.label} [${layerDef(s.layer).index} ${s.layer}] ${formatDuration(s.endMs - s.startMs)}`,
    );
    lines.push(`Total: ${formatDuration(report.timeline.totalMs)}; longest steps: ${longest.join(", ") || "none"}`);
  }
  if (report.timelineFiles) lines.push(`Timeline: ${report.timelineFiles.json} (chart ${report.timelineFiles.svg})`);
  lines.push(report.ok ? "Result: OK" : `Result: FAILED (exit ${report.exitCode})`);
  if (report.nextActions.length) {
    lines.push("Next:");
    for (const a of report.nextActions) lines.push(`  - ${a}`);
  }
  return lines;
}

export interface CheckOptions {
  /** How long a failing gate is re-checked before its verdict stands (default 30 min). */
  settleMs?: number;
  /** Pause between the checks of a failing gate (default 30 s). */
  retryMs?: number;
  skipSignTest?: boolean;
}

/**
 * Every deployed layer's gate, bottom first, then the sign test, on a stack whose hosts were just
 * started or whose volumes were restored: nothing is deployed or refreshed. A failing gate is
 * checked again until `settleMs` passed (MPC nodes parked for days fetch every block they missed),
 * except on findings no wait cures (a node that cannot catch up).
 */
export async function gateStack(deps: DriverDeps, opts: CheckOptions = {}): Promise<RunReport> {
  const r = new Runner(deps);
  const now = deps.now ?? Date.now;
  const report: RunReport = { ok: true, exitCode: EXIT.ok, stack: deps.engine.stack, layers: [], nextActions: [] };
  const probes: LayerProbes = {};
  const outputs = await r.outputs();
  const deadline = now() + (opts.settleMs ?? 30 * 60_000);
  for (const def of LAYERS) {
    const run: LayerRun = { layer: def.id, outcome: "not-run", steps: [] };
    report.layers.push(run);
    if (report.failedLayer || r.aborted || !def.isDeployed(outputs)) continue;
    let verdict = await r.gate(run, def, "gate", probes);
    while (
      !verdict.done &&
      !r.aborted &&
      now() < deadline &&
      !verdict.findings.some((f) => f.kind === "cannot-catch-up")
    ) {
      const wait = opts.retryMs ?? GATE_RETRY_MS;
      r.log(`${tag(def)} gate: not healthy yet; checking again in ${formatDuration(wait)}`);
      await (deps.sleep ?? sleep)(wait, deps.signal);
      if (!r.aborted) verdict = await r.gate(run, def, "gate", probes);
    }
    run.outcome = verdict.done ? "left-alone" : "failed";
    if (!verdict.done) {
      const e = r.aborted
        ? r.asError(new Error("cancelled"))
        : new EngineError("failed", `Layer ${def.index} (${def.id}) failed its health gate`);
      run.error = { kind: e.kind, message: e.message };
      report.failedLayer = def.id;
      report.ok = false;
      report.exitCode = exitFor(e);
      report.nextActions = failureActions(report.stack, def.id, e, verdict);
    }
  }
  const mpcRun = report.layers.find((l) => l.layer === "mpc" && l.outcome === "left-alone");
  if (mpcRun && !report.failedLayer && !r.aborted && deps.signTest && !opts.skipSignTest) {
    await finalSignTest(r, deps, report, mpcRun, probes);
  }
  return report;
}
