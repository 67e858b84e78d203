// The EC2 calls of parking a stack: instance states, stop, start, and the waits between them.
// The SDK loads lazily (ec2ClientFor); tests point a real EC2Client at moto.
import type { AwsTarget } from "../aws-target.js";
import { sleep as defaultSleep } from "../../platform/time.js";

/** What these functions need of an EC2Client. */
export interface Ec2Sender {
  send(command: any): Promise<any>;
}

export async function ec2ClientFor(aws: AwsTarget): Promise<Ec2Sender> {
  const { EC2Client } = await import("@aws-sdk/client-ec2");
  return new EC2Client({ region: aws.region, ...(aws.profile ? { profile: aws.profile } : {}) });
}

/** Each instance's state name (pending, running, stopping, stopped, ...); "missing" for an id EC2 does not know. */
export async function instanceStates(client: Ec2Sender, ids: string[]): Promise<Record<string, string>> {
  const { DescribeInstancesCommand } = await import("@aws-sdk/client-ec2");
  const states: Record<string, string> = Object.fromEntries(ids.map((id) => [id, "missing"]));
  if (!ids.length) return states;
  const out = await client.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  for (const r of out?.Reservations ?? [])
    for (const i of r.Instances ?? []) if (i.InstanceId in states) states[i.InstanceId] = i.State?.Name ?? "unknown";
  return states;
}

export async function stopInstances(client: Ec2Sender, ids: string[]): Promise<void> {
  const { StopInstancesCommand } = await import("@aws-sdk/client-ec2");
  await client.send(new StopInstancesCommand({ InstanceIds: ids }));
}

export async function startInstances(client: Ec2Sender, ids: string[]): Promise<void> {
  const { StartInstancesCommand } = await import("@aws-sdk/client-ec2");
  await client.send(new StartInstancesCommand({ InstanceIds: ids }));
}

export interface WaitTiming {
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Pause between polls (default 5 s). */
  pollMs?: number;
}

export interface StateWait extends WaitTiming {
  client: Ec2Sender;
  ids: string[];
  want: "running" | "stopped";
  timeoutSeconds: number;
  /** Each poll's states and the elapsed time. */
  onProgress?: (states: Record<string, string>, elapsedMs: number) => void;
}

/** Waits until every instance is in `want`; throws naming the instances that are not, with their last state. */
export async function waitForInstanceStates(w: StateWait): Promise<Record<string, string>> {
  const now = w.now ?? Date.now;
  const started = now();
  for (;;) {
    const states = await instanceStates(w.client, w.ids);
    w.onProgress?.(states, now() - started);
    const behind = w.ids.filter((id) => states[id] !== w.want);
    if (!behind.length) return states;
    if (w.signal?.aborted) throw new Error(`cancelled while waiting for ${behind.join(", ")} to be ${w.want}`);
    if (now() - started >= w.timeoutSeconds * 1000) {
      const last = behind.map((id) => `${id} ${states[id]}`).join(", ");
      throw new Error(`not ${w.want} within ${w.timeoutSeconds}s: ${last}`);
    }
    await (w.sleep ?? defaultSleep)(w.pollMs ?? 5000, w.signal);
  }
}
