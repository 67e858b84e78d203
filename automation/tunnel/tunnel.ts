// The SSM port-forwarding sessions of `connect`: one per forward (a port on an instance to a
// port on 127.0.0.1), each started with StartSession (document AWS-StartPortForwardingSession,
// parameters portNumber and localPortNumber) and carried by a session-manager-plugin process
// (plugin.ts). A session whose plugin exits while the tunnel runs is ended and started again,
// with a growing pause; when the tunnel stops every plugin is stopped and every session ended.
import { spawn, type ChildProcess } from "node:child_process";
import { createConnection, createServer } from "node:net";
import { sleep as abortableSleep } from "../../platform/time.js";
import { PLUGIN, pluginInvocation, ssmEndpoint, type StartedSession } from "./plugin.js";
import { removeState, writeState, type Forward } from "./state.js";

const PORT_FORWARDING_DOCUMENT = "AWS-StartPortForwardingSession";

/** What the tunnel needs of an SSMClient (StartSession, TerminateSession). */
interface SessionClient {
  send(command: object): Promise<unknown>;
}

interface TunnelOptions {
  client: SessionClient;
  region: string;
  profile?: string;
  /** The plugin's `--version` (decides how it gets the session token). */
  pluginVersion: string;
  /** Environment of the plugin processes (PATH, AWS_*). */
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** How long a started session may take to accept connections on its local port (default 30 s). */
  readyTimeoutMs?: number;
  /** Pauses before reconnecting: the n-th consecutive drop waits retryDelaysMs[min(n, last)] (default 1 to 30 s). */
  retryDelaysMs?: number[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told of every plugin process started. */
  onSpawn?: (child: ChildProcess) => void;
}

const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];
/** A session that stayed up this long counts as healthy: its next drop starts the pauses over. */
const HEALTHY_MS = 60_000;

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Throws when a local port of the tunnel is taken by something else: the plugin could not listen there. */
export async function checkPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once("error", () => reject(new Error(`local port ${port} is in use: pick other ports with --local-port`)));
      server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve()));
    });
  }
}

interface Live {
  sessionId: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

async function startSession(o: TunnelOptions, f: Forward): Promise<Live> {
  const { StartSessionCommand } = await import("@aws-sdk/client-ssm");
  const request = {
    Target: f.instanceId,
    DocumentName: PORT_FORWARDING_DOCUMENT,
    Parameters: { portNumber: [String(f.remotePort)], localPortNumber: [String(f.localPort)] },
  };
  const session = (await o.client.send(new StartSessionCommand(request))) as StartedSession;
  if (!session?.SessionId || !session.TokenValue || !session.StreamUrl) {
    throw new Error(`StartSession for ${f.name} (${f.instanceId}) answered without a session`);
  }
  const { args, env } = pluginInvocation({
    version: o.pluginVersion,
    session,
    region: o.region,
    profile: o.profile,
    request,
    endpoint: ssmEndpoint(o.region, o.env),
    env: o.env,
  });
  // Its own process group: a Ctrl-C on the terminal reaches this process, which ends the sessions in order.
  const child = spawn(PLUGIN, args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  o.onSpawn?.(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(null));
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (d: Buffer) => {
      for (const line of d.toString().split("\n")) if (line.trim()) o.log(`[${f.name}] ${line.trim()}`);
    });
  }
  return { sessionId: session.SessionId, child, exited };
}

async function endSession(o: TunnelOptions, live: Live): Promise<void> {
  if (live.child.exitCode === null && live.child.signalCode === null) live.child.kill("SIGTERM");
  await Promise.race([live.exited, abortableSleep(5000)]);
  if (live.child.exitCode === null && live.child.signalCode === null) live.child.kill("SIGKILL");
  const { TerminateSessionCommand } = await import("@aws-sdk/client-ssm");
  await o.client.send(new TerminateSessionCommand({ SessionId: live.sessionId })).catch((err: Error) => {
    o.log(`could not end session ${live.sessionId}: ${err.message}`);
  });
}

/** Starts the session and waits until its local port accepts connections; undefined when the plugin exits first. */
async function openForward(o: TunnelOptions, f: Forward, signal: AbortSignal): Promise<Live | undefined> {
  const live = await startSession(o, f);
  const deadline = Date.now() + (o.readyTimeoutMs ?? 30_000);
  let gone = false;
  void live.exited.then(() => (gone = true));
  while (!gone && !signal.aborted && Date.now() < deadline) {
    if (await accepts(f.localPort)) return live;
    await abortableSleep(100, signal);
  }
  if (!gone && !signal.aborted) o.log(`[${f.name}] no connection on 127.0.0.1:${f.localPort} in time; restarting`);
  await endSession(o, live);
  return undefined;
}

