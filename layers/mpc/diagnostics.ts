// Layer 3 failure diagnostics: what an operator needs when Layer 3's up, gate or sign test fails
// (e.g. a keygen timeout): per node /health, indexer height against the base node, live MPC
// peers, container state and restarts, the bootstrap's state, boot nodes, the last log lines;
// and the signer contract's state. Built from the read-only probes; log text is redacted.
import { redact } from "../gate.js";
import type { StackOutputs } from "../outputs.js";
import type { ProbeOptions } from "../probe.js";
import type { MpcProbe } from "./gate.js";
import { DEFAULT_MPC_RELEASE } from "./releases.js";

/** Log lines read from every MPC node for a failure report. */
const DIAGNOSTIC_LOG_LINES = 20;

interface MpcNodeDiagnostics {
  accountId: string;
  instanceId: string;
  privateIp: string;
  reachable: boolean;
  error?: string;
  /** GET :8080/health answered 200 (undefined: not probed). */
  live?: boolean;
  indexerHeight?: number;
  /** The base node's head when the nodes were probed. */
  baseHeight?: number;
  peers?: number;
  container?: { status?: string; running: boolean; restartCount: number; exitCode?: number };
  bootstrap?: { state: string; error?: string };
  bootNodes?: string[];
  /** Redacted. */
  lastLogLines: string[];
}

export interface MpcDiagnostics {
  contractId: string;
  contract?: MpcProbe["contract"];
  nodes: MpcNodeDiagnostics[];
  /** The probe itself failed (SSM unreachable, ...). */
  error?: string;
  /** Human rendering, also printed in the run's timeline. */
  lines: string[];
}

function mpcDiagnostics(
  outputs: StackOutputs,
  probe: MpcProbe | undefined,
  baseHeight?: number,
  error?: string,
): MpcDiagnostics {
  const mpc = outputs.mpc;
  const contractId = mpc?.contractId ?? "";
  const nodes: MpcNodeDiagnostics[] = (mpc?.nodes ?? []).map((node) => {
    const n = probe?.nodes.find((x) => x.accountId === node.accountId);
    const d: MpcNodeDiagnostics = {
      accountId: node.accountId,
      instanceId: node.instanceId,
      privateIp: node.privateIp,
      reachable: n?.reachable ?? false,
      lastLogLines: (n?.container?.lastLogLines ?? []).map(redact),
    };
    if (n?.error) d.error = n.error;
    if (n?.live !== undefined) d.live = n.live;
    if (n?.indexerHeight !== undefined) d.indexerHeight = n.indexerHeight;
    if (baseHeight !== undefined) d.baseHeight = baseHeight;
    if (n?.peers !== undefined) d.peers = n.peers;
    if (n?.container) {
      const c = n.container;
      d.container = {
        status: c.status,
        running: c.running,
        restartCount: c.restartCount,
        ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      };
    }
    if (n?.bootstrap)
      d.bootstrap = { state: n.bootstrap.state, ...(n.bootstrap.error ? { error: redact(n.bootstrap.error) } : {}) };
    if (n?.bootNodes) d.bootNodes = n.bootNodes;
    return d;
  });
  const out: MpcDiagnostics = { contractId, nodes, lines: [] };
  if (probe) out.contract = probe.contract;
  if (error) out.error = error;
  out.lines = renderMpcDiagnostics(outputs, out);
  return out;
}

function contractLine(outputs: StackOutputs, d: MpcDiagnostics): string {
  const c = d.contract;
  if (!c) return `contract ${d.contractId}: not probed`;
  if (!c.reachable) return `contract ${d.contractId}: could not be read${c.error ? `: ${c.error}` : ""}`;
  const pinned = outputs.mpc?.codeHash ?? DEFAULT_MPC_RELEASE.signer.codeHash;
  const wanted = (outputs.mpc?.domains ?? []).map((x) => x.id);
  const parts = [
    `state ${c.state ?? "unknown"}`,
    c.codeHash
      ? c.codeHash === pinned
        ? `code ${c.codeHash} (pinned)`
        : `code ${c.codeHash} (pinned ${pinned})`
      : "no code hash",
    `threshold ${c.threshold ?? "?"}`,
    `participants [${(c.participants ?? []).join(", ")}]`,
    `keys for domains [${(c.keysetDomains ?? []).join(", ")}]${wanted.length ? ` of [${wanted.join(", ")}]` : ""}`,
  ];
  return `contract ${d.contractId}: ${parts.join(", ")}`;
}

