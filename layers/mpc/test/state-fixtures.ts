// The signer contract's `state` view in the shape near/mpc 3.14.1 returns it (near-mpc-contract-interface
// types/state.rs), for the tests that parse it: the operations and the Layer 3 probe.
import { formatPublicKey } from "../../../platform/chainsig/keys.js";
import { publicKeyFromPrivate } from "../../../platform/chainsig/testkit.js";

/** The participants' P2P (TLS) keys: two fixed, one made from a fixed seed. */
export const P2P = [
  "ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp",
  "ed25519:US517G5965aydkZ46HS38QLi7UQiSojurfbQfKCELFx",
  formatPublicKey(publicKeyFromPrivate("ed25519", new Uint8Array(32).fill(7))),
];

const params = {
  participants: {
    next_id: 3,
    participants: [0, 1, 2].map((i) => [
      `mpc-node-${i}.localnet`,
      i,
      { url: `http://10.0.1.${10 + i}:3000`, tls_public_key: P2P[i] },
    ]),
  },
  threshold: 2,
};
export const D0 = { id: 0, protocol: "CaitSith", reconstruction_threshold: 2, purpose: "Sign" };
export const D1 = { id: 1, protocol: "Frost", reconstruction_threshold: 2, purpose: "Sign" };
// A secp256k1 public key made here from a fixed scalar (not a committed key literal).
export const SECP = {
  Secp256k1: { near_public_key: formatPublicKey(publicKeyFromPrivate("secp256k1", new Uint8Array(32).fill(3))) },
};
const ED = {
  Ed25519: { near_public_key_compressed: P2P[0], edwards_point: Array.from({ length: 32 }, (_, i) => i) },
};

export const runningJson = (over: Record<string, unknown> = {}) => ({
  Running: {
    domains: { domains: [D0, D1], next_domain_id: 2 },
    keyset: {
      epoch_id: 0,
      domains: [
        { domain_id: 0, key: SECP, attempt: 0 },
        { domain_id: 1, key: ED, attempt: 1 },
      ],
    },
    parameters: params,
    parameters_votes: { proposal_by_account: {} },
    add_domains_votes: { proposal_by_account: {} },
    previously_cancelled_resharing_epoch_id: null,
    ...over,
  },
});
export const freshRunning = runningJson({
  domains: { domains: [], next_domain_id: 0 },
  keyset: { epoch_id: 0, domains: [] },
  add_domains_votes: { proposal_by_account: { "0": [D0, D1], "2": [D0] } },
});
export const initializingJson = {
  Initializing: {
    domains: { domains: [D0, D1], next_domain_id: 2 },
    epoch_id: 0,
    generated_keys: [{ domain_id: 0, key: SECP, attempt: 0 }],
    generating_key: {
      epoch_id: 0,
      domain: D1,
      parameters: params,
      instance: { attempt_id: 1, started_in: 100, expires_on: 131, completed: [0, 2], public_key: null },
      next_attempt_id: 2,
    },
    cancel_votes: [],
  },
};
