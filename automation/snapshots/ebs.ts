// The EBS calls of snapshot sets and restores: the data volume attached to a host, snapshots by
// tag, volumes from snapshots, detach and attach, and the waits on their states.
import { DATA_DEVICE_NAME } from "../../platform/host/data-device.js";
import { sleep as defaultSleep } from "../../platform/time.js";
import type { Ec2Sender, WaitTiming } from "../park/ec2.js";

export interface VolumeInfo {
  volumeId: string;
  state: string;
  availabilityZone: string;
  size: number;
  volumeType?: string;
  iops?: number;
  throughput?: number;
  snapshotId?: string;
  tags: Record<string, string>;
  /** Instance and device it is attached to (attaching or attached). */
  attachment?: { instanceId: string; device: string; state: string };
}

export interface SnapshotInfo {
  snapshotId: string;
  state: string;
  progress?: string;
  volumeId?: string;
  startTime?: Date;
  tags: Record<string, string>;
}

function tagsOf(list: Array<{ Key?: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? ""]));
}

function tagList(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function volumeOf(v: any): VolumeInfo {
  const a = (v.Attachments ?? []).find((x: any) => x.State === "attached" || x.State === "attaching");
  return {
    volumeId: v.VolumeId,
    state: v.State,
    availabilityZone: v.AvailabilityZone,
    size: v.Size,
    volumeType: v.VolumeType,
    iops: v.Iops,
    throughput: v.Throughput,
    snapshotId: v.SnapshotId || undefined,
    tags: tagsOf(v.Tags),
    ...(a ? { attachment: { instanceId: a.InstanceId, device: a.Device, state: a.State } } : {}),
  };
}

export async function describeVolumes(ec2: Ec2Sender, ids: string[]): Promise<VolumeInfo[]> {
  if (!ids.length) return [];
  const { DescribeVolumesCommand } = await import("@aws-sdk/client-ec2");
  const out = await ec2.send(new DescribeVolumesCommand({ VolumeIds: ids }));
  return (out.Volumes ?? []).map(volumeOf);
}

/** The volume attached to `instanceId` at the data device; undefined when there is none. */
export async function dataVolumeOf(ec2: Ec2Sender, instanceId: string): Promise<VolumeInfo | undefined> {
  const { DescribeVolumesCommand } = await import("@aws-sdk/client-ec2");
  const out = await ec2.send(
    new DescribeVolumesCommand({
      Filters: [
        { Name: "attachment.instance-id", Values: [instanceId] },
        { Name: "attachment.device", Values: [DATA_DEVICE_NAME] },
      ],
    }),
  );
  return (out.Volumes ?? []).map(volumeOf).find((v: VolumeInfo) => v.attachment?.device === DATA_DEVICE_NAME);
}

export async function snapshotVolume(ec2: Ec2Sender, volumeId: string, tags: Record<string, string>): Promise<string> {
  const { CreateSnapshotCommand } = await import("@aws-sdk/client-ec2");
  const out = await ec2.send(
    new CreateSnapshotCommand({
      VolumeId: volumeId,
      Description: `${tags.Name ?? volumeId} (near-localnet snapshot set)`,
      TagSpecifications: [{ ResourceType: "snapshot", Tags: tagList(tags) }],
    }),
  );
  return out.SnapshotId;
}

/** Snapshots with every tag of `tags` (exact values). */
export async function snapshotsTagged(ec2: Ec2Sender, tags: Record<string, string>): Promise<SnapshotInfo[]> {
  const { DescribeSnapshotsCommand } = await import("@aws-sdk/client-ec2");
  const out = await ec2.send(
    new DescribeSnapshotsCommand({
      OwnerIds: ["self"],
      Filters: Object.entries(tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] })),
    }),
  );
  return (out.Snapshots ?? []).map((s: any) => ({
    snapshotId: s.SnapshotId,
    state: s.State,
    progress: s.Progress,
    volumeId: s.VolumeId,
    startTime: s.StartTime,
    tags: tagsOf(s.Tags),
  }));
}

