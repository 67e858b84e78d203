// Key derivation of NEAR Chain Signatures (near/mpc contract, "epsilon"/tweak derivation):
//   tweak   = SHA3-256("near-mpc-recovery v0.1.0 epsilon derivation:" + predecessor + "," + path)
//   secp256k1: derived = root + t*G, t = tweak read big-endian (the contract rejects t >= n)
//   ed25519:   derived = root + t*B, t = tweak read little-endian, reduced mod L
// Point arithmetic is @noble/curves'; nothing here does curve arithmetic by hand.
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { bytesToNumberBE, bytesToNumberLE } from "@noble/curves/utils.js";
import { isValidAccountId } from "../near/account-id.js";
import { ChainSigError } from "./errors.js";
import { publicKeyFromBytes, type ChainSigPublicKey, type Curve } from "./keys.js";

const TWEAK_DERIVATION_PREFIX = "near-mpc-recovery v0.1.0 epsilon derivation:";

/** NEAR account id rules (2..64 chars, lowercase alphanumerics separated by '-', '_' or '.'). */
function assertAccountId(accountId: string, what = "account id"): void {
  if (!isValidAccountId(accountId)) {
    throw new ChainSigError("bad-account-id", `${what} is not a valid NEAR account id: ${JSON.stringify(accountId)}`);
  }
}

/** The 32-byte tweak for (predecessor, path). */
export function deriveTweak(predecessor: string, path: string): Uint8Array {
  assertAccountId(predecessor, "predecessor");
  if (typeof path !== "string") throw new ChainSigError("bad-tweak", "path must be a string");
  return sha3_256(new TextEncoder().encode(`${TWEAK_DERIVATION_PREFIX}${predecessor},${path}`));
}

/** The tweak as a scalar of the curve's group, the way the contract reads it. */
export function tweakScalar(curve: Curve, tweak: Uint8Array): bigint {
  if (tweak.length !== 32) throw new ChainSigError("bad-tweak", `a tweak is 32 bytes, got ${tweak.length}`);
  if (curve === "secp256k1") {
    const Fn = secp256k1.Point.Fn;
    const t = bytesToNumberBE(tweak);
    if (t >= Fn.ORDER) throw new ChainSigError("bad-tweak", "tweak is not below the secp256k1 group order");
    return t;
  }
  const Fn = ed25519.Point.Fn;
  return Fn.create(bytesToNumberLE(tweak));
}

/** Derived public key for `predecessor` and `path` under a domain root key. */
export function deriveKey(root: ChainSigPublicKey, predecessor: string, path: string): ChainSigPublicKey {
  const t = tweakScalar(root.curve, deriveTweak(predecessor, path));
  if (root.curve === "secp256k1") {
    const P = secp256k1.Point;
    const rootPoint = P.fromBytes(Uint8Array.of(0x04, ...root.bytes));
    const derived = t === 0n ? rootPoint : rootPoint.add(P.BASE.multiply(t));
    return publicKeyFromBytes("secp256k1", derived.toBytes(false).slice(1));
  }
  const P = ed25519.Point;
  const rootPoint = P.fromBytes(root.bytes);
  const derived = t === 0n ? rootPoint : rootPoint.add(P.BASE.multiply(t));
  return publicKeyFromBytes("ed25519", derived.toBytes());
}
