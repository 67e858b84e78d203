import { describe, expect, it } from "@jest/globals";
import { EXIT, destroyLayers, renderTimeline, stagedUp, type SignTestGate } from "../driver.js";
import { childrenOfType, layerTargets } from "../layers.js";
import {
  EngineError,
  FakeEngine,
  FakeProbes,
  MemoryOut,
  callLayer,
  healthyMpc,
  lockedError,
  mpcInstancesInState,
  stateOf,
} from "./fakes.js";
import { ed25519FromSeed } from "../../platform/near/key-pairs.js";
// A secret key made here (never a committed literal), for the redaction checks.
const TEST_SECRET_KEY = ed25519FromSeed(new Uint8Array(32).fill(7)).secretKey;

const BASE_EXCLUDES = [...layerTargets("localnet", "services"), ...layerTargets("localnet", "mpc")];
// A cold deploy: Layer 1's up also creates Layer 3's hosts; only its operations wait for their turn.
const COLD_BASE_EXCLUDES = [
  ...layerTargets("localnet", "services"),
  childrenOfType("localnet", "mpc", "near-localnet:index:SsmOperation"),
];

function setup(deployed: Array<"base" | "services" | "mpc"> = []) {
  const engine = new FakeEngine(deployed);
  const probes = new FakeProbes();
  const out = new MemoryOut();
  let t = 0;
  const slept: number[] = [];
  const sleep = async (ms: number) => {
    slept.push(ms);
  };
  return { engine, probes, out, slept, deps: { engine, probes, out, now: () => (t += 1000), sleep } };
}

