// `connect [--mpc] [--local-port N] [--background | --stop]`: SSM port-forwarding sessions from
// this machine to the stack (../tunnel/): the base host's RPC on 127.0.0.1:N and its faucet on
// N+1, and with --mpc each MPC node's web UI on N+2, N+3, ... The sessions stay up until Ctrl-C
// (a dropped one reconnects); --background leaves them to a detached process, waits until
// `GET /status` answers through the tunnel and prints `export` lines; --stop ends that process.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT } from "../driver.js";
import { EngineError } from "../engine.js";
import type { AwsTarget } from "../aws-target.js";
import { clientConfig, renderExports } from "../client-config.js";
import type { StackOutputs } from "../../layers/outputs.js";
import { MPC_WEB_PORT, NEAR_RPC_PORT } from "../../platform/near/ports.js";
import { sleep } from "../../platform/time.js";
import { PLUGIN_INSTALL, pluginVersion } from "../tunnel/plugin.js";
import type { ServeSpec } from "../tunnel/serve.js";
import {
  isAlive,
  EVM_FORWARD,
  forwardUrl,
  readConnection,
  stateFile,
  type ConnectionState,
  type Forward,
} from "../tunnel/state.js";
import { EVM_RPC_PORT } from "../../platform/evm/ports.js";
import { checkPortsFree, holdConnection } from "../tunnel/tunnel.js";
import { checkUsage, defineCommand, fail, type CliContext } from "./context.js";
import { awsOf, readOutputs, withEngine } from "./stack.js";

const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SERVE = join(REPO_DIR, "automation", "tunnel", "serve.ts");
/** How long --background waits for `GET /status` through the tunnel. */
const BACKGROUND_READY_MS = 90_000;

interface ConnectArgs {
  stack: string;
  mpc: boolean;
  localPort: number;
  evmLocalPort: number;
  background: boolean;
  stop: boolean;
}

function portOf(url: string | undefined, fallback: number): number {
  const port = url ? new URL(url).port : "";
  return port ? Number(port) : fallback;
}

/** The forwards of a stack: RPC and faucet on the base host, and (mpc) each node's web UI. */
function planForwards(outputs: StackOutputs, localPort: number, mpc: boolean, evmLocalPort: number): Forward[] {
  const base = outputs.base;
  if (!base) throw new EngineError("failed", "the stack has no base layer outputs: deploy it first (up)");
  const forwards: Array<Omit<Forward, "url">> = [
    { name: "rpc", instanceId: base.instanceId, remotePort: portOf(base.rpcUrl, NEAR_RPC_PORT), localPort },
  ];
  const faucet = outputs.services?.faucetUrl;
  if (faucet)
    forwards.push({
      name: "faucet",
      instanceId: base.instanceId,
      remotePort: portOf(faucet, 0),
      localPort: localPort + 1,
    });
  const evm = outputs.services?.evm;
  if (evm)
    forwards.push({
      name: EVM_FORWARD,
      instanceId: base.instanceId,
      remotePort: portOf(evm.rpcUrl, EVM_RPC_PORT),
      localPort: evmLocalPort,
    });
  if (mpc) {
    const nodes = outputs.mpc?.nodes ?? [];
    if (nodes.length === 0) throw new EngineError("failed", "--mpc: the stack exports no MPC nodes (deploy Layer 3)");
    nodes.forEach((n, i) =>
      forwards.push({
        name: n.accountId.split(".")[0],
        instanceId: n.instanceId,
        remotePort: MPC_WEB_PORT,
        localPort: localPort + 2 + i,
      }),
    );
  }
  const last = Math.max(...forwards.filter((f) => f.name !== EVM_FORWARD).map((f) => f.localPort));
  const clash = evm && forwards.find((f) => f.name !== EVM_FORWARD && f.localPort === evmLocalPort);
  if (clash)
    throw new EngineError(
      "failed",
      `--evm-local-port ${evmLocalPort} is the ${clash.name} forward's port: pick another`,
    );
  if (last > 65535)
    throw new EngineError("failed", `--local-port ${localPort} leaves no room for ${forwards.length} ports`);
  return forwards.map((f) => ({ ...f, url: `http://127.0.0.1:${f.localPort}` }));
}

