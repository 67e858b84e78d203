// Reading a container's log stream from CloudWatch Logs (the hosts ship them with Docker's
// awslogs driver, platform/host/container-logs.ts): the last lines, and following new ones.
//
// Both use GetLogEvents on the one stream. Following pages forward with nextForwardToken; at the
// end of the stream the API answers with the token it was given (CloudWatch Logs API reference,
// GetLogEvents: "If you have reached the end of the stream, it returns the same token you passed
// in"), which is when it waits before asking again. The SDK loads lazily (cloudWatchLogsClientFor).
import type { AwsTarget } from "./aws-target.js";
import { sleep as abortableSleep } from "../platform/time.js";

/** What these functions need of a CloudWatchLogsClient (tests pass one pointed at moto). */
export interface LogsClient {
  send(command: object): Promise<unknown>;
}

export interface LogStreamRef {
  group: string;
  stream: string;
}

interface LogEvent {
  timestamp?: number;
  message?: string;
}

interface EventsPage {
  events?: LogEvent[];
  nextForwardToken?: string;
}

/** A CloudWatch Logs client for the stack's region and profile. */
export async function cloudWatchLogsClientFor(aws: AwsTarget): Promise<LogsClient> {
  const { CloudWatchLogsClient } = await import("@aws-sdk/client-cloudwatch-logs");
  return new CloudWatchLogsClient({ region: aws.region, ...(aws.profile ? { profile: aws.profile } : {}) });
}

/** One event as a line, the way `docker logs --timestamps` prints it: "<ISO time> <message>". */
function lineOf(e: LogEvent): string {
  const time = typeof e.timestamp === "number" ? new Date(e.timestamp).toISOString() : "-";
  return `${time} ${(e.message ?? "").replace(/\n$/, "")}`;
}

function isNotFound(err: unknown): boolean {
  return (err as { name?: string })?.name === "ResourceNotFoundException";
}

async function page(
  client: LogsClient,
  ref: LogStreamRef,
  input: { startFromHead: boolean; limit?: number; startTime?: number; nextToken?: string },
): Promise<EventsPage> {
  const { GetLogEventsCommand } = await import("@aws-sdk/client-cloudwatch-logs");
  return (await client.send(
    new GetLogEventsCommand({ logGroupName: ref.group, logStreamName: ref.stream, ...input }),
  )) as EventsPage;
}

/**
 * The stream's last `lines` events (since `startTime`, epoch ms), oldest first, with the token
 * that continues after them; undefined when the group or the stream does not exist.
 */
export async function recentLogLines(
  client: LogsClient,
  ref: LogStreamRef,
  o: { lines: number; startTime?: number },
): Promise<{ lines: string[]; nextToken?: string } | undefined> {
  try {
    const r = await page(client, ref, { startFromHead: false, limit: o.lines, startTime: o.startTime });
    return { lines: (r.events ?? []).map(lineOf), nextToken: r.nextForwardToken };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export interface FollowOptions {
  /** Where to continue: the token recentLogLines returned. */
  nextToken?: string;
  startTime?: number;
  onLine: (line: string) => void;
  signal: AbortSignal;
  /** Wait between polls at the end of the stream (default 2 s). */
  pollMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Prints the stream's new events as they arrive, until `signal` aborts. */
export async function followLogLines(client: LogsClient, ref: LogStreamRef, o: FollowOptions): Promise<void> {
  const sleep = o.sleep ?? abortableSleep;
  let token = o.nextToken;
  while (!o.signal.aborted) {
    const r = await page(client, ref, { startFromHead: true, startTime: o.startTime, nextToken: token });
    for (const e of r.events ?? []) o.onLine(lineOf(e));
    const atEnd = r.nextForwardToken === undefined || r.nextForwardToken === token;
    token = r.nextForwardToken ?? token;
    if (atEnd) await sleep(o.pollMs ?? 2000, o.signal);
  }
}

/** `--since`: "30s", "15m", "2h", "3d" before now, or an ISO 8601 time; epoch ms. */
export function parseSince(since: string, now: number): number {
  const m = /^(\d+)([smhd])$/.exec(since.trim());
  if (m) return now - Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s"];
  const t = Date.parse(since);
  if (/^\d{4}-\d{2}-\d{2}/.test(since) && Number.isFinite(t)) return t;
  throw new Error(`--since "${since}" is neither a duration (30s, 15m, 2h, 3d) nor an ISO time (2025-01-31T12:00:00Z)`);
}
