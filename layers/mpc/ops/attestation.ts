// Participant attestations on the signer contract, and the restart that brings a node's back.
//
// What the contract holds and how it is judged: ./attestation-state.ts. A 3.14.1 node submits its
// participant info at start and retries with back-off (at most 60 s apart) for 12 hours, then its
// attestation task ends (near/mpc crates/node/src/tee/remote_attestation.rs MAX_RETRY_DURATION): a contract
// initialised later never sees that node attested until the node is restarted.
//
// The restart goes through the stack's restart document (it restarts the MPC node container and
// nothing else), sent from the instance that runs this operation with its role's narrow right to
// send that one document to the stack's MPC node instances.
import { runOperation, SsmChannelError, type SsmSender } from "../../../platform/ssm/channel.js";
import { OpsError } from "../../../platform/near/errors.js";
import { view, type NearConnection } from "../../../platform/near/client.js";
import { sleep } from "../../../platform/time.js";
import { readSignerState } from "./signer.js";
import { currentParameters } from "./state.js";
import { judgeAttestations, type AttestationState, type NodeAttestation } from "./attestation-state.js";

/** A participant as the deployment knows it: its account key and the instance its container runs on. */
export interface AttestedNode {
  accountId: string;
  /** The node's account key (its near_signer_key), "ed25519:...". */
  accountPublicKey: string;
  instanceId: string;
}

/** Each participant's attestation as the contract holds it, judged against the nodes' account keys. */
async function readAttestations(
  conn: NearConnection,
  contractId: string,
  nodes: readonly AttestedNode[],
): Promise<NodeAttestation[]> {
  const state = await readSignerState(conn, contractId);
  const params = currentParameters(state);
  if (!params)
    throw new OpsError("CHECK_FAILED", `${contractId} is not initialised: there are no participants to check`);
  return judgeAttestations(params, await view(conn, contractId, "get_tee_accounts", {}), contractId, nodes);
}

export interface RestartRecord {
  accountId: string;
  instanceId: string;
  /** What was done: the container was restarted, had only just started (left alone), or the restart failed. */
  action: "restarted" | "just-started" | "restart-failed";
  commandId?: string;
  error?: string;
  /** The node's attestation once the wait after the restart ended. */
  result?: AttestationState;
  /** What the restart document printed (its result line). */
  output?: string;
}

interface RestartOptions {
  ssm: SsmSender;
  /** The stack's restart document. */
  documentName: string;
  node: AttestedNode;
  /** Bound on the restart command, seconds. */
  timeoutSeconds: number;
  pollIntervalMs: number;
}

function lineOf(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" ? v : undefined;
  } catch {
    return undefined;
  }
}
const reportedAction = (text: string): RestartRecord["action"] =>
  lineOf(text)?.action === "just-started" ? "just-started" : "restarted";
const reportedError = (text: string): string | undefined => {
  const e = lineOf(text)?.error;
  return typeof e === "string" ? e : undefined;
};

/** Restarts one node's MPC container through the restart document; never throws (the record says what happened). */
async function restartNode(o: RestartOptions): Promise<RestartRecord> {
  const base = { accountId: o.node.accountId, instanceId: o.node.instanceId };
  try {
    const r = await runOperation({
      client: o.ssm,
      instanceId: o.node.instanceId,
      documentName: o.documentName,
      parameters: {},
      timeoutSeconds: o.timeoutSeconds,
      pollIntervalMs: o.pollIntervalMs,
      comment: `near-localnet restart ${o.node.accountId} (not attested)`,
    });
    const output = r.stdout.trim().split("\n").at(-1) ?? "";
    return { ...base, action: reportedAction(output), commandId: r.commandId, output };
  } catch (e) {
    if (!(e instanceof SsmChannelError)) throw e;
    // the script's own reason, when it gave one (layers/mpc/scripts/restart-node.sh)
    const reason = reportedError(e.stdout.trim().split("\n").at(-1) ?? "");
    return { ...base, action: "restart-failed", commandId: e.commandId, error: reason ?? `${e.code}: ${e.message}` };
  }
}

