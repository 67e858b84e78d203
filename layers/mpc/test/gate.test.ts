// Layer 3's gate on a chain that has run for a while: nodes whose embedded chain cannot catch up.
import { describe, expect, it } from "@jest/globals";
import { evaluateMpc } from "../gate.js";
import { parseStackOutputs } from "../../../automation/stack-outputs.js";
import { healthyBase, healthyMpc, rawOutputs } from "../../../automation/test/fakes.js";

const outputs = parseStackOutputs(rawOutputs(["base", "services", "mpc"]));

/** Nodes 1 and 2 at the base head; node 0's chain (and so its indexer) at `head`. */
function withNode0(head: number, advancing: boolean, baseHeight: number) {
  const probe = healthyMpc();
  probe.nodes = probe.nodes.map((n) => ({ ...n, chainHead: baseHeight, indexerHeight: baseHeight }));
  probe.nodes[0] = { ...probe.nodes[0], chainHead: head, indexerHeight: head, chainHeadAdvancing: advancing };
  return probe;
}
const lag = (head: number, base: number) => ({
  kind: "indexer-lag",
  subject: "mpc-node-0.localnet (i-0mpc0)",
  message: `mpc-node-0.localnet: indexer at block ${head}, base node at ${base}`,
});

describe("a node's embedded chain against the base head", () => {
  it("a node far behind whose head does not move cannot catch up", () => {
    const v = evaluateMpc(outputs, withNode0(200, false, 5000), { ...healthyBase(), blockHeight: 5000 });
    expect(v.done).toBe(false);
    expect(v.findings).toEqual([
      lag(200, 5000),
      {
        kind: "cannot-catch-up",
        subject: "mpc-node-0.localnet (i-0mpc0)",
        message:
          "mpc-node-0.localnet cannot catch up: its chain head stays at block 200 while the base node is at 5000",
      },
    ]);
  });

  it("a node far behind that moves is catching up, and one close to the head is fine", () => {
    const base = { ...healthyBase(), blockHeight: 5000 };
    expect(evaluateMpc(outputs, withNode0(200, true, 5000), base).findings).toEqual([lag(200, 5000)]);
    expect(evaluateMpc(outputs, withNode0(4950, false, 5000), base).findings).toEqual([]);
  });

  it("a node behind the validator's history horizon is told why, moving or not", () => {
    const base = { ...healthyBase(), blockHeight: 9_000_000, earliestBlockHeight: 4_000_000 };
    const v = evaluateMpc(outputs, withNode0(0, true, 9_000_000), base);
    expect(v.findings.map((f) => f.message)).toEqual([
      lag(0, 9_000_000).message,
      "mpc-node-0.localnet cannot catch up: its chain is at block 0, but the base node keeps blocks only from " +
        "4000000 (gcNumEpochsToKeep); a node can join only while the base still keeps the history after its head",
    ]);
  });
});
