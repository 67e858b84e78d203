// The signer contract's `state` view (near/mpc 3.14.1, near-mpc-contract-interface
// types/state.rs), parsed into a typed union. The JSON is serde's externally tagged enum:
//
//   "NotInitialized"
//   {"Running": {domains: {domains: [DomainConfig], next_domain_id}, keyset: {epoch_id,
//     domains: [{domain_id, key: PublicKeyExtended, attempt}]}, parameters: {participants:
//     {next_id, participants: [[account, id, {url, tls_public_key}]]}, threshold},
//     parameters_votes: {proposal_by_account: {...}}, add_domains_votes: {proposal_by_account:
//     {"<participant id>": [DomainConfig]}}, previously_cancelled_resharing_epoch_id}}
//   {"Initializing": {domains, epoch_id, generated_keys: [KeyForDomain], generating_key:
//     KeyEvent {epoch_id, domain, parameters, instance: null | {attempt_id, started_in,
//     expires_on, completed: [participant id], public_key}, next_attempt_id}, cancel_votes: [id]}}
//   {"Resharing": {previous_running_state: Running, reshared_keys, resharing_key: KeyEvent,
//     cancellation_requests: [account], per_domain_thresholds}}
//
// PublicKeyExtended is {"Secp256k1": {near_public_key}} | {"Ed25519": {near_public_key_compressed,
// edwards_point}} | {"Bls12381": {public_key}}.
import { isDeepStrictEqual } from "node:util";
import { OpsError } from "../../../platform/near/errors.js";
import {
  PROTOCOLS,
  PURPOSES,
  SCHEMES,
  type DomainPurpose,
  type Protocol,
  type Scheme,
} from "../../../platform/chainsig/schemes.js";
import type { DomainConfig } from "./args.js";

export interface Participant {
  accountId: string;
  id: number;
  url: string;
  tlsPublicKey: string;
}

export interface ThresholdParameters {
  threshold: number;
  nextId: number;
  participants: Participant[];
}

interface DomainKey {
  domainId: number;
  attempt: number;
  curve: "Secp256k1" | "Ed25519" | "Bls12381";
  /** The root public key in NEAR string form ("secp256k1:...", "ed25519:...", "bls12381g2:..."). */
  publicKey: string;
}

interface KeyEventInstance {
  attemptId: number;
  startedIn: number;
  expiresOn: number;
  completed: number[];
  hasPublicKey: boolean;
}

interface KeyEvent {
  epochId: number;
  domain: DomainConfig;
  parameters: ThresholdParameters;
  instance: KeyEventInstance | null;
  nextAttemptId: number;
}

interface RunningState {
  phase: "Running";
  domains: DomainConfig[];
  nextDomainId: number;
  epochId: number;
  keys: DomainKey[];
  parameters: ThresholdParameters;
  /** participant id -> the domains it voted to add */
  addDomainsVotes: Map<number, DomainConfig[]>;
}

interface InitializingState {
  phase: "Initializing";
  domains: DomainConfig[];
  nextDomainId: number;
  epochId: number;
  generatedKeys: DomainKey[];
  generating: KeyEvent;
  cancelVotes: number[];
}

interface ResharingState {
  phase: "Resharing";
  previous: RunningState;
  resharedKeys: DomainKey[];
  resharing: KeyEvent;
}

export type ContractState = { phase: "NotInitialized" } | RunningState | InitializingState | ResharingState;

// ------------------------------------------------------------------------------------------ parsing

class ShapeError extends Error {}

type Obj = Record<string, unknown>;
function obj(v: unknown, at: string): Obj {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new ShapeError(`${at} is not an object`);
  return v as Obj;
}
function arr(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) throw new ShapeError(`${at} is not a list`);
  return v;
}
function num(v: unknown, at: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new ShapeError(`${at} is not a whole number`);
  return v;
}
function str(v: unknown, at: string): string {
  if (typeof v !== "string") throw new ShapeError(`${at} is not a string`);
  return v;
}
function oneOf<T extends string>(v: unknown, allowed: readonly T[], at: string): T {
  if (typeof v !== "string" || !allowed.includes(v as T)) {
    throw new ShapeError(`${at} is ${JSON.stringify(v)}, not one of ${allowed.join(", ")}`);
  }
  return v as T;
}

