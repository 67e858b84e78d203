// The domain schemes a localnet can ask the signer contract for, one row each, in the pinned
// contract's terms (near/mpc 3.14.1 crates/near-mpc-contract-interface: `DomainConfig` {protocol,
// purpose}, the `scheme` tag of a sign response, `SignRequestArgs.payload_v2` {Ecdsa | Eddsa}).
// Pure data: the config, the Pulumi program and the ops bundle share it.
import type { Curve } from "./keys.js";
import type { PayloadKind } from "./sign-args.js";

/** The contract's domain protocols. */
export const PROTOCOLS = ["CaitSith", "Frost", "ConfidentialKeyDerivation", "DamgardEtAl"] as const;
export type Protocol = (typeof PROTOCOLS)[number];
/** The contract's domain purposes. */
export const PURPOSES = ["Sign", "ForeignTx", "CKD"] as const;
export type DomainPurpose = (typeof PURPOSES)[number];

/** What a signing domain needs beyond its protocol and purpose. */
export interface SigningRow {
  /** The curve, as the prefix of the domain's keys in NEAR string form ("secp256k1:..."). */
  keyPrefix: Curve;
  /** The `scheme` of the domain's sign responses, also the name sign-test reports it by. */
  response: "Secp256k1" | "Ed25519";
  /** The `payload_v2` variant of a sign request. */
  payloadKind: PayloadKind;
  /** The signature algorithm, as messages name it. */
  algorithm: "ECDSA" | "EdDSA";
}

export interface SchemeRow {
  protocol: Protocol;
  purpose: DomainPurpose;
  /** null: the domain signs nothing (key derivation only). */
  signing: SigningRow | null;
}

/** Row order is the default domain order: domain 0 is secp256k1, domain 1 ed25519. */
export const SCHEMES = {
  secp256k1: {
    protocol: "CaitSith",
    purpose: "Sign",
    signing: { keyPrefix: "secp256k1", response: "Secp256k1", payloadKind: "Ecdsa", algorithm: "ECDSA" },
  },
  ed25519: {
    protocol: "Frost",
    purpose: "Sign",
    signing: { keyPrefix: "ed25519", response: "Ed25519", payloadKind: "Eddsa", algorithm: "EdDSA" },
  },
  bls12381: { protocol: "ConfidentialKeyDerivation", purpose: "CKD", signing: null },
} as const satisfies Record<string, SchemeRow>;

export type Scheme = keyof typeof SCHEMES;
/** The schemes that sign: the ones a stack's `mpcDomains` and the sign test take. */
export type SignatureScheme = { [S in Scheme]: (typeof SCHEMES)[S]["signing"] extends null ? never : S }[Scheme];
export type SignResponseScheme = SigningRow["response"];

export function isSignatureScheme(name: string): name is SignatureScheme {
  return Object.hasOwn(SCHEMES, name) && SCHEMES[name as Scheme].signing !== null;
}

export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = Object.keys(SCHEMES).filter(isSignatureScheme);
/** The domains a localnet votes for unless told otherwise: every signature scheme, in table order. */
export const DEFAULT_SCHEMES: readonly SignatureScheme[] = SIGNATURE_SCHEMES;

export function signingOf(scheme: SignatureScheme): SigningRow {
  return SCHEMES[scheme].signing;
}

/**
 * The signature scheme a name denotes, in any case: the scheme itself ("secp256k1"), its sign
 * response scheme ("Secp256k1"), its protocol ("CaitSith") or its payload kind ("Ecdsa").
 */
export function signatureSchemeNamed(name: unknown): SignatureScheme | undefined {
  if (typeof name !== "string") return undefined;
  const wanted = name.toLowerCase();
  return SIGNATURE_SCHEMES.find((s) =>
    [s, SCHEMES[s].protocol, signingOf(s).response, signingOf(s).payloadKind].some((n) => n.toLowerCase() === wanted),
  );
}

/** The signing row of the scheme whose sign responses carry this `scheme`. */
export function signingByResponse(response: SignResponseScheme): SigningRow {
  return SIGNATURE_SCHEMES.map(signingOf).find((row) => row.response === response)!;
}

/** The default domains as a fresh contract numbers them (from 0, in DEFAULT_SCHEMES order), by response scheme. */
export const DEFAULT_SIGN_DOMAINS: readonly { domainId: number; scheme: SignResponseScheme }[] = DEFAULT_SCHEMES.map(
  (s, domainId) => ({ domainId, scheme: signingOf(s).response }),
);

/** "a" (X) or "b" (Y) ...: the signature schemes for messages, in the given naming. */
export function describeSignatureSchemes(name: (s: SignatureScheme) => string): string {
  return SIGNATURE_SCHEMES.map((s) => `"${name(s)}" (${signingOf(s).algorithm})`).join(" or ");
}
