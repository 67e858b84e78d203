// Verification of the signer contract's answers against a (derived) public key.
// ECDSA: r = big_r without its prefix byte (reduced mod n), s = scalar; the payload is the
// 32-byte message hash itself (no further hashing); s must be low; the key recovered with
// `recovery_id` (not big_r's parity) must equal the expected key.
// Ed25519: the 64-byte signature over the payload bytes, RFC 8032 (strict, not ZIP-215).
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToNumberBE } from "@noble/curves/utils.js";
import { ChainSigError, SignResponseError } from "./errors.js";
import { formatPublicKey, publicKeysEqual, secp256k1Uncompressed, type ChainSigPublicKey } from "./keys.js";
import { parseSignResponse, type EcdsaSignResponse, type Ed25519SignResponse, type SignResponse } from "./response.js";
import { assertPayloadSize } from "./sign-args.js";

export type VerdictCode =
  | "ok"
  /** the response's scheme does not match the key's curve */
  | "scheme-mismatch"
  /** values out of range: big_r not on the curve, r or s zero or not below n */
  | "invalid-signature"
  /** s above n/2 (malleable form; the contract always returns low s) */
  | "high-s"
  /** the signature does not verify for this key and payload */
  | "bad-signature"
  /** the signature verifies but recovery_id recovers another key */
  | "wrong-recovery-id"
  /** the response or payload is malformed (only from checkSignResponse) */
  | "malformed";

export interface Verdict {
  ok: boolean;
  code: VerdictCode;
  reason: string;
  scheme?: SignResponse["scheme"];
}

const fail = (code: VerdictCode, reason: string, scheme?: SignResponse["scheme"]): Verdict => ({
  ok: false,
  code,
  reason,
  scheme,
});

/**
 * Verify a parsed response. Throws ChainSigError("bad-payload") when the payload size does not
 * fit the scheme (that is malformed input, not a failed signature).
 */
export function verifySignResponse(key: ChainSigPublicKey, payload: Uint8Array, response: SignResponse): Verdict {
  if (response.scheme === "Secp256k1") {
    if (key.curve !== "secp256k1") {
      return fail(
        "scheme-mismatch",
        `a Secp256k1 signature cannot be checked against an ${key.curve} key`,
        response.scheme,
      );
    }
    assertPayloadSize("Ecdsa", payload);
    return verifyEcdsa(key, payload, response);
  }
  if (key.curve !== "ed25519") {
    return fail(
      "scheme-mismatch",
      `an Ed25519 signature cannot be checked against a ${key.curve} key`,
      response.scheme,
    );
  }
  assertPayloadSize("Eddsa", payload);
  return verifyEd25519(key, payload, response);
}

/** Parse and verify; malformed responses or payloads become a "malformed" verdict instead of throwing. */
export function checkSignResponse(key: ChainSigPublicKey, payload: Uint8Array, raw: unknown): Verdict {
  try {
    return verifySignResponse(key, payload, parseSignResponse(raw));
  } catch (e) {
    if (e instanceof SignResponseError || e instanceof ChainSigError) return fail("malformed", e.message);
    throw e;
  }
}

function verifyEcdsa(key: ChainSigPublicKey, payload: Uint8Array, response: EcdsaSignResponse): Verdict {
  const scheme = response.scheme;
  const { Point, Signature } = secp256k1;
  const Fn = Point.Fn;
  let bigR;
  try {
    bigR = Point.fromBytes(response.bigR);
  } catch {
    return fail("invalid-signature", "big_r is not a point on secp256k1", scheme);
  }
  const r = Fn.create(bigR.x);
  const s = bytesToNumberBE(response.s);
  if (r === 0n) return fail("invalid-signature", "r is zero", scheme);
  if (s === 0n || s >= Fn.ORDER) return fail("invalid-signature", "s is zero or not below the group order", scheme);
  const sig = new Signature(r, s);
  if (sig.hasHighS()) return fail("high-s", "s is in the upper half of the group order (not normalised)", scheme);
  const ok = secp256k1.verify(sig.toBytes("compact"), payload, secp256k1Uncompressed(key), {
    prehash: false,
    lowS: true,
  });
  if (!ok)
    return fail("bad-signature", `signature does not verify for ${formatPublicKey(key)} and this payload`, scheme);
  let recovered: ChainSigPublicKey | undefined;
  try {
    const q = sig.addRecoveryBit(response.recoveryId).recoverPublicKey(payload);
    recovered = { curve: "secp256k1", bytes: q.toBytes(false).slice(1) };
  } catch {
    recovered = undefined;
  }
  if (!recovered || !publicKeysEqual(recovered, key)) {
    return fail(
      "wrong-recovery-id",
      `recovery_id ${response.recoveryId} does not recover ${formatPublicKey(key)}`,
      scheme,
    );
  }
  return { ok: true, code: "ok", reason: `Secp256k1 signature verifies for ${formatPublicKey(key)}`, scheme };
}

function verifyEd25519(key: ChainSigPublicKey, payload: Uint8Array, response: Ed25519SignResponse): Verdict {
  const scheme = response.scheme;
  let ok = false;
  try {
    ok = ed25519.verify(response.signature, payload, key.bytes, { zip215: false });
  } catch {
    ok = false;
  }
  if (!ok)
    return fail("bad-signature", `signature does not verify for ${formatPublicKey(key)} and this payload`, scheme);
  return { ok: true, code: "ok", reason: `Ed25519 signature verifies for ${formatPublicKey(key)}`, scheme };
}