function domainConfig(v: unknown, at: string): DomainConfig {
  const o = obj(v, at);
  return {
    id: num(o.id, `${at}.id`),
    protocol: oneOf(o.protocol, PROTOCOLS, `${at}.protocol`),
    reconstruction_threshold: num(o.reconstruction_threshold, `${at}.reconstruction_threshold`),
    purpose: oneOf(o.purpose, PURPOSES, `${at}.purpose`),
  };
}

function registry(v: unknown, at: string): { domains: DomainConfig[]; nextDomainId: number } {
  const o = obj(v, at);
  return {
    domains: arr(o.domains, `${at}.domains`).map((d, i) => domainConfig(d, `${at}.domains[${i}]`)),
    nextDomainId: num(o.next_domain_id, `${at}.next_domain_id`),
  };
}

function publicKeyExtended(v: unknown, at: string): { curve: DomainKey["curve"]; publicKey: string } {
  const o = obj(v, at);
  const tags = Object.keys(o);
  if (tags.length !== 1) throw new ShapeError(`${at} is not a tagged public key`);
  const inner = obj(o[tags[0]], `${at}.${tags[0]}`);
  switch (tags[0]) {
    case "Secp256k1":
      return { curve: "Secp256k1", publicKey: str(inner.near_public_key, `${at}.Secp256k1.near_public_key`) };
    case "Ed25519":
      return {
        curve: "Ed25519",
        publicKey: str(inner.near_public_key_compressed, `${at}.Ed25519.near_public_key_compressed`),
      };
    case "Bls12381":
      return { curve: "Bls12381", publicKey: str(inner.public_key, `${at}.Bls12381.public_key`) };
    default:
      throw new ShapeError(`${at} has unknown key type ${tags[0]}`);
  }
}

function keyForDomain(v: unknown, at: string): DomainKey {
  const o = obj(v, at);
  return {
    domainId: num(o.domain_id, `${at}.domain_id`),
    attempt: num(o.attempt, `${at}.attempt`),
    ...publicKeyExtended(o.key, `${at}.key`),
  };
}

function parameters(v: unknown, at: string): ThresholdParameters {
  const o = obj(v, at);
  const p = obj(o.participants, `${at}.participants`);
  return {
    threshold: num(o.threshold, `${at}.threshold`),
    nextId: num(p.next_id, `${at}.participants.next_id`),
    participants: arr(p.participants, `${at}.participants.participants`).map((t, i) => {
      const w = `${at}.participants.participants[${i}]`;
      const tuple = arr(t, w);
      if (tuple.length !== 3) throw new ShapeError(`${w} is not [account, id, info]`);
      const info = obj(tuple[2], `${w}[2]`);
      return {
        accountId: str(tuple[0], `${w}[0]`),
        id: num(tuple[1], `${w}[1]`),
        url: str(info.url, `${w}[2].url`),
        tlsPublicKey: str(info.tls_public_key, `${w}[2].tls_public_key`),
      };
    }),
  };
}

function keyEvent(v: unknown, at: string): KeyEvent {
  const o = obj(v, at);
  let instance: KeyEventInstance | null = null;
  if (o.instance !== null && o.instance !== undefined) {
    const i = obj(o.instance, `${at}.instance`);
    instance = {
      attemptId: num(i.attempt_id, `${at}.instance.attempt_id`),
      startedIn: num(i.started_in, `${at}.instance.started_in`),
      expiresOn: num(i.expires_on, `${at}.instance.expires_on`),
      completed: arr(i.completed, `${at}.instance.completed`).map((c, k) => num(c, `${at}.instance.completed[${k}]`)),
      hasPublicKey: i.public_key !== null && i.public_key !== undefined,
    };
  }
  return {
    epochId: num(o.epoch_id, `${at}.epoch_id`),
    domain: domainConfig(o.domain, `${at}.domain`),
    parameters: parameters(o.parameters, `${at}.parameters`),
    instance,
    nextAttemptId: num(o.next_attempt_id, `${at}.next_attempt_id`),
  };
}