function nodeLine(
  n: MpcNodeDiagnostics,
  total: number,
  published: string[] | undefined,
  contract: MpcDiagnostics["contract"],
): string {
  const head = `${n.accountId} (${n.instanceId}, ${n.privateIp})`;
  // the contract's word, whether or not the host answers: a node that is not attested cannot take part in keygen
  const a = contract?.attestations?.find((x) => x.accountId === n.accountId);
  const attested = a ? (a.state === "attested" ? "attested" : `NOT attested (${a.detail})`) : undefined;
  if (!n.reachable)
    return `${head}: did not answer through SSM${n.error ? `: ${n.error}` : ""}${attested ? `; ${attested}` : ""}`;
  const parts: string[] = attested ? [attested] : [];
  parts.push(n.live === undefined ? "/health not probed" : n.live ? "/health 200" : "/health FAILING");
  parts.push(
    n.indexerHeight === undefined
      ? "indexer height unknown (no /metrics)"
      : `indexer ${n.indexerHeight}${n.baseHeight !== undefined ? ` (base ${n.baseHeight})` : ""}`,
  );
  parts.push(n.peers === undefined ? "peers unknown" : `peers ${n.peers}/${total - 1}`);
  parts.push(
    n.container
      ? `container ${n.container.status ?? (n.container.running ? "running" : "stopped")} (${n.container.restartCount} restarts${
          n.container.exitCode !== undefined ? `, exit ${n.container.exitCode}` : ""
        })`
      : "no mpc-node container",
  );
  if (n.bootstrap) parts.push(`bootstrap ${n.bootstrap.state}${n.bootstrap.error ? `: ${n.bootstrap.error}` : ""}`);
  if (n.bootNodes && published) {
    const same = n.bootNodes.length === published.length && n.bootNodes.every((b) => published.includes(b));
    parts.push(same ? "boot nodes as published" : `boot nodes STALE (${n.bootNodes.join(", ") || "none"})`);
  }
  return `${head}: ${parts.join(", ")}`;
}

function renderMpcDiagnostics(outputs: StackOutputs, d: MpcDiagnostics): string[] {
  const lines = ["Layer 3 diagnostics:"];
  if (d.error) lines.push(`  probe failed: ${d.error}`);
  lines.push(`  ${contractLine(outputs, d)}`);
  for (const n of d.nodes) {
    lines.push(`  ${nodeLine(n, d.nodes.length, outputs.base?.bootNodes, d.contract)}`);
    if (n.lastLogLines.length) {
      lines.push("    last log lines:");
      for (const l of n.lastLogLines) lines.push(`      ${l}`);
    }
  }
  return lines;
}

/** Probes Layer 3 for a failure report; never throws (a failed probe is part of the report). */
export async function collectMpcDiagnostics(
  probe: (outputs: StackOutputs, options: ProbeOptions) => Promise<MpcProbe>,
  outputs: StackOutputs,
  baseHeight?: number,
  options: ProbeOptions = { logLines: DIAGNOSTIC_LOG_LINES },
): Promise<MpcDiagnostics | undefined> {
  if (!outputs.mpc || outputs.mpc.nodes.length === 0) return undefined;
  try {
    return mpcDiagnostics(outputs, await probe(outputs, options), baseHeight);
  } catch (err) {
    return mpcDiagnostics(outputs, undefined, baseHeight, (err as Error)?.message ?? String(err));
  }
}
