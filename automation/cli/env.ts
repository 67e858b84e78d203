// `env [--format near-cli|dotenv|json] [--outputs-file F]`: the stack's client configuration
// (../client-config.ts). The RPC and faucet URLs are the tunnel's while `connect` runs for the
// stack, else the in-VPC ones. --outputs-file renders from saved outputs (`outputs --json`, or
// `synth`'s DIR/<stack>.outputs.json) with no Pulumi CLI and no AWS credentials.
import { readFileSync } from "node:fs";
import { EXIT } from "../driver.js";
import { EngineError } from "../engine.js";
import type { StackOutputs } from "../../layers/outputs.js";
import { clientConfig, renderDotenv, renderNearCli, type TunnelUrls } from "../client-config.js";
import { parseStackOutputs } from "../stack-outputs.js";
import { EVM_FORWARD, forwardUrl, readConnection } from "../tunnel/state.js";
import { defineCommand, fail, type CliContext } from "./context.js";
import { readOutputs, withEngine } from "./stack.js";

const FORMATS = ["near-cli", "dotenv", "json"] as const;

/** Stack outputs saved as JSON: plain values (`outputs --json`, `pulumi stack output --json`) or {value, secret}. */
function readOutputsFile(file: string): StackOutputs {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new EngineError("failed", `cannot read stack outputs from ${file}: ${(err as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new EngineError("failed", `${file} does not hold a JSON object of stack outputs`);
  }
  return parseStackOutputs(raw as Record<string, unknown>);
}

/** The stack outputs from --outputs-file, else from the stack's state (read-only). */
export async function withOutputs(
  ctx: CliContext,
  stack: string,
  outputsFile: string | undefined,
  fn: (outputs: StackOutputs) => Promise<number>,
): Promise<number> {
  if (outputsFile === undefined) return withEngine(ctx, stack, false, async (engine) => fn(await readOutputs(engine)));
  try {
    return await fn(readOutputsFile(outputsFile));
  } catch (err) {
    return fail(ctx, err);
  }
}

/** The local URLs of `connect` while it runs for the stack. */
function tunnelOf(ctx: CliContext, stack: string): TunnelUrls | undefined {
  const state = readConnection(ctx.workDir, stack);
  const rpcUrl = forwardUrl(state, "rpc");
  return rpcUrl
    ? { rpcUrl, faucetUrl: forwardUrl(state, "faucet"), evmRpcUrl: forwardUrl(state, EVM_FORWARD) }
    : undefined;
}

export const envCommand = defineCommand({
  command: "env",
  describe: "Print the client configuration: a near-cli-rs connection, dotenv variables, or JSON",
  builder: (y) =>
    y
      .option("format", { choices: FORMATS, default: "near-cli" as const, describe: "what to print" })
      .option("outputs-file", { type: "string", describe: "render from saved outputs (outputs --json) instead" })
      .option("name", { type: "string", describe: "near-cli-rs connection name (default: the stack)" }),
  run: (a, ctx) =>
    withOutputs(ctx, a.stack, a.outputsFile, async (outputs) => {
      const cfg = clientConfig(a.stack, outputs, tunnelOf(ctx, a.stack));
      if (cfg.via === "vpc") {
        ctx.out.stderr(
          `(the URLs are inside the stack's VPC: run \`npm run automate -- connect --stack ${a.stack}\` to reach them)`,
        );
      }
      if (a.format === "json") ctx.out.stdout(JSON.stringify(cfg, null, 2));
      else if (a.format === "dotenv") ctx.out.stdout(renderDotenv(cfg));
      else ctx.out.stdout(renderNearCli(cfg, a.name ?? a.stack));
      return EXIT.ok;
    }),
});
