// Probe results (what live checks found) and the verdicts drawn from them. The same evaluators
// serve the `up` gates, `health` and the `status` checkpoint, so "healthy" means one thing.
import type { LayerId } from "./layers.js";
import type { BaseOutputs, MpcOutputs, StackOutputs } from "./stack-outputs.js";
import { DEFAULT_MPC_RELEASE } from "../layers/mpc/releases.js";

/** Signer contract code hash of near/mpc 3.14.1 (DESIGN.md), used when the stack exports none. */
export const DEFAULT_SIGNER_CODE_HASH = DEFAULT_MPC_RELEASE.signer.codeHash;
/** A container restarted this many times is reported as a restart loop. */
export const RESTART_LOOP_THRESHOLD = 3;
/** An MPC indexer this many blocks behind the base node is reported as lagging. */
export const INDEXER_LAG_BLOCKS = 100;

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

export interface BaseProbe {
  rpcReachable: boolean;
  error?: string;
  chainId?: string;
  blockHeight?: number;
  /** The head moved between two samples. */
  blocksAdvancing?: boolean;
  rootAccountExists?: boolean;
  /** /status node_public_key: the peer id that boot nodes must carry. */
  nodePublicKey?: string;
  container?: ContainerProbe;
}

export interface ContractProbe {
  accountId: string;
  /** Pinned hash from the stack outputs. */
  expectedCodeHash: string;
  /** On-chain code_hash; "11111111111111111111111111111111" means no contract. */
  actualCodeHash?: string;
  error?: string;
}

export interface ServicesProbe {
  contracts: ContractProbe[];
  faucet?: { ok: boolean; detail?: string };
}

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
  domains?: Array<{ id: number; scheme?: string; purpose?: string }>;
}

export interface MpcProbe {
  contract: MpcContractProbe;
  nodes: MpcNodeProbe[];
  /** The last end-to-end sign test (read on the base instance); undefined when none ran. */
  lastSignTest?: LastSignTestProbe;
}

export interface LayerProbes {
  base?: BaseProbe;
  services?: ServicesProbe;
  mpc?: MpcProbe;
}

export type FindingKind =
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
  | "contract-state"
  | "participants"
  | "threshold"
  | "domains"
  | "node-not-live"
  | "indexer-lag"
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

const NO_CODE = "11111111111111111111111111111111";

/** Removes anything that looks like a private key or a store key from log text. */
export function redact(line: string): string {
  return line
    .replace(/\b(ed25519|secp256k1):[1-9A-HJ-NP-Za-km-z]{70,}/g, "$1:[redacted]")
    .replace(/\b[0-9a-fA-F]{32,}\b/g, (m) => (m.length === 32 || m.length >= 64 ? "[redacted-hex]" : m));
}

