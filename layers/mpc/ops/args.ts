// Argument builders for the MPC signer contract, in the shape of near/mpc 3.14.1
// (near-mpc-contract-interface types; the same shape since 3.10):
//
//   init { parameters: GovernanceThresholdParameters { participants, threshold }, init_config? }
//     participants = { next_id, participants: [[account_id, participant_id, { url, tls_public_key }], ...] }
//     validated by the contract: 2 <= threshold <= n, threshold >= ceil(3n/5), ids < next_id,
//     no duplicate ids or accounts.
//   vote_add_domains { domains: [DomainConfig { id, protocol, reconstruction_threshold, purpose }] }
//     ids contiguous from the registry's next_domain_id; valid (purpose, protocol) pairs are
//     (Sign, CaitSith | DamgardEtAl | Frost), (ForeignTx, CaitSith), (CKD, ConfidentialKeyDerivation);
//     2 <= reconstruction_threshold <= n and <= the governance threshold.
import { PublicKey, baseDecode } from "near-api-js";
import { isValidAccountId } from "../../../platform/near/account-id.js";
import { OpsError } from "../../../platform/near/errors.js";
import { SCHEMES, type DomainPurpose, type Protocol, type Scheme } from "../../../platform/chainsig/schemes.js";

// The scheme table (scheme -> protocol, purpose) is platform/chainsig/schemes.ts.
export { DEFAULT_SCHEMES, type Scheme } from "../../../platform/chainsig/schemes.js";

export interface DomainConfig {
  id: number;
  protocol: Protocol;
  reconstruction_threshold: number;
  purpose: DomainPurpose;
}

export interface ParticipantSpec {
  /** NEAR account of the node, e.g. "mpc-node-0.localnet". */
  accountId: string;
  /** The node's P2P (TLS) public key, "ed25519:<base58 of 32 bytes>". */
  p2pPublicKey: string;
  /** The node's stable P2P address, e.g. "http://10.0.1.10:3000". */
  url: string;
}

interface ParticipantInfo {
  url: string;
  tls_public_key: string;
}
type ParticipantTuple = [string, number, ParticipantInfo];

export interface InitArgs {
  parameters: {
    threshold: number;
    participants: { next_id: number; participants: ParticipantTuple[] };
  };
}

export interface AddDomainsArgs {
  domains: DomainConfig[];
}

const invalid = (message: string, details?: Record<string, unknown>) => new OpsError("INVALID_INPUT", message, details);

/** Smallest threshold the contract accepts for n participants: max(2, ceil(3n/5)). */
export function minThreshold(n: number): number {
  return Math.max(2, Math.ceil((3 * n) / 5));
}

/** The contract's governance threshold rules (near/mpc thresholds.rs), checked before anything is sent. */
export function validateThreshold(threshold: unknown, n: number): number {
  if (typeof threshold !== "number" || !Number.isSafeInteger(threshold)) {
    throw invalid(`threshold ${JSON.stringify(threshold)} is not a whole number`);
  }
  if (threshold < 2) throw invalid(`threshold ${threshold} is below the minimum of 2`);
  if (threshold > n) throw invalid(`threshold ${threshold} exceeds the number of participants (${n})`);
  const min = minThreshold(n);
  if (threshold < min) {
    throw invalid(`threshold ${threshold} is below 60% of ${n} participants (at least ${min})`);
  }
  return threshold;
}

/** "ed25519:<base58 of 32 bytes>" in canonical form. */
export function normaliseEd25519PublicKey(key: unknown, what: string): string {
  const m = typeof key === "string" ? /^ed25519:([1-9A-HJ-NP-Za-km-z]+)$/.exec(key.trim()) : null;
  let ok = false;
  try {
    ok = !!m && baseDecode(m[1]).length === 32;
  } catch {
    ok = false;
  }
  if (!ok) throw invalid(`${what} ${JSON.stringify(key)} is not an ed25519 public key "ed25519:<base58 of 32 bytes>"`);
  return PublicKey.from((key as string).trim()).toString();
}

function validateUrl(url: unknown, what: string): string {
  let u: URL | undefined;
  try {
    u = typeof url === "string" ? new URL(url) : undefined;
  } catch {
    u = undefined;
  }
  if (
    !u ||
    !/^https?:$/.test(u.protocol) ||
    !u.hostname ||
    !u.port ||
    u.pathname.replace(/\/$/, "") !== "" ||
    u.search
  ) {
    throw invalid(
      `${what} ${JSON.stringify(url)} is not "http(s)://<host>:<port>" (the node's P2P address with an explicit port)`,
    );
  }
  return url as string;
}

