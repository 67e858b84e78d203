// The driver's own AWS clients use the stack's region/profile; live checks use the current
// outputs; refresh works from the state; Ctrl-C reaches the engine without a second SIGINT.
import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../cli.js";
import type { CliContext, ProbeContext } from "../cli/context.js";
import { resolveAwsTarget, ssmClientFor, stackFileAwsConfig } from "../aws-target.js";
import { createSsmProbes } from "../ssm-probes.js";
import { layerTargets } from "../layers.js";
import { parseStackOutputs } from "../stack-outputs.js";
import { FakeEngine, FakeProbes, MemoryOut, mpcInstancesInState, rawOutputs, stateOf } from "./fakes.js";

function ctx(engine: FakeEngine, extra: Partial<CliContext> = {}) {
  const out = new MemoryOut();
  const probes = new FakeProbes();
  const made: Array<{ stack: string; create: boolean }> = [];
  const probeContexts: Array<ProbeContext | undefined> = [];
  const c: CliContext = {
    out,
    env: {},
    workDir: mkdtempSync(join(tmpdir(), "cli-aws-")),
    async makeEngine(stack, create) {
      made.push({ stack, create });
      return engine;
    },
    async makeProbes(_stack, _outputs, opts) {
      probeContexts.push(opts);
      return probes;
    },
    ...extra,
  };
  return { c, out, probes, made, probeContexts };
}

describe("the stack's AWS region and profile", () => {
  it("come from the stack config, then AWS_REGION / AWS_DEFAULT_REGION; none is a clear error", () => {
    expect(
      resolveAwsTarget("dev", { "aws:region": "eu-west-3", "aws:profile": "near" }, { AWS_REGION: "us-east-1" }),
    ).toEqual({
      region: "eu-west-3",
      profile: "near",
      regionSource: 'the stack config (aws:region of stack "dev")',
    });
    expect(resolveAwsTarget("dev", {}, { AWS_DEFAULT_REGION: "ap-south-1" })).toEqual({
      region: "ap-south-1",
      regionSource: "AWS_DEFAULT_REGION",
    });
    expect(() => resolveAwsTarget("dev", {}, {})).toThrow(
      'No AWS region for stack "dev": set it in the stack config with `pulumi config set aws:region <region> --stack dev` (Pulumi.dev.yaml), or set AWS_REGION.',
    );
    expect(() => resolveAwsTarget("dev", { "aws:region": "Frankfurt" }, {})).toThrow("not an AWS region name");
  });

  it("reads Pulumi.<stack>.yaml when the engine cannot give the config", () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-aws-"));
    writeFileSync(
      join(dir, "Pulumi.dev.yaml"),
      'config:\n  aws:region: "eu-central-1"   # Frankfurt\n  aws:profile: near-dev\n  near-localnet:mpcNodes: 3\n',
    );
    expect(stackFileAwsConfig(dir, "dev")).toEqual({ "aws:region": "eu-central-1", "aws:profile": "near-dev" });
    expect(stackFileAwsConfig(dir, "other")).toEqual({});
  });

  it("an SSM client is made for that region and profile", async () => {
    const client = await ssmClientFor({ region: "eu-west-3", profile: "near", regionSource: "x" });
    expect(await client.config.region()).toBe("eu-west-3");
    expect((client.config as { profile?: string }).profile).toBe("near");
    client.destroy();
  });

  it("health and logs hand the stack's target to the probes and check credentials first", async () => {
    const engine = new FakeEngine(["base", "services", "mpc"]);
    engine.configValues = { "aws:region": "eu-west-3", "aws:profile": "near" };
    const checked: string[] = [];
    const { c, probeContexts } = ctx(engine, {
      checkAws: async (aws) => (checked.push(`${aws.region} ${aws.profile}`), null),
    });
    expect(await main(["health"], c)).toBe(0);
    expect(await main(["logs", "base"], c)).toBe(0);
    expect(probeContexts.map((p) => `${p?.aws?.region} ${p?.aws?.profile}`)).toEqual([
      "eu-west-3 near",
      "eu-west-3 near",
    ]);
    expect(checked).toEqual(["eu-west-3 near", "eu-west-3 near"]);
  });

  it("no region, or no credentials: a clear error and no probe", async () => {
    const engine = new FakeEngine(["base"]);
    engine.configValues = {};
    const none = ctx(engine);
    expect(await main(["status"], none.c)).toBe(1);
    expect(none.out.err[0]).toMatch(/^error: No AWS region for stack "localnet"/);
    expect(none.probeContexts).toEqual([]);

    engine.configValues = { "aws:region": "us-east-2" };
    const noCreds = ctx(engine, { checkAws: async () => "No usable AWS credentials. (profile near)" });
    expect(await main(["fund", "alice.localnet"], noCreds.c)).toBe(1);
    expect(noCreds.out.err).toEqual(["error: No usable AWS credentials. (profile near)"]);
  });
});