function containerFindings(subject: string, c: ContainerProbe | undefined): Finding[] {
  if (!c) return [];
  const evidence = (c.lastLogLines ?? []).slice(-5).map(redact);
  if (c.status === "restarting" || c.restartCount >= RESTART_LOOP_THRESHOLD) {
    return [
      {
        kind: "restart-loop",
        subject,
        message: `container ${c.name} is in a restart loop (${c.restartCount} restarts, status ${c.status ?? "unknown"}${
          c.exitCode !== undefined ? `, last exit code ${c.exitCode}` : ""
        })`,
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

/** The boot node entry Layer 1 must publish for a node public key and IP. */
export function bootNodeFor(nodePublicKey: string, ip: string): string {
  const key = nodePublicKey.startsWith("ed25519:") ? nodePublicKey : `ed25519:${nodePublicKey}`;
  return `${key}@${ip}:24567`;
}

export function evaluateBase(base: BaseOutputs | undefined, probe: BaseProbe | undefined): LayerVerdict {
  const f: Finding[] = [];
  if (!base) {
    f.push({ kind: "not-deployed", subject: "base", message: "Layer 1 is not deployed (the stack has no base outputs)" });
    return { layer: "base", done: false, findings: f };
  }
  if (!probe) {
    f.push({ kind: "unreachable", subject: base.instanceId, message: "Layer 1 was not probed" });
    return { layer: "base", done: false, findings: f };
  }
  f.push(...containerFindings(base.instanceId, probe.container));
  if (!probe.rpcReachable) {
    f.push({
      kind: "unreachable",
      subject: base.instanceId,
      message: `the RPC at ${base.rpcUrl} does not answer${probe.error ? `: ${probe.error}` : ""}`,
    });
    return { layer: "base", done: false, findings: f };
  }
  if (probe.chainId !== base.chainId) {
    f.push({
      kind: "chain-id",
      subject: base.instanceId,
      message: `chain id is ${probe.chainId ?? "unknown"}, expected ${base.chainId}`,
    });
  }
  if (probe.blocksAdvancing === false) {
    f.push({
      kind: "blocks-stalled",
      subject: base.instanceId,
      message: `blocks do not advance (head stuck at ${probe.blockHeight ?? "?"})`,
    });
  }
  if (probe.rootAccountExists === false) {
    f.push({
      kind: "root-account",
      subject: base.rootAccountId,
      message: `the root account ${base.rootAccountId} does not exist on chain`,
    });
  }
  if (probe.nodePublicKey) {
    const expected = bootNodeFor(probe.nodePublicKey, base.privateIp);
    if (!base.bootNodes.includes(expected)) {
      f.push({
        kind: "stale-boot-nodes",
        subject: "base.bootNodes",
        message: `the published boot nodes (${base.bootNodes.join(", ") || "none"}) do not name the running node (${expected})`,
      });
    }
  }
  return { layer: "base", done: f.length === 0, findings: f };
}

export function evaluateServices(outputs: StackOutputs, probe: ServicesProbe | undefined): LayerVerdict {
  const f: Finding[] = [];
  const services = outputs.services;
  if (!services || Object.keys(services.contracts).length === 0) {
    f.push({ kind: "not-deployed", subject: "services", message: "Layer 2 is not deployed (the stack has no services outputs)" });
    return { layer: "services", done: false, findings: f };
  }
  if (!probe) {
    f.push({ kind: "unreachable", subject: "services", message: "Layer 2 was not probed" });
    return { layer: "services", done: false, findings: f };
  }
  for (const [accountId, expected] of Object.entries(services.contracts)) {
    const c = probe.contracts.find((x) => x.accountId === accountId);
    if (!c || c.error) {
      f.push({
        kind: "unreachable",
        subject: accountId,
        message: `could not read ${accountId}${c?.error ? `: ${c.error}` : ""}`,
      });
    } else if (!c.actualCodeHash || c.actualCodeHash === NO_CODE) {
      f.push({ kind: "contract-missing", subject: accountId, message: `${accountId} has no contract deployed` });
    } else if (c.actualCodeHash !== expected) {
      f.push({
        kind: "code-hash-mismatch",
        subject: accountId,
        message: `${accountId} runs code ${c.actualCodeHash}, but the pinned code hash is ${expected}`,
      });
    }
  }
  if (services.faucetUrl && probe.faucet && !probe.faucet.ok) {
    f.push({
      kind: "faucet",
      subject: services.faucetUrl,
      message: `the faucet at ${services.faucetUrl} does not answer${probe.faucet.detail ? `: ${probe.faucet.detail}` : ""}`,
    });
  }
  return { layer: "services", done: f.length === 0, findings: f };
}

function domainIds(mpc: MpcOutputs): number[] {
  return mpc.domains
    .map((d, i) => (typeof d.id === "number" ? d.id : i))
    .sort((a, b) => a - b);
}

export function evaluateMpc(
  outputs: StackOutputs,
  probe: MpcProbe | undefined,
  baseHeight?: number,
): LayerVerdict {
  const f: Finding[] = [];
  const mpc = outputs.mpc;
  if (!mpc || mpc.nodes.length === 0) {
    f.push({ kind: "not-deployed", subject: "mpc", message: "Layer 3 is not deployed (the stack has no mpc outputs)" });
    return { layer: "mpc", done: false, findings: f };
  }
  if (!probe) {
    f.push({ kind: "unreachable", subject: "mpc", message: "Layer 3 was not probed" });
    return { layer: "mpc", done: false, findings: f };
  }
  for (const node of mpc.nodes) {
    const n = probe.nodes.find((x) => x.accountId === node.accountId);
    const subject = `${node.accountId} (${node.instanceId})`;
    if (!n || !n.reachable) {
      f.push({
        kind: "unreachable",
        subject,
        message: `${node.accountId} did not answer through SSM${n?.error ? `: ${n.error}` : ""}`,
      });
      continue;
    }
    for (const s of n.secrets ?? []) {
      if (s.status === "ok") continue;
      const kind = s.status === "placeholder" ? "secret-placeholder" : s.status === "malformed" ? "secret-malformed" : "secret-missing";
      f.push({
        kind,
        subject,
        message: `secret ${s.name} is ${s.status === "placeholder" ? "a placeholder" : s.status} (value not shown)`,
      });
    }
    if (n.bootstrap?.state === "failed" && !(n.secrets ?? []).some((s) => s.status !== "ok")) {
      f.push({
        kind: "bootstrap-failed",
        subject,
        message: `${node.accountId}: the bootstrap stopped: ${n.bootstrap.error ?? "see its log"}`,
        evidence: n.bootstrap.lines.slice(-5).map(redact),
      });
    }
    f.push(...containerFindings(subject, n.container));
    if (n.live === false) {
      f.push({ kind: "node-not-live", subject, message: `${node.accountId}: /health on :8080 does not answer 200` });
    }
    if (baseHeight !== undefined && n.indexerHeight !== undefined && baseHeight - n.indexerHeight > INDEXER_LAG_BLOCKS) {
      f.push({
        kind: "indexer-lag",
        subject,
        message: `${node.accountId}: indexer at block ${n.indexerHeight}, base node at ${baseHeight}`,
      });
    }
    if (n.bootNodes && outputs.base) {
      const expected = outputs.base.bootNodes;
      const stale = n.bootNodes.filter((b) => !expected.includes(b));
      if (stale.length > 0 || (expected.length > 0 && !expected.every((b) => n.bootNodes!.includes(b)))) {
        f.push({
          kind: "stale-boot-nodes",
          subject,
          message: `${node.accountId} boots from ${n.bootNodes.join(", ") || "nothing"}, but Layer 1 publishes ${expected.join(", ")}`,
        });
      }
    }
  }
  const c = probe.contract;
  const expectedHash = mpc.codeHash ?? DEFAULT_SIGNER_CODE_HASH;
  if (!c.reachable) {
    f.push({
      kind: "unreachable",
      subject: mpc.contractId,
      message: `could not read the signer contract ${mpc.contractId}${c.error ? `: ${c.error}` : ""}`,
    });
  } else {
    if (!c.codeHash || c.codeHash === NO_CODE) {
      f.push({ kind: "contract-missing", subject: mpc.contractId, message: `${mpc.contractId} has no contract deployed` });
    } else if (c.codeHash !== expectedHash) {
      f.push({
        kind: "code-hash-mismatch",
        subject: mpc.contractId,
        message: `${mpc.contractId} runs code ${c.codeHash}, but the pinned code hash is ${expectedHash}`,
      });
    }
    if (c.state !== "Running") {
      f.push({
        kind: "contract-state",
        subject: mpc.contractId,
        message: `contract state is ${c.state ?? "unknown"}, expected Running`,
      });
    }
    const expectedParticipants = mpc.nodes.map((n) => n.accountId).sort();
    const actual = [...(c.participants ?? [])].sort();
    if (c.participants && actual.join(",") !== expectedParticipants.join(",")) {
      f.push({
        kind: "participants",
        subject: mpc.contractId,
        message: `participants on chain are [${actual.join(", ")}], expected [${expectedParticipants.join(", ")}]`,
      });
    }
    if (c.threshold !== undefined && mpc.threshold && c.threshold !== mpc.threshold) {
      f.push({
        kind: "threshold",
        subject: mpc.contractId,
        message: `threshold on chain is ${c.threshold}, configured ${mpc.threshold}`,
      });
    }
    const wanted = domainIds(mpc);
    const have = new Set(c.keysetDomains ?? []);
    const missing = wanted.filter((id) => !have.has(id));
    if (missing.length > 0) {
      f.push({
        kind: "domains",
        subject: mpc.contractId,
        message: `no key yet for domain${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (keyset covers [${[...have].join(", ")}])`,
      });
    }
  }
  return { layer: "mpc", done: f.length === 0, findings: f };
}

export function evaluateLayer(layer: LayerId, outputs: StackOutputs, probes: LayerProbes): LayerVerdict {
  switch (layer) {
    case "base":
      return evaluateBase(outputs.base, probes.base);
    case "services":
      return evaluateServices(outputs, probes.services);
    case "mpc":
      return evaluateMpc(outputs, probes.mpc, probes.base?.blockHeight);
  }
}
