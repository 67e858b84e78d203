// The timeline of one `up`: when each layer, each of the driver's steps (confirm, preview, up,
// gate, refresh, sign test) and each resource group started and ended, from the driver's clock and
// the engine's resource events (pulumi-engine.ts: resourcePreEvent starts a resource step,
// resOutputsEvent or resOpFailedEvent ends it). A resource group is the component a resource
// belongs to (a host, an SSM operation), or, for resources directly under a layer's component,
// that layer's resources of one provider module ("base aws:ec2").
import { LAYERS, type LayerId } from "../../layers/registry.js";
import type { ResourceProgress } from "../engine.js";
import { layerOfUrn } from "../layers.js";

export interface TimelineStep {
  id: string;
  kind: "layer" | "driver" | "group";
  label: string;
  layer: LayerId;
  /** Milliseconds after the run started. */
  startMs: number;
  endMs: number;
  ok: boolean;
  /** On the recorded critical path (the chain of steps the run's end waited for). */
  critical: boolean;
  /** group: how many resource steps it holds. */
  resources?: number;
}

interface ResourceStep {
  urn: string;
  type: string;
  op: string;
  group: string;
  layer: LayerId;
  startMs: number;
  /** Absent when the run ended before the engine reported the step's end. */
  endMs?: number;
  ok: boolean;
}

/** One of the driver's steps as the run report records it. */
interface DriverStep {
  step: string;
  ok: boolean;
  /** Clock reading at its start. */
  startedAt: number;
  durationMs: number;
}

export interface Timeline {
  version: 1;
  stack: string;
  startedAt: string;
  totalMs: number;
  ok: boolean;
  steps: TimelineStep[];
  resources: ResourceStep[];
}

/** Steps that hold other steps: not leaves of the critical path. */
const CONTAINER_STEPS = new Set(["up", "refresh", "destroy"]);
/** Steps closer than this count as one after the other (the driver's own bookkeeping in between). */
const CHAIN_SLACK_MS = 1000;

function typeOfUrn(urn: string): string {
  const parts = urn.split("::");
  return (parts[parts.length - 2] ?? "").split("$").pop() ?? "";
}

function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

export class TimelineRecorder {
  private readonly started: number;
  private readonly resources = new Map<string, ResourceStep>();
  private readonly layerTypes = new Set(LAYERS.map((l) => l.component.type));

  constructor(
    private readonly stack: string,
    private readonly now: () => number,
  ) {
    this.started = now();
  }

  /** An engine event. Steps that change nothing ("same") and the engine's own resources are not work. */
  resource(e: ResourceProgress): void {
    if (e.op === "same" || e.type === "pulumi:pulumi:Stack" || e.type.startsWith("pulumi:providers:")) return;
    if (this.layerTypes.has(e.type)) return;
    const at = this.now() - this.started;
    const key = `${e.op} ${e.urn}`;
    if (e.status === "started") {
      const layer = layerOfUrn(this.stack, e.urn);
      this.resources.set(key, {
        urn: e.urn,
        type: e.type,
        op: e.op,
        group: this.groupOf(e, layer),
        layer,
        startMs: at,
        ok: true,
      });
      return;
    }
    const step = this.resources.get(key);
    if (!step) return;
    step.endMs = at;
    step.ok = e.status === "done";
  }

  private groupOf(e: ResourceProgress, layer: LayerId): string {
    // A component of its own (a host, an operation): the group its children join.
    if (e.type.startsWith("near-localnet:")) {
      return `${nameOfUrn(e.urn)} (${e.type.split(":").pop()})`;
    }
    const parent = e.parent ?? "";
    const parentType = typeOfUrn(parent);
    if (parent && !this.layerTypes.has(parentType) && parentType !== "pulumi:pulumi:Stack") {
      return `${nameOfUrn(parent)} (${parentType.split(":").pop()})`;
    }
    return `${layer} ${e.type.split("/")[0].split(":").slice(0, 2).join(":")}`;
  }

  /** The timeline as recorded until now, with the driver's steps of each layer (clock readings). */
  finish(o: { ok: boolean; layers: ReadonlyArray<{ layer: LayerId; steps: readonly DriverStep[] }> }): Timeline {
    const totalMs = this.now() - this.started;
    const driver = o.layers.flatMap(({ layer, steps }) =>
      steps.map((s, i) => {
        const n = steps.slice(0, i).filter((x) => x.step === s.step).length;
        return {
          id: `${layer}/${s.step}${n ? `#${n + 1}` : ""}`,
          kind: "driver" as const,
          label: s.step,
          layer,
          startMs: s.startedAt - this.started,
          endMs: s.startedAt - this.started + s.durationMs,
          ok: s.ok,
        };
      }),
    );
    const resources = [...this.resources.values()];
    const groups = new Map<string, ResourceStep[]>();
    for (const r of resources) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
    const leaves: Array<Omit<TimelineStep, "critical">> = [
      ...driver,
      ...[...groups].map(([label, members]) => ({
        id: `group:${label}`,
        kind: "group" as const,
        label,
        layer: members[0].layer,
        startMs: Math.min(...members.map((m) => m.startMs)),
        endMs: Math.max(...members.map((m) => m.endMs ?? totalMs)),
        ok: members.every((m) => m.ok && m.endMs !== undefined),
        resources: members.length,
      })),
    ];
    const layers = LAYERS.flatMap((l) => {
      const own = leaves.filter((s) => s.layer === l.id);
      if (!own.length) return [];
      return [
        {
          id: `layer:${l.id}`,
          kind: "layer" as const,
          label: `Layer ${l.index} ${l.id}`,
          layer: l.id,
          startMs: Math.min(...own.map((s) => s.startMs)),
          endMs: Math.max(...own.map((s) => s.endMs)),
          ok: own.every((s) => s.ok),
        },
      ];
    });
    const critical = criticalChain(leaves.filter((s) => !(s.kind === "driver" && CONTAINER_STEPS.has(s.label))));
    const steps = [...layers, ...leaves].map((s) => ({ ...s, critical: critical.has(s.id) }));
    return {
      version: 1,
      stack: this.stack,
      startedAt: new Date(this.started).toISOString(),
      totalMs,
      ok: o.ok,
      steps,
      resources,
    };
  }
}

/**
 * The recorded critical path: from the step that ended last, back through the step that ended last
 * before each one started. An approximation of what waited on what (the events do not say why a
 * step started when it did), good enough to point at the chain.
 */
function criticalChain(leaves: Array<Pick<TimelineStep, "id" | "startMs" | "endMs">>): Set<string> {
  const chain = new Set<string>();
  let current = [...leaves].sort((a, b) => b.endMs - a.endMs || a.startMs - b.startMs)[0];
  while (current) {
    chain.add(current.id);
    const start = current.startMs;
    current = leaves
      .filter((s) => !chain.has(s.id) && s.endMs <= start + CHAIN_SLACK_MS && s.startMs < start)
      .sort((a, b) => b.endMs - a.endMs || a.startMs - b.startMs)[0];
  }
  return chain;
}

/** The longest `n` steps of a timeline that hold no other steps. */
export function longestSteps(t: Timeline, n = 3): TimelineStep[] {
  return t.steps
    .filter((s) => s.kind === "group" || (s.kind === "driver" && !CONTAINER_STEPS.has(s.label)))
    .sort((a, b) => b.endMs - b.startMs - (a.endMs - a.startMs))
    .slice(0, n);
}