function printUrls(ctx: CliContext, forwards: Forward[]): void {
  for (const f of forwards) {
    const what =
      f.name === "rpc"
        ? "RPC"
        : f.name === "faucet"
          ? "faucet"
          : f.name === EVM_FORWARD
            ? "EVM RPC"
            : `${f.name} web UI`;
    const url = f.name === "faucet" ? `${f.url}/account (sponsor-by-faucet; ${f.url} its settings)` : f.url;
    ctx.out.stdout(`${what.padEnd(18)} ${url}`);
  }
}

export const connectCommand = defineCommand({
  command: "connect",
  describe: "SSM port-forwarding to the RPC and the faucet (--mpc: each MPC node's web UI) on 127.0.0.1",
  builder: (y) =>
    y
      .option("mpc", { type: "boolean", default: false, describe: "also each MPC node's web UI (:8080)" })
      .option("local-port", { type: "number", default: NEAR_RPC_PORT, describe: "RPC on N, faucet N+1, MPC N+2..." })
      .option("evm-local-port", {
        type: "number",
        default: EVM_RPC_PORT,
        describe: "the destination EVM chain's RPC, when the stack runs one",
      })
      .option("background", { type: "boolean", default: false, describe: "leave the sessions to a background process" })
      .option("stop", { type: "boolean", default: false, describe: "end the background connection of the stack" }),
  run: async (a, ctx) => {
    const usage = checkUsage(ctx, () => {
      if (!Number.isInteger(a.localPort) || a.localPort < 1024 || a.localPort > 65535)
        throw new Error("--local-port must be a whole number from 1024 to 65535");
      if (!Number.isInteger(a.evmLocalPort) || a.evmLocalPort < 1024 || a.evmLocalPort > 65535)
        throw new Error("--evm-local-port must be a whole number from 1024 to 65535");
      if (a.stop && (a.background || a.mpc))
        throw new Error("--stop ends a connection: it takes no --background or --mpc");
    });
    if (usage !== undefined) return usage;
    if (a.stop) return stopConnection(ctx, a.stack);
    return connect(ctx, a);
  },
});

async function connect(ctx: CliContext, a: ConnectArgs): Promise<number> {
  const running = readConnection(ctx.workDir, a.stack);
  if (running) {
    const how = "end it with `connect --stop` (background) or Ctrl-C in its terminal";
    return fail(ctx, new EngineError("failed", `stack ${a.stack} is already connected (pid ${running.pid}): ${how}`));
  }
  const version = await pluginVersion(ctx.env);
  if (!version) {
    ctx.out.stderr(PLUGIN_INSTALL);
    return EXIT.failed;
  }
  let found: { outputs: StackOutputs; aws: AwsTarget; forwards: Forward[] } | undefined;
  const code = await withEngine(ctx, a.stack, false, async (engine) => {
    const outputs = await readOutputs(engine);
    const forwards = planForwards(outputs, a.localPort, a.mpc, a.evmLocalPort);
    found = { outputs, aws: await awsOf(ctx, engine, a.stack), forwards };
    return EXIT.ok;
  });
  if (!found) return code;
  try {
    await checkPortsFree(found.forwards.map((f) => f.localPort));
    const run = { ...found, version, stack: a.stack };
    return a.background ? await background(ctx, run) : await foreground(ctx, run);
  } catch (err) {
    return fail(ctx, err);
  }
}

interface Run {
  stack: string;
  outputs: StackOutputs;
  aws: AwsTarget;
  forwards: Forward[];
  version: string;
}

