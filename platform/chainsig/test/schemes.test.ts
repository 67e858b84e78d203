import {
  DEFAULT_SCHEMES,
  DEFAULT_SIGN_DOMAINS,
  SCHEMES,
  SIGNATURE_SCHEMES,
  describeSignatureSchemes,
  isSignatureScheme,
  signatureSchemeNamed,
  signingByResponse,
  signingOf,
} from "../schemes.js";
import { buildSignArgs } from "../sign-args.js";
import { formatPublicKey } from "../keys.js";
import { toSignResponseJson } from "../response.js";
import { publicKeyFromPrivate, signLikeContract } from "../testkit.js";

const PRIVATE = new Uint8Array(32).fill(7);
const PAYLOAD = new Uint8Array(32).fill(0xab);

describe("the scheme table", () => {
  test("signature schemes in domain order; the CKD scheme signs nothing", () => {
    expect(SIGNATURE_SCHEMES).toEqual(["secp256k1", "ed25519"]);
    expect(DEFAULT_SCHEMES).toEqual(SIGNATURE_SCHEMES);
    expect(DEFAULT_SIGN_DOMAINS).toEqual([
      { domainId: 0, scheme: "Secp256k1" },
      { domainId: 1, scheme: "Ed25519" },
    ]);
    expect(isSignatureScheme("bls12381")).toBe(false);
    expect(isSignatureScheme("toString")).toBe(false);
    expect(describeSignatureSchemes((s) => s)).toBe('"secp256k1" (ECDSA) or "ed25519" (EdDSA)');
  });

  test("(purpose, protocol) pairs the contract accepts", () => {
    const valid: Record<string, string[]> = {
      Sign: ["CaitSith", "DamgardEtAl", "Frost"],
      CKD: ["ConfidentialKeyDerivation"],
    };
    for (const row of Object.values(SCHEMES)) expect(valid[row.purpose]).toContain(row.protocol);
  });

  test.each(SIGNATURE_SCHEMES)("%s: key prefix, payload kind and response scheme as chainsig makes them", (scheme) => {
    const row = signingOf(scheme);
    expect(formatPublicKey(publicKeyFromPrivate(row.keyPrefix, PRIVATE))).toMatch(new RegExp(`^${row.keyPrefix}:`));
    const args = buildSignArgs({ path: "p", domainId: 0, kind: row.payloadKind, payload: PAYLOAD });
    expect(Object.keys(args.request.payload_v2)).toEqual([row.payloadKind]);
    expect(toSignResponseJson(signLikeContract(row.keyPrefix, PRIVATE, PAYLOAD)).scheme).toBe(row.response);
    expect(signingByResponse(row.response)).toBe(row);
  });

  test("names: the scheme, its response scheme, protocol or payload kind, in any case", () => {
    const named = (names: string[]) => names.map(signatureSchemeNamed);
    expect(named(["secp256k1", "Secp256k1", "ECDSA", "caitsith"])).toEqual(Array(4).fill("secp256k1"));
    expect(named(["ed25519", "Ed25519", "EdDSA", "FROST"])).toEqual(Array(4).fill("ed25519"));
    const none = ["bls12381", "ConfidentialKeyDerivation", "DamgardEtAl", "", "rsa"];
    expect(named(none)).toEqual(none.map(() => undefined));
    expect(signatureSchemeNamed(0)).toBeUndefined();
  });
});
