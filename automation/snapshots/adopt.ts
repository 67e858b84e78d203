// How a restore keeps the Pulumi stack consistent. The data volumes are Pulumi resources
// (platform/host/node-host.ts: the Volume, its VolumeAttachment, and the volume id rendered into
// the host's user data and into the genesis wait's triggers). Once the restored volumes are
// attached and healthy, the stack's state is rewritten so that every value that held a replaced
// volume's id holds its successor's: the program, unchanged, then computes exactly what the
// state records, so the next `up` changes nothing (no re-attachment of the old volume, no host
// replacement for a new user data) and a refresh reads the volumes that are really attached.
// Three kinds of value carry a volume id:
// - plain strings (ids, ARNs, inputs, triggers, environment): replaced as text;
// - gzip'd user data (`userDataBase64`): unpacked, replaced, packed again with the program's own
//   gzipUserData, which gives the same bytes for the same script (its header has no time stamp);
// - the VolumeAttachment's id, which the AWS provider derives from device, instance and volume
//   (terraform-provider-aws internal/service/ec2/ebs_volume_attachment.go, volumeAttachmentID:
//   "vai-" + the CRC-32 of "<device>-<instance>-<volume>-"), recomputed for the new volume.
import { crc32 } from "node:zlib";
import { gunzipped, gzipUserData } from "../../platform/host/render.js";
import type { StateResource } from "../stack-outputs.js";

/** Old volume id -> new volume id. */
export type VolumeSwaps = Record<string, string>;

const ATTACHMENT_TYPE = "aws:ec2/volumeAttachment:VolumeAttachment";
const VOLUME_TYPE = "aws:ebs/volume:Volume";

function replaceIds(text: string, swaps: VolumeSwaps): string {
  let out = text;
  for (const [from, to] of Object.entries(swaps)) out = out.replaceAll(from, to);
  return out;
}

function rewrite(v: unknown, swaps: VolumeSwaps, key?: string): unknown {
  if (typeof v === "string") {
    if (key === "userDataBase64" && v) {
      const script = gunzipped(v);
      const next = replaceIds(script, swaps);
      return next === script ? v : gzipUserData(next);
    }
    return replaceIds(v, swaps);
  }
  if (Array.isArray(v)) return v.map((x) => rewrite(x, swaps));
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x, swaps, k)]));
  return v;
}

export function volumeAttachmentId(device: string, instanceId: string, volumeId: string): string {
  return `vai-${crc32(`${device}-${instanceId}-${volumeId}-`)}`;
}

type DeploymentResource = { type?: string; id?: string; outputs?: Record<string, unknown> };

/** The deployment (`pulumi stack export`'s `deployment`) with the swapped volumes adopted. */
export function adoptVolumes(deployment: unknown, swaps: VolumeSwaps): unknown {
  const out = rewrite(deployment, swaps) as { resources?: DeploymentResource[] };
  const adopted = new Set(Object.values(swaps));
  for (const r of out.resources ?? []) {
    const o = r.outputs ?? {};
    if (r.type !== ATTACHMENT_TYPE || !adopted.has(String(o.volumeId))) continue;
    r.id = volumeAttachmentId(String(o.deviceName), String(o.instanceId), String(o.volumeId));
    r.outputs = { ...o, id: r.id };
  }
  return out;
}

/** The program's data volume of each host, by host name ("base", "mpc-node-0", ...), from the state. */
export function stateDataVolumes(resources: StateResource[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const r of resources) {
    const m = /::([a-z0-9-]+)-data$/.exec(r.urn);
    const id = r.outputs?.id;
    if (m && r.type === VOLUME_TYPE && typeof id === "string") found[m[1]] = id;
  }
  return found;
}