async function foreground(ctx: CliContext, r: Run): Promise<number> {
  const { ssmClientFor } = await import("../aws-target.js");
  const client = ctx.channel?.client ?? (await ssmClientFor(r.aws));
  const intr = ctx.interrupts?.(
    () => undefined,
    "Ctrl-C: ending the SSM sessions; press Ctrl-C again to exit at once.",
  );
  const signal = intr?.signal ?? new AbortController().signal;
  ctx.out.stderr(`connecting to stack ${r.stack} through SSM (${r.forwards.length} sessions)...`);
  try {
    await holdConnection({
      stack: r.stack,
      workDir: ctx.workDir,
      forwards: r.forwards,
      signal,
      tunnel: {
        client,
        region: r.aws.region,
        profile: r.aws.profile,
        pluginVersion: r.version,
        env: ctx.env,
        log: (line) => ctx.out.stderr(line),
        sleep: ctx.channel?.sleep,
      },
      onUp: () => {
        printUrls(ctx, r.forwards);
        ctx.out.stderr(
          "Up until Ctrl-C (a dropped session reconnects). Client settings: `npm run automate -- env` " +
            "(near-cli-rs) or `env --format dotenv`.",
        );
      },
    });
  } finally {
    intr?.dispose();
  }
  ctx.out.stderr("all sessions ended");
  return EXIT.ok;
}

async function statusAnswers(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${rpcUrl}/status`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { chain_id?: unknown };
    return res.ok && typeof body.chain_id === "string";
  } catch {
    return false;
  }
}

function logTail(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-20).join("\n") : "(no log)";
}

async function background(ctx: CliContext, r: Run): Promise<number> {
  const dir = dirname(stateFile(ctx.workDir, r.stack));
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, `${r.stack}.log`);
  const specFile = join(dir, `${r.stack}.spec.json`);
  const spec: ServeSpec = {
    stack: r.stack,
    workDir: ctx.workDir,
    region: r.aws.region,
    ...(r.aws.profile ? { profile: r.aws.profile } : {}),
    pluginVersion: r.version,
    forwards: r.forwards,
    logFile,
  };
  writeFileSync(specFile, JSON.stringify(spec), { mode: 0o600 });
  const fd = openSync(logFile, "a", 0o600);
  const child = spawn(process.execPath, ["--import", "tsx", SERVE, specFile], {
    cwd: REPO_DIR,
    env: ctx.env,
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  child.unref();
  let exited = false;
  child.once("exit", () => (exited = true));
  const deadline = Date.now() + BACKGROUND_READY_MS;
  while (Date.now() < deadline && !exited) {
    const state = readConnection(ctx.workDir, r.stack);
    const rpc = state?.pid === child.pid ? forwardUrl(state, "rpc") : undefined;
    if (rpc && (await statusAnswers(rpc))) return printExports(ctx, r, state!);
    await sleep(250);
  }
  if (!exited) child.kill("SIGTERM");
  ctx.out.stderr(logTail(logFile));
  const why = exited
    ? "the background process ended"
    : `GET /status did not answer within ${BACKGROUND_READY_MS / 1000}s`;
  return fail(ctx, new EngineError("failed", `connect --background: ${why} (log: ${logFile})`));
}

function printExports(ctx: CliContext, r: Run, state: ConnectionState): number {
  const tunnel = {
    rpcUrl: forwardUrl(state, "rpc")!,
    faucetUrl: forwardUrl(state, "faucet"),
    evmRpcUrl: forwardUrl(state, EVM_FORWARD),
  };
  ctx.out.stdout(renderExports(clientConfig(r.stack, r.outputs, tunnel)));
  ctx.out.stdout(`export NEAR_LOCALNET_CONNECT_PID='${state.pid}'`);
  ctx.out.stderr(`connected in the background (pid ${state.pid}, log ${state.log}); end it with \`connect --stop\``);
  return EXIT.ok;
}

async function stopConnection(ctx: CliContext, stack: string): Promise<number> {
  const state = readConnection(ctx.workDir, stack);
  if (!state) {
    ctx.out.stderr(`stack ${stack} has no running connection`);
    return EXIT.ok;
  }
  process.kill(state.pid, "SIGTERM");
  // It ends every session and removes its record; past the deadline it is killed.
  const deadline = Date.now() + 20_000;
  while (isAlive(state.pid) && existsSync(stateFile(ctx.workDir, stack)) && Date.now() < deadline) await sleep(100);
  if (isAlive(state.pid) && existsSync(stateFile(ctx.workDir, stack))) process.kill(state.pid, "SIGKILL");
  ctx.out.stderr(`ended the connection of stack ${stack} (pid ${state.pid})`);
  return EXIT.ok;
}
