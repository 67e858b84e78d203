import { beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { KeyPair } from "near-api-js";
import { KeyResolver, parseKeyRef } from "../../ops/keys.js";
import { OpsError } from "../../ops/errors.js";

const ssmMock = mockClient(SSMClient);
const smMock = mockClient(SecretsManagerClient);
const kp = KeyPair.fromRandom("ed25519");
const secret = kp.toString();

async function code(p: Promise<unknown>): Promise<OpsError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OpsError) return e;
    throw e;
  }
  throw new Error("expected an OpsError");
}

beforeEach(() => {
  ssmMock.reset();
  smMock.reset();
});

describe("key references", () => {
  it("parses the three kinds and rejects anything else", () => {
    expect(parseKeyRef("ssm:/near-localnet/localnet-account-key")).toEqual({ kind: "ssm", name: "/near-localnet/localnet-account-key" });
    expect(parseKeyRef("secretsmanager:near/mpc-node-0")).toEqual({ kind: "secretsmanager", name: "near/mpc-node-0" });
    expect(parseKeyRef("env:ROOT_KEY")).toEqual({ kind: "env", name: "ROOT_KEY" });
    for (const bad of [secret, "file:/x", "ssm:", 7]) {
      expect(() => parseKeyRef(bad)).toThrow(OpsError);
    }
    try {
      parseKeyRef(secret);
    } catch (e) {
      expect((e as OpsError).code).toBe("KEY_REF_INVALID");
      expect((e as OpsError).message).toBe(
        'a key reference (scheme "ed25519") is not "ssm:<name>", "secretsmanager:<id>" or "env:<VAR>"',
      );
    }
  });

  it("reads an SSM SecureString with decryption", async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: secret } });
    const k = await new KeyResolver({ ssm: new SSMClient({ region: "us-east-1" }) }).resolve("ssm:/near-localnet/localnet-account-key");
    expect(k.getPublicKey().toString()).toBe(kp.getPublicKey().toString());
    expect(ssmMock.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({
      Name: "/near-localnet/localnet-account-key",
      WithDecryption: true,
    });
  });

  it("reads Secrets Manager secrets, raw or as a near-cli credentials JSON", async () => {
    smMock.on(GetSecretValueCommand, { SecretId: "raw" }).resolves({ SecretString: `${secret}\n` });
    smMock.on(GetSecretValueCommand, { SecretId: "json" }).resolves({
      SecretString: JSON.stringify({ account_id: "localnet", public_key: kp.getPublicKey().toString(), private_key: secret }),
    });
    const r = new KeyResolver({ secretsManager: new SecretsManagerClient({ region: "us-east-1" }) });
    expect((await r.resolve("secretsmanager:raw")).toString()).toBe(secret);
    expect((await r.resolve("secretsmanager:json")).toString()).toBe(secret);
  });

  it("caches a resolved key", async () => {
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: secret } });
    const r = new KeyResolver({ ssm: new SSMClient({ region: "us-east-1" }) });
    await r.resolve("ssm:/a");
    await r.resolve("ssm:/a");
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it("KEY_NOT_FOUND for a missing parameter or variable", async () => {
    ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "nope", $metadata: {} }));
    const e = await code(new KeyResolver({ ssm: new SSMClient({ region: "us-east-1" }) }).resolve("ssm:/missing"));
    expect(e.code).toBe("KEY_NOT_FOUND");
    expect(e.message).toBe("key ssm:/missing does not exist");
    expect((await code(new KeyResolver({ env: {} }).resolve("env:NOPE"))).code).toBe("KEY_NOT_FOUND");
  });

  it("KEY_INVALID for a value that is not a NEAR secret key, never echoing the value", async () => {
    const values = ["hunter2", "ed25519:3yZe7d", kp.getPublicKey().toString()];
    // a 64-byte value whose public half does not belong to its seed
    const other = KeyPair.fromRandom("ed25519").toString();
    values.push(`${secret.slice(0, 20)}${other.slice(20)}`);
    for (const v of values) {
      const e = await code(new KeyResolver({ env: { K: v } }).resolve("env:K"));
      expect(e.code).toBe("KEY_INVALID");
      expect(e.message).toContain("env:K");
      expect(e.message).not.toContain(v);
    }
  });
});
