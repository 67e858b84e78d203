import { describe, expect, it } from "@jest/globals";
import { EXIT, destroyLayers, renderTimeline, stagedUp } from "../../automation/driver.js";
import { layerTargets } from "../../automation/layers.js";
import { FakeEngine, FakeProbes, MemoryOut, callLayer, healthyMpc, lockedError } from "./fakes.js";

const BASE_EXCLUDES = [...layerTargets("localnet", "services"), ...layerTargets("localnet", "mpc")];

function setup(deployed: Array<"base" | "services" | "mpc"> = []) {
  const engine = new FakeEngine(deployed);
  const probes = new FakeProbes();
  const out = new MemoryOut();
  let t = 0;
  return { engine, probes, out, deps: { engine, probes, out, now: () => (t += 1000) } };
}

describe("staged up", () => {
  it("deploys the layers in order, each with its own selection, each followed by its gate", async () => {
    const { engine, probes, deps } = setup();
    const report = await stagedUp(deps);
    expect(report.ok).toBe(true);
    expect(report.exitCode).toBe(EXIT.ok);
    expect(engine.calls).toEqual([
      { op: "up", excludes: BASE_EXCLUDES },
      { op: "up", targets: layerTargets("localnet", "services") },
      { op: "up", targets: layerTargets("localnet", "mpc") },
    ]);
    // gate after each up; the mpc gate also reads the base height it compares indexers with
    expect(probes.calls).toEqual(["base", "services", "mpc"]);
    expect(report.layers.map((l) => [l.layer, l.outcome, l.steps.map((s) => s.step)])).toEqual([
      ["base", "updated", ["up", "gate"]],
      ["services", "updated", ["up", "gate"]],
      ["mpc", "updated", ["up", "gate"]],
    ]);
  });

  it("stops at a failing gate, refreshes that layer only and never starts the next one", async () => {
    const { engine, probes, deps, out } = setup();
    probes.servicesResult = {
      ...probes.servicesResult,
      contracts: probes.servicesResult.contracts.map((c) =>
        c.accountId === "wrap.localnet" ? { ...c, actualCodeHash: "11111111111111111111111111111111" } : c,
      ),
    };
    const report = await stagedUp(deps);
    expect(report.ok).toBe(false);
    expect(report.exitCode).toBe(EXIT.failed);
    expect(report.failedLayer).toBe("services");
    expect(engine.calls.map((c) => `${c.op}:${callLayer(c)}`)).toEqual(["up:base", "up:services", "refresh:services"]);
    expect(engine.calls[2]).toEqual({ op: "refresh", targets: layerTargets("localnet", "services"), clearPendingCreates: true });
    expect(report.layers[2].outcome).toBe("not-run");
    const gate = report.layers[1].steps.find((s) => s.step === "gate");
    expect(gate?.ok).toBe(false);
    expect(out.err.join("\n")).toContain("wrap.localnet has no contract deployed");
  });

  it("a Layer 3 failure refreshes Layer 3 only, touches nothing else and never destroys", async () => {
    const { engine, deps } = setup(["base", "services"]);
    engine.failUp.mpc = new Error("error: aws:ec2/instance:Instance resource 'mpc-node-1' has a problem: InsufficientInstanceCapacity");
    const report = await stagedUp(deps);
    expect(report.exitCode).toBe(EXIT.failed);
    expect(report.failedLayer).toBe("mpc");
    expect(engine.calls).toEqual([
      { op: "up", targets: layerTargets("localnet", "mpc") },
      { op: "refresh", targets: layerTargets("localnet", "mpc"), clearPendingCreates: true },
    ]);
    expect(engine.calls.some((c) => c.op === "destroy")).toBe(false);
    expect(report.layers.map((l) => l.outcome)).toEqual(["left-alone", "left-alone", "failed"]);
    expect(report.layers[2].error?.message).toContain("InsufficientInstanceCapacity");
    const text = renderTimeline(report).join("\n");
    expect(text).toContain("Layer 3 mpc");
    expect(text).toContain("FAILED");
    expect(text).toContain("resumes at Layer 3 (mpc)");
    expect(text).toContain("Nothing was destroyed");
  });

  it("resumes after a failure: healthy layers are confirmed and left alone, the failed one is retried", async () => {
    const { engine, probes, deps } = setup();
    engine.failUp.mpc = new Error("error: update failed");
    const first = await stagedUp(deps);
    expect(first.failedLayer).toBe("mpc");
    engine.calls = [];
    probes.calls = [];
    const second = await stagedUp(deps);
    expect(second.ok).toBe(true);
    expect(engine.calls).toEqual([{ op: "up", targets: layerTargets("localnet", "mpc") }]);
    expect(second.layers.map((l) => [l.layer, l.outcome, l.steps.map((s) => s.step)])).toEqual([
      ["base", "left-alone", ["confirm"]],
      ["services", "left-alone", ["confirm"]],
      ["mpc", "updated", ["up", "gate"]],
    ]);
  });

  it("a deployed but unhealthy layer is updated again instead of being left alone", async () => {
    const { engine, probes, deps } = setup(["base", "services", "mpc"]);
    probes.mpcResult = { ...healthyMpc(), contract: { ...healthyMpc().contract, state: "Initializing", keysetDomains: [] } };
    const report = await stagedUp(deps);
    expect(engine.calls.map((c) => `${c.op}:${callLayer(c)}`)).toEqual(["up:mpc", "refresh:mpc"]);
    expect(report.layers[2].steps.map((s) => `${s.step}:${s.ok}`)).toEqual(["confirm:false", "up:true", "gate:false", "refresh:true"]);
    expect(report.failedLayer).toBe("mpc");
  });

  it("--reconcile runs up on every layer even when healthy; --layer stops early", async () => {
    const { engine, deps } = setup(["base", "services", "mpc"]);
    await stagedUp(deps, { reconcile: true, through: "services" });
    expect(engine.calls.map((c) => `${c.op}:${callLayer(c)}`)).toEqual(["up:base", "up:services"]);
  });

  it("a concurrent update gets the lock message, exit 3, and no refresh", async () => {
    const { engine, deps } = setup();
    engine.failUp.base = lockedError();
    const report = await stagedUp(deps);
    expect(report.exitCode).toBe(EXIT.locked);
    expect(engine.calls.map((c) => c.op)).toEqual(["up"]);
    expect(report.layers[0].error?.kind).toBe("concurrent-update");
    expect(report.layers[0].error?.message).toMatch(/another update is in progress/);
    expect(report.nextActions.join(" ")).toMatch(/Wait for the other run to finish/);
  });

  it("Ctrl-C: the running layer is reported cancelled, nothing else starts, no refresh or destroy", async () => {
    const { engine, deps } = setup();
    const controller = new AbortController();
    engine.up = async (o) => {
      engine.calls.push({ op: "up", excludes: o.excludes, targets: o.targets });
      controller.abort();
      throw new Error("error: update canceled");
    };
    const report = await stagedUp({ ...deps, signal: controller.signal });
    expect(report.exitCode).toBe(EXIT.cancelled);
    expect(engine.calls.map((c) => c.op)).toEqual(["up"]);
    expect(report.layers[0].error?.kind).toBe("cancelled");
    expect(report.layers.slice(1).map((l) => l.outcome)).toEqual(["not-run", "not-run"]);
  });

  it("a refresh that also fails is reported, and the run still exits non-zero without destroying", async () => {
    const { engine, deps, out } = setup(["base", "services"]);
    engine.failUp.mpc = new Error("error: boom");
    engine.failRefresh.mpc = new Error("error: refresh boom");
    const report = await stagedUp(deps);
    expect(report.exitCode).toBe(EXIT.failed);
    expect(out.err.join("\n")).toContain("refresh also failed");
    expect(engine.calls.some((c) => c.op === "destroy")).toBe(false);
  });

  it("reports progress lines with layer, step and elapsed time", async () => {
    const { deps, out } = setup();
    await stagedUp(deps, { through: "base" });
    expect(out.err.some((l) => /^\[1\/3 base\] up: \+ aws:ec2\/instance:Instance base-node \.\.\. \(\d+s\)$/.test(l))).toBe(true);
  });
});

