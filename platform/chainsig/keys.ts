// NEAR-format public keys for the two signer domains and the derived forms dApps use.
//   secp256k1:<base58 of the 64-byte uncompressed point, without the 0x04 prefix>
//   ed25519:<base58 of the 32-byte compressed Edwards point>
// (near/mpc contract-interface `PublicKey` serialises exactly this way.)
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { base58Decode, base58Encode } from "./base58.js";
import { ChainSigError } from "./errors.js";
import { toHex } from "./hex.js";

export type Curve = "secp256k1" | "ed25519";

export type ChainSigPublicKey =
  | { curve: "secp256k1"; /** x || y, 64 bytes */ bytes: Uint8Array }
  | { curve: "ed25519"; /** compressed point, 32 bytes */ bytes: Uint8Array };

const KEY_LENGTH: Record<Curve, number> = { secp256k1: 64, ed25519: 32 };

/** Parse "secp256k1:..." / "ed25519:..."; checks length and that the bytes are a curve point. */
export function parsePublicKey(text: string): ChainSigPublicKey {
  if (typeof text !== "string") throw new ChainSigError("bad-public-key", "a public key must be a string");
  const sep = text.indexOf(":");
  if (sep < 0) throw new ChainSigError("bad-public-key", `public key has no curve prefix: ${JSON.stringify(text)}`);
  const prefix = text.slice(0, sep);
  if (prefix !== "secp256k1" && prefix !== "ed25519") {
    throw new ChainSigError(
      "bad-public-key",
      `unsupported key type ${JSON.stringify(prefix)} (expected secp256k1 or ed25519)`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = base58Decode(text.slice(sep + 1));
  } catch (e) {
    throw new ChainSigError("bad-public-key", `${prefix} public key: ${(e as Error).message}`);
  }
  return publicKeyFromBytes(prefix, bytes);
}

/** Build a key from raw bytes (64 for secp256k1 without 0x04, 32 for ed25519), validating it. */
export function publicKeyFromBytes(curve: Curve, bytes: Uint8Array): ChainSigPublicKey {
  if (bytes.length !== KEY_LENGTH[curve]) {
    throw new ChainSigError(
      "bad-public-key",
      `a ${curve} public key is ${KEY_LENGTH[curve]} bytes, got ${bytes.length}`,
    );
  }
  try {
    if (curve === "secp256k1") secp256k1.Point.fromBytes(sec1(bytes)).assertValidity();
    else ed25519.Point.fromBytes(bytes).assertValidity();
  } catch {
    throw new ChainSigError("bad-public-key", `the ${curve} public key is not a point on the curve`);
  }
  return { curve, bytes: Uint8Array.from(bytes) } as ChainSigPublicKey;
}

export function formatPublicKey(key: ChainSigPublicKey): string {
  return `${key.curve}:${base58Encode(key.bytes)}`;
}

export function publicKeysEqual(a: ChainSigPublicKey, b: ChainSigPublicKey): boolean {
  return a.curve === b.curve && a.bytes.length === b.bytes.length && a.bytes.every((v, i) => v === b.bytes[i]);
}

/** 65-byte SEC1 uncompressed encoding (0x04 || x || y) of a secp256k1 key. */
export function secp256k1Uncompressed(key: ChainSigPublicKey): Uint8Array {
  if (key.curve !== "secp256k1") throw new ChainSigError("bad-public-key", "SEC1 encoding needs a secp256k1 key");
  return sec1(key.bytes);
}

export function secp256k1UncompressedHex(key: ChainSigPublicKey): string {
  return toHex(secp256k1Uncompressed(key));
}

/** Ethereum address of a secp256k1 key: last 20 bytes of keccak-256(x || y), EIP-55 checksummed. */
export function ethereumAddress(key: ChainSigPublicKey): string {
  if (key.curve !== "secp256k1") throw new ChainSigError("bad-public-key", "an Ethereum address needs a secp256k1 key");
  return toChecksumAddress(toHex(keccak_256(key.bytes).slice(12)));
}

/** EIP-55: uppercase each hex letter whose nibble in keccak-256(lowercase address) is >= 8. */
export function toChecksumAddress(address: string): string {
  const lower = address.replace(/^0x/i, "").toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(lower))
    throw new ChainSigError("bad-hex", `not a 20-byte address: ${JSON.stringify(address)}`);
  const hash = toHex(keccak_256(new TextEncoder().encode(lower)));
  let out = "0x";
  for (let i = 0; i < 40; i++) out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  return out;
}

/**
 * The parsed key from the signer contract's `public_key` / `derived_public_key` view. Accepts the
 * raw `result` of a JSON-RPC `call_function` query (the JSON bytes, as number[] or Uint8Array:
 * a JSON string such as "secp256k1:..."), or that string already decoded.
 */
export function publicKeyFromViewResult(result: unknown): ChainSigPublicKey {
  let value: unknown = result;
  if (result instanceof Uint8Array || Array.isArray(result)) {
    const arr = Array.from(result as ArrayLike<unknown>);
    if (!arr.every((b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) <= 255)) {
      throw new ChainSigError("bad-view-result", "view result is not a byte array");
    }
    const text = Buffer.from(arr as number[]).toString("utf8");
    try {
      value = JSON.parse(text);
    } catch {
      throw new ChainSigError("bad-view-result", `view result is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
  }
  if (typeof value !== "string") {
    throw new ChainSigError(
      "bad-view-result",
      `view result is not a public key string: ${JSON.stringify(value)?.slice(0, 80)}`,
    );
  }
  try {
    return parsePublicKey(value);
  } catch (e) {
    throw new ChainSigError("bad-view-result", `view result: ${(e as Error).message}`);
  }
}

function sec1(xy: Uint8Array): Uint8Array {
  const out = new Uint8Array(65);
  out[0] = 0x04;
  out.set(xy, 1);
  return out;
}
