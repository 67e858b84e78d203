// Stand-ins for the MPC network, for tests and for fakes of the signer contract: from a KNOWN
// root private key, derive the child private key the way the network's shares combine, sign a
// payload, and produce the response exactly as the contract returns it.
//
// Private keys are scalars: secp256k1 as 32 bytes big-endian, ed25519 as 32 bytes little-endian
// (the MPC domain key is a scalar x with public key x*B; it is not an RFC 8032 seed, so child
// keys are x + tweak mod L and signing works from the scalar directly).
// Never use these helpers with real keys: they exist so offline tests can create signatures.
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  bytesToNumberBE,
  bytesToNumberLE,
  concatBytes,
  numberToBytesBE,
  numberToBytesLE,
} from "@noble/curves/utils.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { deriveTweak, tweakScalar } from "./derive.js";
import { ChainSigError } from "./errors.js";
import { publicKeyFromBytes, type ChainSigPublicKey, type Curve } from "./keys.js";
import type { EcdsaSignResponse, Ed25519SignResponse, SignResponse } from "./response.js";
import { assertPayloadSize } from "./sign-args.js";

function scalarOf(curve: Curve, priv: Uint8Array): bigint {
  if (priv.length !== 32)
    throw new ChainSigError("bad-private-key", `a ${curve} private key is 32 bytes, got ${priv.length}`);
  const Fn = curve === "secp256k1" ? secp256k1.Point.Fn : ed25519.Point.Fn;
  const x = curve === "secp256k1" ? bytesToNumberBE(priv) : bytesToNumberLE(priv);
  if (x === 0n || x >= Fn.ORDER)
    throw new ChainSigError("bad-private-key", `the ${curve} private key is not a scalar in 1..n-1`);
  return x;
}

function scalarBytes(curve: Curve, x: bigint): Uint8Array {
  return curve === "secp256k1" ? numberToBytesBE(x, 32) : numberToBytesLE(x, 32);
}

/** The NEAR-format public key of a private scalar. */
export function publicKeyFromPrivate(curve: Curve, priv: Uint8Array): ChainSigPublicKey {
  const x = scalarOf(curve, priv);
  if (curve === "secp256k1") return publicKeyFromBytes(curve, secp256k1.Point.BASE.multiply(x).toBytes(false).slice(1));
  return publicKeyFromBytes(curve, ed25519.Point.BASE.multiply(x).toBytes());
}

/** The ed25519 signing scalar behind an RFC 8032 seed (as little-endian bytes). */
export function ed25519ScalarFromSeed(seed: Uint8Array): Uint8Array {
  const x = ed25519.utils.getExtendedPublicKey(seed).scalar;
  return scalarBytes("ed25519", ed25519.Point.Fn.create(x));
}

/** Child private key = root + tweak (mod the group order): its public key is deriveKey(root pub). */
export function deriveChildPrivateKey(
  curve: Curve,
  rootPrivate: Uint8Array,
  predecessor: string,
  path: string,
): Uint8Array {
  const Fn = curve === "secp256k1" ? secp256k1.Point.Fn : ed25519.Point.Fn;
  const child = Fn.add(scalarOf(curve, rootPrivate), tweakScalar(curve, deriveTweak(predecessor, path)));
  if (child === 0n) throw new ChainSigError("bad-private-key", "derived child key is zero");
  return scalarBytes(curve, child);
}

/**
 * ECDSA over the 32-byte payload (no prehash), formatted as the contract does: big_r is the
 * nonce point R itself; when s comes out high it is replaced by n - s and recovery_id is
 * flipped, so recovery_id and big_r's parity then differ.
 */
export function signEcdsaLikeContract(priv: Uint8Array, payload: Uint8Array): EcdsaSignResponse {
  scalarOf("secp256k1", priv);
  assertPayloadSize("Ecdsa", payload);
  const raw = secp256k1.sign(payload, priv, { prehash: false, lowS: false, format: "recovered" });
  const rec = raw[0];
  if (rec & 2)
    throw new ChainSigError("bad-private-key", "nonce point x overflowed the group order; use another payload");
  const rBytes = raw.slice(1, 33);
  let s = bytesToNumberBE(raw.slice(33, 65));
  const n = secp256k1.Point.Fn.ORDER;
  let recoveryId = rec & 1;
  if (s > n >> 1n) {
    s = n - s;
    recoveryId ^= 1;
  }
  return {
    scheme: "Secp256k1",
    bigR: concatBytes(Uint8Array.of(rec & 1 ? 0x03 : 0x02), rBytes),
    s: numberToBytesBE(s, 32),
    recoveryId,
  };
}

/** Ed25519 (RFC 8032 verification equation) from a scalar key, deterministic nonce. */
export function signEd25519LikeContract(priv: Uint8Array, payload: Uint8Array): Ed25519SignResponse {
  const a = scalarOf("ed25519", priv);
  assertPayloadSize("Eddsa", payload);
  const { Point } = ed25519;
  const Fn = Point.Fn;
  const A = Point.BASE.multiply(a).toBytes();
  const h = Fn.create(
    bytesToNumberLE(sha512(concatBytes(new TextEncoder().encode("chainsig-testkit-nonce"), priv, payload))),
  );
  const nonce = h === 0n ? 1n : h;
  const R = Point.BASE.multiply(nonce).toBytes();
  const k = Fn.create(bytesToNumberLE(sha512(concatBytes(R, A, payload))));
  const S = Fn.add(nonce, Fn.mul(k, a));
  return { scheme: "Ed25519", signature: concatBytes(R, numberToBytesLE(S, 32)) };
}

export function signLikeContract(curve: Curve, priv: Uint8Array, payload: Uint8Array): SignResponse {
  return curve === "secp256k1" ? signEcdsaLikeContract(priv, payload) : signEd25519LikeContract(priv, payload);
}