describe("live checks use the current outputs", () => {
  it("a probe call after a Layer 1 update goes to the new instance and documents", async () => {
    const sent: string[] = [];
    const client = {
      async send(cmd: { input: { InstanceIds?: string[]; DocumentName?: string } }) {
        sent.push(`${cmd.input.InstanceIds?.[0]} ${cmd.input.DocumentName}`);
        throw Object.assign(new Error("not managed"), { name: "InvalidInstanceId" });
      },
    };
    const first = parseStackOutputs(rawOutputs(["base"]));
    const raw = rawOutputs(["base"]);
    (raw.base.value as Record<string, unknown>).instanceId = "i-0new";
    raw.diagnosticsDocument = { value: "near-localnet-localnet-diagnostics-v2", secret: false };
    const updated = parseStackOutputs(raw);
    const probes = await createSsmProbes({
      stack: "localnet",
      outputs: first,
      client,
      sleep: async () => undefined,
      pollIntervalMs: 1,
    });
    await expect(probes.base(first)).rejects.toThrow(/not a managed instance/);
    await expect(probes.base(updated)).rejects.toThrow(/not a managed instance/);
    await expect(probes.logs({ instanceId: "i-0new", container: "neard", label: "base" }, 10)).rejects.toThrow();
    expect(sent).toEqual([
      "i-0base near-localnet-localnet-diagnostics",
      "i-0new near-localnet-localnet-diagnostics-v2",
      "i-0new near-localnet-localnet-diagnostics-v2",
    ]);
  });

  it("an aborted signal stops the probes before anything is sent", async () => {
    const sent: string[] = [];
    const controller = new AbortController();
    controller.abort();
    const client = { send: async () => (sent.push("sent"), {}) };
    const outputs = parseStackOutputs(rawOutputs(["base"]));
    const probes = await createSsmProbes({ stack: "localnet", outputs, client, signal: controller.signal });
    await expect(probes.base(outputs)).rejects.toThrow(/aborted before sending/);
    expect(sent).toEqual([]);
  });
});

