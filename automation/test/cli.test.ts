import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../cli.js";
import type { CliContext } from "../cli/context.js";
import { resolveLogTarget } from "../cli/logs.js";
import { backendFor, ensureLocalState, passphraseProblem } from "../backend.js";
import { classifyEngineError } from "../engine.js";
import { SECRET_SIG, SECRET_SIG_KEY, parseStackOutputs } from "../stack-outputs.js";
import { FakeEngine, FakeProbes, MemoryOut, callLayer, lockedError, rawOutputs, stateOf } from "./fakes.js";

function ctx(engine: FakeEngine, extra: Partial<CliContext> = {}) {
  const out = new MemoryOut();
  const probes = new FakeProbes();
  const made: Array<{ stack: string; create: boolean }> = [];
  const c: CliContext = {
    out,
    env: {},
    workDir: mkdtempSync(join(tmpdir(), "cli-")),
    async makeEngine(stack, create) {
      made.push({ stack, create });
      return engine;
    },
    async makeProbes() {
      return probes;
    },
    ...extra,
  };
  return { c, out, probes, made };
}

describe("cli", () => {
  it("destroy --layer mpc --yes removes Layer 3 only and prints the timeline", async () => {
    const engine = new FakeEngine(["base", "services", "mpc"]);
    const { c, out, made } = ctx(engine);
    expect(await main(["destroy", "--layer", "mpc", "--yes"], c)).toBe(0);
    expect(engine.calls.map((x) => `${x.op}:${callLayer(x)}`)).toEqual(["destroy:mpc"]);
    expect(made).toEqual([{ stack: "localnet", create: false }]);
    expect(out.out.join("\n")).toMatch(/Layer 3 mpc +destroyed/);
  });

  it("destroy without --yes asks for the stack name; a wrong answer destroys nothing", async () => {
    const engine = new FakeEngine(["base"]);
    const asked: Array<[string, string]> = [];
    const { c } = ctx(engine, { confirm: async (q, expected) => (asked.push([q, expected]), false) });
    expect(await main(["destroy", "--stack", "dev"], c)).toBe(2);
    expect(asked[0][1]).toBe("localnet"); // the engine's stack name is what must be typed
    expect(engine.calls).toEqual([]);
  });

  it("a locked stack exits 3 with the lock message", async () => {
    const engine = new FakeEngine();
    engine.failUp.base = lockedError();
    const { c, out } = ctx(engine);
    expect(await main(["up", "--json"], c)).toBe(3);
    const report = JSON.parse(out.out[0]);
    expect(report.layers[0].error.kind).toBe("concurrent-update");
  });

  it("a missing Pulumi CLI is reported before anything runs", async () => {
    const { c, out } = ctx(new FakeEngine(), {
      makeEngine: async () => {
        throw Object.assign(new Error("spawn pulumi ENOENT"), { code: "ENOENT" });
      },
    });
    expect(await main(["preview"], c)).toBe(1);
    expect(out.err[0]).toMatch(/^error: The Pulumi CLI was not found on PATH/);
  });

  it("bad arguments are usage errors (exit 2) and run nothing", async () => {
    const engine = new FakeEngine();
    const { c, out, made } = ctx(engine);
    expect(await main(["destroy", "--layer", "4", "--yes"], c)).toBe(2);
    expect(out.err[0]).toBe('error: unknown layer "4": use one of base, services, mpc (or 1, 2, 3)');
    expect(await main(["synth"], c)).toBe(2);
    expect(await main(["sign-test", "--timeout", "0"], c)).toBe(2);
    expect(await main(["fund"], c)).toBe(2);
    expect(made).toEqual([]);
  });

  it("outputs masks secret values", async () => {
    const engine = new FakeEngine(["base"]);
    engine.outputs = async () => ({
      ...rawOutputs(["base"]),
      faucetKey: { value: "ed25519:supersecret", secret: true },
    });
    const { c, out } = ctx(engine);
    expect(await main(["outputs", "--json"], c)).toBe(0);
    const shown = JSON.parse(out.out[0]);
    expect(shown.faucetKey).toBe("[secret]");
    expect(shown.base.instanceId).toBe("i-0base");
    expect(out.out.join("")).not.toContain("supersecret");
  });

  it("outputs masks secrets nested in an output, as the exported state marks them", async () => {
    const engine = new FakeEngine(["base"]);
    const nested = {
      ...(rawOutputs(["base"]).base.value as Record<string, unknown>),
      faucet: { accountId: "faucet.localnet", key: "ed25519:nestedsecret" },
    };
    engine.outputs = async () => ({ ...rawOutputs(["base"]), base: { value: nested, secret: false } });
    const marker = { [SECRET_SIG_KEY]: SECRET_SIG, ciphertext: "v1:abc" };
    engine.stateResources = [
      ...stateOf(["base"]).map((r) =>
        r.type === "pulumi:pulumi:Stack"
          ? { ...r, outputs: { base: { ...nested, faucet: { accountId: "faucet.localnet", key: marker } } } }
          : r,
      ),
    ];
    const { c, out } = ctx(engine);
    expect(await main(["outputs", "--json"], c)).toBe(0);
    const shown = JSON.parse(out.out[0]);
    expect(shown.base.faucet).toEqual({ accountId: "faucet.localnet", key: "[secret]" });
    expect(shown.base.instanceId).toBe("i-0base");
    expect(out.out.join("")).not.toContain("nestedsecret");
  });

  it("logs resolves the node and asks the probes for that container", async () => {
    const engine = new FakeEngine(["base", "services", "mpc"]);
    const { c, out, probes } = ctx(engine);
    expect(await main(["logs", "mpc-node-2", "--lines", "50"], c)).toBe(0);
    expect(probes.calls).toEqual(["logs i-0mpc2 mpc-node 50"]);
    expect(out.out).toEqual(["line 1", "line 2"]);
  });

  it("status prints the Markdown checkpoint and exits 1 when a layer is NOT DONE", async () => {
    const engine = new FakeEngine(["base", "services"]);
    const { c, out } = ctx(engine);
    expect(await main(["status"], c)).toBe(1);
    expect(out.out[0]).toContain("# Checkpoint: near-localnet stack `localnet` - NOT DONE");
  });

  it("health reads the outputs, probes the deployed layers and prints each verdict; a probe error fails it", async () => {
    const engine = new FakeEngine(["base", "services", "mpc"]);
    const { c, out, probes, made } = ctx(engine);
    const asked: string[] = [];
    c.makeProbes = async (stack, outputs) => {
      asked.push(`${stack} ${outputs.base?.instanceId} ${outputs.mpc?.nodes.length}`);
      return probes;
    };
    expect(await main(["health"], c)).toBe(0);
    expect(made).toEqual([{ stack: "localnet", create: false }]);
    expect(asked).toEqual(["localnet i-0base 3"]);
    expect([...probes.calls].sort()).toEqual(["base", "mpc", "services"]);
    expect(out.out).toEqual(["base: healthy", "services: healthy", "mpc: healthy"]);
    expect(engine.calls).toEqual([]);

    probes.mpcError = new Error("SSM timed out");
    const text = ctx(engine, { makeProbes: async () => probes });
    expect(await main(["health"], text.c)).toBe(1);
    expect(text.out.out.slice(0, 2)).toEqual(["base: healthy", "services: healthy"]);
    expect(text.out.out[2]).toBe("mpc: NOT healthy");
    expect(text.out.out.at(-1)).toBe("  - probe failed: SSM timed out");
    const json = ctx(engine, { makeProbes: async () => probes });
    expect(await main(["health", "--json", "--stack", "dev"], json.c)).toBe(1);
    const j = JSON.parse(json.out.out[0]);
    expect(j.stack).toBe("dev");
    expect(j.layers.map((v: { layer: string; done: boolean }) => `${v.layer}:${v.done}`)).toEqual([
      "base:true",
      "services:true",
      "mpc:false",
    ]);
    expect(j.probeErrors).toEqual({ mpc: "SSM timed out" });
  });

  it("status --json reads the outputs and probes once; exit 0 when every layer is DONE", async () => {
    const engine = new FakeEngine(["base", "services", "mpc"]);
    const { c, out, probes } = ctx(engine);
    expect(await main(["status", "--json"], c)).toBe(0);
    const report = JSON.parse(out.out[0]);
    expect(report.overall).toBe("DONE");
    expect(out.out).toHaveLength(1);
    expect([...probes.calls].sort()).toEqual(["base", "mpc", "services"]);
  });

  it("up ends with the sign test through the channel; a failing one fails the run with Layer 3 diagnostics", async () => {
    const engine = new FakeEngine(["base", "services", "mpc"]);
    const sent: string[] = [];
    const client = {
      async send(cmd: { constructor: { name: string }; input: { Parameters?: Record<string, string[]> } }) {
        sent.push(`${cmd.constructor.name} ${cmd.input.Parameters?.operation?.[0] ?? ""}`);
        throw Object.assign(new Error("Instances [[i-0base]] not in a valid state for account"), {
          name: "InvalidInstanceId",
        });
      },
    };
    const { c, out } = ctx(engine, { channel: { client, sleep: async () => {}, pollIntervalMs: 1 } });
    expect(await main(["up", "--json"], c)).toBe(1);
    // The runner first looks for an earlier run of the operation; the instance is not reachable.
    expect(sent).toEqual(["ListCommandsCommand "]);
    const report = JSON.parse(out.out[0]);
    expect(report.failedLayer).toBe("mpc");
    expect(report.signTest).toMatchObject({ ok: false, error: { code: "NOT_MANAGED" } });
    expect(report.layers[2].steps.map((s: { step: string; ok: boolean }) => `${s.step}:${s.ok}`)).toEqual([
      "confirm:true",
      "sign-test:false",
    ]);
    expect(report.diagnostics.lines[0]).toBe("Layer 3 diagnostics:");
    expect(engine.calls).toEqual([{ op: "preview" }]);
  });

  it("up --skip-sign-test sends nothing through the channel", async () => {
    const engine = new FakeEngine(["base", "services", "mpc"]);
    const client = { send: async () => Promise.reject(new Error("must not be called")) };
    const { c, out } = ctx(engine, { channel: { client } });
    expect(await main(["up", "--skip-sign-test"], c)).toBe(0);
    expect(out.err).toContain("[3/3 mpc] sign-test: skipped (--skip-sign-test)");
    expect(out.out.at(-1)).toBe("Result: OK");
  });

  it("preview of one layer passes that layer's selection", async () => {
    const engine = new FakeEngine(["base"]);
    const { c } = ctx(engine);
    expect(await main(["preview", "--layer", "2", "--json"], c)).toBe(0);
    expect(engine.calls.map((x) => `${x.op}:${callLayer(x)}`)).toEqual(["preview:services"]);
  });
});

