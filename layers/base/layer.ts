// Layer 1, NEAR Base, as the driver, `health` and `status` see it.
import { containerSummary, evidenceRow as row, type EvidenceRow } from "../gate.js";
import type { Layer, StatusContext } from "../layer.js";
import { evaluateBase } from "./gate.js";
import { parseBaseOutputs } from "./outputs.js";
import { probeBase } from "./probe.js";

function evidence({ outputs: o, probes: p, bad }: StatusContext): EvidenceRow[] {
  if (!o.base) return [];
  const b = p.base;
  const checked = (ok: boolean) => (b ? (ok ? "ok" : "FAIL") : "");
  const motion = b?.blocksAdvancing === false ? " (stalled)" : b?.blocksAdvancing ? " (advancing)" : "";
  const rows = [
    row("Chain id", b?.chainId ?? o.base.chainId, checked(!bad("chain-id"))),
    row(
      "Block height",
      b?.blockHeight !== undefined ? `${b.blockHeight}${motion}` : undefined,
      checked(!bad("blocks-stalled") && !!b?.rpcReachable),
    ),
    row("Base node instance", o.base.instanceId),
    row("Base node private IP", o.base.privateIp),
    row("RPC URL", o.base.rpcUrl, checked(!!b?.rpcReachable)),
  ];
  if (b?.container) {
    const down = bad("restart-loop", o.base.instanceId) || bad("container-down", o.base.instanceId);
    rows.push(row("neard container", containerSummary(b.container), down ? "FAIL" : "ok"));
  }
  rows.push(
    row("Boot nodes", o.base.bootNodes.join(", "), bad("stale-boot-nodes") ? "FAIL" : b?.nodePublicKey ? "ok" : ""),
  );
  const root = b?.rootAccountExists;
  rows.push(row("Root account", o.base.rootAccountId, root === undefined ? "" : root ? "ok" : "FAIL"));
  return rows;
}

function summary({ outputs: o, probes: p }: StatusContext): { onChain: string[]; runtime: string[] } {
  const onChain: string[] = [];
  const runtime: string[] = [];
  if (p.base?.rpcReachable) {
    const stalled = p.base.blocksAdvancing === false ? " (STALLED)" : "";
    onChain.push(`chain ${p.base.chainId} at block ${p.base.blockHeight ?? "?"}${stalled}`);
  } else if (o.base) onChain.push("the base RPC does not answer");
  const c = p.base?.container;
  if (c) runtime.push(`neard ${c.running ? "running" : "NOT running"} (${c.restartCount} restarts)`);
  return { onChain, runtime };
}

export const baseLayer: Layer<"base"> = {
  id: "base",
  index: 1,
  title: "NEAR Base",
  component: { type: "near-localnet:index:NearBase", name: "base" },
  aliases: ["near-base"],
  parseOutputs: parseBaseOutputs,
  isDeployed: (o) => !!o.base,
  probe: probeBase,
  probeFailed: (message) => ({ rpcReachable: false, error: message }),
  evaluate: (o, p) => evaluateBase(o.base, p.base),
  status: { evidence, summary },
};
