// Keys the program makes and keeps in its state (as secrets): random bytes from @pulumi/random
// turned into NEAR ed25519 key pairs. The public half is known before any instance boots and
// never changes across re-runs, so boot nodes, access keys and node secrets cannot drift apart.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ed25519FromSeedBase64 } from "../near/key-pairs.js";

export interface NearKeyPair {
  /** "ed25519:<base58>": public, usable in plain outputs and user data. */
  publicKey: pulumi.Output<string>;
  /** "ed25519:<base58 of 64 bytes>": secret in state, never in user data or SSM command parameters. */
  secretKey: pulumi.Output<string>;
}

export function nearKeyPair(name: string, opts: pulumi.CustomResourceOptions): NearKeyPair {
  const seed = new random.RandomBytes(name, { length: 32 }, opts);
  // No bytes when a targeted run skips creating this key (a higher layer not deployed yet).
  const keys = seed.base64.apply((b64) => (b64 === undefined ? undefined : ed25519FromSeedBase64(b64)));
  return {
    publicKey: pulumi.unsecret(keys.apply((k) => k?.publicKey as string)),
    secretKey: pulumi.secret(keys.apply((k) => k?.secretKey as string)),
  };
}

/** Exactly 32 hex characters (the MPC node's MPC_SECRET_STORE_KEY). */
export function hexSecret(name: string, bytes: number, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
  return pulumi.secret(new random.RandomBytes(name, { length: bytes }, opts).hex);
}