describe("refresh from the state", () => {
  it("--layer of a layer not in the state: nothing to refresh", async () => {
    const engine = new FakeEngine(["base"]);
    const { c, out } = ctx(engine);
    expect(await main(["refresh", "--layer", "mpc"], c)).toBe(0);
    expect(engine.calls).toEqual([]);
    expect(out.err).toEqual(["Layer 3 (mpc) is not deployed: the state holds nothing of it, nothing to refresh."]);
  });

  it("--layer base on a Layer-1-only stack: no excludes; --layer mpc with a children-only state: the glob", async () => {
    const engine = new FakeEngine(["base"]);
    const { c } = ctx(engine);
    expect(await main(["refresh", "--layer", "base"], c)).toBe(0);
    engine.stateResources = [...stateOf(["base"]), ...mpcInstancesInState()];
    expect(await main(["refresh", "--layer", "mpc"], c)).toBe(0);
    expect(engine.calls).toEqual([{ op: "refresh" }, { op: "refresh", targets: [layerTargets("localnet", "mpc")[1]] }]);
  });

  it("--clear-pending-creates with --layer refuses when pending creates lie outside the layer", async () => {
    const engine = new FakeEngine(["base", "services", "mpc"]);
    const orphan = {
      urn: "urn:pulumi:localnet::near-localnet::near-localnet:index:NearBase$aws:ec2/eip:Eip::base-eip",
      type: "aws:ec2/eip:Eip",
      id: "eipalloc-1",
      op: "creating",
    };
    const inside = { urn: mpcInstancesInState()[0].urn, type: "aws:ec2/instance:Instance", op: "creating" };
    engine.pending = [orphan, inside];
    const refused = ctx(engine);
    expect(await main(["refresh", "--layer", "mpc", "--clear-pending-creates", "--stack", "localnet"], refused.c)).toBe(
      1,
    );
    expect(engine.calls).toEqual([]);
    expect(refused.out.err).toEqual([
      "error: not clearing pending creates: clearing is stack-wide, and 1 of the 2 pending create(s) lie outside Layer 3 (mpc):",
      `  ${orphan.urn} (id eipalloc-1)`,
      "Check in AWS whether each exists (delete it, or import it), then clear every pending create of the stack deliberately: `npm run automate -- refresh --clear-pending-creates`. Nothing was run.",
    ]);
    // all inside the layer: cleared
    engine.pending = [inside];
    expect(await main(["refresh", "--layer", "mpc", "--clear-pending-creates"], ctx(engine).c)).toBe(0);
    // the whole stack, deliberately: cleared, with the list of what is dropped
    engine.pending = [orphan, inside];
    const all = ctx(engine);
    expect(await main(["refresh", "--clear-pending-creates"], all.c)).toBe(0);
    expect(all.out.err.slice(0, 3)).toEqual([
      "clearing 2 pending create(s); if any of these exists in AWS, it is no longer tracked (delete or import it):",
      `  ${orphan.urn} (id eipalloc-1)`,
      `  ${inside.urn} (no id recorded)`,
    ]);
    expect(engine.calls).toEqual([
      { op: "refresh", targets: layerTargets("localnet", "mpc"), clearPendingCreates: true },
      { op: "refresh", clearPendingCreates: true },
    ]);
  });
});

describe("read-only commands and argument checks", () => {
  it("preview does not create the stack; logs --lines is checked before any engine starts", async () => {
    const engine = new FakeEngine(["base"]);
    const { c, made, out } = ctx(engine);
    expect(await main(["preview"], c)).toBe(0);
    expect(made).toEqual([{ stack: "localnet", create: false }]);
    made.length = 0;
    expect(await main(["logs", "base", "--lines", "0"], c)).toBe(2);
    expect(made).toEqual([]);
    expect(out.err.slice(-2)).toEqual([
      "error: --lines must be a whole number from 1 to 999",
      "Run with --help for usage.",
    ]);
  });
});

describe("Ctrl-C reaches the engine once", () => {
  it("on a terminal the engine is told the SIGINT was already delivered; the run exits 130", async () => {
    const engine = new FakeEngine();
    let fire: ((already: boolean) => void) | undefined;
    const controller = new AbortController();
    engine.up = async (o) => {
      engine.calls.push({ op: "up", excludes: o.excludes });
      controller.abort();
      fire?.(true);
      throw new Error("error: update canceled");
    };
    const { c } = ctx(engine, {
      interrupts: (on) => {
        fire = on;
        return { signal: controller.signal, dispose: () => undefined };
      },
    });
    expect(await main(["up", "--json"], c)).toBe(130);
    expect(engine.cancels).toEqual([{ alreadySignalled: true }]);
  });
});