export interface EnsureAttestedOptions {
  contractId: string;
  nodes: AttestedNode[];
  restartDocument: string;
  /** How long a node may take to attest on its own before it is restarted. */
  graceMs: number;
  /** How long a restarted node may take to attest. */
  settleMs: number;
  pollMs: number;
  restartTimeoutSeconds: number;
  ssm: SsmSender;
  emit: (line: Record<string, unknown>) => void;
  log: (m: string) => void;
}

export interface EnsureAttestedResult {
  contractId: string;
  nodes: NodeAttestation[];
  restarts: RestartRecord[];
}

const pending = (list: NodeAttestation[]) => list.filter((a) => a.state !== "attested");
const TRANSIENT = new Set(["RPC_UNREACHABLE", "TIMEOUT", "RPC_ERROR"]);

/** readAttestations through passing RPC failures until `until` (epoch ms). */
async function readPatiently(
  conn: NearConnection,
  o: EnsureAttestedOptions,
  until: number,
): Promise<NodeAttestation[]> {
  for (;;) {
    try {
      return await readAttestations(conn, o.contractId, o.nodes);
    } catch (e) {
      if (!(e instanceof OpsError) || !TRANSIENT.has(e.code) || Date.now() >= until) throw e;
      o.log(`reading the attestations: ${e.message}; retrying`);
      await sleep(o.pollMs);
    }
  }
}

/** Polls until the given nodes are attested or `ms` passed; returns the last reading. */
async function pollAttested(
  conn: NearConnection,
  o: EnsureAttestedOptions,
  accounts: string[],
  ms: number,
): Promise<NodeAttestation[]> {
  const until = Date.now() + ms;
  for (;;) {
    const all = await readPatiently(conn, o, until);
    const mine = all.filter((a) => accounts.includes(a.accountId));
    if (pending(mine).length === 0 || Date.now() >= until) return all;
    await sleep(Math.min(o.pollMs, Math.max(0, until - Date.now())));
  }
}

/** The restart line every caller prints: which node, what was done, the result. */
function describeRestart(r: RestartRecord): string {
  const did =
    r.action === "restarted"
      ? `its MPC node container was restarted on ${r.instanceId} (command ${r.commandId})`
      : r.action === "just-started"
        ? `its MPC node container on ${r.instanceId} had only just started, so it was left to attest (command ${r.commandId})`
        : `restarting its MPC node container on ${r.instanceId} failed (${r.error})`;
  return `${r.accountId} was not attested: ${did}; afterwards: ${r.result ?? "not checked"}`;
}

/**
 * Every participant attested for its account key: a node that is not gets `graceMs` to
 * attest by itself, then its container is restarted and it gets `settleMs`. UNATTESTED names each
 * node still not attested, what was done and the result.
 */
