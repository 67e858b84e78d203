// The steps of a cold `up` as a graph, built from the synthesised plan (automation/synth.ts):
// every resource with the resources it waits for, the work the hosts do after boot that the
// engine does not see (their bootstrap), and the driver's own sequence (each layer's `up` starts
// after the gate of the layer below; the sign test after the top gate). Durations come from the
// one table, durations.ts.
//
// Waiting rules (Pulumi Node.js SDK, runtime/resource.ts prepareResource): a resource is
// registered once every resource it depends on has been created (a component counts as created
// when all of its children are), and a child is registered only after its parent, so a child also
// waits for what its parent depends on. The mock runtime records URNs with only the parent's own
// type (@pulumi/pulumi runtime/mocks.ts newUrn); the engine chains every ancestor's type
// (pulumi/pulumi sdk/go/common/resource/urn.go NewURN): layer selections match the engine's form,
// so the graph rebuilds it.
import { gunzipped } from "../../platform/host/render.js";
import { LAYERS, type LayerId } from "../../layers/registry.js";
import { layerOfUrn, selects } from "../layers.js";
import { earlyLayers, upSelection } from "../stages.js";
import { parseStackOutputs } from "../stack-outputs.js";
import type { SynthPlan } from "../synth.js";
import { SSM_RUN_ENV } from "../../platform/ssm/run-env.js";
import { OPERATION_KINDS, STEP_DURATIONS, kindOfType, type StepKind } from "./durations.js";

export interface PlanStep {
  id: string;
  /** "<type> <name>" for a resource, else what the step is. */
  label: string;
  /** undefined: a structural step (a component's registration or completion), no time of its own. */
  kind?: StepKind;
  layer: LayerId;
  seconds: number;
  /** Steps that must end before this one starts. */
  after: string[];
}

type PlanResource = SynthPlan["resources"][number];

/** The step id of the driver's steps. */
export const stepIds = {
  engineStart: (layer: LayerId) => `up:${layer}`,
  gate: (layer: LayerId) => `gate:${layer}`,
  signTest: "sign-test",
};

const INSTANCE = "aws:ec2/instance:Instance";
const ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment";
const COMMAND = "command:local:Command";

/** The URNs as the engine makes them, by the plan's URN. */
function engineUrns(plan: SynthPlan): Map<string, string> {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const out = new Map<string, string>();
  const of = (r: PlanResource): string => {
    const known = out.get(r.urn);
    if (known) return known;
    const parent = byUrn.get(r.parent);
    const urn = parent
      ? `${of(parent).slice(0, of(parent).lastIndexOf("::"))}$${r.type}::${r.name}`
      : `urn:pulumi:${plan.stack}::${plan.project}::${r.type}::${r.name}`;
    out.set(r.urn, urn);
    return urn;
  };
  for (const r of plan.resources) of(r);
  return out;
}

function commandKind(r: PlanResource): StepKind {
  const env = (r.inputs.environment ?? {}) as Record<string, unknown>;
  if (typeof env.GENESIS_BUCKET === "string") return "genesis-wait";
  const op = env[SSM_RUN_ENV.operation];
  return typeof op === "string" ? (OPERATION_KINDS[op] ?? "ssm-operation") : "aws-resource";
}

/** Which host a bootstrap script is, from its settings: the MPC node's or the neard node's. */
function hostRole(r: PlanResource): "mpc" | "near" | undefined {
  const data = r.inputs.userDataBase64;
  if (typeof data !== "string") return undefined;
  const script = gunzipped(data);
  if (/^export MPC_IMAGE=/m.test(script)) return "mpc";
  if (/^export NEAR_IMAGE=/m.test(script)) return "near";
  return undefined;
}

