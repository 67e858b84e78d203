// Snapshot sets as EC2 holds them: snapshots grouped by their set tag.
import type { Ec2Sender } from "../park/ec2.js";
import { snapshotsTagged, type SnapshotInfo } from "./ebs.js";
import { TAG } from "./identity.js";

export interface SnapshotSet {
  name: string;
  stack: string;
  /** The earliest snapshot's start time (ISO). */
  createdAt?: string;
  genesisSha256?: string;
  keySet?: string;
  /** completed when every snapshot is; else the states seen. */
  state: string;
  snapshots: SnapshotInfo[];
}

function group(list: SnapshotInfo[]): SnapshotSet[] {
  const by = new Map<string, SnapshotInfo[]>();
  for (const s of list) {
    const key = `${s.tags[TAG.stack]}\u0000${s.tags[TAG.set]}`;
    by.set(key, [...(by.get(key) ?? []), s]);
  }
  return [...by.values()].map((snaps) => {
    const t = snaps[0].tags;
    const times = snaps.flatMap((s) => (s.startTime ? [new Date(s.startTime).getTime()] : []));
    const states = [...new Set(snaps.map((s) => s.state))];
    return {
      name: t[TAG.set],
      stack: t[TAG.stack],
      ...(times.length ? { createdAt: new Date(Math.min(...times)).toISOString() } : {}),
      genesisSha256: t[TAG.genesis],
      keySet: t[TAG.keySet],
      state: states.length === 1 ? states[0] : states.sort().join("/"),
      snapshots: [...snaps].sort((a, b) => (a.tags[TAG.host] ?? "").localeCompare(b.tags[TAG.host] ?? "")),
    };
  });
}

/** The stack's sets, oldest first. */
export async function listSets(ec2: Ec2Sender, stack: string): Promise<SnapshotSet[]> {
  const sets = group(await snapshotsTagged(ec2, { [TAG.stack]: stack }));
  return sets.sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? ""));
}

/** The sets of that name, of any stack (a restore names the one that holds it when it is not ours). */
export async function setsNamed(ec2: Ec2Sender, name: string): Promise<SnapshotSet[]> {
  return group(await snapshotsTagged(ec2, { [TAG.set]: name }));
}

export function renderSets(sets: SnapshotSet[]): string[] {
  if (!sets.length) return ["No snapshot sets."];
  const lines = [`${"name".padEnd(24)} ${"created".padEnd(24)} ${"state".padEnd(10)} hosts  genesis       key set`];
  for (const s of sets)
    lines.push(
      `${s.name.padEnd(24)} ${(s.createdAt ?? "-").padEnd(24)} ${s.state.padEnd(10)} ${String(s.snapshots.length).padEnd(6)} ` +
        `${(s.genesisSha256 ?? "-").slice(0, 12).padEnd(13)} ${(s.keySet ?? "-").slice(0, 12)}`,
    );
  return lines;
}