describe("staged up", () => {
  it("deploys the layers in order, each with its own selection, each followed by its gate", async () => {
    const { engine, probes, deps } = setup();
    const report = await stagedUp(deps);
    expect(report.ok).toBe(true);
    expect(report.exitCode).toBe(EXIT.ok);
    expect(engine.calls).toEqual([
      { op: "up", excludes: COLD_BASE_EXCLUDES },
      { op: "up", targets: layerTargets("localnet", "services") },
      { op: "up", targets: layerTargets("localnet", "mpc") },
    ]);
    // gate after each up; the mpc gate also reads the base height afresh, to compare indexers with
    // then, once, the image digests the hosts pinned on first use (none here: nothing to write)
    expect(probes.calls).toEqual([
      "base",
      "services",
      "base",
      "mpc",
      "image-pins i-0base",
      "image-pins i-0mpc0",
      "image-pins i-0mpc1",
      "image-pins i-0mpc2",
    ]);
    expect(report.layers.map((l) => [l.layer, l.outcome, l.steps.map((s) => s.step)])).toEqual([
      ["base", "updated", ["up", "gate"]],
      ["services", "updated", ["up", "gate"]],
      ["mpc", "updated", ["up", "gate"]],
    ]);
  });

  it("brings Layer 3's hosts up with Layer 1 only while Layer 3 is not deployed", async () => {
    const cold = setup();
    await stagedUp(cold.deps, { through: "base" });
    expect(cold.engine.calls).toEqual([{ op: "up", excludes: COLD_BASE_EXCLUDES }]);
    expect(cold.out.err).toContain(
      "[1/3 base] up: also brings up the hosts of Layer 3 (mpc); their on-chain steps wait for the gates below",
    );
    // Layer 3 deployed, Layer 1 unhealthy: Layer 1's up leaves all of Layer 3 to its own turn.
    const warm = setup(["base", "services", "mpc"]);
    warm.probes.baseResult = { ...warm.probes.baseResult, blocksAdvancing: false };
    await stagedUp(warm.deps, { through: "base" });
    expect(warm.engine.calls.filter((c) => c.op === "up")).toEqual([{ op: "up", excludes: BASE_EXCLUDES }]);
    expect(warm.out.err.join("\n")).not.toContain("also brings up the hosts");
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
    // the state holds Layer 2 (its component and children): the literal URN stays; nothing pending, nothing to clear
    expect(engine.calls[2]).toEqual({ op: "refresh", targets: layerTargets("localnet", "services") });
    expect(report.layers[2].outcome).toBe("not-run");
    const gate = report.layers[1].steps.find((s) => s.step === "gate");
    expect(gate?.ok).toBe(false);
    expect(out.err.join("\n")).toContain("wrap.localnet has no contract deployed");
  });

  it("a Layer 3 failure refreshes Layer 3 only, touches nothing else and never destroys", async () => {
    const { engine, deps } = setup(["base", "services"]);
    engine.failUp.mpc = new Error(
      "error: aws:ec2/instance:Instance resource 'mpc-node-1' has a problem: InsufficientInstanceCapacity",
    );
    // the failed first up left a few Layer 3 resources (children only) and their interrupted creates
    engine.stateResources = [...stateOf(["base", "services"]), ...mpcInstancesInState()];
    engine.pending = [{ urn: mpcInstancesInState()[1].urn, type: "aws:ec2/instance:Instance", op: "creating" }];
    const report = await stagedUp(deps);
    expect(report.exitCode).toBe(EXIT.failed);
    expect(engine.calls).toEqual([
      { op: "preview", excludes: BASE_EXCLUDES },
      { op: "preview", targets: layerTargets("localnet", "services") },
      { op: "up", targets: layerTargets("localnet", "mpc") },
      // no component recorded: the glob alone; every pending create is in Layer 3, so they are cleared
      { op: "refresh", targets: [layerTargets("localnet", "mpc")[1]], clearPendingCreates: true },
    ]);
    expect(report.pendingCreates).toBeUndefined();
    expect(engine.calls.some((c) => c.op === "destroy")).toBe(false);
    expect(report.layers.map((l) => l.outcome)).toEqual(["left-alone", "left-alone", "failed"]);
    expect(report.layers[2].error?.message).toContain("InsufficientInstanceCapacity");
    const text = renderTimeline(report).join("\n");
    expect(text).toContain("Layer 3 mpc");
    expect(text).toContain("FAILED");
    expect(text).toContain("resumes at Layer 3 (mpc)");
    expect(text).toContain("`npm run automate -- up --reconcile` runs up on every layer");
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
    expect(engine.calls).toEqual([
      { op: "preview", excludes: BASE_EXCLUDES },
      { op: "preview", targets: layerTargets("localnet", "services") },
      { op: "up", targets: layerTargets("localnet", "mpc") },
    ]);
    expect(second.layers.map((l) => [l.layer, l.outcome, l.steps.map((s) => s.step)])).toEqual([
      ["base", "left-alone", ["confirm", "preview"]],
      ["services", "left-alone", ["confirm", "preview"]],
      ["mpc", "updated", ["up", "gate"]],
    ]);
  });

  it("a no-op up on a healthy stack probes every layer at once, and probes afresh once a layer was updated", async () => {
    const { engine, probes, deps } = setup(["base", "services", "mpc"]);
    // Each probe answers only once all three have started: probes taken one after another never finish.
    const started: string[] = [];
    let release!: () => void;
    const all = new Promise<void>((done) => (release = done));
    const gated =
      <T>(name: string, value: T) =>
      async () => {
        started.push(name);
        if (started.length === 3) release();
        let timer: NodeJS.Timeout | undefined;
        const alone = new Promise(
          (_, fail) => (timer = setTimeout(() => fail(new Error(`${name} probed alone`)), 2000)),
        );
        await Promise.race([all, alone]).finally(() => clearTimeout(timer));
        return value;
      };
    probes.base = gated("base", probes.baseResult);
    probes.services = gated("services", probes.servicesResult);
    probes.mpc = gated("mpc", probes.mpcResult);
    const report = await stagedUp(deps, { skipSignTest: true });
    expect(report.ok).toBe(true);
    expect(started).toEqual(["base", "services", "mpc"]);
    // One preview of the whole stack, taken beside the probes, instead of one per layer.
    expect(engine.calls).toEqual([{ op: "preview" }]);
    expect(report.layers.map((l) => l.steps.map((s) => s.step))).toEqual([
      ["confirm", "preview"],
      ["confirm"],
      ["confirm"],
    ]);

    // Layer 2 has changes: it is updated, and Layer 3's check then probes afresh (no stale prefetch).
    const changed = setup(["base", "services", "mpc"]);
    changed.engine.previewChanges.services = { update: 1 };
    await stagedUp(changed.deps, { skipSignTest: true });
    // then, as a layer was updated, the hosts' image pins once
    expect(changed.probes.calls).toEqual([
      "base",
      "services",
      "mpc",
      "services",
      "base",
      "mpc",
      "image-pins i-0base",
      "image-pins i-0mpc0",
      "image-pins i-0mpc1",
      "image-pins i-0mpc2",
    ]);
  });

  it("a whole-stack preview that fails, or whose events do not name every change, falls back to one per layer", async () => {
    const failing = setup(["base", "services", "mpc"]);
    failing.engine.preview = async (o) => {
      failing.engine.calls.push({
        op: "preview",
        ...(o.targets ? { targets: o.targets } : {}),
        ...(o.excludes ? { excludes: o.excludes } : {}),
      });
      if (!o.targets && !o.excludes) throw new Error("error: preview boom");
      return { changes: { same: 1 } };
    };
    await stagedUp(failing.deps, { skipSignTest: true });
    expect(failing.engine.calls.map((c) => `${c.op}:${callLayer(c)}`)).toEqual([
      "preview:all",
      "preview:base",
      "preview:services",
      "preview:mpc",
    ]);
    expect(failing.out.err).toContain(
      "preview of the whole stack failed (error: preview boom); previewing layer by layer",
    );

    const silent = setup(["base", "services", "mpc"]);
    silent.engine.previewChanges.all = { same: 3, update: 1 };
    await stagedUp(silent.deps, { skipSignTest: true });
    expect(silent.engine.calls.map((c) => `${c.op}:${callLayer(c)}`)).toEqual([
      "preview:all",
      "preview:base",
      "preview:services",
      "preview:mpc",
    ]);
    expect(silent.out.err).toContain(
      "preview of the whole stack: its events name 0 of 1 changes; previewing layer by layer",
    );
  });

  it("a deployed but unhealthy layer is updated again instead of being left alone", async () => {
    const { engine, probes, deps } = setup(["base", "services", "mpc"]);
    probes.mpcResult = {
      ...healthyMpc(),
      contract: { ...healthyMpc().contract, state: "Initializing", keysetDomains: [] },
    };
    const report = await stagedUp(deps);
    expect(engine.calls.map((c) => `${c.op}:${callLayer(c)}`)).toEqual(["preview:all", "up:mpc", "refresh:mpc"]);
    // the gate is checked once more after a pause before the layer counts as failed
    expect(report.layers[2].steps.map((s) => `${s.step}:${s.ok}`)).toEqual([
      "confirm:false",
      "up:true",
      "gate:false",
      "gate:false",
      "refresh:true",
    ]);
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
    engine.stateResources = [...stateOf(["base", "services"]), ...mpcInstancesInState()];
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
    expect(
      out.err.some((l) => /^\[1\/3 base\] up: \+ aws:ec2\/instance:Instance base-instance \.\.\. \(\d+s\)$/.test(l)),
    ).toBe(true);
  });
});

