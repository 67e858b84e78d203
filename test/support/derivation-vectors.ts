/**
 * The derivation vectors in test/fixtures/derivation.json (root and derived public keys captured from the live
 * testnet signer contract), with their keys in NEAR's "<curve>:<base58>" form. The fixture holds the raw key
 * bytes as hex; the NEAR form is made here.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { baseEncode } from "near-api-js";

export interface DerivationVector {
  domain: "secp256k1" | "ed25519";
  root: string;
  predecessor: string;
  path: string;
  derived: string;
}

interface Fixture {
  vectors: Array<{
    domain: DerivationVector["domain"];
    root_hex: string;
    predecessor: string;
    path: string;
    derived_hex: string;
  }>;
  tweak_example: { predecessor: string; path: string; tweak_hex: string };
}

const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "derivation.json");
const fixture = JSON.parse(readFileSync(FIXTURE, "utf8")) as Fixture;

const nearKey = (curve: string, hex: string) => `${curve}:${baseEncode(Buffer.from(hex, "hex"))}`;

export const DERIVATION_VECTORS: DerivationVector[] = fixture.vectors.map((v) => ({
  domain: v.domain,
  root: nearKey(v.domain, v.root_hex),
  predecessor: v.predecessor,
  path: v.path,
  derived: nearKey(v.domain, v.derived_hex),
}));

export const TWEAK_EXAMPLE = fixture.tweak_example;
