// What the signer contract holds of each participant's attestation (near/mpc 3.14.1): `init` stores a
// placeholder per participant, keyed by its TLS key, whose account_public_key is that TLS key
// (crates/contract/src/tee/tee_state.rs with_mocked_participant_attestations); a node's own
// submit_participant_info replaces it with its account key, which is what the contract checks the
// callers of start_keygen_instance, vote_pk and respond against (is_caller_an_attested_participant).
// `get_tee_accounts` lists the stored NodeIds {account_id, tls_public_key, account_public_key}, keys as
// "ed25519:<base58>". Pure: the driver's probe and the operations share it.
import { OpsError } from "../../../platform/near/errors.js";
import type { Participant, ThresholdParameters } from "./state.js";

export type AttestationState = "attested" | "placeholder" | "other-key" | "missing";

export interface NodeAttestation {
  accountId: string;
  state: AttestationState;
  /** For people: what the contract holds for this node. */
  detail: string;
}

interface TeeAccount {
  accountId: string;
  tlsPublicKey: string;
  accountPublicKey: string;
}

/** `get_tee_accounts`' answer: every stored NodeId. */
function teeAccounts(raw: unknown, contractId: string): TeeAccount[] {
  if (!Array.isArray(raw))
    throw new OpsError("CHECK_FAILED", `${contractId}.get_tee_accounts returned ${JSON.stringify(raw)?.slice(0, 200)}`);
  return raw.map((n: any) => ({
    accountId: String(n?.account_id),
    tlsPublicKey: String(n?.tls_public_key),
    accountPublicKey: String(n?.account_public_key),
  }));
}

function judge(
  p: Participant,
  node: { accountPublicKey?: string } | undefined,
  stored: TeeAccount | undefined,
): NodeAttestation {
  const out = (state: AttestationState, detail: string) => ({ accountId: p.accountId, state, detail });
  if (!stored) return out("missing", `no attestation stored for its TLS key ${p.tlsPublicKey}`);
  if (stored.accountId === p.accountId && stored.accountPublicKey === p.tlsPublicKey)
    return out("placeholder", "only init's placeholder: the node has not submitted its participant info");
  const want = node?.accountPublicKey;
  if (stored.accountId !== p.accountId || (want !== undefined && stored.accountPublicKey !== want))
    return out(
      "other-key",
      `attested by ${stored.accountId} with account key ${stored.accountPublicKey}${want ? `, not ${want}` : ""}`,
    );
  return out("attested", `attested with account key ${stored.accountPublicKey}`);
}

/**
 * Each participant's attestation, from `get_tee_accounts` (raw JSON), judged against the nodes' account
 * keys (a node without a known key: any key but the placeholder counts).
 */
export function judgeAttestations(
  params: ThresholdParameters,
  teeAccountsJson: unknown,
  contractId: string,
  nodes: readonly { accountId: string; accountPublicKey?: string }[],
): NodeAttestation[] {
  const stored = new Map(teeAccounts(teeAccountsJson, contractId).map((t) => [t.tlsPublicKey, t]));
  return params.participants.map((p) =>
    judge(
      p,
      nodes.find((n) => n.accountId === p.accountId),
      stored.get(p.tlsPublicKey),
    ),
  );
}