function running(v: unknown, at: string): RunningState {
  const o = obj(v, at);
  const reg = registry(o.domains, `${at}.domains`);
  const keyset = obj(o.keyset, `${at}.keyset`);
  const votes = obj(
    obj(o.add_domains_votes, `${at}.add_domains_votes`).proposal_by_account,
    `${at}.add_domains_votes.proposal_by_account`,
  );
  const addDomainsVotes = new Map<number, DomainConfig[]>();
  for (const [k, list] of Object.entries(votes)) {
    const w = `${at}.add_domains_votes.proposal_by_account["${k}"]`;
    if (!/^\d+$/.test(k)) throw new ShapeError(`${w}: key is not a participant id`);
    addDomainsVotes.set(
      Number(k),
      arr(list, w).map((d, i) => domainConfig(d, `${w}[${i}]`)),
    );
  }
  return {
    phase: "Running",
    domains: reg.domains,
    nextDomainId: reg.nextDomainId,
    epochId: num(keyset.epoch_id, `${at}.keyset.epoch_id`),
    keys: arr(keyset.domains, `${at}.keyset.domains`).map((k, i) => keyForDomain(k, `${at}.keyset.domains[${i}]`)),
    parameters: parameters(o.parameters, `${at}.parameters`),
    addDomainsVotes,
  };
}

function initializing(v: unknown, at: string): InitializingState {
  const o = obj(v, at);
  const reg = registry(o.domains, `${at}.domains`);
  return {
    phase: "Initializing",
    domains: reg.domains,
    nextDomainId: reg.nextDomainId,
    epochId: num(o.epoch_id, `${at}.epoch_id`),
    generatedKeys: arr(o.generated_keys, `${at}.generated_keys`).map((k, i) =>
      keyForDomain(k, `${at}.generated_keys[${i}]`),
    ),
    generating: keyEvent(o.generating_key, `${at}.generating_key`),
    cancelVotes: arr(o.cancel_votes ?? [], `${at}.cancel_votes`).map((c, i) => num(c, `${at}.cancel_votes[${i}]`)),
  };
}

function resharing(v: unknown, at: string): ResharingState {
  const o = obj(v, at);
  return {
    phase: "Resharing",
    previous: running(o.previous_running_state, `${at}.previous_running_state`),
    resharedKeys: arr(o.reshared_keys, `${at}.reshared_keys`).map((k, i) =>
      keyForDomain(k, `${at}.reshared_keys[${i}]`),
    ),
    resharing: keyEvent(o.resharing_key, `${at}.resharing_key`),
  };
}

/** Parses the `state` view's JSON; anything else fails with CHECK_FAILED naming what is off. */
export function parseContractState(json: unknown, contractId = "the signer contract"): ContractState {
  const fail = (why: string) =>
    new OpsError(
      "CHECK_FAILED",
      `unrecognised state from ${contractId}: ${why} (got ${JSON.stringify(json)?.slice(0, 300)})`,
    );
  if (json === "NotInitialized") return { phase: "NotInitialized" };
  if (!json || typeof json !== "object" || Array.isArray(json) || Object.keys(json).length !== 1) {
    throw fail('expected "NotInitialized" or one of {Running|Initializing|Resharing: {...}}');
  }
  const [tag, body] = Object.entries(json as Obj)[0];
  try {
    switch (tag) {
      case "Running":
        return running(body, "Running");
      case "Initializing":
        return initializing(body, "Initializing");
      case "Resharing":
        return resharing(body, "Resharing");
      default:
        throw new ShapeError(`unknown phase ${JSON.stringify(tag)}`);
    }
  } catch (e) {
    if (e instanceof ShapeError) throw fail(e.message);
    throw e;
  }
}

// ------------------------------------------------------------------------------------------ questions

/** The governing parameters (participants, threshold) of any initialised state. */
export function currentParameters(state: ContractState): ThresholdParameters | undefined {
  switch (state.phase) {
    case "Running":
      return state.parameters;
    case "Initializing":
      return state.generating.parameters;
    case "Resharing":
      return state.previous.parameters;
    default:
      return undefined;
  }
}

/** Domain ids that have a root key in the current keyset. */
export function domainsWithKeys(state: ContractState): number[] {
  switch (state.phase) {
    case "Running":
      return state.keys.map((k) => k.domainId);
    case "Initializing":
      return state.generatedKeys.map((k) => k.domainId);
    case "Resharing":
      return state.previous.keys.map((k) => k.domainId);
    default:
      return [];
  }
}

