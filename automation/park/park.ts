// Parking a stack: stop every host, and start them again, through the EC2 API. The network
// interfaces keep the private IPs and the data volumes keep the chain and the key shares, so a
// started stack is the same stack. MPC hosts stop before the base host (their indexers follow its
// chain) and start after it is running and online in SSM (they sync from it).
import { describeHosts, type StackHost } from "./hosts.js";
import {
  instanceStates,
  startInstances,
  stopInstances,
  waitForInstanceStates,
  type Ec2Sender,
  type WaitTiming,
} from "./ec2.js";
import type { Out } from "../probes.js";

export interface ParkDeps extends WaitTiming {
  ec2: Ec2Sender;
  /** Resolves once the instance's SSM agent is online (throws past its own bound). */
  awaitOnline: (instanceId: string, onState: (state: string, elapsedMs: number) => void) => Promise<void>;
  out: Out;
  /** Bound on each wait for instance states (default 600 s). */
  stateTimeoutSeconds?: number;
}

interface ParkStep {
  what: string;
  ok: boolean;
  durationMs: number;
  detail?: string;
}

export interface ParkReport {
  action: "stop" | "start";
  ok: boolean;
  hosts: Array<StackHost & { before: string; after?: string }>;
  steps: ParkStep[];
  error?: string;
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

class Parker {
  readonly steps: ParkStep[] = [];
  constructor(readonly deps: ParkDeps) {}

  private get now(): () => number {
    return this.deps.now ?? Date.now;
  }

  async step(what: string, fn: () => Promise<void>): Promise<void> {
    const started = this.now();
    this.deps.out.stderr(`${what}: started`);
    try {
      await fn();
      this.steps.push({ what, ok: true, durationMs: this.now() - started });
      this.deps.out.stderr(`${what}: done (${formatSeconds(this.now() - started)})`);
    } catch (err) {
      const detail = (err as Error)?.message ?? String(err);
      this.steps.push({ what, ok: false, durationMs: this.now() - started, detail });
      this.deps.out.stderr(`${what}: FAILED after ${formatSeconds(this.now() - started)}: ${detail}`);
      throw err;
    }
  }

  /** Waits for `want`, printing each change of the observed states. */
  async waitFor(hosts: StackHost[], want: "running" | "stopped"): Promise<void> {
    let last = "";
    await waitForInstanceStates({
      ...this.deps,
      client: this.deps.ec2,
      ids: hosts.map((h) => h.instanceId),
      want,
      timeoutSeconds: this.deps.stateTimeoutSeconds ?? 600,
      onProgress: (states, elapsed) => {
        const line = describeHosts(hosts, states);
        if (line !== last) this.deps.out.stderr(`  waiting for ${want}: ${line} (${formatSeconds(elapsed)})`);
        last = line;
      },
    });
  }

  async online(host: StackHost): Promise<void> {
    let last = "";
    await this.deps.awaitOnline(host.instanceId, (state, elapsed) => {
      if (state !== last)
        this.deps.out.stderr(`  waiting for ${host.name} in SSM: ${state} (${formatSeconds(elapsed)})`);
      last = state;
    });
  }
}

/** States that settle by themselves: wait for them before asking EC2 for the opposite. */
const SETTLES_TO: Record<string, "running" | "stopped"> = { pending: "running", stopping: "stopped" };

async function settle(p: Parker, hosts: StackHost[], states: Record<string, string>): Promise<void> {
  for (const want of ["running", "stopped"] as const) {
    const moving = hosts.filter((h) => SETTLES_TO[states[h.instanceId]] === want);
    if (moving.length) await p.waitFor(moving, want);
  }
}

async function begin(deps: ParkDeps, action: ParkReport["action"], hosts: StackHost[]): Promise<[Parker, ParkReport]> {
  const before = await instanceStates(
    deps.ec2,
    hosts.map((h) => h.instanceId),
  );
  const missing = hosts.filter((h) => before[h.instanceId] === "missing" || before[h.instanceId] === "terminated");
  const report: ParkReport = {
    action,
    ok: false,
    hosts: hosts.map((h) => ({ ...h, before: before[h.instanceId] })),
    steps: [],
  };
  const p = new Parker(deps);
  if (missing.length) {
    report.error = `EC2 has no running or stopped instance for ${describeHosts(missing, before)}: run \`npm run automate -- up\` to converge the stack`;
    return [p, report];
  }
  deps.out.stderr(`${action}: ${describeHosts(hosts, before)}`);
  await settle(p, hosts, before);
  return [p, report];
}

async function finish(deps: ParkDeps, report: ParkReport, p: Parker, fn: () => Promise<void>): Promise<ParkReport> {
  if (report.error) return report;
  try {
    await fn();
    report.ok = true;
  } catch (err) {
    report.error = (err as Error)?.message ?? String(err);
  }
  report.steps = p.steps;
  const after = await instanceStates(
    deps.ec2,
    report.hosts.map((h) => h.instanceId),
  ).catch(() => ({}) as Record<string, string>);
  for (const h of report.hosts) h.after = after[h.instanceId];
  return report;
}

/** Stops the MPC hosts, waits until they are stopped, then the base host. Hosts already stopped are left alone. */
export async function stopStack(deps: ParkDeps, hosts: StackHost[]): Promise<ParkReport> {
  const [p, report] = await begin(deps, "stop", hosts);
  return finish(deps, report, p, async () => {
    for (const group of [hosts.filter((h) => h.layer === "mpc"), hosts.filter((h) => h.layer === "base")]) {
      const states = await instanceStates(
        deps.ec2,
        group.map((h) => h.instanceId),
      );
      const running = group.filter((h) => states[h.instanceId] !== "stopped");
      if (!running.length) continue;
      await p.step(`stop ${running.map((h) => h.name).join(", ")}`, async () => {
        await stopInstances(
          deps.ec2,
          running.map((h) => h.instanceId),
        );
        await p.waitFor(running, "stopped");
      });
    }
  });
}

/** Starts the base host and waits until it runs and is online in SSM, then the MPC hosts likewise. */
export async function startStack(deps: ParkDeps, hosts: StackHost[]): Promise<ParkReport> {
  const [p, report] = await begin(deps, "start", hosts);
  return finish(deps, report, p, async () => {
    for (const group of [hosts.filter((h) => h.layer === "base"), hosts.filter((h) => h.layer === "mpc")]) {
      if (!group.length) continue;
      await p.step(`start ${group.map((h) => h.name).join(", ")}`, async () => {
        const states = await instanceStates(
          deps.ec2,
          group.map((h) => h.instanceId),
        );
        const stopped = group.filter((h) => states[h.instanceId] !== "running");
        if (stopped.length)
          await startInstances(
            deps.ec2,
            stopped.map((h) => h.instanceId),
          );
        await p.waitFor(group, "running");
        for (const h of group) await p.online(h);
      });
    }
  });
}
