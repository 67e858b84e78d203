import { gzipUserData } from "../../platform/host/render.js";
import { criticalPath, estimatePlan } from "../timeline/estimate.js";
import type { PlanStep } from "../timeline/plan-graph.js";
import type { SynthPlan } from "../synth.js";

const step = (id: string, seconds: number, after: string[] = []): PlanStep => ({
  id,
  label: id,
  kind: "aws-resource",
  layer: "base",
  seconds,
  after,
});

test("the critical path is the longest chain, and a cycle is an error naming a step", () => {
  const steps = new Map(
    [step("a", 5), step("b", 1, ["a"]), step("c", 10), step("d", 2, ["b", "c"])].map((s) => [s.id, s]),
  );
  const { total, chain } = criticalPath(steps, "d");
  expect(chain.map((s) => s.id)).toEqual(["c", "d"]);
  expect(total).toBe(12);
  const cyclic = new Map([step("x", 1, ["y"]), step("y", 1, ["x"])].map((s) => [s.id, s]));
  expect(() => criticalPath(cyclic, "x")).toThrow("the plan graph has a cycle through x");
});

const S = "urn:pulumi:t::near-localnet::";
const userData = (image: string) => gzipUserData(`#!/bin/bash\nexport ${image}='img'\n`);

/** A small plan in the mock runtime's URN form: one host per layer 1 and 3, a genesis wait, a keygen. */
function smallPlan(mpcInstanceDeps: string[]): SynthPlan {
  const r = (urn: string, parent: string, custom: boolean, dependencies: string[] = [], inputs = {}) => {
    const [type, name] = urn.split("::").slice(-2);
    return { urn: `${S}${urn}`, type: type.split("$").pop()!, name, parent, custom, inputs, dependencies };
  };
  const base = r("near-localnet:index:NearBase::base", "", false);
  const mpc = r("near-localnet:index:ChainSignatures::mpc", "", false);
  const baseInstance = r("near-localnet:index:NearBase$aws:ec2/instance:Instance::base-instance", base.urn, true, [], {
    userDataBase64: userData("NEAR_IMAGE"),
  });
  const genesis = r(
    "near-localnet:index:NearBase$command:local:Command::genesis-published",
    base.urn,
    true,
    [baseInstance.urn],
    { environment: { GENESIS_BUCKET: "b" } },
  );
  const mpcInstance = r(
    "near-localnet:index:ChainSignatures$aws:ec2/instance:Instance::mpc-node-0-instance",
    mpc.urn,
    true,
    mpcInstanceDeps.map((d) => `${S}${d}`),
    { userDataBase64: userData("MPC_IMAGE") },
  );
  const op = r("near-localnet:index:ChainSignatures$near-localnet:index:SsmOperation::keygen", mpc.urn, false, [
    mpcInstance.urn,
  ]);
  const run = r("near-localnet:index:SsmOperation$command:local:Command::keygen-run", op.urn, true, [mpcInstance.urn], {
    environment: { SSM_RUN_OPERATION: "mpc-wait-keygen" },
  });
  return { stack: "t", project: "near-localnet", resources: [base, mpc, baseInstance, genesis, mpcInstance, op, run] };
}

test("on a small plan: MPC hosts that boot with Layer 1 take the keygen off the layers' sequence", () => {
  const e = estimatePlan(smallPlan([]));
  expect(e.path.map((s) => s.label)).toEqual([
    "Layer 1 up starts",
    "aws:ec2/instance:Instance mpc-node-0-instance",
    "mpc-node-0-instance bootstrap: prepare",
    "mpc-node-0-instance bootstrap: join the chain",
    "command:local:Command keygen-run",
    "Layer 3 gate",
    "sign test",
  ]);
  // Each step starts where the one before it on the path ends.
  for (let i = 1; i < e.path.length; i++)
    expect(e.path[i].startSeconds).toBe(e.path[i - 1].startSeconds + e.path[i - 1].seconds);
  expect(e.totalSeconds).toBe(e.path[e.path.length - 1].startSeconds + e.path[e.path.length - 1].seconds);
});

test("on a small plan: an MPC host that waits for the genesis command puts Layer 1's bootstrap on the path", () => {
  const e = estimatePlan(smallPlan(["near-localnet:index:NearBase$command:local:Command::genesis-published"]));
  expect(e.path.map((s) => s.label)).toEqual([
    "Layer 1 up starts",
    "aws:ec2/instance:Instance base-instance",
    "base-instance bootstrap",
    "command:local:Command genesis-published",
    "aws:ec2/instance:Instance mpc-node-0-instance",
    "mpc-node-0-instance bootstrap: prepare",
    "mpc-node-0-instance bootstrap: join the chain",
    "command:local:Command keygen-run",
    "Layer 3 gate",
    "sign test",
  ]);
});
