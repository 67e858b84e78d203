// What a layer's health gate says: findings and a verdict, drawn from probe results. The same
// evaluators serve the `up` gates, `health` and the `status` checkpoint, so "healthy" means one thing.
import type { LayerId } from "./registry.js";

/** A container restarted this many times is reported as a restart loop. */
export const RESTART_LOOP_THRESHOLD = 3;

type FindingKind =
  | "not-deployed"
  | "unreachable"
  | "chain-id"
  | "blocks-stalled"
  | "root-account"
  | "restart-loop"
  | "container-down"
  | "code-hash-mismatch"
  | "contract-missing"
  | "faucet"
  | "evm-chain"
  | "contract-state"
  | "participants"
  | "threshold"
  | "domains"
  | "node-not-live"
  | "indexer-lag"
  | "cannot-catch-up"
  | "secret-placeholder"
  | "secret-malformed"
  | "secret-missing"
  | "stale-boot-nodes"
  | "bootstrap-failed"
  | "sign-test"
  | "outputs";

export interface Finding {
  kind: FindingKind;
  /** What it concerns: an account, a node, a layer. */
  subject: string;
  message: string;
  /** Redacted last log lines, for restart loops. */
  evidence?: string[];
}

export interface LayerVerdict {
  layer: LayerId;
  done: boolean;
  /** Empty when done. */
  findings: Finding[];
}

/** One row of the `status` evidence table. */
export interface EvidenceRow {
  item: string;
  value: string;
  /** "ok", "FAIL", or "" when informational. */
  check: "ok" | "FAIL" | "";
}

export function evidenceRow(
  item: string,
  value: string | number | undefined,
  check: EvidenceRow["check"] = "",
): EvidenceRow {
  return { item, value: value === undefined || value === "" ? "-" : String(value), check };
}

/** Whether the verdicts hold a finding of `kind` (about a subject starting with `subject`). */
export type FindingLookup = (kind: FindingKind, subject?: string) => boolean;

export function findingLookup(verdicts: LayerVerdict[]): FindingLookup {
  return (kind, subject) =>
    verdicts.some((v) =>
      v.findings.some((f) => f.kind === kind && (subject === undefined || f.subject.startsWith(subject))),
    );
}

export interface ContainerProbe {
  name: string;
  running: boolean;
  /** Docker's RestartCount. */
  restartCount: number;
  /** Docker's State.Status: running, restarting, exited... */
  status?: string;
  exitCode?: number;
  /** Last lines of the container log (redacted before display). */
  lastLogLines?: string[];
}

/** Removes anything that looks like a private key or a store key from log text. */
export function redact(line: string): string {
  return line
    .replace(/\b(ed25519|secp256k1):[1-9A-HJ-NP-Za-km-z]{70,}/g, "$1:[redacted]")
    .replace(/\b[0-9a-fA-F]{32,}\b/g, (m) => (m.length === 32 || m.length >= 64 ? "[redacted-hex]" : m));
}

export function containerFindings(subject: string, c: ContainerProbe | undefined): Finding[] {
  if (!c) return [];
  const evidence = (c.lastLogLines ?? []).slice(-5).map(redact);
  if (c.status === "restarting" || c.restartCount >= RESTART_LOOP_THRESHOLD) {
    const exit = c.exitCode !== undefined ? `, last exit code ${c.exitCode}` : "";
    return [
      {
        kind: "restart-loop",
        subject,
        message: `container ${c.name} is in a restart loop (${c.restartCount} restarts, status ${c.status ?? "unknown"}${exit})`,
        evidence,
      },
    ];
  }
  if (!c.running) {
    return [
      {
        kind: "container-down",
        subject,
        message: `container ${c.name} is not running (status ${c.status ?? "unknown"})`,
        evidence,
      },
    ];
  }
  return [];
}

/** "running, 2 restarts": a container's state for the evidence table. */
export function containerSummary(c: ContainerProbe): string {
  return `${c.status ?? (c.running ? "running" : "stopped")}, ${c.restartCount} restarts`;
}
