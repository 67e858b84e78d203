// The MPC operations of the ops bundle (Layer 3 adds them through layers/mpc/ops/operations-table.ts):
//
//   mpc-setup-signer  payload = SignerPlanOptions (signer.ts): accounts, contract, guarded init.
//   mpc-vote-domains  {contractId?, accountId, key, schemes?, reconstructionThreshold?, rpcUrl?, chainId?}
//                     runs on node i's instance with that node's key reference; skips when keygen
//                     is already complete (or in progress for these domains) or this participant
//                     already voted the same proposal; otherwise sends vote_add_domains.
//   mpc-wait-keygen   {contractId?, schemes?, timeoutMs?, pollMs?, heartbeatMs?, rpcUrl?, chainId?}
//                     polls `state` until Running with a key for every configured scheme; step
//                     lines when the state changes (and a heartbeat); on timeout a TIMEOUT error
//                     whose message is the diagnostic summary (also sent as a "diagnostics" step).
//                     With `attestation` (see attestationOf) it also watches the participants' attestations
//                     and restarts a node that stays unattested (ops/attestation.ts).
//   mpc-root-keys     {contractId?, schemes?, rpcUrl?, chainId?}: `public_key {domain_id}` per domain.
//   mpc-ensure-attested {contractId?, rpcUrl?, chainId?, attestation, pollMs?}: every
//                     participant attested for its account key; one that is not after graceMs has its MPC node
//                     container restarted and gets settleMs; UNATTESTED (which node, what was done, the result)
//                     otherwise.
import { SSMClient } from "@aws-sdk/client-ssm";
import { actions } from "near-api-js";
import { OpsError } from "../../../platform/near/errors.js";
import type { OperationContext, OperationTable } from "../../../platform/near/operation.js";
import { LOCAL_RPC_URL } from "../../../platform/near/ports.js";
import { connect, sendTransaction, view, type NearConnection } from "../../../platform/near/client.js";
import { isValidAccountId } from "../../../platform/near/account-id.js";
import { sleep } from "../../../platform/time.js";
import {
  DEFAULT_SCHEMES,
  addDomainsArgs,
  normaliseEd25519PublicKey,
  parseSchemes,
  type DomainConfig,
  type Scheme,
} from "./args.js";
import { SIGNER_CALL_GAS, SIGNER_CONTRACT_ACCOUNT } from "./constants.js";
import { readSignerState, setupSigner, type SignerPlanOptions } from "./signer.js";
import { AttestationWatch, ensureAttested, type AttestedNode } from "./attestation.js";
import {
  currentParameters,
  hasVotedFor,
  keygenComplete,
  missingSchemes,
  participantByAccount,
  schemeStatus,
  summariseState,
  type ContractState,
  type StateSummary,
} from "./state.js";

const invalid = (m: string) => new OpsError("INVALID_INPUT", m);

function optString(payload: Record<string, unknown>, field: string): string | undefined {
  const v = payload[field];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "") throw invalid(`payload.${field} must be a non-empty string`);
  return v;
}
function optNumber(payload: Record<string, unknown>, field: string, min: number): number | undefined {
  const v = payload[field];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min)
    throw invalid(`payload.${field} must be a number >= ${min}`);
  return v;
}
function contractIdOf(payload: Record<string, unknown>): string {
  const id = optString(payload, "contractId") ?? SIGNER_CONTRACT_ACCOUNT;
  if (!isValidAccountId(id)) throw invalid(`payload.contractId "${id}" is not an account id`);
  return id;
}
function schemesOf(payload: Record<string, unknown>): Scheme[] {
  return payload.schemes === undefined ? [...DEFAULT_SCHEMES] : parseSchemes(payload.schemes);
}
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const DOCUMENT_NAME = /^[a-zA-Z0-9_.-]{3,128}$/;

interface AttestationConfig {
  nodes: AttestedNode[];
  restartDocument: string;
  graceMs: number;
  settleMs: number;
  restartTimeoutSeconds: number;
}