describe("destroy", () => {
  it("destroys all layers top first after confirmation", async () => {
    const { engine, deps } = setup(["base", "services", "mpc"]);
    const questions: string[] = [];
    const report = await destroyLayers(deps, { confirm: async (q) => (questions.push(q), true) });
    expect(report.exitCode).toBe(EXIT.ok);
    expect(engine.calls).toEqual([
      { op: "destroy", targets: layerTargets("localnet", "mpc") },
      { op: "destroy", targets: layerTargets("localnet", "services") },
      { op: "destroy", excludes: BASE_EXCLUDES },
    ]);
    expect(questions[0]).toContain("Layer 3 Chain Signatures (mpc), Layer 2 NEAR Services (services), Layer 1 NEAR Base (base)");
  });

  it("--layer mpc removes Layer 3 only", async () => {
    const { engine, deps } = setup(["base", "services", "mpc"]);
    await destroyLayers(deps, { layer: "mpc", yes: true });
    expect(engine.calls).toEqual([{ op: "destroy", targets: layerTargets("localnet", "mpc") }]);
  });

  it("--layer services removes Layers 3 and 2, nothing below", async () => {
    const { engine, deps } = setup(["base", "services", "mpc"]);
    await destroyLayers(deps, { layer: "services", yes: true });
    expect(engine.calls.map((c) => callLayer(c))).toEqual(["mpc", "services"]);
  });

  it("without --yes and without confirmation nothing is destroyed", async () => {
    const { engine, deps, out } = setup(["base"]);
    const refused = await destroyLayers(deps, { confirm: async () => false });
    expect(refused.exitCode).toBe(EXIT.usage);
    const noTty = await destroyLayers(deps, {});
    expect(noTty.exitCode).toBe(EXIT.usage);
    expect(engine.calls).toEqual([]);
    expect(out.err).toContain("Refusing to destroy without --yes (no terminal to confirm on).");
  });

  it("stops at the first failing layer and leaves the layers below alone", async () => {
    const { engine, deps } = setup(["base", "services", "mpc"]);
    engine.failDestroy.services = new Error("error: DependencyViolation");
    const report = await destroyLayers(deps, { yes: true });
    expect(report.exitCode).toBe(EXIT.failed);
    expect(engine.calls.map((c) => callLayer(c))).toEqual(["mpc", "services"]);
    expect(report.layers.map((l) => l.outcome)).toEqual(["destroyed", "failed", "not-run"]);
  });
});
