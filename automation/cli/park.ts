// What stop and start share: the stack's hosts, the EC2 client and SSM online wait for the
// stack's region, the parked-stack check of up/health/status, and the verdict lines.
import { waitForInstanceOnline } from "../../platform/ssm/channel.js";
import { ssmClientFor, type AwsTarget } from "../aws-target.js";
import type { Engine } from "../engine.js";
import type { StackOutputs } from "../../layers/outputs.js";
import type { StateResource } from "../stack-outputs.js";
import type { ParkDeps, ParkReport } from "../park/park.js";
import { parkedMessage } from "../park/parked.js";
import { stackHosts, type StackHost } from "../park/hosts.js";
import { ec2ClientFor, type Ec2Sender } from "../park/ec2.js";
import type { CliContext } from "./context.js";

/** How long a started host may take to be online in SSM. */
const ONLINE_TIMEOUT_SECONDS = 600;

async function stateResources(engine: Engine): Promise<StateResource[]> {
  return engine.resources ? engine.resources().catch(() => []) : [];
}

export async function hostsOf(engine: Engine, outputs: StackOutputs): Promise<StackHost[]> {
  return stackHosts(outputs, await stateResources(engine));
}

export async function ec2Of(ctx: CliContext, aws: AwsTarget): Promise<Ec2Sender> {
  return (ctx.makeEc2 ?? ec2ClientFor)(aws);
}

export async function parkDeps(ctx: CliContext, aws: AwsTarget, signal?: AbortSignal): Promise<ParkDeps> {
  const ssm = ctx.channel?.client ?? (await ssmClientFor(aws));
  const sleep = ctx.channel?.sleep;
  return {
    ec2: await ec2Of(ctx, aws),
    out: ctx.out,
    now: ctx.now,
    sleep,
    signal,
    awaitOnline: async (instanceId, onState) => {
      await waitForInstanceOnline({
        client: ssm,
        instanceId,
        timeoutSeconds: ONLINE_TIMEOUT_SECONDS,
        now: ctx.now,
        sleep,
        signal,
        onProgress: (p) => onState(p.state, p.elapsedMs),
      });
    },
  };
}

/**
 * The parked-stack check of up, health and status: prints why nothing else runs (with `json`, also
 * {stack, parked, message} on stdout) and returns the exit code, or undefined when the stack is
 * not parked (or the context has no EC2 client).
 */
export async function refuseWhenParked(
  ctx: CliContext,
  engine: Engine,
  aws: AwsTarget,
  outputs: StackOutputs,
  json = false,
): Promise<number | undefined> {
  if (!ctx.makeEc2) return undefined;
  const message = await parkedMessage(await ctx.makeEc2(aws), engine.stack, outputs, await stateResources(engine));
  if (!message) return undefined;
  ctx.out.stderr(message);
  if (json) ctx.out.stdout(JSON.stringify({ stack: engine.stack, parked: true, message }));
  return 1;
}

/** What the first Ctrl-C prints in the commands that drive EC2 themselves (stop, start, snapshot, restore). */
export const EC2_INTERRUPT =
  "Ctrl-C: stopping after the current AWS call; instances and volumes keep the state they reached, " +
  "and the command says how to resume or go back. Press Ctrl-C again to exit at once.";

export function parkLines(report: ParkReport): string[] {
  const lines = [`${report.action}: ${report.ok ? "OK" : "FAILED"}`];
  for (const h of report.hosts) lines.push(`  ${h.name.padEnd(12)} ${h.instanceId}  ${h.before} -> ${h.after ?? "?"}`);
  if (report.error) lines.push(`  error: ${report.error}`);
  return lines;
}
