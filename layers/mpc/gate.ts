// Layer 3's health gate: every MPC node reachable, its secrets well-formed, its bootstrap done,
// its container up, /health answering, its indexer near the base head, its boot nodes as Layer 1
// publishes them; the signer contract running the pinned code, Running, with the configured
// participants and threshold and a key for every configured domain.
import type { AttestationState } from "./ops/attestation-state.js";
import { containerFindings, redact, type ContainerProbe, type Finding, type LayerVerdict } from "../gate.js";
import type { StackOutputs } from "../outputs.js";
import type { BaseProbe } from "../base/gate.js";
import { DEFAULT_MPC_RELEASE } from "./releases.js";
import type { MpcNodeOutputs, MpcOutputs } from "./outputs.js";
import { EMPTY_CODE_HASH as NO_CODE } from "../../platform/near/code-hash.js";
import { MPC_WEB_PORT } from "../../platform/near/ports.js";

/** An MPC indexer this many blocks behind the base node is reported as lagging. */
const INDEXER_LAG_BLOCKS = 100;

export type SecretStatus = "ok" | "placeholder" | "malformed" | "missing";

/** What the node's bootstrap (cloud-init user data) reported in its last run. */
export interface BootstrapProbe {
  /** done: the last run finished; failed: it stopped at an ERROR; running: no end line yet. */
  state: "done" | "failed" | "running" | "unknown";
  /** The ERROR text of a failed run (names secrets, never their values). */
  error?: string;
  /** The bootstrap's log lines of its last run (redacted on the instance). */
  lines: string[];
}

/** The last sign test's result, as the base instance kept it (run-op's sign-test.stdout). */
export interface LastSignTestProbe {
  /** passed / failed: the test ran to its verdict; error: the operation failed (its code);
   *  incomplete: no result line (still running, or killed). */
  state: "passed" | "failed" | "error" | "incomplete";
  /** When the result file was last written (ISO, UTC). */
  at?: string;
  summary: string;
  requests?: Array<{ domainId: number; scheme: string; verdict: string; latencyMs?: number; detail: string }>;
  error?: { code: string; message: string };
}

export interface MpcNodeProbe {
  accountId: string;
  instanceId: string;
  privateIp: string;
  /** The instance answered through SSM. */
  reachable: boolean;
  error?: string;
  container?: ContainerProbe;
  /** GET :8080/health answered 200 (liveness only). */
  live?: boolean;
  /** mpc_indexer_latest_block_height from /metrics. */
  indexerHeight?: number;
  /** The embedded neard's head (near_block_height_head from /metrics), and whether it moved during the probe. */
  chainHead?: number;
  chainHeadAdvancing?: boolean;
  /** MPC peers with a live connection (mpc_network_live_connections from /metrics). */
  peers?: number;
  /** The bootstrap's last run (read-only probe of the cloud-init output). */
  bootstrap?: BootstrapProbe;
  /** Format checks of this node's secrets, done on the instance; values never leave it. */
  secrets?: Array<{ name: string; status: SecretStatus }>;
  /** Boot nodes in the node's neard config.json. */
  bootNodes?: string[];
}

export interface MpcContractProbe {
  reachable: boolean;
  error?: string;
  /** Running | Initializing | Resharing | NotInitialized */
  state?: string;
  codeHash?: string;
  threshold?: number;
  participants?: string[];
  /** Domain ids the current keyset holds keys for. */
  keysetDomains?: number[];
  domains?: Array<{ id: number; protocol: string; purpose: string }>;
  /** Each participant's attestation (`get_tee_accounts` against its account key); undefined when unread. */
  attestations?: Array<{ accountId: string; state: AttestationState; detail: string }>;
}

export interface MpcProbe {
  contract: MpcContractProbe;
  nodes: MpcNodeProbe[];
  /** The last end-to-end sign test (read on the base instance); undefined when none ran. */
  lastSignTest?: LastSignTestProbe;
}

const SECRET_KIND = {
  placeholder: "secret-placeholder",
  malformed: "secret-malformed",
  missing: "secret-missing",
} as const;

function secretFindings(subject: string, n: MpcNodeProbe): Finding[] {
  return (n.secrets ?? []).flatMap((s): Finding[] => {
    if (s.status === "ok") return [];
    const what = s.status === "placeholder" ? "a placeholder" : s.status;
    return [{ kind: SECRET_KIND[s.status], subject, message: `secret ${s.name} is ${what} (value not shown)` }];
  });
}

function bootNodeFindings(subject: string, node: MpcNodeOutputs, n: MpcNodeProbe, published?: string[]): Finding[] {
  if (!n.bootNodes || !published) return [];
  const stale = n.bootNodes.filter((b) => !published.includes(b));
  const missing = published.length > 0 && !published.every((b) => n.bootNodes!.includes(b));
  if (stale.length === 0 && !missing) return [];
  const message = `${node.accountId} boots from ${n.bootNodes.join(", ") || "nothing"}, but Layer 1 publishes ${published.join(", ")}`;
  return [{ kind: "stale-boot-nodes", subject, message }];
}

/**
 * A node whose embedded chain is far behind the base and does not move cannot catch up. When the validator no
 * longer keeps the blocks right after the node's head (its gc_num_epochs_to_keep horizon, about 35 days at
 * 10000 epochs of 500 blocks), no amount of waiting helps: header and block sync need every block in between.
 */
