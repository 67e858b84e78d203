// `connect`: SSM port-forwarding sessions carried by session-manager-plugin. A stand-in plugin on
// PATH (test/support/fake-session-manager-plugin.mjs) really forwards the local ports to loopback
// fakes of the RPC, the faucet and the MPC web UIs, so `GET /status` goes through the tunnel.
// StartSession/TerminateSession: aws-sdk-client-mock in-process; for --background (a separate
// process) a loopback stand-in of the SSM JSON API that the SDK reaches through AWS_ENDPOINT_URL_SSM.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SSMClient, StartSessionCommand, TerminateSessionCommand } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { main } from "../cli.js";
import type { CliContext } from "../cli/context.js";
import { isAlive, stateFile } from "../tunnel/state.js";
import { FakeEngine, MemoryOut, rawOutputs } from "./fakes.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const PLUGIN_BIN = resolve(HERE, "../../test/support/plugin-bin");

interface PluginStart {
  pid: number;
  argv: string[];
  viaEnv: boolean;
  sessionId: string;
  token: string;
  region: string;
  operation: string;
  profile: string;
  endpoint: string;
  request: { Target: string; DocumentName: string; Parameters: Record<string, string[]> };
}

const servers: Server[] = [];
let targets: Record<string, number> = {};

function listen(handler: (path: string) => unknown): Promise<number> {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(handler(req.url ?? "/")));
  });
  servers.push(server);
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done((server.address() as { port: number }).port)));
}