/** The domains the contract has registered (in any initialised state). */
export function domainRegistry(state: ContractState): DomainConfig[] {
  switch (state.phase) {
    case "Running":
    case "Initializing":
      return state.domains;
    case "Resharing":
      return state.previous.domains;
    default:
      return [];
  }
}

export interface SchemeStatus {
  scheme: Scheme;
  protocol: Protocol;
  purpose: DomainPurpose;
  /** The registry's domain for this scheme, when there is one. */
  domainId?: number;
  hasKey: boolean;
  publicKey?: string;
}

/** For each configured scheme: its domain in the registry (first with the same protocol and purpose) and key. */
export function schemeStatus(state: ContractState, schemes: readonly Scheme[]): SchemeStatus[] {
  const reg = domainRegistry(state);
  const keys =
    state.phase === "Running"
      ? state.keys
      : state.phase === "Initializing"
        ? state.generatedKeys
        : state.phase === "Resharing"
          ? state.previous.keys
          : [];
  return schemes.map((scheme) => {
    const { protocol, purpose } = SCHEMES[scheme];
    const d = reg.find((x) => x.protocol === protocol && x.purpose === purpose);
    const key = d ? keys.find((k) => k.domainId === d.id) : undefined;
    return { scheme, protocol, purpose, domainId: d?.id, hasKey: !!key, publicKey: key?.publicKey };
  });
}

/** Keygen is complete when the contract is Running with a key for every configured scheme's domain. */
export function keygenComplete(state: ContractState, schemes: readonly Scheme[]): boolean {
  return state.phase === "Running" && schemeStatus(state, schemes).every((s) => s.hasKey);
}

/** The configured schemes that have no domain in the registry yet (what a vote must add). */
export function missingSchemes(state: ContractState, schemes: readonly Scheme[]): Scheme[] {
  return schemeStatus(state, schemes)
    .filter((s) => s.domainId === undefined)
    .map((s) => s.scheme);
}

export function participantByAccount(state: ContractState, accountId: string): Participant | undefined {
  return currentParameters(state)?.participants.find((p) => p.accountId === accountId);
}

/** Whether `accountId` has already voted (Running) to add exactly these domains. */
export function hasVotedFor(state: ContractState, accountId: string, domains: DomainConfig[]): boolean {
  if (state.phase !== "Running") return false;
  const p = participantByAccount(state, accountId);
  if (!p) return false;
  const vote = state.addDomainsVotes.get(p.id);
  return !!vote && isDeepStrictEqual(vote.map(canonicalDomain), domains.map(canonicalDomain));
}

function canonicalDomain(d: DomainConfig): DomainConfig {
  return { id: d.id, protocol: d.protocol, reconstruction_threshold: d.reconstruction_threshold, purpose: d.purpose };
}

/** Participants (account ids) that have not voted for exactly these domains. */
function pendingVoters(state: RunningState, domains: DomainConfig[]): string[] {
  return state.parameters.participants.filter((p) => !hasVotedFor(state, p.accountId, domains)).map((p) => p.accountId);
}

// ------------------------------------------------------------------------------------------ diagnostics

export interface StateSummary {
  phase: ContractState["phase"];
  /** One line for people. */
  text: string;
  threshold?: number;
  participants?: string[];
  domains: { id: number; protocol: Protocol; purpose: DomainPurpose; hasKey: boolean }[];
  schemes: { scheme: Scheme; domainId?: number; hasKey: boolean }[];
  /** Running: votes for adding domains, by account. */
  votes?: Record<string, DomainConfig[]>;
  /** Initializing / Resharing: the key event in progress. */
  keyEvent?: {
    domainId: number;
    attemptId?: number;
    active: boolean;
    expiresOn?: number;
    /** The chain reached the attempt's expires_on: it cannot complete, the leader must start another. */
    expired?: boolean;
    completed: string[];
    missing: string[];
    leader?: string;
  };
  /** Who the process is waiting for (votes or keygen completions). */
  missingParticipants: string[];
}

function nameOf(params: ThresholdParameters, id: number): string {
  return params.participants.find((p) => p.id === id)?.accountId ?? `participant#${id}`;
}