/** Validates the participant list (accounts, keys, urls, no duplicates). */
function validateParticipants(participants: unknown): ParticipantSpec[] {
  if (!Array.isArray(participants) || participants.length === 0) {
    throw invalid("participants must be a non-empty list of {accountId, p2pPublicKey, url}");
  }
  const seen = { account: new Set<string>(), key: new Set<string>(), url: new Set<string>() };
  return participants.map((p, i) => {
    const where = `participant ${i}`;
    if (!p || typeof p !== "object") throw invalid(`${where} is not an object {accountId, p2pPublicKey, url}`);
    const { accountId, p2pPublicKey, url } = p as Record<string, unknown>;
    if (!isValidAccountId(accountId)) throw invalid(`${where}: ${JSON.stringify(accountId)} is not a NEAR account id`);
    const key = normaliseEd25519PublicKey(p2pPublicKey, `${where} (${accountId}): p2pPublicKey`);
    const u = validateUrl(url, `${where} (${accountId}): url`);
    for (const [kind, value] of [
      ["account", accountId],
      ["key", key],
      ["url", u],
    ] as const) {
      if (seen[kind].has(value))
        throw invalid(`${where}: duplicate ${kind === "key" ? "P2P public key" : kind} ${value}`);
      seen[kind].add(value);
    }
    return { accountId, p2pPublicKey: key, url: u };
  });
}

/**
 * `init` arguments: participant ids follow the list order from 0, next_id = n. The threshold is
 * checked against the contract's rules so that nothing is created with a config it would reject.
 */
export function initArgs(opts: { threshold: number; participants: ParticipantSpec[] }): InitArgs {
  const participants = validateParticipants(opts.participants);
  const threshold = validateThreshold(opts.threshold, participants.length);
  return {
    parameters: {
      threshold,
      participants: {
        next_id: participants.length,
        participants: participants.map((p, i) => [p.accountId, i, { tls_public_key: p.p2pPublicKey, url: p.url }]),
      },
    },
  };
}

export function parseSchemes(schemes: unknown): Scheme[] {
  if (!Array.isArray(schemes) || schemes.length === 0) {
    throw invalid(`schemes must be a non-empty list of ${Object.keys(SCHEMES).join(", ")}`);
  }
  const out: Scheme[] = [];
  for (const s of schemes) {
    const k = typeof s === "string" ? s.trim().toLowerCase() : "";
    if (!(k in SCHEMES)) {
      throw invalid(`unknown signature scheme ${JSON.stringify(s)} (known: ${Object.keys(SCHEMES).join(", ")})`);
    }
    if (out.includes(k as Scheme)) throw invalid(`signature scheme ${k} is listed twice`);
    out.push(k as Scheme);
  }
  return out;
}

/** The domain (without id) a scheme becomes. */
function schemeDomain(scheme: Scheme, reconstructionThreshold: number): Omit<DomainConfig, "id"> {
  const d = SCHEMES[scheme];
  return { protocol: d.protocol, reconstruction_threshold: reconstructionThreshold, purpose: d.purpose };
}

/**
 * `vote_add_domains` arguments: one domain per scheme, ids from `firstId` (the registry's
 * next_domain_id; 0 on a fresh contract) in the given order. `participants`, when known, bounds the
 * reconstruction threshold (2 <= t <= n) as the contract does.
 */
export function addDomainsArgs(
  schemes: readonly string[],
  reconstructionThreshold: number,
  opts: { firstId?: number; participants?: number } = {},
): AddDomainsArgs {
  const list = parseSchemes(schemes);
  const t = reconstructionThreshold;
  if (typeof t !== "number" || !Number.isSafeInteger(t) || t < 2) {
    throw invalid(`reconstruction threshold ${JSON.stringify(t)} must be a whole number of at least 2`);
  }
  if (opts.participants !== undefined && t > opts.participants) {
    throw invalid(`reconstruction threshold ${t} exceeds the number of participants (${opts.participants})`);
  }
  const first = opts.firstId ?? 0;
  if (!Number.isSafeInteger(first) || first < 0) throw invalid(`first domain id ${first} is not a whole number >= 0`);
  return { domains: list.map((s, i) => ({ id: first + i, ...schemeDomain(s, t) })) };
}