/** Tries to bring a forward up the first time; an error there is the user's to see (no retry loop). */
const FIRST_ATTEMPTS = 3;

/** Keeps one forward up until `signal` aborts; `onFirstUp` once it first accepts connections. */
async function keepForward(o: TunnelOptions, f: Forward, signal: AbortSignal, onFirstUp: () => void): Promise<void> {
  const delays = o.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const pause = o.sleep ?? abortableSleep;
  let drops = 0;
  let first = true;
  for (let attempt = 1; !signal.aborted; attempt++) {
    let live: Live | undefined;
    try {
      live = await openForward(o, f, signal);
    } catch (err) {
      if (first) throw new Error(`${f.name}: ${(err as Error).message}`);
      o.log(`[${f.name}] cannot start a session: ${(err as Error).message}`);
    }
    if (!live && first && attempt >= FIRST_ATTEMPTS) {
      throw new Error(
        `${f.name}: the session did not come up in ${FIRST_ATTEMPTS} attempts (the plugin's lines above)`,
      );
    }
    if (live && !signal.aborted) {
      if (first) onFirstUp();
      first = false;
      const upAt = Date.now();
      const aborted = new Promise<"stop">((r) => signal.addEventListener("abort", () => r("stop"), { once: true }));
      const code = await Promise.race([live.exited, aborted]);
      if (code !== "stop") {
        if (Date.now() - upAt >= HEALTHY_MS) drops = 0;
        o.log(`[${f.name}] session ${live.sessionId} dropped (plugin exit ${code}); reconnecting`);
      }
    }
    if (live) await endSession(o, live);
    if (signal.aborted) break;
    await pause(delays[Math.min(drops, delays.length - 1)], signal);
    drops++;
  }
}

/** A running tunnel: `up` resolves once every forward accepts connections; `done` when all sessions ended. */
interface Tunnel {
  up: Promise<void>;
  done: Promise<void>;
  /** The plugin processes alive now (for an exit hook that must not leave them behind). */
  children(): ChildProcess[];
}

function openTunnel(o: TunnelOptions, forwards: Forward[], signal: AbortSignal): Tunnel {
  const children = new Set<ChildProcess>();
  const tracked: TunnelOptions = { ...o, onSpawn: (child) => children.add(child) };
  // One forward that cannot come up ends them all; Ctrl-C (signal) too.
  const stop = new AbortController();
  signal.addEventListener("abort", () => stop.abort(), { once: true });
  if (signal.aborted) stop.abort();
  let waiting = forwards.length;
  let markUp: () => void = () => undefined;
  const up = new Promise<void>((resolve) => (markUp = resolve));
  const kept = forwards.map((f) =>
    keepForward(tracked, f, stop.signal, () => --waiting === 0 && markUp()).catch((err: Error) => {
      stop.abort();
      throw err;
    }),
  );
  const done = Promise.allSettled(kept).then((results) => {
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  });
  return { up, done, children: () => [...children].filter((c) => c.exitCode === null && c.signalCode === null) };
}

export interface HoldOptions {
  stack: string;
  workDir: string;
  forwards: Forward[];
  tunnel: TunnelOptions;
  signal: AbortSignal;
  /** Once every forward accepts connections (the record is written by then). */
  onUp: () => void;
  /** The background process's log file, for the record. */
  logFile?: string;
}

/**
 * Holds a connection until `signal` aborts: the tunnel, and the record `env` and `connect --stop`
 * read while it is up. A process that exits without stopping it (a second Ctrl-C) still kills
 * its plugins; their sessions then end on SSM's idle timeout.
 */
export async function holdConnection(o: HoldOptions): Promise<void> {
  const tunnel = openTunnel(o.tunnel, o.forwards, o.signal);
  const onExit = () => tunnel.children().forEach((c) => c.kill("SIGKILL"));
  process.once("exit", onExit);
  try {
    await Promise.race([tunnel.up, tunnel.done]);
    if (!o.signal.aborted) {
      writeState(o.workDir, {
        stack: o.stack,
        pid: process.pid,
        since: new Date().toISOString(),
        forwards: o.forwards,
        ...(o.logFile ? { log: o.logFile } : {}),
      });
      o.onUp();
    }
    await tunnel.done;
  } finally {
    removeState(o.workDir, o.stack);
    process.off("exit", onExit);
  }
}