/**
 * payload.attestation = {restartDocument, nodes: [{accountId, accountPublicKey, instanceId}], graceMs?,
 * settleMs?, restartTimeoutSeconds?}: no secret, only public keys and instance ids. Defaults: a node gets
 * 120 s to attest by itself (its retries are at most 60 s apart), 900 s after a restart (its neard catches
 * up first), the restart command 120 s.
 */
function attestationOf(value: unknown): AttestationConfig {
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw invalid("payload.attestation must be an object");
  const a = value as Record<string, unknown>;
  const restartDocument = optString(a, "restartDocument");
  if (!restartDocument || !DOCUMENT_NAME.test(restartDocument))
    throw invalid("payload.attestation.restartDocument must be an SSM document name");
  if (!Array.isArray(a.nodes) || a.nodes.length === 0)
    throw invalid("payload.attestation.nodes must list the MPC nodes");
  const nodes = a.nodes.map((n: any, i: number): AttestedNode => {
    const at = `payload.attestation.nodes[${i}]`;
    if (!n || typeof n.accountId !== "string" || !isValidAccountId(n.accountId))
      throw invalid(`${at}.accountId must be an account id`);
    if (typeof n.instanceId !== "string" || !INSTANCE_ID.test(n.instanceId))
      throw invalid(`${at}.instanceId must be an EC2 instance id`);
    return {
      accountId: n.accountId,
      instanceId: n.instanceId,
      accountPublicKey: normaliseEd25519PublicKey(n.accountPublicKey, `${at}.accountPublicKey`),
    };
  });
  return {
    nodes,
    restartDocument,
    graceMs: optNumber(a, "graceMs", 0) ?? 120_000,
    settleMs: optNumber(a, "settleMs", 0) ?? 900_000,
    restartTimeoutSeconds: optNumber(a, "restartTimeoutSeconds", 1) ?? 120,
  };
}

/** The SSM client restarts go through: the context's (tests), else one for the instance's region (AWS_REGION). */
function ssmOf(ctx: OperationContext): NonNullable<OperationContext["ssm"]> {
  return ctx.ssm ?? new SSMClient({});
}

async function connectFor(payload: Record<string, unknown>, ctx: OperationContext): Promise<NearConnection> {
  const chainId = optString(payload, "chainId");
  return connect(optString(payload, "rpcUrl") ?? LOCAL_RPC_URL, {
    ...ctx.connectOptions,
    ...(chainId ? { expectChainId: chainId } : {}),
  });
}

/**
 * The domains still to add for the configured schemes, as every node computes them: ids from the
 * registry's next_domain_id, reconstruction threshold = the governance threshold unless given.
 * undefined when every scheme already has a domain.
 */
function proposalFor(
  state: ContractState,
  schemes: readonly Scheme[],
  reconstructionThreshold?: number,
): DomainConfig[] | undefined {
  if (state.phase !== "Running") return undefined;
  const missing = missingSchemes(state, schemes);
  if (missing.length === 0) return undefined;
  return addDomainsArgs(missing, reconstructionThreshold ?? state.parameters.threshold, {
    firstId: state.nextDomainId,
    participants: state.parameters.participants.length,
  }).domains;
}

// ------------------------------------------------------------------------------------------ vote

interface VoteResult {
  action: "voted" | "skipped";
  reason?: "keygen-complete" | "keygen-in-progress" | "already-voted";
  contractId: string;
  accountId: string;
  participantId: number;
  domains?: DomainConfig[];
  txHash?: string;
  phase: ContractState["phase"];
  /** After the vote: participants still to vote for the same proposal. */
  waitingFor?: string[];
}