describe("the failure refresh works from the state", () => {
  it("a first deploy of Layer 1 that fails: refreshed with no excludes (Layers 2/3 are not in the state)", async () => {
    const { engine, deps } = setup();
    engine.stateResources = stateOf(["base"]);
    engine.failUp.base = new Error("error: creating EC2 Instance: InsufficientInstanceCapacity");
    const report = await stagedUp(deps);
    expect(report.failedLayer).toBe("base");
    expect(engine.calls).toEqual([{ op: "up", excludes: COLD_BASE_EXCLUDES }, { op: "refresh" }]);
    expect(report.layers[0].steps.map((s) => `${s.step}:${s.ok}`)).toEqual(["up:false", "refresh:true"]);
  });

  it("a layer that left nothing in the state is not refreshed", async () => {
    const { engine, deps, out } = setup(["base"]);
    engine.failUp.services = new Error("error: boom");
    const report = await stagedUp(deps);
    expect(report.failedLayer).toBe("services");
    expect(engine.calls.map((c) => `${c.op}:${callLayer(c)}`)).toEqual(["preview:base", "up:services"]);
    expect(out.err).toContain("[2/3 services] refresh: skipped, the state holds nothing of this layer");
  });

  it("pending creates outside the failed layer are not cleared: the run reports them and the deliberate command", async () => {
    const { engine, deps, out } = setup(["base", "services", "mpc"]);
    engine.failUp.mpc = new Error("error: boom");
    engine.previewChanges.mpc = { update: 1 };
    const baseOrphan = {
      urn: "urn:pulumi:localnet::near-localnet::near-localnet:index:NearBase$aws:ec2/eip:Eip::base-eip",
      type: "aws:ec2/eip:Eip",
      id: "eipalloc-0abc",
      op: "creating",
    };
    const mpcPending = { urn: mpcInstancesInState()[0].urn, type: "aws:ec2/instance:Instance", op: "creating" };
    engine.pending = [baseOrphan, mpcPending, { ...mpcPending, urn: "urn:x::updating-one", op: "updating" }];
    // mpc is unhealthy so that it is updated
    deps.probes.mpcResult = {
      ...healthyMpc(),
      contract: { ...healthyMpc().contract, state: "Initializing", keysetDomains: [] },
    };
    const report = await stagedUp(deps, { skipSignTest: true });
    const refresh = engine.calls.find((c) => c.op === "refresh");
    expect(refresh).toEqual({ op: "refresh", targets: layerTargets("localnet", "mpc") });
    expect(report.pendingCreates).toEqual([baseOrphan, mpcPending]);
    expect(out.err.join("\n")).toContain(
      `[3/3 mpc] refresh: NOT clearing pending creates: 1 of 2 lie outside this layer (${baseOrphan.urn})`,
    );
    expect(report.nextActions.at(-1)).toBe(
      `The state records interrupted creates that were NOT cleared because not all of them are in Layer 3: ${baseOrphan.urn} (id eipalloc-0abc); ${mpcPending.urn} (no id recorded). ` +
        "Check in AWS whether each exists (delete it, or import it), then clear them for the whole stack deliberately: `npm run automate -- refresh --clear-pending-creates`.",
    );
  });
});

