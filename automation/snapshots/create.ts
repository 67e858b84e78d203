// `snapshot create`: one snapshot set of every host's data volume at the same point of the chain.
// Only a healthy stack is snapshotted. The node containers stop first (MPC nodes, then neard,
// so no MPC node sees a chain the snapshot does not hold), every volume's snapshot starts while
// all are stopped (an EBS snapshot is the volume at the moment CreateSnapshot returns), then the
// containers start again (neard first) whatever happened, and the set is awaited.
import type { SsmSender } from "../../platform/ssm/channel.js";
import type { StackOutputs } from "../../layers/outputs.js";
import type { Out } from "../probes.js";
import type { Ec2Sender, WaitTiming } from "../park/ec2.js";
import type { StackHost } from "../park/hosts.js";
import { controlContainer } from "./containers.js";
import { dataVolumeOf, deleteSnapshot, snapshotVolume, snapshotsTagged, waitForSnapshots } from "./ebs.js";
import { TAG, checkSetName, stackIdentity } from "./identity.js";

export interface SnapshotDeps extends WaitTiming {
  ec2: Ec2Sender;
  ssm: SsmSender;
  out: Out;
  stack: string;
  outputs: StackOutputs;
  hosts: StackHost[];
  /** Every layer's gate, changing nothing: the findings of the layers that are not healthy. */
  health: () => Promise<string[]>;
  /** Bound on the wait for the snapshots to complete (default 3600 s). */
  snapshotTimeoutSeconds?: number;
}

export interface SnapshotSetReport {
  ok: boolean;
  name: string;
  snapshots: Array<{ host: string; volumeId: string; snapshotId?: string }>;
  error?: string;
}

const mpcFirst = (hosts: StackHost[]) =>
  [...hosts].sort((a, b) => (a.layer === b.layer ? 0 : a.layer === "mpc" ? -1 : 1));

async function containers(d: SnapshotDeps, hosts: StackHost[], action: "stop" | "start"): Promise<string[]> {
  const failed: string[] = [];
  for (const host of hosts) {
    d.out.stderr(`snapshot: ${action} ${host.container} on ${host.name} (${host.instanceId})`);
    try {
      await controlContainer({ ...d, host, action });
    } catch (err) {
      if (action === "stop") throw err;
      failed.push(`${host.name}: ${(err as Error).message}`);
    }
  }
  return failed;
}

/** Checks before anything stops; returns the reason to refuse, or undefined. */
async function refusal(d: SnapshotDeps, name: string): Promise<string | undefined> {
  const taken = await snapshotsTagged(d.ec2, { [TAG.stack]: d.stack, [TAG.set]: name });
  if (taken.length)
    return `stack "${d.stack}" already has a snapshot set "${name}" (${taken.length} snapshots): pick another --name`;
  const findings = await d.health();
  if (findings.length) return `the stack is not healthy, so it is not snapshotted: ${findings.join("; ")}`;
  return undefined;
}

async function snapshotAll(
  d: SnapshotDeps,
  name: string,
  report: SnapshotSetReport,
  tags: Record<string, string>,
): Promise<void> {
  for (const s of report.snapshots) {
    s.snapshotId = await snapshotVolume(d.ec2, s.volumeId, {
      ...tags,
      [TAG.host]: s.host,
      [TAG.volume]: s.volumeId,
      Name: `${d.stack}/${name}/${s.host}`,
    });
    d.out.stderr(`snapshot: ${s.host} ${s.volumeId} -> ${s.snapshotId}`);
  }
}

export async function createSnapshotSet(d: SnapshotDeps, name: string): Promise<SnapshotSetReport> {
  checkSetName(name);
  const report: SnapshotSetReport = { ok: false, name, snapshots: [] };
  const refused = await refusal(d, name);
  if (refused) return { ...report, error: refused };
  const id = stackIdentity(d.stack, d.outputs);
  for (const host of d.hosts) {
    const v = await dataVolumeOf(d.ec2, host.instanceId);
    if (!v)
      return { ...report, error: `${host.name} (${host.instanceId}) has no data volume attached at the data device` };
    report.snapshots.push({ host: host.name, volumeId: v.volumeId });
  }
  const tags = { [TAG.stack]: d.stack, [TAG.set]: name, [TAG.genesis]: id.genesisSha256, [TAG.keySet]: id.keySet };
  const order = mpcFirst(d.hosts);
  let restartFailures: string[] = [];
  try {
    await containers(d, order, "stop");
    await snapshotAll(d, name, report, tags);
  } catch (err) {
    report.error = `snapshot set "${name}" not taken: ${(err as Error).message}`;
  } finally {
    restartFailures = await containers(d, [...order].reverse(), "start");
  }
  if (report.error) {
    for (const s of report.snapshots.filter((x) => x.snapshotId))
      await deleteSnapshot(d.ec2, s.snapshotId!).catch(() => {});
  } else {
    await awaitSet(d, report);
  }
  if (restartFailures.length) {
    report.error = [report.error, `containers did not start again: ${restartFailures.join("; ")}`]
      .filter(Boolean)
      .join("; ");
  }
  report.ok = !report.error;
  return report;
}

async function awaitSet(d: SnapshotDeps, report: SnapshotSetReport): Promise<void> {
  let last = "";
  try {
    await waitForSnapshots({
      ...d,
      snapshotIds: report.snapshots.map((s) => s.snapshotId!),
      timeoutSeconds: d.snapshotTimeoutSeconds ?? 3600,
      onProgress: (states, elapsed) => {
        const line = Object.entries(states)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ");
        if (line !== last) d.out.stderr(`snapshot: waiting for completed: ${line} (${Math.round(elapsed / 1000)}s)`);
        last = line;
      },
    });
  } catch (err) {
    report.error = `snapshot set "${report.name}" was started but did not complete: ${(err as Error).message}`;
  }
}
