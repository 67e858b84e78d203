// Arguments and attachments for the signer contract's `sign` call and its key views
// (near/mpc contract-interface `SignRequestArgs`; payload sizes are the contract's bounds).
import { ChainSigError } from "./errors.js";
import { toHex } from "./hex.js";

/** `sign` is payable and needs at least 1 yoctoNEAR attached. */
export const SIGN_DEPOSIT_YOCTO = 1n;
/** Gas the examples attach to `sign` (300 Tgas). */
export const SIGN_GAS = 300_000_000_000_000n;
/** The contract's minimum gas for `sign` (15 Tgas). */
export const SIGN_MIN_GAS = 15_000_000_000_000n;

const ECDSA_PAYLOAD_BYTES = 32;
// near/mpc 3.14.1 crates/near-mpc-crypto-types/src/primitives.rs: Ecdsa is exactly 32 bytes; Eddsa an
// UpperBoundedVec of at most EDDSA_PAYLOAD_SIZE_UPPER_BOUND_BYTES = 1232 (a Solana transaction), empty allowed.
const EDDSA_PAYLOAD_MIN_BYTES = 0;
const EDDSA_PAYLOAD_MAX_BYTES = 1232;

export type PayloadKind = "Ecdsa" | "Eddsa";

export interface SignArgs {
  request: {
    path: string;
    domain_id: number;
    payload_v2: { Ecdsa: string } | { Eddsa: string };
  };
}

/** Throws ChainSigError("bad-payload") when the payload size is outside the contract's bounds. */
export function assertPayloadSize(kind: PayloadKind, payload: Uint8Array): void {
  if (kind === "Ecdsa" && payload.length !== ECDSA_PAYLOAD_BYTES) {
    throw new ChainSigError("bad-payload", `an ECDSA payload is the 32-byte message hash, got ${payload.length} bytes`);
  }
  if (kind === "Eddsa" && (payload.length < EDDSA_PAYLOAD_MIN_BYTES || payload.length > EDDSA_PAYLOAD_MAX_BYTES)) {
    throw new ChainSigError(
      "bad-payload",
      `an EdDSA payload is ${EDDSA_PAYLOAD_MIN_BYTES}..${EDDSA_PAYLOAD_MAX_BYTES} bytes, got ${payload.length}`,
    );
  }
}

export function buildSignArgs(opts: {
  path: string;
  domainId: number;
  kind: PayloadKind;
  payload: Uint8Array;
}): SignArgs {
  if (typeof opts.path !== "string") throw new ChainSigError("bad-payload", "path must be a string");
  if (!Number.isInteger(opts.domainId) || opts.domainId < 0) {
    throw new ChainSigError("bad-payload", `domain id must be a non-negative integer, got ${opts.domainId}`);
  }
  assertPayloadSize(opts.kind, opts.payload);
  const hex = toHex(opts.payload);
  const payload_v2 = opts.kind === "Ecdsa" ? { Ecdsa: hex } : { Eddsa: hex };
  return { request: { path: opts.path, domain_id: opts.domainId, payload_v2 } };
}

/** Args of the `public_key` view for one domain. */
export function publicKeyViewArgs(domainId: number): { domain_id: number } {
  return { domain_id: domainId };
}

/** Args of the `derived_public_key` view. */
export function derivedPublicKeyViewArgs(opts: { path: string; predecessor: string; domainId: number }): {
  path: string;
  predecessor: string;
  domain_id: number;
} {
  return { path: opts.path, predecessor: opts.predecessor, domain_id: opts.domainId };
}