async function voteDomains(
  conn: NearConnection,
  p: {
    contractId: string;
    accountId: string;
    keyPair: import("near-api-js").KeyPair;
    schemes: Scheme[];
    reconstructionThreshold?: number;
  },
): Promise<VoteResult> {
  const state = await readSignerState(conn, p.contractId);
  if (state.phase === "NotInitialized") {
    throw new OpsError(
      "CHECK_FAILED",
      `${p.contractId} is not initialised: run mpc-setup-signer (init) before voting for domains`,
    );
  }
  const me = participantByAccount(state, p.accountId);
  if (!me) {
    const list = currentParameters(state)!
      .participants.map((x) => x.accountId)
      .join(", ");
    throw new OpsError(
      "CHECK_FAILED",
      `${p.accountId} is not a participant of ${p.contractId} (participants: ${list})`,
    );
  }
  const base = { contractId: p.contractId, accountId: p.accountId, participantId: me.id };
  if (keygenComplete(state, p.schemes))
    return { ...base, action: "skipped", reason: "keygen-complete", phase: state.phase };
  if (state.phase === "Initializing") {
    if (missingSchemes(state, p.schemes).length === 0) {
      return { ...base, action: "skipped", reason: "keygen-in-progress", phase: state.phase };
    }
    throw new OpsError(
      "CHECK_FAILED",
      `${p.contractId} is generating keys for other domains (${summariseState(state, p.schemes).text}); vote again once it is Running`,
    );
  }
  if (state.phase === "Resharing") {
    throw new OpsError("CHECK_FAILED", `${p.contractId} is resharing; domains can only be added while Running`);
  }
  const domains = proposalFor(state, p.schemes, p.reconstructionThreshold)!;
  if (hasVotedFor(state, p.accountId, domains)) {
    return {
      ...base,
      action: "skipped",
      reason: "already-voted",
      domains,
      phase: state.phase,
      waitingFor: summariseState(state, p.schemes, domains).missingParticipants,
    };
  }
  const r = await sendTransaction(conn, { accountId: p.accountId, keyPair: p.keyPair }, p.contractId, [
    actions.functionCall("vote_add_domains", { domains }, SIGNER_CALL_GAS, 0n),
  ]);
  const after = await readSignerState(conn, p.contractId);
  // the last vote moves the contract to Initializing; otherwise our vote must be recorded
  if (after.phase === "Running" && !keygenComplete(after, p.schemes) && !hasVotedFor(after, p.accountId, domains)) {
    throw new OpsError(
      "POSTCONDITION_FAILED",
      `after vote_add_domains, ${p.contractId} does not show the vote of ${p.accountId}`,
      { txHash: r.txHash },
    );
  }
  return {
    ...base,
    action: "voted",
    domains,
    txHash: r.txHash,
    phase: after.phase,
    waitingFor: after.phase === "Running" ? summariseState(after, p.schemes, domains).missingParticipants : [],
  };
}

// ------------------------------------------------------------------------------------------ wait

interface WaitOptions {
  contractId: string;
  schemes: Scheme[];
  timeoutMs: number;
  pollMs: number;
  /** Emit a progress line at least this often even when nothing changed. */
  heartbeatMs: number;
  emit: (line: Record<string, unknown>) => void;
  log: (m: string) => void;
  /** Watches the participants' attestations and restarts a node that stays unattested. */
  watch?: AttestationWatch;
}

interface KeygenResult {
  contractId: string;
  phase: "Running";
  elapsedMs: number;
  domains: { scheme: Scheme; domainId: number; publicKey: string }[];
  /** Nodes restarted during the wait because they were not attested (with the attestation after). */
  restarts?: AttestationWatch["restarts"];
}

const TRANSIENT = new Set(["RPC_UNREACHABLE", "TIMEOUT", "RPC_ERROR"]);

/** The chain's head, for telling an expired keygen attempt from an active one; undefined when /status fails. */
async function headHeight(conn: NearConnection): Promise<number | undefined> {
  try {
    const s = (await conn.provider.viewNodeStatus()) as { sync_info?: { latest_block_height?: number } };
    return s.sync_info?.latest_block_height;
  } catch {
    return undefined;
  }
}

