// `logs` reading CloudWatch Logs, against moto in server mode (the real SDK over HTTP): the last
// lines of a container's stream, --since, --follow until Ctrl-C, and the SSM fallback for stacks
// that do not ship their logs yet.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { main } from "../cli.js";
import type { CliContext } from "../cli/context.js";
import { followLogLines, parseSince, recentLogLines } from "../cloudwatch-logs.js";
import { MOTO_VERSION, startMoto, type Moto } from "../../test/support/moto.js";
import { FakeEngine, FakeProbes, MemoryOut, rawOutputs } from "./fakes.js";

const GROUP = "/near-localnet/localnet/containers";
const T0 = Date.parse("2026-11-24T09:00:00Z");
// A NEAR secret key shape (ed25519: and 88 base58 characters): never printed.
const SECRET = `ed25519:${"3".repeat(88)}`;

let moto: Moto;
let client: CloudWatchLogsClient;

async function put(stream: string, lines: Array<[number, string]>): Promise<void> {
  await client.send(
    new PutLogEventsCommand({
      logGroupName: GROUP,
      logStreamName: stream,
      logEvents: lines.map(([timestamp, message]) => ({ timestamp, message })),
    }),
  );
}

beforeAll(async () => {
  moto = await startMoto();
  client = new CloudWatchLogsClient(moto.clientConfig);
  await client.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  for (const stream of ["base/neard", "mpc-node-1/mpc-node", "base/near-faucet"]) {
    await client.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: stream }));
  }
  await put(
    "base/neard",
    [0, 1, 2, 3, 4].map((i) => [T0 + i * 60_000, `INFO stats: #${100 + i} blocks`]),
  );
  await put("mpc-node-1/mpc-node", [[T0, `loaded key ${SECRET}`]]);
}, 30_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

/** A stack whose outputs name the log group, as index.ts now exports it. */
function shippingEngine(shipped = true): FakeEngine {
  const engine = new FakeEngine(["base", "services", "mpc"]);
  engine.outputs = async () => {
    const raw = rawOutputs(["base", "services", "mpc"]);
    if (shipped) (raw.base.value as Record<string, unknown>).logGroup = GROUP;
    return raw;
  };
  return engine;
}

function ctx(engine: FakeEngine, extra: Partial<CliContext> = {}) {
  const out = new MemoryOut();
  const probes = new FakeProbes();
  const c: CliContext = {
    out,
    env: {},
    workDir: mkdtempSync(join(tmpdir(), "cli-logs-")),
    makeEngine: async () => engine,
    makeProbes: async () => probes,
    logsClient: client,
    now: () => T0 + 10 * 60_000,
    ...extra,
  };
  return { c, out, probes };
}

it("CI installs the moto version these tests are written against", () => {
  const ci = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../.ci/run"), "utf8");
  expect(ci).toContain(
    "python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore " +
      `'moto[server]==${MOTO_VERSION}'`,
  );
});