describe("the gate after an up", () => {
  it("is checked once more after a pause; a layer healthy on the re-check passes", async () => {
    const { probes, deps, slept, out } = setup(["base"]);
    let checks = 0;
    const healthy = probes.servicesResult;
    probes.services = async () => {
      checks += 1;
      return checks === 1 ? { ...healthy, faucet: { ok: false, detail: "container restarting, 1 restarts" } } : healthy;
    };
    const report = await stagedUp(deps, { through: "services" });
    expect(report.ok).toBe(true);
    expect(slept).toEqual([30_000]);
    expect(report.layers[1].steps.map((s) => `${s.step}:${s.ok}`)).toEqual(["up:true", "gate:false", "gate:true"]);
    expect(out.err).toContain("[2/3 services] gate: not healthy yet; checking once more in 30s");
  });

  it("re-reads the base head for Layer 3's indexer check instead of reusing an old one", async () => {
    const { probes, deps } = setup(["base", "services"]);
    let base = 0;
    probes.base = async () => {
      base += 1;
      // the head moved on while Layers 2 and 3 went up: indexers at 1195 lag an old 1200 by 5, a new 5000 by 3805
      return { ...probes.baseResult, blockHeight: base === 1 ? 1200 : 5000 };
    };
    const report = await stagedUp({ ...deps, gateRetryMs: 1 }, { skipSignTest: true, reconcile: true });
    expect(base).toBeGreaterThanOrEqual(3);
    expect(report.failedLayer).toBe("mpc");
    expect(report.layers[2].verdict?.findings.some((f) => f.kind === "indexer-lag")).toBe(true);
  });
});

describe("healthy layers and program changes", () => {
  it("a healthy layer whose preview shows changes is updated; one without changes is left alone", async () => {
    const { engine, deps, out } = setup(["base", "services", "mpc"]);
    engine.previewChanges.base = { same: 20, update: 1, create: 2 };
    const report = await stagedUp(deps, { skipSignTest: true });
    // The whole-stack preview attributes the changes to Layer 1; after its update the layers above
    // are previewed afresh, one by one (the first preview may no longer hold for them).
    expect(engine.calls.map((c) => `${c.op}:${callLayer(c)}`)).toEqual([
      "preview:all",
      "up:base",
      "preview:services",
      "preview:mpc",
    ]);
    expect(report.layers.map((l) => l.outcome)).toEqual(["updated", "left-alone", "left-alone"]);
    expect(report.layers[0].steps.map((s) => s.step)).toEqual(["confirm", "preview", "up", "gate"]);
    expect(out.err).toContain(
      "[1/3 base] healthy, but the program has changes for it (1 to update, 2 to create): updating it",
    );
  });

  it("a preview that fails leaves the layer alone and points at --reconcile", async () => {
    const { engine, deps, out } = setup(["base"]);
    engine.preview = async () => {
      throw new Error("error: program failed");
    };
    const report = await stagedUp(deps, { through: "base" });
    expect(report.ok).toBe(true);
    expect(report.layers[0].outcome).toBe("left-alone");
    expect(
      out.err.some((l) => l.includes("preview failed") && l.includes("`npm run automate -- up --reconcile`")),
    ).toBe(true);
  });
});

