/**
 * Shared helpers for tests of the NEAR operations (ops/):
 *
 *   fails(promise) / throws(fn)   the OpsError it rejects / throws with (anything else fails the test)
 *   new FakeKeys({ "env:ROOT_KEY": kp, "ssm:/near-localnet/x": kp, "secretsmanager:id": kp })
 *     the one fake key source: secrets held in memory under their key references, answered the
 *     way platform/near/keys.ts reads them: env: from a plain (live) object, ssm: and secretsmanager:
 *     through clients that speak GetParameter / GetSecretValue like AWS (ParameterNotFound,
 *     ResourceNotFoundException, ciphertext without WithDecryption). keys.reads lists what the
 *     clients were asked for; keys.clients() is a KeyClients (ops/main.ts io.keyClients);
 *     keys.resolver() a KeyResolver over them.
 *   opContext(keys, connectOptions?)   the context an operation gets from ops/main.ts (keys, emit,
 *     log, connectOptions with a short poll), recording emitted lines and log messages.
 */
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import type { KeyPair } from "near-api-js";
import { OpsError } from "../../platform/near/errors.js";
import { KeyResolver, parseKeyRef, type KeyClients } from "../../platform/near/keys.js";
import type { ConnectOptions } from "../../platform/near/client.js";

/** The OpsError `p` rejects with; fails the test when it resolves or rejects with anything else. */
export async function fails(p: Promise<unknown>): Promise<OpsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OpsError) return e;
    throw e;
  }
  throw new Error("expected an OpsError");
}

/** The OpsError `f` throws; fails the test when it returns or throws anything else. */
export function throws(f: () => unknown): OpsError {
  try {
    f();
  } catch (e) {
    if (e instanceof OpsError) return e;
    throw e;
  }
  throw new Error("expected an OpsError");
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

/** In-memory key store behind env:, ssm: and secretsmanager: references. */
export class FakeKeys {
  /** The variables behind env: references (live: a variable set later is seen by existing resolvers). */
  readonly env: Record<string, string> = {};
  /** "ssm:<name>" / "secretsmanager:<id>" for every read through the clients, in order. */
  readonly reads: string[] = [];
  private readonly ssm = new Map<string, string>();
  private readonly secrets = new Map<string, string>();

  constructor(entries: Record<string, KeyPair | string> = {}) {
    for (const [ref, key] of Object.entries(entries)) this.set(ref, key);
  }

  /** Stores a key (or any string, e.g. a malformed value) under a reference. */
  set(ref: string, key: KeyPair | string): this {
    const value = typeof key === "string" ? key : key.toString();
    const { kind, name } = parseKeyRef(ref);
    if (kind === "env") this.env[name] = value;
    else (kind === "ssm" ? this.ssm : this.secrets).set(name, value);
    return this;
  }

  delete(ref: string): this {
    const { kind, name } = parseKeyRef(ref);
    if (kind === "env") delete this.env[name];
    else (kind === "ssm" ? this.ssm : this.secrets).delete(name);
    return this;
  }

  clients(): KeyClients {
    return {
      env: this.env,
      ssm: {
        send: async (cmd: unknown) => {
          if (!(cmd instanceof GetParameterCommand))
            throw new Error(`FakeKeys: unexpected SSM call ${(cmd as object).constructor.name}`);
          const name = cmd.input.Name ?? "";
          this.reads.push(`ssm:${name}`);
          const value = this.ssm.get(name);
          if (value === undefined) throw awsError("ParameterNotFound", "");
          // a SecureString read without decryption is the KMS ciphertext, never the value
          const shown = cmd.input.WithDecryption
            ? value
            : `AQICAH${Buffer.from(value).toString("base64").slice(0, 24)}`;
          return { Parameter: { Name: name, Type: "SecureString", Value: shown }, $metadata: {} };
        },
      } as KeyClients["ssm"],
      secretsManager: {
        send: async (cmd: unknown) => {
          if (!(cmd instanceof GetSecretValueCommand))
            throw new Error(`FakeKeys: unexpected Secrets Manager call ${(cmd as object).constructor.name}`);
          const id = cmd.input.SecretId ?? "";
          this.reads.push(`secretsmanager:${id}`);
          const value = this.secrets.get(id);
          if (value === undefined)
            throw awsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
          return { Name: id, SecretString: value, $metadata: {} };
        },
      } as KeyClients["secretsManager"],
    };
  }

  resolver(): KeyResolver {
    return new KeyResolver(this.clients());
  }
}

export interface OpContext {
  keys: KeyResolver;
  emit: (line: Record<string, unknown>) => void;
  log: (message: string) => void;
  connectOptions: ConnectOptions;
  /** Every line the operation emitted. */
  lines: Record<string, unknown>[];
  /** Every log message. */
  logs: string[];
}

/**
 * An operation context over a key source (a FakeKeys, or env variables), polling every 10 ms unless
 * told; it records into `into`'s arrays when given (fresh ones otherwise).
 */
export function opContext(
  keys: FakeKeys | Record<string, string>,
  connectOptions: ConnectOptions = {},
  into: { lines: Record<string, unknown>[]; logs: string[] } = { lines: [], logs: [] },
): OpContext {
  const { lines, logs } = into;
  return {
    keys: keys instanceof FakeKeys ? keys.resolver() : new KeyResolver({ env: keys }),
    emit: (l) => void lines.push(l),
    log: (m) => void logs.push(m),
    connectOptions: { pollMs: 10, ...connectOptions },
    lines,
    logs,
  };
}