describe("reading a stream", () => {
  it("gives the last lines oldest first as docker logs --timestamps does; a missing stream is undefined", async () => {
    const ref = { group: GROUP, stream: "base/neard" };
    const r = await recentLogLines(client, ref, { lines: 2 });
    expect(r?.lines).toEqual([
      "2026-11-24T09:03:00.000Z INFO stats: #103 blocks",
      "2026-11-24T09:04:00.000Z INFO stats: #104 blocks",
    ]);
    const since = await recentLogLines(client, ref, { lines: 100, startTime: T0 + 3 * 60_000 });
    expect(since?.lines).toHaveLength(2);
    expect(await recentLogLines(client, { group: GROUP, stream: "base/nothing" }, { lines: 5 })).toBeUndefined();
    expect(
      await recentLogLines(client, { group: "/no/such/group", stream: "base/neard" }, { lines: 5 }),
    ).toBeUndefined();
  });

  it("follows new events from where the last lines ended until the signal aborts", async () => {
    const ref = { group: GROUP, stream: "base/near-faucet" };
    await put(ref.stream, [[T0, "faucet listening on 0.0.0.0:3031"]]);
    const recent = await recentLogLines(client, ref, { lines: 10 });
    expect(recent?.lines).toHaveLength(1);
    const seen: string[] = [];
    const stop = new AbortController();
    let polls = 0;
    const following = followLogLines(client, ref, {
      nextToken: recent?.nextToken,
      onLine: (l) => seen.push(l),
      signal: stop.signal,
      pollMs: 20,
      sleep: async (ms) => {
        polls++;
        if (polls === 2)
          await put(ref.stream, [
            [T0 + 1000, "created alice.localnet"],
            [T0 + 2000, "funded bob"],
          ]);
        if (seen.length >= 2) stop.abort();
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    await following;
    expect(seen).toEqual(["2026-11-24T09:00:01.000Z created alice.localnet", "2026-11-24T09:00:02.000Z funded bob"]);
  });

  it("--since takes a duration or an ISO time", () => {
    expect(parseSince("15m", T0)).toBe(T0 - 15 * 60_000);
    expect(parseSince("2d", T0)).toBe(T0 - 2 * 86_400_000);
    expect(parseSince("2026-11-24T08:00:00Z", T0)).toBe(T0 - 3_600_000);
    expect(() => parseSince("yesterday", T0)).toThrow('--since "yesterday" is neither a duration');
  });
});

describe("npm run automate -- logs", () => {
  it("reads CloudWatch Logs for a stack that ships them, redacted, without SSM", async () => {
    const { c, out, probes } = ctx(shippingEngine());
    expect(await main(["logs", "mpc-node-1"], c)).toBe(0);
    expect(out.out).toEqual(["2026-11-24T09:00:00.000Z loaded key ed25519:[redacted]"]);
    expect(probes.calls).toEqual([]);
    expect(await main(["logs", "base", "--lines", "1", "--since", "2026-11-24T09:01:30Z"], c)).toBe(0);
    expect(out.out.at(-1)).toBe("2026-11-24T09:04:00.000Z INFO stats: #104 blocks");
  });

  it("--follow keeps printing until Ctrl-C, then exits 0", async () => {
    const stop = new AbortController();
    const { c, out } = ctx(shippingEngine(), { interrupts: () => ({ signal: stop.signal, dispose: () => undefined }) });
    const run = main(["logs", "base", "--lines", "1", "--follow"], c);
    const until = async (text: string) => {
      for (let i = 0; i < 400 && !out.out.some((l) => l.includes(text)); i++)
        await new Promise((r) => setTimeout(r, 25));
    };
    await until("#104");
    await put("base/neard", [[T0 + 6 * 60_000, "INFO stats: #106 blocks"]]);
    await until("#106");
    stop.abort();
    expect(await run).toBe(0);
    expect(out.out).toEqual([
      "2026-11-24T09:04:00.000Z INFO stats: #104 blocks",
      "2026-11-24T09:06:00.000Z INFO stats: #106 blocks",
    ]);
  });

  it("falls back to SSM without shipped logs or without the stream; --follow then fails clearly", async () => {
    const old = ctx(shippingEngine(false));
    expect(await main(["logs", "base", "--lines", "5"], old.c)).toBe(0);
    expect(old.probes.calls).toEqual(["logs i-0base neard 5"]);
    expect(old.out.err.join("\n")).toContain("does not ship container logs to CloudWatch Logs yet");
    expect(await main(["logs", "base", "--follow"], old.c)).toBe(1);
    expect(old.out.err.at(-1)).toContain("--follow and --since read CloudWatch Logs only");

    const fresh = ctx(shippingEngine());
    expect(await main(["logs", "mpc-node-2"], fresh.c)).toBe(0);
    expect(fresh.probes.calls).toEqual(["logs i-0mpc2 mpc-node 100"]);
    expect(fresh.out.err.join("\n")).toContain(`CloudWatch Logs has no stream mpc-node-2/mpc-node in ${GROUP} yet`);
  });

  it("a malformed --since is a usage error before any engine starts", async () => {
    const { c, out } = ctx(shippingEngine(), { makeEngine: async () => Promise.reject(new Error("no engine")) });
    expect(await main(["logs", "base", "--since", "soon"], c)).toBe(2);
    expect(out.err[0]).toContain('--since "soon" is neither a duration');
  });
});