function keyEventSummary(ev: KeyEvent): NonNullable<StateSummary["keyEvent"]> {
  const all = ev.parameters.participants;
  // the contract's leader (find_leader) is the participant with the lowest id; it starts each attempt
  const leader = [...all].sort((a, b) => a.id - b.id)[0]?.accountId;
  if (!ev.instance) {
    return { domainId: ev.domain.id, active: false, completed: [], missing: all.map((p) => p.accountId), leader };
  }
  const done = new Set(ev.instance.completed);
  return {
    domainId: ev.domain.id,
    attemptId: ev.instance.attemptId,
    active: true,
    expiresOn: ev.instance.expiresOn,
    completed: ev.instance.completed.map((id) => nameOf(ev.parameters, id)),
    missing: all.filter((p) => !done.has(p.id)).map((p) => p.accountId),
    leader,
  };
}

/**
 * A diagnostic summary of the state against the configured schemes: which phase, which domains
 * have keys, and which participants the network is waiting for. `proposal` (the domains the
 * nodes vote for) lets a Running summary name who has not voted yet.
 */
export function summariseState(
  state: ContractState,
  schemes: readonly Scheme[],
  proposal?: DomainConfig[],
  blockHeight?: number,
): StateSummary {
  const withKeys = new Set(domainsWithKeys(state));
  const params = currentParameters(state);
  const base = {
    phase: state.phase,
    threshold: params?.threshold,
    participants: params?.participants.map((p) => p.accountId),
    domains: domainRegistry(state).map((d) => ({
      id: d.id,
      protocol: d.protocol,
      purpose: d.purpose,
      hasKey: withKeys.has(d.id),
    })),
    schemes: schemeStatus(state, schemes).map((s) => ({ scheme: s.scheme, domainId: s.domainId, hasKey: s.hasKey })),
  };
  const schemeText = base.schemes
    .map(
      (s) =>
        `${s.scheme}: ${s.domainId === undefined ? "no domain" : `domain ${s.domainId} ${s.hasKey ? "has a key" : "has no key yet"}`}`,
    )
    .join("; ");
  switch (state.phase) {
    case "NotInitialized":
      return { ...base, text: "the signer contract is not initialised", missingParticipants: [] };
    case "Running": {
      const votes: Record<string, DomainConfig[]> = {};
      for (const [id, list] of state.addDomainsVotes) votes[nameOf(state.parameters, id)] = list;
      const missing = keygenComplete(state, schemes)
        ? []
        : proposal
          ? pendingVoters(state, proposal)
          : state.parameters.participants.filter((p) => !state.addDomainsVotes.has(p.id)).map((p) => p.accountId);
      const voteText = Object.keys(votes).length
        ? `votes to add domains from ${Object.keys(votes).join(", ")}`
        : "no votes to add domains";
      return {
        ...base,
        votes,
        missingParticipants: missing,
        text: `Running (epoch ${state.epochId}), ${schemeText}; ${voteText}${missing.length ? `; waiting for votes from ${missing.join(", ")}` : ""}`,
      };
    }
    case "Initializing": {
      const ev = keyEventSummary(state.generating);
      // the contract treats an attempt at or past its expires_on as no attempt at all
      // (near/mpc 3.14.1 crates/contract/src/state/key_event.rs)
      if (ev.active && blockHeight !== undefined && ev.expiresOn !== undefined)
        ev.expired = blockHeight >= ev.expiresOn;
      const completion = `completed by ${ev.completed.join(", ") || "nobody"}, waiting for ${ev.missing.join(", ") || "nobody"}`;
      const progress = !ev.active
        ? `no active attempt (the leader ${ev.leader} has not started one)`
        : ev.expired
          ? `attempt ${ev.attemptId} EXPIRED at block ${ev.expiresOn} (now block ${blockHeight}), ${completion}; ` +
            `the leader ${ev.leader} must start a new attempt`
          : `attempt ${ev.attemptId} active until block ${ev.expiresOn}, ${completion}`;
      return {
        ...base,
        keyEvent: ev,
        missingParticipants: ev.missing,
        text: `Initializing (key generation for domain ${ev.domainId}): ${progress}; ${schemeText}`,
      };
    }
    case "Resharing": {
      const ev = keyEventSummary(state.resharing);
      return {
        ...base,
        keyEvent: ev,
        missingParticipants: ev.missing,
        text: `Resharing domain ${ev.domainId}: ${ev.active ? `completed by ${ev.completed.join(", ") || "nobody"}, waiting for ${ev.missing.join(", ") || "nobody"}` : "no active attempt"}; ${schemeText}`,
      };
    }
  }
}