describe("log targets", () => {
  const outputs = parseStackOutputs(rawOutputs(["base", "services", "mpc"]));
  it("accepts base, faucet, an index, a node name, an account or an instance id", () => {
    expect(resolveLogTarget("base", outputs)).toEqual({
      instanceId: "i-0base",
      container: "neard",
      label: "base",
      stream: "base/neard",
    });
    expect(resolveLogTarget("faucet", outputs)).toMatchObject({ container: "near-faucet", stream: "base/near-faucet" });
    expect(resolveLogTarget("2", outputs).stream).toBe("mpc-node-2/mpc-node");
    expect(resolveLogTarget("1", outputs).instanceId).toBe("i-0mpc1");
    expect(resolveLogTarget("mpc-node-2", outputs).instanceId).toBe("i-0mpc2");
    expect(resolveLogTarget("mpc-node-0.localnet", outputs).instanceId).toBe("i-0mpc0");
    expect(resolveLogTarget("i-0mpc1", outputs).label).toBe("mpc-node-1.localnet");
    expect(() => resolveLogTarget("mpc-node-7", outputs)).toThrow(
      'unknown node "mpc-node-7": use one of base, faucet, mpc-node-0, mpc-node-1, mpc-node-2',
    );
  });
});

describe("engine errors", () => {
  it("says what a cancel does to the steps in flight: stopped, not finished, and the SSM side runs on", () => {
    const e = classifyEngineError(new Error("operation aborted"), true);
    expect(e.kind).toBe("cancelled");
    expect(e.message).toContain("Pulumi stopped the steps in flight (their local commands are killed;");
    expect(e.message).toContain("the next up waits for it");
    expect(e.message).not.toMatch(/finished/);
  });

  it("classifies lock conflicts, credentials, passphrase and cancellations", () => {
    expect(classifyEngineError(lockedError()).kind).toBe("concurrent-update");
    expect(
      classifyEngineError(new Error("stderr: [409] Conflict: Another update is currently in progress.")).kind,
    ).toBe("concurrent-update");
    expect(classifyEngineError(new Error("error: No valid credential sources found for AWS Provider.")).kind).toBe(
      "missing-credentials",
    );
    expect(
      classifyEngineError(
        new Error("error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE"),
      ).kind,
    ).toBe("missing-passphrase");
    expect(classifyEngineError(new Error("anything"), true).kind).toBe("cancelled");
    const wrong = classifyEngineError(
      new Error(
        "error: getting secrets manager: passphrase must be set... incorrect passphrase, please set PULUMI_CONFIG_PASSPHRASE to the correct passphrase",
      ),
    );
    expect(wrong.kind).toBe("missing-passphrase");
    expect(wrong.message).toMatch(/^The secrets passphrase is not the one this stack's secrets were encrypted with/);
    const failed = classifyEngineError(
      new Error("Diagnostics:\n  aws:ec2:Instance (x):\n    error: creating EC2 Instance: InvalidAMIID.NotFound"),
    );
    expect(failed.kind).toBe("failed");
    expect(failed.message).toBe("    error: creating EC2 Instance: InvalidAMIID.NotFound");
  });
});

describe("backend defaults", () => {
  it("uses a git-ignored file backend inside the project unless PULUMI_BACKEND_URL is set", () => {
    const dir = mkdtempSync(join(tmpdir(), "automation-"));
    const local = `file://${dir}/.pulumi-state`;
    expect(backendFor({}, dir)).toEqual({ url: local, source: "default", isLocal: true });
    expect(backendFor({ PULUMI_BACKEND_URL: "s3://bucket/state" }, dir)).toEqual({
      url: "s3://bucket/state",
      source: "env",
      isLocal: false,
    });
    ensureLocalState(dir);
    expect(readFileSync(join(dir, ".pulumi-state", ".gitignore"), "utf8")).toContain("\n*\n");
  });

  it("reads backend.url of Pulumi.yaml as the Pulumi CLI does: after PULUMI_BACKEND_URL, relative to the project", () => {
    const dir = mkdtempSync(join(tmpdir(), "automation-"));
    writeFileSync(join(dir, "Pulumi.yaml"), "name: near-localnet\nbackend:\n  url: file://./.pulumi-state\n");
    expect(backendFor({}, dir)).toEqual({ url: `file://${dir}/.pulumi-state`, source: "project", isLocal: true });
    writeFileSync(join(dir, "Pulumi.yaml"), "name: near-localnet\nbackend:\n  url: s3://team-state/near-localnet\n");
    expect(backendFor({}, dir)).toEqual({ url: "s3://team-state/near-localnet", source: "project", isLocal: false });
    expect(backendFor({ PULUMI_BACKEND_URL: "file://~/.pulumi-other" }, dir)).toEqual({
      url: "file://~/.pulumi-other",
      source: "env",
      isLocal: false,
    });
  });

  it("the repository's Pulumi.yaml names the project-local file backend, so plain pulumi shares the driver's state", () => {
    const repo = join(dirname(fileURLToPath(import.meta.url)), "../..");
    expect(backendFor({}, repo)).toEqual({
      url: `file://${resolve(repo, ".pulumi-state")}`,
      source: "project",
      isLocal: true,
    });
  });

  it("explains a missing passphrase, and accepts a passphrase, a file, a KMS provider or Pulumi Cloud", () => {
    const dir = mkdtempSync(join(tmpdir(), "automation-"));
    const file = `file://${dir}/.pulumi-state`;
    expect(passphraseProblem({}, dir, "localnet", file)).toMatch(
      /^No secrets passphrase\. .*PULUMI_CONFIG_PASSPHRASE_FILE/,
    );
    expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE: "" }, dir, "localnet", file)).toMatch(
      /^PULUMI_CONFIG_PASSPHRASE is empty: use at least 12\./,
    );
    expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE: "short-one" }, dir, "localnet", file)).toMatch(
      /^PULUMI_CONFIG_PASSPHRASE is only 9 characters: use at least 12\./,
    );
    expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE: "correct horse battery" }, dir, "localnet", file)).toBeNull();
    expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE_FILE: join(dir, "nope") }, dir, "localnet", file)).toMatch(
      /does not exist/,
    );
    writeFileSync(join(dir, "pass"), "x\n");
    expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE_FILE: join(dir, "pass") }, dir, "localnet", file)).toMatch(
      /is only 1 character: use at least 12/,
    );
    writeFileSync(join(dir, "pass"), "a long enough passphrase\n");
    expect(passphraseProblem({ PULUMI_CONFIG_PASSPHRASE_FILE: join(dir, "pass") }, dir, "localnet", file)).toBeNull();
    expect(passphraseProblem({}, dir, "localnet", "https://api.pulumi.com")).toBeNull();
    writeFileSync(join(dir, "Pulumi.localnet.yaml"), "secretsprovider: awskms://alias/near-localnet\nconfig: {}\n");
    expect(passphraseProblem({}, dir, "localnet", file)).toBeNull();
  });
});
