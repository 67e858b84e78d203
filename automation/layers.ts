// How the driver selects one layer of the stack (layers/registry.ts lists them) for the engine:
// the URN target set that selects a layer's component and everything under it.
//
// Target facts (pulumi/pulumi engine, pkg/resource/deploy): a --target containing '*' is a glob
// where '**' matches anything and '*' anything but ':'; children's URNs carry their parents' type
// chain ("<parent type>$<child type>::<name>"), so "<component type>$**" selects every descendant
// of the component (and nothing else), while the component itself needs its literal URN.
// Providers (default and explicit) and the root pulumi:pulumi:Stack are implicitly targeted by
// the engine, so they need no entry. No --target-dependents: targeting layer k must not pull in
// layers above it, and resources of layers below are left as they are (untargeted "same" steps).
//
// Layer 1 is selected the other way round: everything EXCEPT the layers above it (--exclude, same
// glob rules). That way resources the program creates outside the three components (the ops bundle
// object, SSM documents, shared roles) go up with the foundation, before anything that uses them.

import { LAYERS, layer, type LayerId } from "../layers/registry.js";

const PROJECT = "near-localnet";

export function componentUrn(stack: string, id: LayerId, project = PROJECT): string {
  const { type, name } = layer(id).component;
  return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

/** The --target set for one layer: the component itself and all of its descendants. */
export function layerTargets(stack: string, id: LayerId, project = PROJECT): string[] {
  return [componentUrn(stack, id, project), `urn:pulumi:${stack}::${project}::${layer(id).component.type}$**`];
}

/** The glob of a layer component's children of one type and everything under them. */
export function childrenOfType(stack: string, id: LayerId, childType: string, project = PROJECT): string {
  return `urn:pulumi:${stack}::${project}::${layer(id).component.type}$${childType}**`;
}

/** What an operation on one layer passes to the engine: a target set, or (Layer 1) an exclude set. */
export interface LayerSelection {
  targets?: string[];
  excludes?: string[];
}

export function layerSelection(stack: string, id: LayerId, project = PROJECT): LayerSelection {
  if (layer(id).index === 1) {
    return { excludes: LAYERS.filter((l) => l.index > 1).flatMap((l) => layerTargets(stack, l.id, project)) };
  }
  return { targets: layerTargets(stack, id, project) };
}

/** Pulumi's glob semantics, for tests and for `status` to attribute URNs to layers. */
export function urnMatches(pattern: string, urn: string): boolean {
  if (!pattern.includes("*")) return pattern === urn;
  const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const source = pattern
    .split("**")
    .map((segment) => segment.split("*").map(quote).join("[^:]*"))
    .join(".*");
  return new RegExp(`^${source}$`).test(urn);
}

/** Which layer an operation on `id` would touch `urn` in (true = selected). */
export function selects(selection: LayerSelection, urn: string): boolean {
  if (selection.targets) return selection.targets.some((t) => urnMatches(t, urn));
  return !(selection.excludes ?? []).some((t) => urnMatches(t, urn));
}

/** Which layer a URN belongs to; resources outside the components belong to Layer 1 (the bottom layer). */
export function layerOfUrn(stack: string, urn: string, project = PROJECT): LayerId {
  return LAYERS.find((l) => selects(layerSelection(stack, l.id, project), urn))?.id ?? LAYERS[0].id;
}

/** Resources the engine adds by itself (the root stack, providers): they belong to no layer. */
function isEngineResource(type: string): boolean {
  return type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");
}

/**
 * The selection for an operation that the engine checks against the state (refresh, destroy).
 * Pulumi's checkTargets rejects every LITERAL --target/--exclude URN that is not in the
 * snapshot ("no resource named ... found"); globs are exempt. So, from the state's resources:
 * - Layers 2/3: their component URN only when the state holds it, plus the descendants glob;
 *   undefined when the state holds nothing of the layer (not deployed: nothing to do).
 * - Layer 1: the exclude set of the upper layers present in the state (none once they are
 *   gone, i.e. the whole stack); undefined when the state holds nothing of Layer 1.
 * `up` and `preview` keep layerSelection: there a target may name a resource still to be created.
 */
export function stateSelection(
  stack: string,
  id: LayerId,
  resources: ReadonlyArray<{ urn: string; type: string }>,
  project = PROJECT,
): LayerSelection | undefined {
  const present = resources.filter((r) => !isEngineResource(r.type));
  const urns = new Set(present.map((r) => r.urn));
  const ofLayer = (l: LayerId) => present.filter((r) => layerOfUrn(stack, r.urn, project) === l);
  const literalAndGlob = (l: LayerId) => layerTargets(stack, l, project).filter((t) => t.includes("*") || urns.has(t));
  if (ofLayer(id).length === 0) return undefined;
  if (layer(id).index === 1) {
    const above = LAYERS.filter((l) => l.index > 1 && ofLayer(l.id).length > 0);
    return above.length ? { excludes: above.flatMap((l) => literalAndGlob(l.id)) } : {};
  }
  return { targets: literalAndGlob(id) };
}
