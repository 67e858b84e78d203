// `restore <set>`: replaces every host's data volume with one made from the set's snapshot, on the
// same instance, device, network interface (so the same IPs) and node keys: hosts stopped, volumes
// created, the old ones detached and the new ones attached, hosts started, the gates and the sign
// test run, and only then the Pulumi state adopts the new volumes (adopt.ts). Nothing is deleted:
// until the end, `restore --undo` puts the previous volumes back; afterwards they are kept too.
import type { StackOutputs } from "../../layers/outputs.js";
import type { Out } from "../probes.js";
import type { Ec2Sender, WaitTiming } from "../park/ec2.js";
import type { StackHost } from "../park/hosts.js";
import { startStack, stopStack, type ParkDeps } from "../park/park.js";
import { adoptVolumes, type VolumeSwaps } from "./adopt.js";
import {
  attachVolume,
  dataVolumeOf,
  describeVolumes,
  detachVolume,
  volumeFromSnapshot,
  waitForVolumes,
} from "./ebs.js";
import { TAG, identityMismatches, stackIdentity } from "./identity.js";
import type { JournalHost, JournalStore, RestoreJournal } from "./journal.js";
import { setsNamed } from "./sets.js";

export interface RestoreDeps extends WaitTiming {
  ec2: Ec2Sender;
  out: Out;
  stack: string;
  outputs: StackOutputs;
  hosts: StackHost[];
  park: ParkDeps;
  /** The program's data volume of each host (by host name), from the Pulumi state. */
  stateVolumes: Record<string, string>;
  /** Every layer's gate and the sign test, after the hosts started: the failures ([] = healthy). */
  gates: () => Promise<string[]>;
  /** Rewrites the Pulumi state (engine.rewriteState). */
  rewriteState: (rewrite: (deployment: unknown) => unknown) => Promise<void>;
  journal: JournalStore;
  volumeTimeoutSeconds?: number;
}

export interface RestoreReport {
  ok: boolean;
  set: string;
  /** Which step failed (absent when ok or refused before any change). */
  failedStep?: string;
  error?: string;
  hosts: JournalHost[];
  nextActions: string[];
}

const cmd = (stack: string, args: string) =>
  `npm run automate -- ${args}${stack === "localnet" ? "" : ` --stack ${stack}`}`;

/** The journal of a new restore of `set`, after every check that can refuse it; throws the refusal. */
async function plan(d: RestoreDeps, set: string): Promise<RestoreJournal> {
  const earlier = d.journal.read();
  if (earlier && !earlier.adopted) {
    if (earlier.set === set) return earlier;
    throw new Error(
      `a restore of set "${earlier.set}" did not finish (${d.journal.path}): resume it with \`${cmd(d.stack, `restore ${earlier.set}`)}\` or go back with \`${cmd(d.stack, "restore --undo")}\``,
    );
  }
  const named = await setsNamed(d.ec2, set);
  const ours = named.find((s) => s.stack === d.stack);
  const id = stackIdentity(d.stack, d.outputs);
  const candidate = ours ?? named[0];
  if (!candidate) throw new Error(`no snapshot set "${set}" (see \`${cmd(d.stack, "snapshot list")}\`)`);
  const mismatches = identityMismatches(candidate.snapshots[0].tags, id);
  if (mismatches.length) throw new Error(`refusing to restore snapshot set "${set}": ${mismatches.join("; ")}`);
  const byHost = new Map(candidate.snapshots.map((s) => [s.tags[TAG.host], s]));
  const problems: string[] = [];
  for (const h of d.hosts) {
    const s = byHost.get(h.name);
    if (!s) problems.push(`it has no snapshot of ${h.name}`);
    else if (s.state !== "completed") problems.push(`the snapshot of ${h.name} (${s.snapshotId}) is ${s.state}`);
    else if (identityMismatches(s.tags, id).length)
      problems.push(`the snapshot of ${h.name} has other tags: ${identityMismatches(s.tags, id).join("; ")}`);
    if (!d.stateVolumes[h.name]) problems.push(`the Pulumi state has no data volume of ${h.name}`);
  }
  for (const name of byHost.keys())
    if (!d.hosts.some((h) => h.name === name)) problems.push(`it holds ${name}, which the stack does not have`);
  if (problems.length) throw new Error(`refusing to restore snapshot set "${set}": ${problems.join("; ")}`);
  return {
    stack: d.stack,
    set,
    startedAt: new Date((d.now ?? Date.now)()).toISOString(),
    adopted: false,
    hosts: d.hosts.map((h) => ({
      name: h.name,
      instanceId: h.instanceId,
      previousVolumeId: d.stateVolumes[h.name],
      snapshotId: byHost.get(h.name)!.snapshotId,
    })),
  };
}