function catchUpFindings(subject: string, accountId: string, n: MpcNodeProbe, base?: BaseProbe): Finding[] {
  const head = n.chainHead;
  const baseHeight = base?.blockHeight;
  if (head === undefined || baseHeight === undefined || baseHeight - head <= INDEXER_LAG_BLOCKS) return [];
  const earliest = base?.earliestBlockHeight;
  if (earliest !== undefined && earliest > head + 1) {
    const message =
      `${accountId} cannot catch up: its chain is at block ${head}, but the base node keeps blocks only from ` +
      `${earliest} (gcNumEpochsToKeep); a node can join only while the base still keeps the history after its head`;
    return [{ kind: "cannot-catch-up", subject, message }];
  }
  if (n.chainHeadAdvancing !== false) return [];
  const message = `${accountId} cannot catch up: its chain head stays at block ${head} while the base node is at ${baseHeight}`;
  return [{ kind: "cannot-catch-up", subject, message }];
}

function nodeFindings(node: MpcNodeOutputs, n: MpcNodeProbe | undefined, o: StackOutputs, base?: BaseProbe): Finding[] {
  const baseHeight = base?.blockHeight;
  const subject = `${node.accountId} (${node.instanceId})`;
  if (!n || !n.reachable) {
    const message = `${node.accountId} did not answer through SSM${n?.error ? `: ${n.error}` : ""}`;
    return [{ kind: "unreachable", subject, message }];
  }
  const f = secretFindings(subject, n);
  if (n.bootstrap?.state === "failed" && !(n.secrets ?? []).some((s) => s.status !== "ok")) {
    const message = `${node.accountId}: the bootstrap stopped: ${n.bootstrap.error ?? "see its log"}`;
    f.push({ kind: "bootstrap-failed", subject, message, evidence: n.bootstrap.lines.slice(-5).map(redact) });
  }
  f.push(...containerFindings(subject, n.container));
  if (n.live === false) {
    f.push({
      kind: "node-not-live",
      subject,
      message: `${node.accountId}: /health on :${MPC_WEB_PORT} does not answer 200`,
    });
  }
  if (baseHeight !== undefined && n.indexerHeight !== undefined && baseHeight - n.indexerHeight > INDEXER_LAG_BLOCKS) {
    const message = `${node.accountId}: indexer at block ${n.indexerHeight}, base node at ${baseHeight}`;
    f.push({ kind: "indexer-lag", subject, message });
  }
  f.push(...catchUpFindings(subject, node.accountId, n, base));
  return [...f, ...bootNodeFindings(subject, node, n, o.base?.bootNodes)];
}

/** Domain ids the stack configures, ascending. */
function configuredDomainIds(mpc: MpcOutputs): number[] {
  return mpc.domains.map((d) => d.id).sort((a, b) => a - b);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return [...a].sort().join(",") === [...b].sort().join(",");
}

function onChainFindings(mpc: MpcOutputs, c: MpcContractProbe): Finding[] {
  const subject = mpc.contractId;
  const f: Finding[] = [];
  const pinned = mpc.codeHash ?? DEFAULT_MPC_RELEASE.signer.codeHash;
  if (!c.codeHash || c.codeHash === NO_CODE) {
    f.push({ kind: "contract-missing", subject, message: `${subject} has no contract deployed` });
  } else if (c.codeHash !== pinned) {
    const message = `${subject} runs code ${c.codeHash}, but the pinned code hash is ${pinned}`;
    f.push({ kind: "code-hash-mismatch", subject, message });
  }
  if (c.state !== "Running") {
    f.push({ kind: "contract-state", subject, message: `contract state is ${c.state ?? "unknown"}, expected Running` });
  }
  const expected = mpc.nodes.map((n) => n.accountId).sort();
  if (c.participants && !sameSet(c.participants, expected)) {
    const actual = [...c.participants].sort().join(", ");
    const message = `participants on chain are [${actual}], expected [${expected.join(", ")}]`;
    f.push({ kind: "participants", subject, message });
  }
  if (c.threshold !== undefined && mpc.threshold && c.threshold !== mpc.threshold) {
    f.push({
      kind: "threshold",
      subject,
      message: `threshold on chain is ${c.threshold}, configured ${mpc.threshold}`,
    });
  }
  const have = new Set(c.keysetDomains ?? []);
  const missing = configuredDomainIds(mpc).filter((id) => !have.has(id));
  if (missing.length > 0) {
    const covers = [...have].join(", ");
    const message = `no key yet for domain${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (keyset covers [${covers}])`;
    f.push({ kind: "domains", subject, message });
  }
  return f;
}

function verdict(findings: Finding[]): LayerVerdict {
  return { layer: "mpc", done: findings.length === 0, findings };
}

export function evaluateMpc(outputs: StackOutputs, probe: MpcProbe | undefined, base?: BaseProbe): LayerVerdict {
  const mpc = outputs.mpc;
  if (!mpc || mpc.nodes.length === 0) {
    const message = "Layer 3 is not deployed (the stack has no mpc outputs)";
    return verdict([{ kind: "not-deployed", subject: "mpc", message }]);
  }
  if (!probe) return verdict([{ kind: "unreachable", subject: "mpc", message: "Layer 3 was not probed" }]);
  const f = mpc.nodes.flatMap((node) =>
    nodeFindings(
      node,
      probe.nodes.find((x) => x.accountId === node.accountId),
      outputs,
      base,
    ),
  );
  const c = probe.contract;
  if (!c.reachable) {
    const message = `could not read the signer contract ${mpc.contractId}${c.error ? `: ${c.error}` : ""}`;
    return verdict([...f, { kind: "unreachable", subject: mpc.contractId, message }]);
  }
  return verdict([...f, ...onChainFindings(mpc, c)]);
}
