// What a snapshot set belongs to, as its tags record it: the stack, the set's name, the chain's
// genesis (sha256 of the genesis the base host published) and the signer contract's key set (a
// digest of each domain's root public key). A restore must match all three: MPC key shares only
// work with the contract state that holds their public keys, and a chain only with its genesis.
import { createHash } from "node:crypto";
import type { StackOutputs } from "../../layers/outputs.js";

export const TAG = {
  stack: "near-localnet:stack",
  set: "near-localnet:snapshot-set",
  genesis: "near-localnet:genesis-sha256",
  keySet: "near-localnet:key-set",
  host: "near-localnet:host",
  volume: "near-localnet:source-volume",
} as const;

/** The set `up` takes after its first green run, and `reset` restores. */
export const BASELINE_SET = "baseline";

const SET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Throws a usage message unless `name` is a valid set name. */
export function checkSetName(name: string): void {
  if (!SET_NAME.test(name))
    throw new Error(
      `snapshot set name "${name}" must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
}

/** The default name of a set: its creation time, e.g. 2026-12-01T22-45-10Z. */
export function defaultSetName(nowMs: number): string {
  return new Date(nowMs)
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replaceAll(":", "-");
}

export interface StackIdentity {
  stack: string;
  genesisSha256: string;
  /** sha256 hex of the domains' root keys ("none" before key generation). */
  keySet: string;
}

export function keySetDigest(outputs: StackOutputs): string {
  const keys = [...(outputs.mpc?.rootKeys ?? [])].sort((a, b) => a.domainId - b.domainId);
  if (!keys.length) return "none";
  const text = keys.map((k) => `${k.domainId}:${k.publicKey}`).join("\n");
  return createHash("sha256").update(text).digest("hex");
}

/** The identity of the stack as deployed; throws when the outputs do not name its genesis. */
export function stackIdentity(stack: string, outputs: StackOutputs): StackIdentity {
  const genesisSha256 = outputs.base?.genesis?.sha256;
  if (!genesisSha256)
    throw new Error(`stack "${stack}" exports no genesis sha256 (base.genesis): deploy Layer 1 first`);
  return { stack, genesisSha256, keySet: keySetDigest(outputs) };
}

/** Where a set's tags disagree with the stack's identity, one phrase each (empty: they agree). */
export function identityMismatches(tags: Record<string, string>, id: StackIdentity): string[] {
  const found: string[] = [];
  if (tags[TAG.stack] !== id.stack) found.push(`it belongs to stack "${tags[TAG.stack] ?? "?"}", not "${id.stack}"`);
  if (tags[TAG.genesis] !== id.genesisSha256)
    found.push(`its genesis sha256 is ${tags[TAG.genesis] ?? "?"}, the stack's is ${id.genesisSha256}`);
  if (tags[TAG.keySet] !== id.keySet)
    found.push(`its key set is ${tags[TAG.keySet] ?? "?"}, the signer contract's is ${id.keySet}`);
  return found;
}
