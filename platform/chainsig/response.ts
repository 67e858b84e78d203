// The signer contract's `sign` answers, parsed strictly (exact keys, exact lengths), and
// formatted back exactly as the contract serialises them: lower-case hex (near/mpc 3.14.1
// crates/near-mpc-crypto-types/src/primitives.rs K256AffinePoint/K256Scalar, serde_with's `Hex`):
//   {"scheme":"Secp256k1","big_r":{"affine_point":"<33-byte compressed hex>"},"s":{"scalar":"<32-byte hex>"},"recovery_id":0|1}
//   {"scheme":"Ed25519","signature":[<64 integers 0..255>]}
import { SignResponseError } from "./errors.js";
import { toHex } from "./hex.js";

export interface EcdsaSignResponse {
  scheme: "Secp256k1";
  /** Compressed SEC1 point R (0x02/0x03 || x), 33 bytes. */
  bigR: Uint8Array;
  /** s, 32 bytes big-endian. */
  s: Uint8Array;
  /** 0..3 (k256 RecoveryId); the nodes produce 0 or 1. */
  recoveryId: number;
}

export interface Ed25519SignResponse {
  scheme: "Ed25519";
  /** R || S, 64 bytes. */
  signature: Uint8Array;
}

export type SignResponse = EcdsaSignResponse | Ed25519SignResponse;

/** The JSON the contract returns, as plain objects. */
type EcdsaSignResponseJson = {
  scheme: "Secp256k1";
  big_r: { affine_point: string };
  s: { scalar: string };
  recovery_id: number;
};
type Ed25519SignResponseJson = { scheme: "Ed25519"; signature: number[] };
export type SignResponseJson = EcdsaSignResponseJson | Ed25519SignResponseJson;

/** Parse a sign response (JSON text or an already-parsed value); throws SignResponseError. */
export function parseSignResponse(input: unknown): SignResponse {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch {
      throw new SignResponseError("signature is not valid JSON");
    }
  }
  const obj = asObject(value, "sign response");
  switch (obj.scheme) {
    case "Secp256k1":
      return parseEcdsa(obj);
    case "Ed25519":
      return parseEd25519(obj);
    case undefined:
      throw new SignResponseError('sign response has no "scheme" (expected "Secp256k1" or "Ed25519")');
    default:
      throw new SignResponseError(`unknown scheme ${JSON.stringify(obj.scheme)} (expected "Secp256k1" or "Ed25519")`);
  }
}

function parseEcdsa(obj: Record<string, unknown>): EcdsaSignResponse {
  exactKeys(obj, ["scheme", "big_r", "s", "recovery_id"], "Secp256k1 response");
  const bigR = asObject(obj.big_r, "big_r");
  exactKeys(bigR, ["affine_point"], "big_r");
  const s = asObject(obj.s, "s");
  exactKeys(s, ["scalar"], "s");
  const point = hexField(bigR.affine_point, "big_r.affine_point", 33);
  if (point[0] !== 0x02 && point[0] !== 0x03) {
    throw new SignResponseError(
      `big_r.affine_point must be a compressed point (prefix 02 or 03), got prefix ${toHex(point.subarray(0, 1))}`,
    );
  }
  const scalar = hexField(s.scalar, "s.scalar", 32);
  const rid = obj.recovery_id;
  if (typeof rid !== "number" || !Number.isInteger(rid) || rid < 0 || rid > 3) {
    throw new SignResponseError(`recovery_id must be an integer 0..3, got ${JSON.stringify(rid)}`);
  }
  return { scheme: "Secp256k1", bigR: point, s: scalar, recoveryId: rid };
}

function parseEd25519(obj: Record<string, unknown>): Ed25519SignResponse {
  exactKeys(obj, ["scheme", "signature"], "Ed25519 response");
  const sig = obj.signature;
  if (!Array.isArray(sig)) throw new SignResponseError("Ed25519 signature must be an array of 64 integers");
  if (sig.length !== 64) throw new SignResponseError(`Ed25519 signature must be 64 bytes, got ${sig.length}`);
  if (!sig.every((b) => typeof b === "number" && Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new SignResponseError("Ed25519 signature must contain only integers 0..255");
  }
  return { scheme: "Ed25519", signature: Uint8Array.from(sig as number[]) };
}

/** Parse the `SuccessValue` (base64 of the JSON answer) of a finished `sign` transaction. */
export function parseSignSuccessValue(successValue: string): SignResponse {
  if (
    typeof successValue !== "string" ||
    !/^[A-Za-z0-9+/]*={0,2}$/.test(successValue) ||
    successValue.length % 4 !== 0
  ) {
    throw new SignResponseError("SuccessValue is not base64");
  }
  return parseSignResponse(Buffer.from(successValue, "base64").toString("utf8"));
}

/** The response object exactly as the contract serialises it (key order, lower-case hex). */
export function toSignResponseJson(response: SignResponse): SignResponseJson {
  if (response.scheme === "Secp256k1") {
    return {
      scheme: "Secp256k1",
      big_r: { affine_point: toHex(response.bigR) },
      s: { scalar: toHex(response.s) },
      recovery_id: response.recoveryId,
    };
  }
  return { scheme: "Ed25519", signature: Array.from(response.signature) };
}

export function formatSignResponse(response: SignResponse): string {
  return JSON.stringify(toSignResponseJson(response));
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SignResponseError(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function exactKeys(obj: Record<string, unknown>, keys: string[], what: string): void {
  const missing = keys.filter((k) => !(k in obj));
  if (missing.length)
    throw new SignResponseError(`${what} is missing ${missing.map((k) => JSON.stringify(k)).join(", ")}`);
  const extra = Object.keys(obj).filter((k) => !keys.includes(k));
  if (extra.length)
    throw new SignResponseError(`${what} has unexpected ${extra.map((k) => JSON.stringify(k)).join(", ")}`);
}

function hexField(value: unknown, what: string, length: number): Uint8Array {
  if (typeof value !== "string") throw new SignResponseError(`${what} must be a hex string`);
  if (!/^[0-9a-fA-F]*$/.test(value)) throw new SignResponseError(`${what} is not hex`);
  if (value.length !== length * 2) {
    throw new SignResponseError(
      `${what} must be ${length} bytes (${length * 2} hex digits), got ${value.length} hex digits`,
    );
  }
  return Uint8Array.from(Buffer.from(value, "hex"));
}
