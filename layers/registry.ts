// The stack's layers, in deploy order: the one list that the program, the driver, `health`,
// `status` and the CLI iterate. A layer that is not listed here is a compile error wherever a
// per-layer table is kept (index.ts, the ops bundle, the probes), never a fallback.
import type { BaseOutputs } from "./base/outputs.js";
import type { BaseProbe } from "./base/gate.js";
import type { ServicesOutputs } from "./services/outputs.js";
import type { ServicesProbe } from "./services/gate.js";
import type { MpcOutputs } from "./mpc/outputs.js";
import type { MpcProbe } from "./mpc/gate.js";
import type { Layer } from "./layer.js";
import { baseLayer } from "./base/layer.js";
import { servicesLayer } from "./services/layer.js";
import { mpcLayer } from "./mpc/layer.js";

/** Each layer's outputs (as the driver reads them) and probe result. */
export interface LayerTypes {
  base: { outputs: BaseOutputs; probe: BaseProbe };
  services: { outputs: ServicesOutputs; probe: ServicesProbe };
  mpc: { outputs: MpcOutputs; probe: MpcProbe };
}

export type LayerId = keyof LayerTypes;

export type LayerOutputs = { [K in LayerId]?: LayerTypes[K]["outputs"] };
export type LayerProbes = { [K in LayerId]?: LayerTypes[K]["probe"] };

const BY_ID: { [K in LayerId]: Layer<K> } = { base: baseLayer, services: servicesLayer, mpc: mpcLayer };

export type AnyLayer = { [K in LayerId]: Layer<K> }[LayerId];

/** Bottom first. */
export const LAYERS: readonly AnyLayer[] = Object.values(BY_ID).sort((a, b) => a.index - b.index);

export const LAYER_IDS: readonly LayerId[] = LAYERS.map((l) => l.id);

export function layer<K extends LayerId>(id: K): Layer<K> {
  return BY_ID[id];
}

/** Accepts a layer's id, its index and its aliases; throws a message listing the choices. */
export function parseLayer(value: string): LayerId {
  const v = value.trim().toLowerCase();
  const found = LAYERS.find((l) => l.id === v || String(l.index) === v || l.aliases.includes(v));
  if (!found) {
    const indexes = LAYERS.map((l) => l.index).join(", ");
    throw new Error(`unknown layer "${value}": use one of ${LAYER_IDS.join(", ")} (or ${indexes})`);
  }
  return found.id;
}

/** Layers 1..k in deploy order. */
export function layersUpTo(id: LayerId): AnyLayer[] {
  return LAYERS.filter((l) => l.index <= layer(id).index);
}

/** Layer k and every layer above it, top first: the order in which they can be removed. */
export function layersFromTopDownTo(id: LayerId): AnyLayer[] {
  return LAYERS.filter((l) => l.index >= layer(id).index).reverse();
}

/** The top layer: the one whose gate the final sign test completes. */
export const TOP_LAYER: LayerId = LAYERS[LAYERS.length - 1].id;
