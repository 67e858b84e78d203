// The real plan (index.ts under the mock runtime, as `synth` and `estimate` build it): which steps
// a cold `up` waits for, in which order, and that the MPC hosts never wait for the genesis command.
import { main } from "../../cli.js";
import type { CliContext } from "../../cli/context.js";
import { synthesize, type SynthPlan } from "../../synth.js";
import { estimatePlan, renderEstimate } from "../../timeline/estimate.js";
import { MemoryOut } from "../fakes.js";

let plan: SynthPlan;
beforeAll(async () => {
  ({ plan } = await synthesize({ stack: "localnet" }));
});

/** Everything a resource waits for: its dependencies (a component: with all its descendants) and its ancestors' (a child is registered after its parent). */
function waitsFor(urn: string): Set<string> {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const descendants = (u: string): string[] =>
    plan.resources.filter((r) => r.parent === u).flatMap((r) => [r.urn, ...descendants(r.urn)]);
  const seen = new Set<string>();
  const todo = [urn];
  while (todo.length) {
    const r = byUrn.get(todo.pop()!);
    if (!r) continue;
    for (const d of [...r.dependencies, ...(r.parent ? [r.parent] : [])]) {
      for (const x of [d, ...(byUrn.get(d)?.custom === false && d !== r.parent ? descendants(d) : [])]) {
        if (!seen.has(x)) {
          seen.add(x);
          todo.push(x);
        }
      }
    }
  }
  return seen;
}

test("no MPC instance depends, directly or transitively, on the genesis command", () => {
  const genesis = plan.resources.find((r) => r.name === "genesis-published")!;
  const instances = plan.resources.filter((r) => r.type === "aws:ec2/instance:Instance" && r.name.startsWith("mpc-"));
  expect(instances.map((r) => r.name)).toEqual(["mpc-node-0-instance", "mpc-node-1-instance", "mpc-node-2-instance"]);
  for (const i of instances) {
    const deps = waitsFor(i.urn);
    expect(deps.has(genesis.urn)).toBe(false);
    // The closure is real: the host does wait for its own volume and the base node's interface.
    expect([...deps].some((u) => u.endsWith("::base-eni"))).toBe(true);
  }
  // ... while the operations that run on the chain do wait for it.
  const keygen = plan.resources.find((r) => r.name === "keygen-run")!;
  expect(waitsFor(keygen.urn).has(genesis.urn)).toBe(true);
});

test("the critical path of a cold up: Layer 1's bootstrap, Layer 2 and its gate, then Layer 3's operations", () => {
  const path = estimatePlan(plan).path.map((s) => `${s.layer} ${s.label.replace(/^\S+:\S+ /, "")}`);
  const keySteps = [
    "base Layer 1 up starts",
    "base base-instance",
    "base base-instance bootstrap",
    "base genesis-published",
    "base Layer 1 gate",
    "services Layer 2 up starts",
    "services core-contracts-run",
    "services faucet-run",
    "services Layer 2 gate",
    "mpc Layer 3 up starts",
    "mpc signer-setup-run",
    "mpc keygen-run",
    "mpc Layer 3 gate",
    "mpc sign test",
  ];
  expect(path.filter((s) => keySteps.includes(s))).toEqual(keySteps);
  // The MPC hosts boot with Layer 1: their boot, image pull and join are off the path.
  expect(path.some((s) => /mpc-node-\d-instance/.test(s))).toBe(false);
});

test("the printed chain: each step starts where the one before ends, the total closes it", () => {
  const e = estimatePlan(plan);
  expect(e.path[0]).toMatchObject({ label: "Layer 1 up starts", kind: "engine-start", layer: "base", startSeconds: 0 });
  expect(e.path.at(-1)).toMatchObject({ label: "sign test", kind: "sign-test", layer: "mpc" });
  for (let i = 1; i < e.path.length; i++)
    expect(e.path[i].startSeconds).toBe(e.path[i - 1].startSeconds + e.path[i - 1].seconds);
  const text = renderEstimate(e);
  expect(text[0]).toBe(
    "Critical path of a cold `up` of stack localnet (durations: automation/timeline/durations.ts, assumed, not measured):",
  );
  expect(text).toHaveLength(e.path.length + 2);
  expect(text[1]).toMatch(/^ +0s \+\S+ +\[1 base\] +Layer 1 up starts \(engine-start\)$/);
  expect(text.at(-1)).toMatch(new RegExp(`^Total: \\S+ to a verified signature \\(${e.path.length} steps\\)$`));
});

test("estimate for a stack without a config file: exit 2 naming the file, no engine", async () => {
  const out = new MemoryOut();
  const none = async () => {
    throw new Error("estimate needs no engine and no probes");
  };
  const c: CliContext = { out, env: {}, workDir: "/nonexistent", makeEngine: none, makeProbes: none };
  expect(await main(["estimate", "--stack", "nosuch"], c)).toBe(2);
  expect(out.err.join("\n")).toMatch(/Pulumi\.nosuch\.yaml/);
});