export async function ensureAttested(conn: NearConnection, o: EnsureAttestedOptions): Promise<EnsureAttestedResult> {
  let all = await readPatiently(conn, o, Date.now() + o.graceMs);
  const restarts: RestartRecord[] = [];
  const emit = (a: NodeAttestation, extra: Record<string, unknown> = {}) =>
    o.emit({ event: "step", check: "attestation", accountId: a.accountId, state: a.state, ...extra });
  for (const a of all) emit(a);
  let waiting = pending(all).map((a) => a.accountId);
  if (waiting.length > 0) {
    o.log(`not attested yet: ${waiting.join(", ")}; giving them ${Math.round(o.graceMs / 1000)}s to attest`);
    all = await pollAttested(conn, o, waiting, o.graceMs);
    waiting = pending(all).map((a) => a.accountId);
  }
  for (const accountId of waiting) {
    const node = o.nodes.find((n) => n.accountId === accountId);
    if (!node) continue; // a participant this deployment does not run cannot be restarted
    const r = await restartNode({
      ssm: o.ssm,
      documentName: o.restartDocument,
      node,
      timeoutSeconds: o.restartTimeoutSeconds,
      pollIntervalMs: o.pollMs,
    });
    restarts.push(r);
    o.log(`${accountId}: ${r.action}${r.error ? ` (${r.error})` : ""}`);
  }
  if (restarts.length > 0) {
    all = await pollAttested(
      conn,
      o,
      restarts.map((r) => r.accountId),
      o.settleMs,
    );
    for (const r of restarts) {
      r.result = all.find((a) => a.accountId === r.accountId)?.state;
      o.log(describeRestart(r));
      emit(
        all.find((a) => a.accountId === r.accountId)!,
        { ...r, line: describeRestart(r) },
      );
    }
  }
  const still = pending(all);
  if (still.length > 0) {
    const what = still.map((a) => {
      const r = restarts.find((x) => x.accountId === a.accountId);
      return r
        ? describeRestart(r)
        : `${a.accountId} is not attested (${a.detail}) and runs on no instance of this stack`;
    });
    throw new OpsError("UNATTESTED", `${o.contractId}: ${what.join("; ")}`, {
      contractId: o.contractId,
      nodes: all,
      restarts,
    });
  }
  return { contractId: o.contractId, nodes: all, restarts };
}

export interface WatchOptions {
  contractId: string;
  nodes: AttestedNode[];
  restartDocument: string;
  /** How long a node may stay unattested during the wait before its container is restarted. */
  graceMs: number;
  restartTimeoutSeconds: number;
  pollMs: number;
  ssm: SsmSender;
  emit: (line: Record<string, unknown>) => void;
  log: (m: string) => void;
}

/**
 * The keygen wait's eye on attestations: at each poll it reads them; a node unattested for
 * `graceMs` is restarted, once per wait. `restarts` and `last` feed the wait's result and diagnostics.
 */
export class AttestationWatch {
  readonly restarts: RestartRecord[] = [];
  last: NodeAttestation[] = [];
  private readonly since = new Map<string, number>();

  constructor(private readonly o: WatchOptions) {}

  async poll(conn: NearConnection): Promise<void> {
    const now = Date.now();
    const before = new Map(this.last.map((a) => [a.accountId, a.state]));
    this.last = await readAttestations(conn, this.o.contractId, this.o.nodes);
    for (const a of this.last) {
      const r = this.restarts.find((x) => x.accountId === a.accountId);
      if (r) r.result = a.state;
      if (before.get(a.accountId) !== a.state)
        this.o.emit({ event: "step", check: "attestation", accountId: a.accountId, state: a.state, detail: a.detail });
      if (a.state === "attested") {
        this.since.delete(a.accountId);
        continue;
      }
      if (!this.since.has(a.accountId)) this.since.set(a.accountId, now);
      const node = this.o.nodes.find((n) => n.accountId === a.accountId);
      if (!node || r || now - this.since.get(a.accountId)! < this.o.graceMs) continue;
      const done = await restartNode({
        ssm: this.o.ssm,
        documentName: this.o.restartDocument,
        node,
        timeoutSeconds: this.o.restartTimeoutSeconds,
        pollIntervalMs: this.o.pollMs,
      });
      done.result = a.state;
      this.restarts.push(done);
      this.o.log(describeRestart(done));
      this.o.emit({ event: "step", check: "attestation", ...done, line: describeRestart(done) });
    }
  }

  /** For the wait's timeout message: the nodes still unattested and what was done about them. */
  text(): string {
    const parts = this.last
      .filter((a) => a.state !== "attested")
      .map((a) => {
        const r = this.restarts.find((x) => x.accountId === a.accountId);
        return r ? describeRestart(r) : `${a.accountId} is not attested (${a.detail})`;
      });
    return parts.join("; ");
  }
}
