// Trust on first use of the images the hosts run. A tag-only image key (nearcoreImage, mpcImage,
// opsImage as repository:tag) is resolved to its digest by the host at its first pull
// (platform/host/scripts/image-pin.sh), which records "KEY IMAGE sha256:<digest>" and runs that
// digest from then on. After a layer's up the driver reads the records (diagnostics probe
// "image-pins") and proposes the pin for the stack configuration, near-localnet:KEY =
// repository:tag@sha256:<digest>, which makes every later deploy, on any host, pull by digest.
import { loadConfig } from "../layers/config.js";
import { fullKey } from "../platform/config/reader.js";

/** The configuration keys of the images the hosts pull. */
const IMAGE_KEYS = ["nearcoreImage", "mpcImage", "opsImage"] as const;
type ImageKey = (typeof IMAGE_KEYS)[number];

const PIN_LINE = /^(\S+) ([a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_][A-Za-z0-9_.-]*) (sha256:[0-9a-f]{64})$/;

export interface ImagePin {
  key: string;
  image: string;
  digest: string;
}

/** The records' lines "KEY IMAGE sha256:<digest>"; anything else is ignored. */
export function parseImagePins(lines: string[]): ImagePin[] {
  const pins: ImagePin[] = [];
  for (const line of lines) {
    const m = PIN_LINE.exec(line.trim());
    if (m) pins.push({ key: m[1], image: m[2], digest: m[3] });
  }
  return pins;
}

/** Each image key's value as the program reads it (defaults included); undefined if the config does not load. */
export function configuredImages(config: Record<string, string>, stack: string): Record<ImageKey, string> | undefined {
  try {
    const cfg = loadConfig((key) => config[key], stack);
    return { nearcoreImage: cfg.base.nearcoreImage, mpcImage: cfg.mpc.image, opsImage: cfg.base.opsImage };
  } catch {
    return undefined;
  }
}

export interface PinPlan {
  /** Full config key and the pinned reference to propose. */
  writes: Array<{ key: string; value: string }>;
  /** Tag-only keys whose hosts resolved the tag to different digests: pinned by nobody but the operator. */
  conflicts: Array<{ key: string; image: string; digests: string[] }>;
}

/** The pins to propose: keys still configured by tag alone whose hosts agree on one digest. */
export function planImagePins(configured: Record<ImageKey, string>, pins: ImagePin[]): PinPlan {
  const plan: PinPlan = { writes: [], conflicts: [] };
  for (const key of IMAGE_KEYS) {
    const image = configured[key];
    if (image.includes("@")) continue;
    const digests = [...new Set(pins.filter((p) => p.key === key && p.image === image).map((p) => p.digest))];
    if (digests.length === 1) plan.writes.push({ key: fullKey(key), value: `${image}@${digests[0]}` });
    else if (digests.length > 1) plan.conflicts.push({ key: fullKey(key), image, digests: digests.sort() });
  }
  return plan;
}
