// `estimate`: the critical path of a cold `up` of a plan, the longest chain of steps through the
// graph of plan-graph.ts with the durations of durations.ts. It shows which steps the end-to-end
// time hangs on, so that a change that serialises work shows up before anyone deploys it.
import { layer as layerDef, type LayerId } from "../../layers/registry.js";
import { formatDuration } from "./format.js";
import { planGraph, stepIds, type PlanStep } from "./plan-graph.js";
import type { SynthPlan } from "../synth.js";
import type { StepKind } from "./durations.js";

interface PathStep {
  id: string;
  label: string;
  kind: StepKind;
  layer: LayerId;
  /** Seconds after `up` started. */
  startSeconds: number;
  seconds: number;
}

export interface Estimate {
  stack: string;
  totalSeconds: number;
  /** The critical path, first step first; structural steps (no time of their own) left out. */
  path: PathStep[];
}

/** Longest path to `end` through the steps (each step's end = the latest end among its `after` + its own time). */
export function criticalPath(steps: Map<string, PlanStep>, end: string): { total: number; chain: PlanStep[] } {
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = finish.get(id);
    if (known !== undefined) return known;
    const step = steps.get(id);
    if (!step) throw new Error(`the plan graph has no step ${id}`);
    if (visiting.has(id)) throw new Error(`the plan graph has a cycle through ${id}`);
    visiting.add(id);
    let start = 0;
    let from: string | undefined;
    for (const p of step.after) {
      const f = visit(p);
      if (f > start || from === undefined) [start, from] = [Math.max(start, f), p];
    }
    visiting.delete(id);
    finish.set(id, start + step.seconds);
    via.set(id, from);
    return start + step.seconds;
  };
  const total = visit(end);
  const chain: PlanStep[] = [];
  for (let id: string | undefined = end; id !== undefined; id = via.get(id)) chain.unshift(steps.get(id)!);
  return { total, chain };
}

export function estimatePlan(plan: SynthPlan): Estimate {
  const steps = planGraph(plan);
  const { total, chain } = criticalPath(steps, stepIds.signTest);
  let at = 0;
  const path: PathStep[] = [];
  for (const s of chain) {
    if (s.kind && s.seconds > 0) {
      // A step starts when the one before it on the path ends, or later if other steps held it.
      path.push({ id: s.id, label: s.label, kind: s.kind, layer: s.layer, startSeconds: at, seconds: s.seconds });
    }
    at += s.seconds;
  }
  return { stack: plan.stack, totalSeconds: total, path };
}

export function renderEstimate(e: Estimate): string[] {
  const lines = [
    `Critical path of a cold \`up\` of stack ${e.stack} (durations: automation/timeline/durations.ts, assumed, not measured):`,
  ];
  for (const s of e.path) {
    const where = `[${layerDef(s.layer).index} ${s.layer}]`;
    lines.push(
      `  ${formatDuration(s.startSeconds * 1000).padStart(7)} +${formatDuration(s.seconds * 1000).padEnd(6)} ${where.padEnd(12)} ${s.label} (${s.kind})`,
    );
  }
  lines.push(`Total: ${formatDuration(e.totalSeconds * 1000)} to a verified signature (${e.path.length} steps)`);
  return lines;
}