/** Polls `state` until keygen is complete for every scheme; TIMEOUT with diagnostics otherwise. */
async function waitForKeygen(conn: NearConnection, o: WaitOptions): Promise<KeygenResult> {
  const start = Date.now();
  let lastText = "";
  let lastEmit = 0;
  let summary: StateSummary | undefined;
  let lastError: string | undefined;
  for (let poll = 1; ; poll++) {
    const elapsedMs = Date.now() - start;
    try {
      const state = await readSignerState(conn, o.contractId);
      lastError = undefined;
      summary = summariseState(state, o.schemes, proposalFor(state, o.schemes), await headHeight(conn));
      if (keygenComplete(state, o.schemes)) {
        const domains = schemeStatus(state, o.schemes).map((s) => ({
          scheme: s.scheme,
          domainId: s.domainId!,
          publicKey: s.publicKey!,
        }));
        o.emit({ event: "step", check: "keygen", phase: state.phase, elapsedMs, done: true, state: summary.text });
        const restarts = o.watch?.restarts.length ? { restarts: o.watch.restarts } : {};
        return { contractId: o.contractId, phase: "Running", elapsedMs, domains, ...restarts };
      }
      if (state.phase !== "NotInitialized") await o.watch?.poll(conn);
      if (summary.text !== lastText || Date.now() - lastEmit >= o.heartbeatMs) {
        o.emit({
          event: "step",
          check: "keygen",
          phase: state.phase,
          elapsedMs,
          done: false,
          state: summary.text,
          missing: summary.missingParticipants,
        });
        o.log(`${Math.round(elapsedMs / 1000)}s: ${summary.text}`);
        lastText = summary.text;
        lastEmit = Date.now();
      }
    } catch (e) {
      // the contract answered with something we do not understand: waiting will not help
      if (!(e instanceof OpsError) || !TRANSIENT.has(e.code)) throw e;
      lastError = e.message;
      o.log(`poll ${poll}: ${e.message}; retrying`);
    }
    if (Date.now() - start >= o.timeoutMs) {
      const unattested = o.watch?.text();
      const text = `${summary ? summary.text : "the contract state could not be read"}${unattested ? `; ${unattested}` : ""}`;
      o.emit({
        event: "step",
        check: "keygen",
        diagnostics: summary ?? null,
        ...(o.watch ? { attestations: o.watch.last, restarts: o.watch.restarts } : {}),
        lastError: lastError ?? null,
        elapsedMs: Date.now() - start,
        done: false,
      });
      throw new OpsError(
        "TIMEOUT",
        `keygen on ${o.contractId} not complete after ${Math.round((Date.now() - start) / 1000)} s: ${text}${lastError ? `; last error: ${lastError}` : ""}`,
        { contractId: o.contractId, summary: summary ?? null, lastError: lastError ?? null },
      );
    }
    await sleep(Math.min(o.pollMs, Math.max(0, o.timeoutMs - (Date.now() - start))));
  }
}

// ------------------------------------------------------------------------------------------ root keys

interface RootKey {
  domainId: number;
  scheme?: Scheme;
  protocol: string;
  purpose: string;
  publicKey: string;
}

/** `public_key {domain_id}` for each domain (only the configured schemes' when given); checked against the keyset. */
async function rootKeys(conn: NearConnection, contractId: string, schemes?: Scheme[]): Promise<RootKey[]> {
  const state = await readSignerState(conn, contractId);
  if (state.phase !== "Running" || (schemes && !keygenComplete(state, schemes))) {
    throw new OpsError(
      "CHECK_FAILED",
      `${contractId} has no complete keyset yet: ${summariseState(state, schemes ?? []).text}`,
    );
  }
  const byScheme = new Map(schemes ? schemeStatus(state, schemes).map((s) => [s.domainId!, s.scheme] as const) : []);
  const domains = schemes ? state.domains.filter((d) => byScheme.has(d.id)) : state.domains;
  const out: RootKey[] = [];
  for (const d of domains) {
    const pk = await view(conn, contractId, "public_key", { domain_id: d.id });
    if (typeof pk !== "string")
      throw new OpsError("CHECK_FAILED", `${contractId}.public_key for domain ${d.id} returned ${JSON.stringify(pk)}`);
    const inKeyset = state.keys.find((k) => k.domainId === d.id)?.publicKey;
    if (inKeyset !== undefined && inKeyset !== pk) {
      throw new OpsError(
        "CHECK_FAILED",
        `${contractId}: public_key for domain ${d.id} is ${pk} but the keyset holds ${inKeyset}`,
      );
    }
    const key: RootKey = { domainId: d.id, protocol: d.protocol, purpose: d.purpose, publicKey: pk };
    const scheme = byScheme.get(d.id);
    if (scheme) key.scheme = scheme;
    out.push(key);
  }
  return out;
}

