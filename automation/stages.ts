// Which resources each layer's `up` deploys. The driver deploys layer by layer (layers.ts selects
// a layer); `estimate` reads the same selection to place every resource of the plan in the
// driver's sequence, so that the estimate and the driver cannot disagree.
import { layerSelection, type LayerSelection } from "./layers.js";
import type { LayerId } from "../layers/registry.js";

/** The selection `up` passes to the engine for layer `id`. */
export function upSelection(o: { stack: string; layer: LayerId }): LayerSelection {
  return layerSelection(o.stack, o.layer);
}