async function step(d: RestoreDeps, name: string, fn: () => Promise<void>): Promise<void> {
  d.out.stderr(`restore: ${name}`);
  try {
    await fn();
  } catch (err) {
    throw Object.assign(new Error((err as Error)?.message ?? String(err)), { step: name });
  }
}

/** A volume wait that prints what it awaits whenever the observed states change, with the time so far. */
async function awaitVolumes(
  d: RestoreDeps,
  volumeIds: string[],
  want: "available" | "in-use",
  timeoutSeconds: number,
): Promise<void> {
  let last = "";
  await waitForVolumes({
    ...d,
    volumeIds,
    want,
    timeoutSeconds,
    onProgress: (states, elapsed) => {
      const line = Object.entries(states)
        .map(([id, st]) => `${id} ${st}`)
        .join(", ");
      if (line !== last) d.out.stderr(`  waiting for ${want}: ${line} (${Math.round(elapsed / 1000)}s)`);
      last = line;
    },
  });
}

async function createVolumes(d: RestoreDeps, j: RestoreJournal): Promise<void> {
  for (const h of j.hosts) {
    if (h.restoredVolumeId && (await describeVolumes(d.ec2, [h.restoredVolumeId]).catch(() => [])).length) continue;
    const [like] = await describeVolumes(d.ec2, [h.previousVolumeId]);
    if (!like) throw new Error(`the previous volume of ${h.name}, ${h.previousVolumeId}, does not exist`);
    h.restoredVolumeId = await volumeFromSnapshot(d.ec2, h.snapshotId, like);
    d.journal.write(j);
    d.out.stderr(`  ${h.name}: ${h.snapshotId} -> ${h.restoredVolumeId}`);
  }
  const created = j.hosts.map((h) => h.restoredVolumeId!);
  await awaitVolumes(d, created, "available", d.volumeTimeoutSeconds ?? 1800);
}

/** Puts `target(h)` at the data device of every (stopped) host: detaches whatever else is there first. */
async function swap(d: RestoreDeps, j: RestoreJournal, target: (h: JournalHost) => string): Promise<void> {
  const timeoutSeconds = d.volumeTimeoutSeconds ?? 600;
  for (const h of j.hosts) {
    const want = target(h);
    const current = await dataVolumeOf(d.ec2, h.instanceId);
    if (current?.volumeId === want) continue;
    if (current) {
      d.out.stderr(`  ${h.name}: detach ${current.volumeId}`);
      await detachVolume(d.ec2, current.volumeId, h.instanceId);
      await awaitVolumes(d, [current.volumeId], "available", timeoutSeconds);
    }
    d.out.stderr(`  ${h.name}: attach ${want}`);
    await attachVolume(d.ec2, want, h.instanceId);
    await awaitVolumes(d, [want], "in-use", timeoutSeconds);
  }
}

async function gatesPass(d: RestoreDeps): Promise<void> {
  const failures = await d.gates();
  if (failures.length) throw new Error(`the stack is not healthy after the start: ${failures.join("; ")}`);
}

async function parked(what: "stop" | "start", d: RestoreDeps): Promise<void> {
  const r = await (what === "stop" ? stopStack : startStack)(d.park, d.hosts);
  if (!r.ok) throw new Error(r.error ?? `${what} failed`);
}