// ------------------------------------------------------------------------------------------ handlers

export const mpcOperations: OperationTable = {
  "mpc-setup-signer": async (payload, ctx) => {
    const r = await setupSigner(payload as unknown as SignerPlanOptions, {
      keys: ctx.keys,
      emit: ctx.emit,
      connectOptions: ctx.connectOptions,
    });
    return { ...r };
  },

  "mpc-vote-domains": async (payload, ctx) => {
    const contractId = contractIdOf(payload);
    const accountId = optString(payload, "accountId");
    if (!accountId || !isValidAccountId(accountId)) throw invalid(`payload.accountId must be the node's account id`);
    const keyRef = optString(payload, "key");
    if (!keyRef) throw invalid("payload.key must be the node account key's reference (ssm:, secretsmanager: or env:)");
    const schemes = schemesOf(payload);
    const reconstructionThreshold = optNumber(payload, "reconstructionThreshold", 2);
    const keyPair = await ctx.keys.resolve(keyRef);
    const conn = await connectFor(payload, ctx);
    const r = await voteDomains(conn, { contractId, accountId, keyPair, schemes, reconstructionThreshold });
    ctx.emit({
      event: "step",
      action: r.action,
      ...(r.reason ? { reason: r.reason } : {}),
      target: `${contractId}.vote_add_domains`,
      accountId,
      phase: r.phase,
    });
    return { ...r };
  },

  "mpc-wait-keygen": async (payload, ctx) => {
    const contractId = contractIdOf(payload);
    const schemes = schemesOf(payload);
    const pollMs = optNumber(payload, "pollMs", 1) ?? 5_000;
    const attestation = payload.attestation === undefined ? undefined : attestationOf(payload.attestation);
    const conn = await connectFor(payload, ctx);
    const watch = attestation
      ? new AttestationWatch({ ...attestation, contractId, pollMs, ssm: ssmOf(ctx), emit: ctx.emit, log: ctx.log })
      : undefined;
    const r = await waitForKeygen(conn, {
      contractId,
      schemes,
      timeoutMs: optNumber(payload, "timeoutMs", 0) ?? 20 * 60_000,
      pollMs,
      heartbeatMs: optNumber(payload, "heartbeatMs", 0) ?? 60_000,
      emit: ctx.emit,
      log: ctx.log,
      watch,
    });
    return { ...r };
  },

  "mpc-ensure-attested": async (payload, ctx) => {
    const contractId = contractIdOf(payload);
    const attestation = attestationOf(payload.attestation);
    const only = payload.only === undefined ? undefined : payload.only;
    if (
      only !== undefined &&
      (!Array.isArray(only) || !only.every((x) => typeof x === "string" && isValidAccountId(x)))
    )
      throw invalid("payload.only must list account ids");
    const conn = await connectFor(payload, ctx);
    const r = await ensureAttested(conn, {
      ...attestation,
      contractId,
      pollMs: optNumber(payload, "pollMs", 1) ?? 5_000,
      ssm: ssmOf(ctx),
      emit: ctx.emit,
      log: ctx.log,
    });
    return { ...r };
  },

  "mpc-root-keys": async (payload, ctx) => {
    const contractId = contractIdOf(payload);
    const schemes = payload.schemes === undefined ? undefined : parseSchemes(payload.schemes);
    const conn = await connectFor(payload, ctx);
    return { contractId, keys: await rootKeys(conn, contractId, schemes) };
  },
};