/** A volume like `like` (zone, type, size, performance, tags) from a snapshot. */
export async function volumeFromSnapshot(ec2: Ec2Sender, snapshotId: string, like: VolumeInfo): Promise<string> {
  const { CreateVolumeCommand } = await import("@aws-sdk/client-ec2");
  const out = await ec2.send(
    new CreateVolumeCommand({
      SnapshotId: snapshotId,
      AvailabilityZone: like.availabilityZone,
      Size: like.size,
      VolumeType: like.volumeType as never,
      ...(like.iops ? { Iops: like.iops } : {}),
      ...(like.throughput ? { Throughput: like.throughput } : {}),
      Encrypted: true,
      ...(Object.keys(like.tags).length
        ? { TagSpecifications: [{ ResourceType: "volume", Tags: tagList(like.tags) }] }
        : {}),
    }),
  );
  return out.VolumeId;
}

export async function detachVolume(ec2: Ec2Sender, volumeId: string, instanceId: string): Promise<void> {
  const { DetachVolumeCommand } = await import("@aws-sdk/client-ec2");
  await ec2.send(new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: DATA_DEVICE_NAME }));
}

export async function attachVolume(ec2: Ec2Sender, volumeId: string, instanceId: string): Promise<void> {
  const { AttachVolumeCommand } = await import("@aws-sdk/client-ec2");
  await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: DATA_DEVICE_NAME }));
}

export interface VolumeWait extends WaitTiming {
  ec2: Ec2Sender;
  volumeIds: string[];
  /** "available", or "in-use" with the attachment attached. */
  want: "available" | "in-use";
  timeoutSeconds: number;
  onProgress?: (states: Record<string, string>, elapsedMs: number) => void;
}

function stateOf(v: VolumeInfo): string {
  return v.state === "in-use" && v.attachment?.state !== "attached"
    ? `in-use (${v.attachment?.state ?? "detached"})`
    : v.state;
}

export async function waitForVolumes(w: VolumeWait): Promise<void> {
  const now = w.now ?? Date.now;
  const started = now();
  for (;;) {
    const found = await describeVolumes(w.ec2, w.volumeIds);
    const states: Record<string, string> = Object.fromEntries(w.volumeIds.map((id) => [id, "missing"]));
    for (const v of found) states[v.volumeId] = stateOf(v);
    w.onProgress?.(states, now() - started);
    const behind = w.volumeIds.filter((id) => states[id] !== w.want);
    if (!behind.length) return;
    if (behind.some((id) => states[id] === "error")) throw new Error(`volume ${behind.join(", ")} is in state error`);
    if (w.signal?.aborted) throw new Error(`cancelled while waiting for ${behind.join(", ")} to be ${w.want}`);
    if (now() - started >= w.timeoutSeconds * 1000)
      throw new Error(
        `not ${w.want} within ${w.timeoutSeconds}s: ${behind.map((id) => `${id} ${states[id]}`).join(", ")}`,
      );
    await (w.sleep ?? defaultSleep)(w.pollMs ?? 5000, w.signal);
  }
}

export async function waitForSnapshots(
  w: Omit<VolumeWait, "volumeIds" | "want"> & { snapshotIds: string[] },
): Promise<void> {
  const { DescribeSnapshotsCommand } = await import("@aws-sdk/client-ec2");
  const now = w.now ?? Date.now;
  const started = now();
  for (;;) {
    const out = await w.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: w.snapshotIds }));
    const states: Record<string, string> = {};
    for (const s of out.Snapshots ?? []) states[s.SnapshotId] = `${s.State}${s.Progress ? ` ${s.Progress}` : ""}`;
    w.onProgress?.(states, now() - started);
    const behind = w.snapshotIds.filter((id) => !states[id]?.startsWith("completed"));
    if (!behind.length) return;
    if (behind.some((id) => states[id]?.startsWith("error"))) throw new Error(`snapshot ${behind.join(", ")} failed`);
    if (now() - started >= w.timeoutSeconds * 1000)
      throw new Error(
        `not completed within ${w.timeoutSeconds}s: ${behind.map((id) => `${id} ${states[id]}`).join(", ")}`,
      );
    await (w.sleep ?? defaultSleep)(w.pollMs ?? 10_000, w.signal);
  }
}

export async function deleteSnapshot(ec2: Ec2Sender, snapshotId: string): Promise<void> {
  const { DeleteSnapshotCommand } = await import("@aws-sdk/client-ec2");
  await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
}