/** N consecutive free local ports. */
async function freePorts(n: number): Promise<number> {
  for (let base = 20000 + Math.floor(Math.random() * 30000); ; base += n) {
    const free = await Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          new Promise<boolean>((done) => {
            const s = createTcpServer();
            s.once("error", () => done(false));
            s.listen(base + i, "127.0.0.1", () => s.close(() => done(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return base;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return res.json();
}

const answers = async (url: string) =>
  getJson(url).then(
    () => true,
    () => false,
  );

function pluginStarts(log: string): PluginStart[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PluginStart);
}

beforeAll(async () => {
  const rpc = await listen((path) => (path === "/status" ? { chain_id: "mpc-localnet", sync_info: {} } : {}));
  const faucet = await listen(() => ({ faucet: "localnet", maxPerRequest: "100 NEAR" }));
  targets = { "i-0base:3030": rpc, "i-0base:3031": faucet };
  for (const i of [0, 1, 2]) targets[`i-0mpc${i}:8080`] = await listen(() => ({ node: `mpc-node-${i}` }));
  targets["i-0base:8545"] = await listen(() => ({ chain: "anvil" }));
});

afterAll(() => servers.forEach((s) => s.close()));

const ssm = mockClient(SSMClient);
afterEach(() => {
  ssm.reset();
});

function setup(opts: { path?: string } = {}) {
  const workDir = mkdtempSync(join(tmpdir(), "connect-"));
  const log = join(workDir, "plugin.log");
  const out = new MemoryOut();
  const stop = new AbortController();
  const c: CliContext = {
    out,
    env: {
      PATH: opts.path ?? `${PLUGIN_BIN}:${process.env.PATH}`,
      FAKE_PLUGIN_TARGETS: JSON.stringify(targets),
      FAKE_PLUGIN_LOG: log,
    },
    workDir,
    makeEngine: async () => new FakeEngine(["base", "services", "mpc"]),
    makeProbes: async () => {
      throw new Error("connect runs no probe");
    },
    interrupts: () => ({ signal: stop.signal, dispose: () => undefined }),
    channel: {
      client: new SSMClient({ region: "us-east-1" }),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms / 50)),
    },
  };
  let n = 0;
  ssm.on(StartSessionCommand).callsFake(async () => {
    n++;
    return {
      SessionId: `sess-${n}`,
      TokenValue: `token-${n}`,
      StreamUrl: `wss://ssmmessages.example/v1/data-channel/sess-${n}`,
    };
  });
  ssm.on(TerminateSessionCommand).callsFake(async (input: { SessionId: string }) => ({ SessionId: input.SessionId }));
  return { c, out, stop, log, workDir };
}

const started = () => ssm.commandCalls(StartSessionCommand).map((call) => call.args[0].input);
const terminated = () => ssm.commandCalls(TerminateSessionCommand).map((call) => call.args[0].input.SessionId);

describe("connect (foreground)", () => {
  it("forwards the RPC and the faucet, reconnects a dropped session, and Ctrl-C ends every session", async () => {
    const { c, out, stop, log, workDir } = setup();
    const port = await freePorts(2);
    const run = main(["connect", "--local-port", String(port)], c);
    await until("the connection record", () => existsSync(stateFile(workDir, "localnet")));

    // GET /status through the tunnel reaches the (fake) RPC; the faucet answers on the next port.
    expect((await getJson(`http://127.0.0.1:${port}/status`)).chain_id).toBe("mpc-localnet");
    expect((await getJson(`http://127.0.0.1:${port + 1}/`)).faucet).toBe("localnet");
    expect(out.out).toEqual([
      `RPC                http://127.0.0.1:${port}`,
      `faucet             http://127.0.0.1:${port + 1}/account ` +
        `(sponsor-by-faucet; http://127.0.0.1:${port + 1} its settings)`,
    ]);

    // StartSession: the port-forwarding document, the remote and the local port of each forward.
    const byPort = (a: any, b: any) => Number(a.Parameters.portNumber[0]) - Number(b.Parameters.portNumber[0]);
    expect(started().sort(byPort)).toEqual([
      {
        Target: "i-0base",
        DocumentName: "AWS-StartPortForwardingSession",
        Parameters: { portNumber: ["3030"], localPortNumber: [String(port)] },
      },
      {
        Target: "i-0base",
        DocumentName: "AWS-StartPortForwardingSession",
        Parameters: { portNumber: ["3031"], localPortNumber: [String(port + 1)] },
      },
    ]);
    // The plugin got the AWS CLI's argument order, the token only through its environment.
    for (const p of pluginStarts(log)) {
      expect(p).toMatchObject({
        viaEnv: true,
        region: "us-east-1",
        operation: "StartSession",
        profile: "",
        endpoint: "https://ssm.us-east-1.amazonaws.com",
      });
      expect(p.argv[0]).toBe("AWS_SSM_START_SESSION_RESPONSE");
      expect(p.argv.join(" ")).not.toContain(p.token);
      expect(started()).toContainEqual(p.request);
    }

    // The RPC's plugin dies: its session is ended and a new one carries the port again.
    const rpcPlugin = pluginStarts(log).find((p) => p.request.Parameters.localPortNumber[0] === String(port))!;
    process.kill(rpcPlugin.pid, "SIGKILL");
    await until("a new session for the RPC", () => started().length === 3);
    await until("the RPC through the new session", () => answers(`http://127.0.0.1:${port}/status`));
    expect(terminated()).toEqual([rpcPlugin.sessionId]);
    expect(out.err.join("\n")).toContain(`[rpc] session ${rpcPlugin.sessionId} dropped`);

    // Ctrl-C: every plugin stops, every live session is ended, the record is gone.
    stop.abort();
    expect(await run).toBe(0);
    const starts = pluginStarts(log);
    expect(starts).toHaveLength(3);
    for (const p of starts) expect(isAlive(p.pid)).toBe(false);
    expect(terminated().sort()).toEqual(starts.map((p) => p.sessionId).sort());
    expect(existsSync(stateFile(workDir, "localnet"))).toBe(false);
    expect(await answers(`http://127.0.0.1:${port}/status`)).toBe(false);
  });

  it("--mpc adds each MPC node's web UI on the ports after the faucet", async () => {
    const { c, out, stop, workDir } = setup();
    const port = await freePorts(5);
    const run = main(["connect", "--mpc", "--local-port", String(port)], c);
    await until("the connection record", () => existsSync(stateFile(workDir, "localnet")));
    for (const i of [0, 1, 2])
      expect((await getJson(`http://127.0.0.1:${port + 2 + i}/health`)).node).toBe(`mpc-node-${i}`);
    expect(started().filter((s) => s.Target?.startsWith("i-0mpc"))).toHaveLength(3);
    expect(started()).toContainEqual({
      Target: "i-0mpc1",
      DocumentName: "AWS-StartPortForwardingSession",
      Parameters: { portNumber: ["8080"], localPortNumber: [String(port + 3)] },
    });
    expect(out.out).toContain(`mpc-node-2 web UI  http://127.0.0.1:${port + 4}`);
    stop.abort();
    expect(await run).toBe(0);
    expect(terminated()).toHaveLength(5);
  });

  it("a stack with a destination chain: its RPC on --evm-local-port, in the printed URLs", async () => {
    const { c, out, stop, workDir } = setup();
    const engine = new FakeEngine(["base", "services", "mpc"]);
    engine.outputs = async () => {
      const o = rawOutputs(["base", "services", "mpc"]);
      const evm = {
        rpcUrl: "http://10.0.1.10:8545",
        chainId: 31337,
        devAddress: "0x" + "1".repeat(40),
        devKeyParameter: "/k",
      };
      o.services = { secret: false, value: { ...(o.services.value as object), evm } };
      return o;
    };
    c.makeEngine = async () => engine;
    const port = await freePorts(2);
    const evmPort = await freePorts(1);
    const run = main(["connect", "--local-port", String(port), "--evm-local-port", String(evmPort)], c);
    await until("the connection record", () => existsSync(stateFile(workDir, "localnet")));
    expect((await getJson(`http://127.0.0.1:${evmPort}/`)).chain).toBe("anvil");
    expect(started()).toContainEqual({
      Target: "i-0base",
      DocumentName: "AWS-StartPortForwardingSession",
      Parameters: { portNumber: ["8545"], localPortNumber: [String(evmPort)] },
    });
    expect(out.out).toContain(`EVM RPC            http://127.0.0.1:${evmPort}`);
    stop.abort();
    expect(await run).toBe(0);
    expect(terminated()).toHaveLength(3);
    // the same port as the faucet forward is refused before any session
    const again = setup();
    again.c.makeEngine = async () => engine;
    const args = ["connect", "--local-port", String(port), "--evm-local-port", String(port + 1)];
    expect(await main(args, again.c)).toBe(1);
    expect(again.out.err.at(-1)).toContain(`--evm-local-port ${port + 1} is the faucet forward's port: pick another`);
  });

  it("without session-manager-plugin: the install commands for Linux, macOS and Windows, and no session", async () => {
    const { c, out } = setup({ path: "/nonexistent" });
    expect(await main(["connect"], c)).toBe(1);
    const text = out.err.join("\n");
    expect(text).toContain("session-manager-plugin is not installed");
    expect(text).toContain("sudo dpkg -i session-manager-plugin.deb");
    expect(text).toContain("brew install --cask session-manager-plugin");
    expect(text).toContain("SessionManagerPluginSetup.exe");
    expect(started()).toEqual([]);
  });

  it("a local port in use is a clear failure before any session", async () => {
    const { c, out } = setup();
    const port = await freePorts(2);
    const busy = createTcpServer();
    await new Promise<void>((r) => busy.listen(port + 1, "127.0.0.1", () => r()));
    try {
      expect(await main(["connect", "--local-port", String(port)], c)).toBe(1);
      expect(out.err.at(-1)).toContain(`local port ${port + 1} is in use`);
      expect(started()).toEqual([]);
    } finally {
      busy.close();
    }
  });
});

/** The SSM JSON API (awsJson1_1, X-Amz-Target) for StartSession and TerminateSession, recording requests. */
async function fakeSsmApi(): Promise<{ url: string; calls: Array<{ target: string; body: any }> }> {
  const calls: Array<{ target: string; body: any }> = [];
  let n = 0;
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const body = JSON.parse(text || "{}");
      calls.push({ target, body });
      const answer =
        target === "AmazonSSM.StartSession"
          ? { SessionId: `bg-${++n}`, TokenValue: `bg-token-${n}`, StreamUrl: `wss://ssmmessages.example/bg-${n}` }
          : { SessionId: body.SessionId };
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(answer));
    });
  });
  servers.push(server);
  const port = await new Promise<number>((done) =>
    server.listen(0, "127.0.0.1", () => done((server.address() as { port: number }).port)),
  );
  return { url: `http://127.0.0.1:${port}`, calls };
}

