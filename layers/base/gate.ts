// Layer 1's health gate: the RPC answers with the configured chain id, blocks advance, the root
// account exists, the published boot nodes name the running node, the neard container is healthy.
import { containerFindings, type ContainerProbe, type Finding, type LayerVerdict } from "../gate.js";
import { bootNodeFor, type BaseOutputs } from "./outputs.js";

export interface BaseProbe {
  rpcReachable: boolean;
  error?: string;
  chainId?: string;
  blockHeight?: number;
  /** The oldest block the node still keeps (gc_num_epochs_to_keep): a joiner needs every block after its own head. */
  earliestBlockHeight?: number;
  /** The head moved between two samples. */
  blocksAdvancing?: boolean;
  rootAccountExists?: boolean;
  /** /status node_public_key: the peer id that boot nodes must carry. */
  nodePublicKey?: string;
  container?: ContainerProbe;
}

function verdict(findings: Finding[]): LayerVerdict {
  return { layer: "base", done: findings.length === 0, findings };
}

function chainFindings(base: BaseOutputs, probe: BaseProbe): Finding[] {
  const f: Finding[] = [];
  const subject = base.instanceId;
  if (probe.chainId !== base.chainId) {
    f.push({
      kind: "chain-id",
      subject,
      message: `chain id is ${probe.chainId ?? "unknown"}, expected ${base.chainId}`,
    });
  }
  if (probe.blocksAdvancing === false) {
    const message = `blocks do not advance (head stuck at ${probe.blockHeight ?? "?"})`;
    f.push({ kind: "blocks-stalled", subject, message });
  }
  if (probe.rootAccountExists === false) {
    const message = `the root account ${base.rootAccountId} does not exist on chain`;
    f.push({ kind: "root-account", subject: base.rootAccountId, message });
  }
  if (probe.nodePublicKey) {
    const expected = bootNodeFor(probe.nodePublicKey, base.privateIp);
    if (!base.bootNodes.includes(expected)) {
      const published = base.bootNodes.join(", ") || "none";
      const message = `the published boot nodes (${published}) do not name the running node (${expected})`;
      f.push({ kind: "stale-boot-nodes", subject: "base.bootNodes", message });
    }
  }
  return f;
}

export function evaluateBase(base: BaseOutputs | undefined, probe: BaseProbe | undefined): LayerVerdict {
  if (!base) {
    return verdict([
      { kind: "not-deployed", subject: "base", message: "Layer 1 is not deployed (the stack has no base outputs)" },
    ]);
  }
  if (!probe) return verdict([{ kind: "unreachable", subject: base.instanceId, message: "Layer 1 was not probed" }]);
  const f = containerFindings(base.instanceId, probe.container);
  if (!probe.rpcReachable) {
    const message = `the RPC at ${base.rpcUrl} does not answer${probe.error ? `: ${probe.error}` : ""}`;
    return verdict([...f, { kind: "unreachable", subject: base.instanceId, message }]);
  }
  return verdict([...f, ...chainFindings(base, probe)]);
}