describe("Ctrl-C", () => {
  it("an operation that ends with any error after Ctrl-C is a cancel: exit 130, no refresh", async () => {
    const { engine, deps } = setup(["base"]);
    const controller = new AbortController();
    engine.up = async () => {
      controller.abort(); // the terminal's SIGINT reached Pulumi itself: the engine saw no cancel request
      throw new EngineError("failed", "error: update failed");
    };
    const report = await stagedUp({ ...deps, signal: controller.signal }, { reconcile: true });
    expect(report.exitCode).toBe(EXIT.cancelled);
    expect(report.layers[0].error?.kind).toBe("cancelled");
    expect(engine.calls.filter((c) => c.op === "refresh")).toEqual([]);
  });

  it("during the final sign test it is a cancel (exit 130), not a failed test", async () => {
    const { engine, probes, deps } = setup(["base", "services", "mpc"]);
    const controller = new AbortController();
    const report = await stagedUp({
      ...deps,
      signal: controller.signal,
      signTest: async () => {
        controller.abort();
        return {
          ok: false,
          summary: "ABORTED: aborted while waiting",
          lines: [],
          error: { code: "ABORTED", message: "aborted" },
        };
      },
    });
    expect(report.exitCode).toBe(EXIT.cancelled);
    expect(report.signTest).toBeUndefined();
    expect(report.diagnostics).toBeUndefined();
    expect(report.layers[2].error?.kind).toBe("cancelled");
    expect(report.nextActions[0]).toMatch(/to resume/);
    // Healthy layers: each probed once, all together (Layer 3's check reads the same base probe).
    expect(probes.calls.filter((c) => !c.startsWith("image-pins"))).toEqual(["base", "services", "mpc"]);
    expect(engine.calls.filter((c) => c.op !== "preview")).toEqual([]);
  });
});