function failure(d: RestoreDeps, j: RestoreJournal, err: unknown, undo: boolean): RestoreReport {
  const e = err as Error & { step?: string };
  const previous = j.hosts.map((h) => `${h.name} ${h.previousVolumeId}`).join(", ");
  return {
    ok: false,
    set: j.set,
    failedStep: e.step,
    error: e.message,
    hosts: j.hosts,
    nextActions: undo
      ? [`Nothing was deleted. Run \`${cmd(d.stack, "restore --undo")}\` again to finish going back to ${previous}.`]
      : [
          `Nothing was deleted: the previous data volumes (${previous}) are intact and attachable.`,
          `Go back to them: \`${cmd(d.stack, "restore --undo")}\` (stops the hosts, re-attaches them, starts, runs the gates).`,
          `Or fix the cause and resume: \`${cmd(d.stack, `restore ${j.set}`)}\`.`,
        ],
  };
}

export async function restoreSnapshotSet(d: RestoreDeps, set: string): Promise<RestoreReport> {
  let j: RestoreJournal;
  try {
    j = await plan(d, set);
  } catch (err) {
    return { ok: false, set, error: (err as Error).message, hosts: [], nextActions: [] };
  }
  d.journal.write(j);
  try {
    await step(d, "stop the hosts", () => parked("stop", d));
    await step(d, "create the volumes from the snapshots", () => createVolumes(d, j));
    await step(d, "swap the data volumes", () => swap(d, j, (h) => h.restoredVolumeId!));
    await step(d, "start the hosts", () => parked("start", d));
    await step(d, "run the gates and the sign test", () => gatesPass(d));
    const swaps: VolumeSwaps = Object.fromEntries(j.hosts.map((h) => [h.previousVolumeId, h.restoredVolumeId!]));
    await step(d, "adopt the volumes into the Pulumi state", () => d.rewriteState((dep) => adoptVolumes(dep, swaps)));
  } catch (err) {
    return failure(d, j, err, false);
  }
  j.adopted = true;
  d.journal.write(j);
  return {
    ok: true,
    set,
    hosts: j.hosts,
    nextActions: [
      `The previous volumes are kept (${j.hosts.map((h) => h.previousVolumeId).join(", ")}); once you do not need them: \`aws ec2 delete-volume --volume-id <id>\`.`,
    ],
  };
}

/** Goes back to the volumes the hosts had before the last restore (and, if it was adopted, to the state that named them). */
export async function undoRestore(d: RestoreDeps): Promise<RestoreReport> {
  const j = d.journal.read();
  if (!j)
    return {
      ok: false,
      set: "",
      error: `no restore to undo (${d.journal.path} does not exist)`,
      hosts: [],
      nextActions: [],
    };
  try {
    await step(d, "stop the hosts", () => parked("stop", d));
    await step(d, "re-attach the previous data volumes", () => swap(d, j, (h) => h.previousVolumeId));
    await step(d, "start the hosts", () => parked("start", d));
    await step(d, "run the gates and the sign test", () => gatesPass(d));
    if (j.adopted) {
      const back: VolumeSwaps = Object.fromEntries(
        j.hosts.filter((h) => h.restoredVolumeId).map((h) => [h.restoredVolumeId!, h.previousVolumeId]),
      );
      await step(d, "adopt the previous volumes into the Pulumi state", () =>
        d.rewriteState((dep) => adoptVolumes(dep, back)),
      );
    }
  } catch (err) {
    return failure(d, j, err, true);
  }
  d.journal.remove();
  const restored = j.hosts.flatMap((h) => (h.restoredVolumeId ? [h.restoredVolumeId] : []));
  return {
    ok: true,
    set: j.set,
    hosts: j.hosts,
    nextActions: restored.length
      ? [`The volumes made from "${j.set}" are kept (${restored.join(", ")}); delete them when you do not need them.`]
      : [],
  };
}
