// `logs <node>`: a node's recent container log lines through SSM, redacted.
import { EXIT } from "../driver.js";
import { EngineError } from "../engine.js";
import { redact } from "../../layers/gate.js";
import type { LogTarget } from "../probes.js";
import type { StackOutputs } from "../../layers/outputs.js";
import { checkUsage, defineCommand } from "./context.js";
import { awsOf, readOutputs, withEngine } from "./stack.js";

export const logsCommand = defineCommand({
  command: "logs <node>",
  describe: "Recent container logs of a node through SSM (base | faucet | mpc-node-<i> | <i> | instance id)",
  builder: (y) =>
    y
      .positional("node", { type: "string", demandOption: true })
      .option("lines", { type: "number", default: 100, describe: "number of lines (1-999)" })
      .option("container", { type: "string", choices: ["neard", "mpc-node", "near-faucet"] }),
  run: async (a, ctx) =>
    checkUsage(ctx, () => checkLines(a.lines)) ??
    withEngine(ctx, a.stack, false, async (engine, signal) => {
      const outputs = await readOutputs(engine);
      const target = resolveLogTarget(a.node, outputs, a.container);
      const probes = await ctx.makeProbes(a.stack, outputs, { aws: await awsOf(ctx, engine, a.stack), signal });
      ctx.out.stderr(`logs of ${target.container} on ${target.label} (${target.instanceId}):`);
      for (const line of await probes.logs(target, a.lines)) ctx.out.stdout(redact(line));
      return EXIT.ok;
    }),
});

function checkLines(lines: number): void {
  if (!Number.isInteger(lines) || lines < 1 || lines > 999) {
    throw new Error("--lines must be a whole number from 1 to 999");
  }
}

/** Resolves `logs <node>`: "base", "mpc-node-1", "1", an account id or an instance id. */
export function resolveLogTarget(node: string, outputs: StackOutputs, container?: string): LogTarget {
  const base = outputs.base;
  if (base && (node === "base" || node === "neard" || node === base.instanceId)) {
    return { instanceId: base.instanceId, container: container ?? "neard", label: "base" };
  }
  if ((node === "faucet" || node === "near-faucet") && base) {
    return { instanceId: base.instanceId, container: "near-faucet", label: "faucet" };
  }
  const nodes = outputs.mpc?.nodes ?? [];
  const m = /^(?:mpc-node-)?(\d+)$/.exec(node);
  const found =
    (m ? (nodes.find((n) => n.accountId.startsWith(`mpc-node-${m[1]}.`)) ?? nodes[Number(m[1])]) : undefined) ??
    nodes.find((n) => n.accountId === node || n.instanceId === node || n.accountId.split(".")[0] === node);
  if (found) return { instanceId: found.instanceId, container: container ?? "mpc-node", label: found.accountId };
  const known = ["base", "faucet", ...nodes.map((n) => n.accountId.split(".")[0])];
  throw new EngineError("failed", `unknown node "${node}": use one of ${known.join(", ")} (or an instance id)`);
}