describe("destroy", () => {
  it("a partial stack: layers not in the state are skipped as not deployed, Layer 1 goes without excludes", async () => {
    const { engine, deps, out } = setup(["base"]);
    const report = await destroyLayers(deps, { yes: true });
    expect(report.exitCode).toBe(EXIT.ok);
    expect(engine.calls).toEqual([{ op: "destroy" }]);
    expect(report.layers.map((l) => l.outcome)).toEqual(["not-deployed", "not-deployed", "destroyed"]);
    expect(out.err).toContain("[3/3 mpc] destroy: not deployed (nothing of it in the state), skipped");
    expect(renderTimeline(report).join("\n")).toMatch(/Layer 3 mpc +not deployed/);
  });

  it("a Layer 3 whose component is not recorded is destroyed through its glob alone; an absent Layer 2 is skipped", async () => {
    const { engine, deps } = setup(["base"]);
    engine.stateResources = [...stateOf(["base"]), ...mpcInstancesInState()];
    await destroyLayers(deps, { layer: "services", yes: true });
    expect(engine.calls).toEqual([{ op: "destroy", targets: [layerTargets("localnet", "mpc")[1]] }]);
  });

  it("destroys all layers top first after confirmation", async () => {
    const { engine, deps } = setup(["base", "services", "mpc"]);
    const questions: string[] = [];
    const report = await destroyLayers(deps, { confirm: async (q) => (questions.push(q), true) });
    expect(report.exitCode).toBe(EXIT.ok);
    expect(engine.calls).toEqual([
      { op: "destroy", targets: layerTargets("localnet", "mpc") },
      { op: "destroy", targets: layerTargets("localnet", "services") },
      // Layers 2 and 3 are gone from the state: Layer 1 is the whole rest, no excludes (a literal
      // URN of an absent component would make Pulumi refuse the destroy)
      { op: "destroy" },
    ]);
    expect(engine.deployed).toEqual([]);
    expect(questions[0]).toContain(
      "Layer 3 Chain Signatures (mpc), Layer 2 NEAR Services (services), Layer 1 NEAR Base (base)",
    );
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

describe("the sign test as the final gate of up", () => {
  const PASS: SignTestGate = {
    ok: true,
    summary: "2/2 requests verified, 2/2 derived keys match",
    lines: ["DOMAIN  SCHEME     VERDICT", "0       Secp256k1  verified", "1       Ed25519    verified"],
  };

  it("runs once, after Layer 3 is healthy, with the outputs; the timeline shows it", async () => {
    const { engine, probes, deps, out } = setup(["base", "services", "mpc"]);
    const seen: string[] = [];
    const report = await stagedUp({
      ...deps,
      signTest: async (o) => {
        seen.push(`${o.mpc?.contractId} after ${probes.calls.join(",")}`);
        return PASS;
      },
    });
    expect(report.exitCode).toBe(EXIT.ok);
    expect(seen).toEqual(["v1.signer.localnet after base,services,mpc"]);
    expect(engine.calls.map((c) => `${c.op}:${callLayer(c)}`)).toEqual(["preview:all"]);
    expect(report.signTest).toEqual(PASS);
    expect(report.layers[2].steps.map((s) => `${s.step}:${s.ok}`)).toEqual(["confirm:true", "sign-test:true"]);
    expect(out.err).toContain("[3/3 mpc] sign-test:   0       Secp256k1  verified".replace("   0", " 0"));
    const text = renderTimeline(report).join("\n");
    expect(text).toContain(
      "Sign test: PASS: 2/2 requests verified, 2/2 derived keys match\n  DOMAIN  SCHEME     VERDICT",
    );
    expect(text).toMatch(/Layer 1 base +healthy, left alone .*\(confirm ok \d+s, preview ok \d+s\)/);
    expect(text).toMatch(/Layer 3 mpc +healthy, left alone .*\(confirm ok \d+s, sign-test ok \d+s\)/);
  });

  it("a failing sign test fails Layer 3 and the run with the per-request result and Layer 3 diagnostics; no refresh, no destroy", async () => {
    const { engine, probes, deps } = setup();
    const failed: SignTestGate = {
      ok: false,
      summary: "1/2 requests verified, 2/2 derived keys match",
      lines: ["0       Secp256k1  contract-error  Request has timed out."],
    };
    const report = await stagedUp({ ...deps, signTest: async () => failed });
    expect(report.exitCode).toBe(EXIT.failed);
    expect(report.failedLayer).toBe("mpc");
    expect(engine.calls.map((c) => `${c.op}:${callLayer(c)}`)).toEqual(["up:base", "up:services", "up:mpc"]);
    expect(report.layers[2].outcome).toBe("failed");
    expect(report.layers[2].steps.map((s) => `${s.step}:${s.ok}`)).toEqual(["up:true", "gate:true", "sign-test:false"]);
    expect(report.layers[2].error).toEqual({
      kind: "sign-test",
      message: "the end-to-end sign test failed: 1/2 requests verified, 2/2 derived keys match",
    });
    expect(probes.calls.filter((c) => !c.startsWith("image-pins"))).toEqual([
      "base",
      "services",
      "base",
      "mpc",
      "mpc logs=20",
    ]);
    expect(report.diagnostics?.nodes).toHaveLength(3);
    const text = renderTimeline(report).join("\n");
    expect(text).toContain(
      "Sign test: FAIL: 1/2 requests verified, 2/2 derived keys match\n  0       Secp256k1  contract-error  Request has timed out.",
    );
    expect(text).toContain("Layer 3 diagnostics:");
    expect(report.nextActions[1]).toBe(
      "Re-run the test alone: `npm run automate -- sign-test`, or `npm run automate -- up` (healthy layers are left alone).",
    );
  });

  it("a sign test that cannot run (channel error) fails the same way", async () => {
    const { deps } = setup(["base", "services", "mpc"]);
    const report = await stagedUp({
      ...deps,
      signTest: async () => {
        throw new Error("sign-test on i-0base failed: NOT_MANAGED");
      },
    });
    expect(report.exitCode).toBe(EXIT.failed);
    expect(report.signTest).toMatchObject({ ok: false, error: { code: "failed" } });
    expect(report.layers[2].error?.message).toContain("NOT_MANAGED");
  });

  it("is skipped with --skip-sign-test, with --skip-gates, and when Layer 3 is not in the plan", async () => {
    for (const opts of [{ skipSignTest: true }, { skipGates: true }, { through: "services" as const }]) {
      const { deps, out } = setup(["base", "services", "mpc"]);
      let ran = 0;
      const report = await stagedUp({ ...deps, signTest: async () => (ran++, PASS) }, opts);
      expect(ran).toBe(0);
      expect(report.ok).toBe(true);
      expect(report.signTest).toBeUndefined();
      if (opts.skipSignTest) expect(out.err).toContain("[3/3 mpc] sign-test: skipped (--skip-sign-test)");
    }
  });

  it("is not run when an earlier layer failed", async () => {
    const { engine, deps } = setup();
    engine.failUp.services = new Error("error: boom");
    let ran = 0;
    await stagedUp({ ...deps, signTest: async () => (ran++, PASS) });
    expect(ran).toBe(0);
  });
});

describe("Layer 3 failure diagnostics", () => {
  it("a keygen timeout in Layer 3's first up: per node /health, indexer vs base, peers, restarts, last log lines, and the contract state", async () => {
    const { engine, probes, deps } = setup(["base", "services"]);
    // the failed first deploy exports no mpc outputs: the instances come from the state
    engine.stateResources = [
      {
        urn: "urn:pulumi:localnet::near-localnet::near-localnet:index:NearBase$near-localnet:index:NodeHost$aws:ec2/instance:Instance::base-instance",
        type: "aws:ec2/instance:Instance",
        outputs: { id: "i-0base" },
      },
      ...mpcInstancesInState(),
    ];
    engine.failUp.mpc = new Error(
      "error: command:local:Command resource 'mpc-keygen-wait' failed: TIMEOUT: keygen did not complete in 1800s (state Initializing)",
    );
    const mpc = healthyMpc();
    mpc.contract = { ...mpc.contract, state: "Initializing", keysetDomains: [] };
    mpc.nodes[0] = {
      ...mpc.nodes[0],
      peers: 1,
      container: { ...mpc.nodes[0].container!, lastLogLines: ["2026-11-24T10:00:00Z INFO waiting for peers"] },
    };
    mpc.nodes[1] = {
      ...mpc.nodes[1],
      live: false,
      indexerHeight: undefined,
      peers: undefined,
      container: {
        name: "mpc-node",
        running: false,
        status: "restarting",
        restartCount: 7,
        exitCode: 1,
        lastLogLines: [`2026-11-24T10:00:01Z ERROR near_signer_key ${TEST_SECRET_KEY} rejected`],
      },
    };
    mpc.nodes[2] = {
      ...mpc.nodes[2],
      reachable: false,
      error: "InvalidInstanceId: i-0mpc2 is not managed by SSM",
      container: undefined,
    };
    probes.mpcResult = mpc;
    const report = await stagedUp(deps);
    expect(report.failedLayer).toBe("mpc");
    expect(engine.calls.map((c) => `${c.op}:${callLayer(c)}`)).toEqual([
      "preview:base",
      "preview:services",
      "up:mpc",
      "refresh:mpc",
    ]);
    expect(probes.calls).toEqual(["base", "services", "mpc logs=20"]);
    expect(report.diagnostics?.lines).toEqual([
      "Layer 3 diagnostics:",
      "  contract v1.signer.localnet: state Initializing, code F8NqkFhF97BxjYrweg3hFFhdH57k4qgqoPdLDwP6H9dL (pinned), threshold 2, participants [mpc-node-0.localnet, mpc-node-1.localnet, mpc-node-2.localnet], keys for domains []",
      "  mpc-node-0.localnet (i-0mpc0, 10.0.2.10): /health 200, indexer 1195 (base 1200), peers 1/2, container running (0 restarts), bootstrap done, boot nodes as published",
      "    last log lines:",
      "      2026-11-24T10:00:00Z INFO waiting for peers",
      "  mpc-node-1.localnet (i-0mpc1, 10.0.2.11): /health FAILING, indexer height unknown (no /metrics), peers unknown, container restarting (7 restarts, exit 1), bootstrap done, boot nodes as published",
      "    last log lines:",
      "      2026-11-24T10:00:01Z ERROR near_signer_key ed25519:[redacted] rejected",
      "  mpc-node-2.localnet (i-0mpc2, 10.0.2.12): did not answer through SSM: InvalidInstanceId: i-0mpc2 is not managed by SSM",
    ]);
    const text = renderTimeline(report).join("\n");
    expect(text).toContain("      error: error: command:local:Command resource 'mpc-keygen-wait' failed: TIMEOUT");
    expect(text).toContain("Layer 3 diagnostics:\n  contract v1.signer.localnet: state Initializing");
    expect(JSON.stringify(report)).not.toContain(TEST_SECRET_KEY.slice(8));
  });

  it("a probe that fails during diagnostics is reported, the run still ends with the Layer 3 failure", async () => {
    const { engine, probes, deps } = setup(["base", "services"]);
    engine.stateResources = mpcInstancesInState();
    engine.failUp.mpc = new Error("error: boom");
    probes.mpcError = new Error("SSM throttled");
    const report = await stagedUp(deps);
    expect(report.exitCode).toBe(EXIT.failed);
    expect(report.diagnostics?.lines.slice(0, 3)).toEqual([
      "Layer 3 diagnostics:",
      "  probe failed: SSM throttled",
      "  contract v1.signer.localnet: not probed",
    ]);
  });

  it("no diagnostics for a lower layer's failure or a lock conflict", async () => {
    const { engine, deps } = setup(["base"]);
    engine.failUp.services = new Error("error: boom");
    expect((await stagedUp(deps)).diagnostics).toBeUndefined();
    const locked = setup(["base", "services"]);
    locked.engine.failUp.mpc = lockedError();
    expect((await stagedUp(locked.deps)).diagnostics).toBeUndefined();
  });
});

describe("images pinned on first use", () => {
  const digest = (c: string) => `sha256:${c.repeat(64)}`;

  it("reports the digest the hosts resolved for a tag-only image with the command that pins it, and writes no config", async () => {
    const engine = new FakeEngine([]);
    engine.configValues["near-localnet:opsImage"] = `node:22-slim@${digest("c")}`;
    const probes = new FakeProbes();
    probes.pinLines = {
      "i-0base": [
        `nearcoreImage nearprotocol/nearcore:2.13.3 ${digest("a")}`,
        `opsImage node:22-slim ${digest("d")}`,
        "",
      ],
      "i-0mpc0": [`mpcImage nearone/mpc-node:3.14.1 ${digest("b")}`],
      "i-0mpc1": [`mpcImage nearone/mpc-node:3.14.1 ${digest("b")}`],
      "i-0mpc2": [`mpcImage nearone/mpc-node:3.14.1 ${digest("b")}`, `mpcImage nearone/mpc-node:3.13.0 ${digest("e")}`],
    };
    const out = new MemoryOut();
    const report = await stagedUp({ engine, probes, out, gateRetryMs: 0 });
    expect(report.ok).toBe(true);
    // a written pin would change the hosts' user data: the next up would replace them
    expect(engine.configValues).toEqual({
      "aws:region": "us-east-1",
      "near-localnet:opsImage": `node:22-slim@${digest("c")}`,
    });
    const err = out.err.join("\n");
    expect(err).toContain(
      `pulumi config set near-localnet:nearcoreImage 'nearprotocol/nearcore:2.13.3@${digest("a")}' -s localnet`,
    );
    expect(err).toContain(
      `pulumi config set near-localnet:mpcImage 'nearone/mpc-node:3.14.1@${digest("b")}' -s localnet`,
    );
    expect(err).not.toContain("near-localnet:opsImage pinned");
  });

  it("hosts that resolved one tag to different digests are reported, and nothing is pinned for that key", async () => {
    const engine = new FakeEngine([]);
    const probes = new FakeProbes();
    probes.pinLines = {
      "i-0mpc0": [`mpcImage nearone/mpc-node:3.14.1 ${digest("1")}`],
      "i-0mpc1": [`mpcImage nearone/mpc-node:3.14.1 ${digest("2")}`],
    };
    const out = new MemoryOut();
    expect((await stagedUp({ engine, probes, out, gateRetryMs: 0 })).ok).toBe(true);
    expect(engine.configValues["near-localnet:mpcImage"]).toBeUndefined();
    expect(out.err.join("\n")).toContain(
      `images: the hosts resolved nearone/mpc-node:3.14.1 (near-localnet:mpcImage) to different digests (${digest("1")}, ${digest("2")}): ` +
        `pin one on purpose: pulumi config set near-localnet:mpcImage 'nearone/mpc-node:3.14.1@<digest>' -s localnet`,
    );
  });
});
