// stop / start against moto in server mode (EC2 through the real SDK): the order of the calls,
// the SSM online wait between the base host and the MPC hosts, the gates after start, and what
// up, health and status say about a stopped stack.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { main } from "../cli.js";
import type { CliContext } from "../cli/context.js";
import { gateStack } from "../driver.js";
import { instanceStates, startInstances } from "../park/ec2.js";
import { startMoto, type Moto } from "../../test/support/moto.js";
import { motoStack, type MotoStack } from "./moto-stack.js";
import { FakeEngine, FakeProbes, MemoryOut, healthyMpc } from "./fakes.js";

let moto: Moto;
let stack: MotoStack;

beforeAll(async () => {
  moto = await startMoto();
  stack = await motoStack(moto);
}, 30_000);

afterAll(async () => {
  stack?.ec2.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await startInstances(
    stack.recorder,
    stack.hosts.map((h) => h.instanceId),
  );
  stack.calls.length = 0;
  stack.engine.calls = [];
});

function ctx(probes = new FakeProbes()) {
  const out = new MemoryOut();
  const c: CliContext = {
    out,
    env: {},
    workDir: "/nonexistent",
    makeEngine: async () => stack.engine,
    makeProbes: async () => probes,
    makeEc2: async () => stack.recorder,
    channel: { client: stack.ssm, sleep: async () => {} },
  };
  return { c, out, probes };
}

const ids = () => stack.hosts.map((h) => h.instanceId);
const mpcIds = () =>
  stack.hosts
    .slice(1)
    .map((h) => h.instanceId)
    .join(",");

describe("stop", () => {
  it("stops the MPC hosts, waits until they are stopped, then the base host", async () => {
    const { c, out } = ctx();
    expect(await main(["stop"], c)).toBe(0);
    const acts = stack.calls.filter((l) => /^(Stop|Start)Instances/.test(l));
    expect(acts).toEqual([`StopInstances ${mpcIds()}`, `StopInstances ${stack.hosts[0].instanceId}`]);
    // The MPC hosts were seen stopped before the base host was asked to stop.
    const baseStop = stack.calls.indexOf(`StopInstances ${stack.hosts[0].instanceId}`);
    expect(stack.calls.slice(0, baseStop)).toContain(`DescribeInstances ${mpcIds()}`);
    expect(Object.values(await instanceStates(stack.recorder, ids()))).toEqual(Array(4).fill("stopped"));
    expect(out.out.join("\n")).toContain("stop: OK");
    expect(out.out.join("\n")).toContain("Parked. Resume with `npm run automate -- start`.");
    expect(out.err.join("\n")).toMatch(/waiting for stopped: mpc-node-0 \(i-[0-9a-z]+\) stopped/);
  });

  it("a second stop leaves stopped hosts alone", async () => {
    const { c } = ctx();
    expect(await main(["stop"], c)).toBe(0);
    stack.calls.length = 0;
    expect(await main(["stop", "--json"], c)).toBe(0);
    expect(stack.calls.filter((l) => l.startsWith("StopInstances"))).toEqual([]);
  });

  it("up, health and status on a stopped stack say so and how to start it, without probing", async () => {
    const { c, out, probes } = ctx();
    await main(["stop"], c);
    for (const command of ["up", "health", "status"]) {
      out.err.length = 0;
      expect(await main([command], c)).toBe(1);
      expect(out.err.join("\n")).toMatch(
        /^Stack "localnet" is stopped \(base \(i-[0-9a-z]+\) stopped, mpc-node-0 .*\)\. Start it with `npm run automate -- start`/,
      );
    }
    expect(probes.calls).toEqual([]);
    expect(stack.engine.calls).toEqual([]);
    out.out.length = 0;
    expect(await main(["status", "--json"], c)).toBe(1);
    expect(JSON.parse(out.out[0])).toMatchObject({ stack: "localnet", parked: true });
    expect(JSON.parse(out.out[0]).message).toContain("npm run automate -- start");
  });
});

describe("start", () => {
  it("starts the base host, waits until it is running and online in SSM, then the MPC hosts, then runs every gate", async () => {
    const { c, out, probes } = ctx();
    await main(["stop"], c);
    stack.calls.length = 0;
    expect(await main(["start", "--skip-sign-test"], c)).toBe(0);
    const base = stack.hosts[0].instanceId;
    const relevant = stack.calls.filter((l) => /^(StartInstances|DescribeInstanceInformation)/.test(l));
    expect(relevant).toEqual([
      `StartInstances ${base}`,
      `DescribeInstanceInformation ${base}`,
      `StartInstances ${mpcIds()}`,
      ...stack.hosts.slice(1).map((h) => `DescribeInstanceInformation ${h.instanceId}`),
    ]);
    expect(probes.calls).toEqual(["base", "services", "base", "mpc"]);
    expect(out.out.join("\n")).toContain("start: OK");
    expect(out.out.join("\n")).toMatch(/Layer 3 mpc +healthy, left alone/);
    expect(out.out.join("\n")).toContain("Result: OK");
  });

  it("fails with the gate's findings when a layer stays unhealthy", async () => {
    const probes = new FakeProbes();
    probes.mpcResult = { ...healthyMpc(), contract: { ...healthyMpc().contract, state: "Initializing" } };
    const { c, out } = ctx(probes);
    expect(await main(["start", "--skip-sign-test", "--settle-minutes", "0", "--json"], c)).toBe(1);
    const report = JSON.parse(out.out[0]);
    expect(report.ok).toBe(false);
    expect(report.gates.failedLayer).toBe("mpc");
    expect(report.hosts.map((h: { after: string }) => h.after)).toEqual(Array(4).fill("running"));
  });
});

describe("gateStack", () => {
  const deps = (probes: FakeProbes, clock: { t: number }) => ({
    engine: new FakeEngine(["base", "services", "mpc"]),
    probes,
    out: new MemoryOut(),
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  });

  it("re-checks a failing gate while nodes catch up, then runs the sign test", async () => {
    const probes = new FakeProbes();
    const behind = healthyMpc();
    behind.nodes[0] = { ...behind.nodes[0], live: false };
    let n = 0;
    probes.mpc = async () => (++n < 3 ? behind : healthyMpc());
    const signed: string[] = [];
    const report = await gateStack(
      {
        ...deps(probes, { t: 0 }),
        signTest: async () => {
          signed.push("sign");
          return { ok: true, summary: "2/2 requests verified", lines: [] };
        },
      },
      { retryMs: 30_000, settleMs: 600_000 },
    );
    expect(report.ok).toBe(true);
    expect(n).toBe(3);
    expect(signed).toEqual(["sign"]);
    expect(report.signTest?.summary).toBe("2/2 requests verified");
  });

  it("stops waiting at once when a node cannot catch up", async () => {
    const probes = new FakeProbes();
    probes.baseResult = { ...probes.baseResult, blockHeight: 900_000, earliestBlockHeight: 500_000 };
    const stuck = healthyMpc();
    stuck.nodes[0] = { ...stuck.nodes[0], chainHead: 1000 };
    let n = 0;
    probes.mpc = async () => (n++, stuck);
    const report = await gateStack(deps(probes, { t: 0 }), { retryMs: 30_000, settleMs: 600_000 });
    expect(report.ok).toBe(false);
    expect(n).toBe(1);
    expect(report.layers.find((l) => l.layer === "mpc")?.verdict?.findings.map((f) => f.kind)).toContain(
      "cannot-catch-up",
    );
  });
});
