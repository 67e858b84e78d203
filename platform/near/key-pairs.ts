// NEAR ed25519 key strings from a 32-byte seed: "ed25519:" + base58(pub) for the public key and
// "ed25519:" + base58(seed || pub) for the secret key (the 64-byte form nearcore and
// near-api-js read).
import { ed25519 } from "@noble/curves/ed25519.js";
import { baseEncode } from "near-api-js";

export interface NearKeyStrings {
  publicKey: string;
  secretKey: string;
}

export function ed25519FromSeed(seed: Uint8Array): NearKeyStrings {
  if (seed.length !== 32) throw new Error(`an ed25519 seed is 32 bytes, got ${seed.length}`);
  const pub = ed25519.getPublicKey(seed);
  const full = new Uint8Array(64);
  full.set(seed, 0);
  full.set(pub, 32);
  return { publicKey: `ed25519:${baseEncode(pub)}`, secretKey: `ed25519:${baseEncode(full)}` };
}

export function ed25519FromSeedBase64(seedBase64: string): NearKeyStrings {
  return ed25519FromSeed(Uint8Array.from(Buffer.from(seedBase64, "base64")));
}
