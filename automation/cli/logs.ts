// `logs <node> [--follow] [--since]`: a node's container log lines, redacted. They come from the
// stack's CloudWatch Logs group (stream "<host>/<container>", platform/host/container-logs.ts);
// a stack that does not ship its logs there yet (deployed before it did, or a host not yet
// replaced) is read through SSM (the diagnostics document's `docker logs`), which can neither
// follow nor go back in time.
import { EXIT } from "../driver.js";
import { EngineError } from "../engine.js";
import { redact } from "../../layers/gate.js";
import type { LogTarget } from "../probes.js";
import type { StackOutputs } from "../../layers/outputs.js";
import type { AwsTarget } from "../aws-target.js";
import { containerLogStream } from "../../platform/host/container-logs.js";
// cloudwatch-logs.ts loads the AWS SDK only when it reads.
import { parseSince, type LogStreamRef, type LogsClient } from "../cloudwatch-logs.js";
import { checkUsage, defineCommand, type CliContext } from "./context.js";
import { awsOf, readOutputs, withEngine } from "./stack.js";

/** A container on a host, and the CloudWatch stream its lines go to. */
type NodeLogTarget = LogTarget & { stream: string };

interface LogsArgs {
  node: string;
  lines: number;
  container?: string;
  follow: boolean;
  since?: string;
}

export const logsCommand = defineCommand({
  command: "logs <node>",
  describe:
    "Container logs of a node from CloudWatch Logs, else through SSM " +
    "(base | faucet | mpc-node-<i> | <i> | instance id)",
  builder: (y) =>
    y
      .positional("node", { type: "string", demandOption: true })
      .option("lines", { type: "number", default: 100, describe: "number of lines (1-999)" })
      .option("container", { type: "string", choices: ["neard", "mpc-node", "near-faucet"] })
      .option("follow", { type: "boolean", default: false, describe: "keep printing new lines until Ctrl-C" })
      .option("since", { type: "string", describe: "only lines since 30s | 15m | 2h | 3d ago, or an ISO time" }),
  run: async (a, ctx) => {
    const now = (ctx.now ?? Date.now)();
    let since: number | undefined;
    const usage = checkUsage(ctx, () => {
      checkLines(a.lines);
      if (a.since !== undefined) since = parseSince(a.since, now);
    });
    if (usage !== undefined) return usage;
    return withEngine(ctx, a.stack, false, async (engine, signal) => {
      const outputs = await readOutputs(engine);
      const target = resolveLogTarget(a.node, outputs, a.container);
      const aws = await awsOf(ctx, engine, a.stack);
      ctx.out.stderr(`logs of ${target.container} on ${target.label} (${target.instanceId}):`);
      const group = outputs.base?.logGroup;
      const why = group
        ? await fromCloudWatch(ctx, aws, { group, stream: target.stream }, { ...a, since }, signal)
        : "the stack does not ship container logs to CloudWatch Logs yet (run `up` once)";
      if (why === undefined) return EXIT.ok;
      if (a.follow || since !== undefined) {
        throw new EngineError("failed", `${why}: --follow and --since read CloudWatch Logs only`);
      }
      ctx.out.stderr(`(${why}; reading the last lines through SSM)`);
      const probes = await ctx.makeProbes(a.stack, outputs, { aws, signal });
      for (const line of await probes.logs(target, a.lines)) ctx.out.stdout(redact(line));
      return EXIT.ok;
    });
  },
});

/**
 * Prints the stream's lines (and follows it): undefined when done, else why CloudWatch could not
 * answer (no such stream yet, or the caller may not read it).
 */
async function fromCloudWatch(
  ctx: CliContext,
  aws: AwsTarget,
  ref: LogStreamRef,
  a: Pick<LogsArgs, "lines" | "follow"> & { since?: number },
  signal?: AbortSignal,
): Promise<string | undefined> {
  const cw = await import("../cloudwatch-logs.js");
  const client: LogsClient = ctx.logsClient ?? (await cw.cloudWatchLogsClientFor(aws));
  const print = (line: string) => ctx.out.stdout(redact(line));
  let recent: Awaited<ReturnType<typeof cw.recentLogLines>>;
  try {
    recent = await cw.recentLogLines(client, ref, { lines: a.lines, startTime: a.since });
  } catch (err) {
    if ((err as { name?: string }).name !== "AccessDeniedException") throw err;
    return `reading ${ref.group} was denied (${(err as Error).message})`;
  }
  if (!recent) return `CloudWatch Logs has no stream ${ref.stream} in ${ref.group} yet`;
  recent.lines.forEach(print);
  if (a.follow) {
    // Ctrl-C ends following; without a terminal's signal it runs until the process is stopped.
    const stop = signal ?? new AbortController().signal;
    await cw.followLogLines(client, ref, {
      nextToken: recent.nextToken,
      startTime: a.since,
      onLine: print,
      signal: stop,
    });
  }
  return undefined;
}

function checkLines(lines: number): void {
  if (!Number.isInteger(lines) || lines < 1 || lines > 999) {
    throw new Error("--lines must be a whole number from 1 to 999");
  }
}

/** Resolves `logs <node>`: "base", "mpc-node-1", "1", an account id or an instance id. */
export function resolveLogTarget(node: string, outputs: StackOutputs, container?: string): NodeLogTarget {
  const base = outputs.base;
  const on = (host: string, t: LogTarget): NodeLogTarget => ({ ...t, stream: containerLogStream(host, t.container) });
  if (base && (node === "base" || node === "neard" || node === base.instanceId)) {
    return on("base", { instanceId: base.instanceId, container: container ?? "neard", label: "base" });
  }
  if ((node === "faucet" || node === "near-faucet") && base) {
    return on("base", { instanceId: base.instanceId, container: "near-faucet", label: "faucet" });
  }
  const nodes = outputs.mpc?.nodes ?? [];
  const m = /^(?:mpc-node-)?(\d+)$/.exec(node);
  const found =
    (m ? (nodes.find((n) => n.accountId.startsWith(`mpc-node-${m[1]}.`)) ?? nodes[Number(m[1])]) : undefined) ??
    nodes.find((n) => n.accountId === node || n.instanceId === node || n.accountId.split(".")[0] === node);
  if (found) {
    const host = found.accountId.split(".")[0];
    return on(host, { instanceId: found.instanceId, container: container ?? "mpc-node", label: found.accountId });
  }
  const known = ["base", "faucet", ...nodes.map((n) => n.accountId.split(".")[0])];
  throw new EngineError("failed", `unknown node "${node}": use one of ${known.join(", ")} (or an instance id)`);
}
