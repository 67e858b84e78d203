// Which resources each layer's `up` deploys. The driver deploys layer by layer (layers.ts selects
// a layer); `estimate` reads the same selection to place every resource of the plan in the
// driver's sequence, so that the estimate and the driver cannot disagree.
//
// On a cold deploy, Layer 1's `up` also creates the infrastructure of the upper layers that allow
// it (Layer.earlyStart): their hosts boot, pull their images and prepare their volumes while
// Layer 1 bootstraps and Layer 2 deploys; their deferred children (the on-chain operations) still
// go up in the layer's own turn, after the gates below. Only layers not yet deployed start early:
// a deployed layer's changes are applied in its own turn, as before.
import { childrenOfType, layerSelection, layerTargets, type LayerSelection } from "./layers.js";
import { LAYERS, layer as layerDef, type LayerId } from "../layers/registry.js";
import type { StackOutputs } from "../layers/outputs.js";

/** The upper layers whose infrastructure Layer 1's `up` creates, given the stack's outputs. */
export function earlyLayers(outputs: StackOutputs): LayerId[] {
  return LAYERS.filter((l) => l.index > 1 && l.earlyStart && !l.isDeployed(outputs)).map((l) => l.id);
}

/** The selection `up` passes to the engine for layer `id`; `early` as earlyLayers gives it. */
export function upSelection(o: { stack: string; layer: LayerId; early?: readonly LayerId[] }): LayerSelection {
  if (layerDef(o.layer).index !== 1 || !o.early?.length) return layerSelection(o.stack, o.layer);
  const excludes = LAYERS.filter((l) => l.index > 1).flatMap((l) =>
    o.early!.includes(l.id) && l.earlyStart
      ? l.earlyStart.deferred.map((type) => childrenOfType(o.stack, l.id, type))
      : layerTargets(o.stack, l.id),
  );
  return { excludes };
}
