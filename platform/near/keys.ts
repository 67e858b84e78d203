// Key references: payloads never carry keys, they name where the key lives.
//   "ssm:<parameter name>"          SSM SecureString, decrypted on the instance
//   "secretsmanager:<secret id>"    Secrets Manager secret (the key string, or JSON with
//                                   "secret_key" / "private_key" as near-cli credential files have)
//   "env:<VAR>"                     environment variable (tests only)
// resolve() wants a NEAR secret key string "ed25519:<base58 of 64 bytes>"; resolveText() hands back
// any secret as text (an EVM key). Error messages name the reference, never the value.
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { KeyPair, baseDecode, type KeyPairString } from "near-api-js";
import { OpsError } from "./errors.js";

export interface KeyClients {
  ssm?: Pick<SSMClient, "send">;
  secretsManager?: Pick<SecretsManagerClient, "send">;
  env?: NodeJS.ProcessEnv;
}

const REF = /^(ssm|secretsmanager|env):(.+)$/;

export function parseKeyRef(ref: unknown): { kind: "ssm" | "secretsmanager" | "env"; name: string } {
  const m = typeof ref === "string" ? REF.exec(ref) : null;
  if (!m) {
    throw new OpsError(
      "KEY_REF_INVALID",
      // never quote the value: a key pasted where a reference belongs must not reach a log
      `a key reference (${typeof ref === "string" ? `scheme "${ref.split(":")[0].slice(0, 16)}"` : typeof ref}) is not "ssm:<name>", "secretsmanager:<id>" or "env:<VAR>"`,
    );
  }
  return { kind: m[1] as "ssm" | "secretsmanager" | "env", name: m[2] };
}

/** Validates a NEAR ed25519 secret key string and returns its key pair. */
function keyPairFromSecret(secret: string, ref: string): KeyPair {
  const m = /^ed25519:([1-9A-HJ-NP-Za-km-z]+)$/.exec(secret.trim());
  let bytes: Uint8Array | undefined;
  try {
    bytes = m ? baseDecode(m[1]) : undefined;
  } catch {
    bytes = undefined;
  }
  if (!bytes || bytes.length !== 64) {
    throw new OpsError(
      "KEY_INVALID",
      `the value behind ${ref} is not a NEAR secret key "ed25519:<base58 of 64 bytes>"`,
    );
  }
  const kp = KeyPair.fromString(secret.trim() as KeyPairString);
  // the second half of a NEAR secret key is its public key: a mismatch means a corrupt value
  if (Buffer.compare(Buffer.from(bytes.slice(32)), Buffer.from(kp.getPublicKey().data)) !== 0) {
    throw new OpsError("KEY_INVALID", `the value behind ${ref} is not a consistent ed25519 key (public half differs)`);
  }
  return kp;
}

function secretFromSecretString(text: string): string {
  const t = text.trim();
  if (t.startsWith("{")) {
    try {
      const o = JSON.parse(t) as Record<string, unknown>;
      for (const f of ["secret_key", "private_key", "secretKey", "privateKey"]) {
        if (typeof o[f] === "string") return o[f] as string;
      }
    } catch {
      /* fall through: validated by the caller */
    }
  }
  return t;
}

export class KeyResolver {
  private readonly cache = new Map<string, KeyPair>();
  private ssm?: Pick<SSMClient, "send">;
  private sm?: Pick<SecretsManagerClient, "send">;

  constructor(private readonly clients: KeyClients = {}) {
    this.ssm = clients.ssm;
    this.sm = clients.secretsManager;
  }

  async resolve(ref: string): Promise<KeyPair> {
    const hit = this.cache.get(ref);
    if (hit) return hit;
    const kp = keyPairFromSecret(await this.resolveText(ref), ref);
    this.cache.set(ref, kp);
    return kp;
  }

  /** The secret behind a reference as text, for keys that are not NEAR keys (an EVM dev account's). */
  async resolveText(ref: string): Promise<string> {
    const { kind, name } = parseKeyRef(ref);
    let secret: string | undefined;
    try {
      if (kind === "env") {
        secret = (this.clients.env ?? process.env)[name];
      } else if (kind === "ssm") {
        this.ssm ??= new SSMClient({});
        const out = await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
        secret = out.Parameter?.Value;
      } else {
        this.sm ??= new SecretsManagerClient({});
        const out = await this.sm.send(new GetSecretValueCommand({ SecretId: name }));
        secret = out.SecretString === undefined ? undefined : secretFromSecretString(out.SecretString);
      }
    } catch (e) {
      const n = (e as { name?: string }).name ?? "";
      if (/ParameterNotFound|ResourceNotFoundException/.test(n)) {
        throw new OpsError("KEY_NOT_FOUND", `key ${ref} does not exist`);
      }
      throw new OpsError("KEY_NOT_FOUND", `key ${ref} could not be read: ${n || (e as Error).message}`);
    }
    if (secret === undefined || secret === "") throw new OpsError("KEY_NOT_FOUND", `key ${ref} is empty or missing`);
    return secret;
  }
}