/** The graph of a cold `up` of the plan. */
export function planGraph(plan: SynthPlan): Map<string, PlanStep> {
  const urns = engineUrns(plan);
  const id = (r: PlanResource) => urns.get(r.urn)!;
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const steps = new Map<string, PlanStep>();
  const layerOf = (r: PlanResource) => layerOfUrn(plan.stack, id(r), plan.project);
  // A cold deploy: nothing is deployed yet.
  const early = earlyLayers(parseStackOutputs({}));
  const selections = LAYERS.map((l) => ({ id: l.id, sel: upSelection({ stack: plan.stack, layer: l.id, early }) }));
  const stageOf = (r: PlanResource): LayerId => selections.find((s) => selects(s.sel, id(r)))?.id ?? LAYERS[0].id;
  const add = (s: Omit<PlanStep, "seconds">) =>
    steps.set(s.id, { ...s, seconds: s.kind ? STEP_DURATIONS[s.kind].seconds : 0 });
  const startOf = (r: PlanResource) => (r.custom ? id(r) : `${id(r)}#registered`);

  for (const r of plan.resources) {
    const deps = r.dependencies.flatMap((d) => (byUrn.has(d) ? [id(byUrn.get(d)!)] : []));
    const parent = byUrn.get(r.parent);
    const after = [...deps, ...(parent ? [startOf(parent)] : []), stepIds.engineStart(stageOf(r))];
    const label = `${r.type} ${r.name}`;
    if (r.custom) {
      add({
        id: id(r),
        label,
        kind: r.type === COMMAND ? commandKind(r) : kindOfType(r.type),
        layer: layerOf(r),
        after,
      });
    } else {
      add({ id: startOf(r), label: `${label} (registered)`, layer: layerOf(r), after });
      const children = plan.resources.filter((c) => c.parent === r.urn).map(id);
      add({ id: id(r), label, layer: layerOf(r), after: [startOf(r), ...children] });
    }
  }

  // The hosts' bootstraps: after boot and the data volume's attachment; an MPC node joins once the
  // neard host has published the genesis. Commands that run on a host (SSM) wait for its bootstrap.
  const ready = new Map<string, string>();
  const instances = plan.resources.filter((r) => r.type === INSTANCE);
  const publisher = instances.find((r) => hostRole(r) === "near");
  for (const r of instances) {
    const role = hostRole(r);
    if (!role) continue;
    const attachments = plan.resources.filter((a) => a.type === ATTACHMENT && a.dependencies.includes(r.urn)).map(id);
    const boot = [id(r), ...attachments];
    if (role === "near") {
      add({
        id: `${id(r)}#bootstrap`,
        label: `${r.name} bootstrap`,
        kind: "docker-and-near-image",
        layer: layerOf(r),
        after: boot,
      });
      ready.set(r.urn, `${id(r)}#bootstrap`);
    } else {
      add({
        id: `${id(r)}#prepare`,
        label: `${r.name} bootstrap: prepare`,
        kind: "mpc-host-prepare",
        layer: layerOf(r),
        after: boot,
      });
      const published = publisher ? [`${id(publisher)}#bootstrap`] : [];
      add({
        id: `${id(r)}#join`,
        label: `${r.name} bootstrap: join the chain`,
        kind: "mpc-host-join",
        layer: layerOf(r),
        after: [`${id(r)}#prepare`, ...published],
      });
      ready.set(r.urn, `${id(r)}#join`);
    }
  }
  for (const r of plan.resources.filter((c) => c.type === COMMAND)) {
    for (const d of r.dependencies) if (ready.has(d)) steps.get(id(r))!.after.push(ready.get(d)!);
  }

  // The driver: layer k's `up` after layer k-1's gate; a gate after its layer's `up` and hosts.
  let previousGate: string[] = [];
  for (const l of LAYERS) {
    add({
      id: stepIds.engineStart(l.id),
      label: `Layer ${l.index} up starts`,
      kind: "engine-start",
      layer: l.id,
      after: previousGate,
    });
    // The layer's `up` ends when its own resources are done: a component of the stage counts as
    // registered, its children of later stages (excluded from this `up`) do not hold it.
    const deployed = plan.resources.filter((r) => stageOf(r) === l.id).map(startOf);
    const hosts = instances.filter((r) => ready.has(r.urn) && layerOf(r) === l.id).map((r) => ready.get(r.urn)!);
    add({
      id: stepIds.gate(l.id),
      label: `Layer ${l.index} gate`,
      kind: "gate",
      layer: l.id,
      after: [stepIds.engineStart(l.id), ...deployed, ...hosts],
    });
    previousGate = [stepIds.gate(l.id)];
  }
  add({
    id: stepIds.signTest,
    label: "sign test",
    kind: "sign-test",
    layer: LAYERS[LAYERS.length - 1].id,
    after: previousGate,
  });
  return steps;
}