describe("connect --background and --stop", () => {
  it("returns once GET /status answers through the tunnel, prints export lines; --stop ends it all", async () => {
    const api = await fakeSsmApi();
    const { c, out, log, workDir } = setup();
    c.env = { ...c.env, AWS_ENDPOINT_URL_SSM: api.url, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" };
    const port = await freePorts(2);
    expect(await main(["connect", "--background", "--local-port", String(port)], c)).toBe(0);
    expect(out.out.join("\n")).toContain(`export NEAR_RPC_URL='http://127.0.0.1:${port}'`);
    expect(out.out.join("\n")).toContain(`export NEAR_FAUCET_URL='http://127.0.0.1:${port + 1}/account'`);
    expect((await getJson(`http://127.0.0.1:${port}/status`)).chain_id).toBe("mpc-localnet");
    const pid = Number(/NEAR_LOCALNET_CONNECT_PID='(\d+)'/.exec(out.out.join("\n"))![1]);
    expect(isAlive(pid)).toBe(true);
    expect(
      api.calls
        .filter((x) => x.target === "AmazonSSM.StartSession")
        .map((x) => x.body.Parameters.portNumber[0])
        .sort(),
    ).toEqual(["3030", "3031"]);

    // A second connect for the stack is refused while this one runs.
    expect(await main(["connect", "--local-port", String(port + 10)], c)).toBe(1);
    expect(out.err.at(-1)).toContain(`already connected (pid ${pid})`);

    expect(await main(["connect", "--stop"], c)).toBe(0);
    await until("the background process to end", () => !isAlive(pid));
    for (const p of pluginStarts(log)) expect(isAlive(p.pid)).toBe(false);
    expect(
      api.calls
        .filter((x) => x.target === "AmazonSSM.TerminateSession")
        .map((x) => x.body.SessionId)
        .sort(),
    ).toEqual(["bg-1", "bg-2"]);
    expect(existsSync(stateFile(workDir, "localnet"))).toBe(false);
    expect(await main(["connect", "--stop"], c)).toBe(0);
    expect(out.err.at(-1)).toBe("stack localnet has no running connection");
  }, 60_000);
});
