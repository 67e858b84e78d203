import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../cli.js";
import type { CliContext } from "../cli/context.js";
import { toProgress } from "../pulumi-engine.js";
import { TimelineRecorder, type Timeline } from "../timeline/recorder.js";
import { renderGantt } from "../timeline/gantt.js";
import { elementsNamed, parseXml } from "../../test/support/xml.js";
import { FAKE_RESOURCES, FakeEngine, FakeProbes, MemoryOut } from "./fakes.js";

function cliContext(engine: FakeEngine) {
  const out = new MemoryOut();
  const probes = new FakeProbes();
  let t = Date.UTC(2026, 11, 1, 9, 0, 0);
  const workDir = mkdtempSync(join(tmpdir(), "timeline-"));
  const c: CliContext = {
    out,
    env: {},
    workDir,
    now: () => (t += 1000),
    makeEngine: async () => engine,
    makeProbes: async () => probes,
  };
  return { c, out, workDir };
}

describe("the timeline of an up", () => {
  it("writes timeline.json and an SVG with one bar per step, and prints the total and the longest steps", async () => {
    const engine = new FakeEngine();
    const { c, out, workDir } = cliContext(engine);
    expect(await main(["up", "--skip-sign-test"], c)).toBe(0);
    const dir = join(workDir, ".near-localnet", "localnet");
    const t = JSON.parse(readFileSync(join(dir, "timeline.json"), "utf8")) as Timeline;
    expect(t.stack).toBe("localnet");
    expect(t.ok).toBe(true);
    expect(t.steps.map((s) => [s.kind, s.id])).toEqual(
      expect.arrayContaining([
        ["layer", "layer:base"],
        ["layer", "layer:services"],
        ["layer", "layer:mpc"],
        ["driver", "base/up"],
        ["driver", "base/gate"],
        ["driver", "mpc/gate"],
        ["group", "group:base aws:ec2"],
        ["group", "group:base (NodeHost)"],
        ["group", "group:base command:local"],
        ["group", "group:core-contracts (SsmOperation)"],
        ["group", "group:mpc-node-0 (NodeHost)"],
        ["group", "group:keygen (SsmOperation)"],
      ]),
    );
    // Every engine event was paired: each resource step has its end; groups hold their resources.
    expect(t.resources).toHaveLength(Object.values(FAKE_RESOURCES).flat().length);
    for (const r of t.resources) expect(r.endMs).toBeGreaterThan(r.startMs);
    expect(t.steps.find((s) => s.id === "group:base (NodeHost)")?.resources).toBe(2);
    // Each layer's bar spans its steps; the layers follow one another.
    const span = (id: string) => t.steps.find((s) => s.id === id)!;
    expect(span("layer:base").endMs).toBeLessThanOrEqual(span("layer:services").startMs);
    expect(span("layer:services").endMs).toBeLessThanOrEqual(span("layer:mpc").startMs);
    // The critical path ends with the last gate and reaches back into Layer 1.
    const critical = t.steps.filter((s) => s.critical).map((s) => s.id);
    expect(critical).toEqual(expect.arrayContaining(["mpc/gate", "group:keygen (SsmOperation)", "base/gate"]));

    const svg = parseXml(readFileSync(join(dir, "timeline.svg"), "utf8"));
    expect(svg.name).toBe("svg");
    const bars = elementsNamed(svg, "rect").filter((r) => r.attrs.class === "bar");
    expect(bars.map((b) => b.attrs["data-step"]).sort()).toEqual(t.steps.map((s) => s.id).sort());
    expect(
      bars
        .filter((b) => b.attrs["data-critical"] === "true")
        .map((b) => b.attrs["data-step"])
        .sort(),
    ).toEqual([...critical].sort());

    const printed = out.out.join("\n");
    expect(printed).toMatch(/^Total: \d+s; longest steps: .+ \[\d \w+\] \d+s, .+, .+$/m);
    expect(printed).toContain(`Timeline: ${join(dir, "timeline.json")} (chart ${join(dir, "timeline.svg")})`);
  });

  it("status names the last timeline: path, chart and total (Markdown and --json)", async () => {
    const engine = new FakeEngine();
    const { c, out, workDir } = cliContext(engine);
    expect(await main(["status"], c)).toBe(1);
    expect(out.out.at(-1)).toBe("Last up timeline: none recorded in this checkout");
    expect(await main(["up", "--skip-sign-test"], c)).toBe(0);
    const file = join(workDir, ".near-localnet", "localnet", "timeline.json");
    const t = JSON.parse(readFileSync(file, "utf8")) as Timeline;
    out.out = [];
    await main(["status"], c);
    expect(out.out.at(-1)).toBe(
      `Last up timeline: ${file} (chart ${file.replace(/json$/, "svg")}): ${Math.round(t.totalMs / 1000)}s, ok, started ${t.startedAt}`,
    );
    out.out = [];
    expect(await main(["status", "--json"], c)).toBe(0);
    expect(JSON.parse(out.out[0]).lastTimeline).toEqual({
      file,
      chart: file.replace(/json$/, "svg"),
      startedAt: t.startedAt,
      totalMs: t.totalMs,
      ok: true,
    });
  });

  it("a failed layer: its failed resource and step are recorded as failed, and the chart still parses", async () => {
    const engine = new FakeEngine(["base"]);
    engine.failUp.services = new Error("error: boom");
    const { c, workDir } = cliContext(engine);
    expect(await main(["up", "--skip-sign-test"], c)).toBe(1);
    const dir = join(workDir, ".near-localnet", "localnet");
    const t = JSON.parse(readFileSync(join(dir, "timeline.json"), "utf8")) as Timeline;
    expect(t.ok).toBe(false);
    expect(t.steps.find((s) => s.id === "services/up")?.ok).toBe(false);
    expect(t.steps.find((s) => s.id === "group:core-contracts (SsmOperation)")?.ok).toBe(false);
    expect(t.steps.some((s) => s.layer === "mpc")).toBe(false);
    const bars = elementsNamed(parseXml(readFileSync(join(dir, "timeline.svg"), "utf8")), "rect");
    expect(bars.filter((b) => b.attrs.class === "bar")).toHaveLength(t.steps.length);
  });

  it("labels are escaped in the chart; a step the engine never ended lasts until the run's end", () => {
    let now = 0;
    const rec = new TimelineRecorder("s", () => (now += 500));
    rec.resource({
      op: "create",
      status: "started",
      urn: 'urn:pulumi:s::near-localnet::near-localnet:index:NearBase$near-localnet:index:SsmOperation$command:local:Command::a<b>&"c"',
      type: "command:local:Command",
      name: 'a<b>&"c"',
      parent: "urn:pulumi:s::near-localnet::near-localnet:index:NearBase$near-localnet:index:SsmOperation::x&y",
    });
    const t = rec.finish({ ok: false, layers: [] });
    const group = t.steps.find((s) => s.kind === "group")!;
    expect(group).toMatchObject({ label: "x&y (SsmOperation)", ok: false, endMs: t.totalMs });
    const svg = parseXml(renderGantt(t));
    expect(elementsNamed(svg, "text").map((e) => e.text)).toContain(
      `x&y (SsmOperation) ${Math.round((group.endMs - group.startMs) / 1000)}s`,
    );
  });

  it("the Automation API's events become progress with the parent's URN", () => {
    const metadata = {
      op: "create",
      urn: "urn:pulumi:s::p::near-localnet:index:NodeHost$aws:ec2/instance:Instance::base-instance",
      type: "aws:ec2/instance:Instance",
      new: { parent: "urn:pulumi:s::p::near-localnet:index:NodeHost::base" },
    };
    expect(toProgress({ resourcePreEvent: { metadata } })).toEqual({
      op: "create",
      urn: metadata.urn,
      type: metadata.type,
      name: "base-instance",
      status: "started",
      parent: "urn:pulumi:s::p::near-localnet:index:NodeHost::base",
    });
    expect(
      toProgress({ resOutputsEvent: { metadata: { ...metadata, new: undefined, old: { parent: "urn:p" } } } }),
    ).toMatchObject({
      status: "done",
      parent: "urn:p",
    });
    expect(toProgress({ diagnosticEvent: { message: "m", severity: "info" } })).toBeUndefined();
  });
});

test("the XML reader the chart is checked with rejects what is not well-formed XML", () => {
  for (const bad of [
    "<a><b></a>",
    "<a x=1/>",
    "<a>&</a>",
    "<a>&nope;</a>",
    "<a/><b/>",
    "<a>",
    "x<a/>",
    '<a x="1" x="2"/>',
  ])
    expect(() => parseXml(bad)).toThrow();
  const ok = parseXml(`<?xml version="1.0"?>\n<a k="&lt;&#65;"><b>t&amp;u</b><b/></a>`);
  expect(ok.attrs.k).toBe("<A");
  expect(elementsNamed(ok, "b").map((b) => b.text)).toEqual(["t&u", ""]);
});
