import { beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { GetParameterCommand, GetParametersByPathCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { KeyPair } from "near-api-js";
import { KeyResolver, parseKeyRef } from "../keys.js";
import { OpsError } from "../errors.js";
import { FakeKeys, fails } from "../../../test/support/ops.js";

const ssmMock = mockClient(SSMClient);
const smMock = mockClient(SecretsManagerClient);
const kp = KeyPair.fromRandom("ed25519");
const secret = kp.toString();

beforeEach(() => {
  ssmMock.reset();
  smMock.reset();
});

describe("key references", () => {
  it("parses the three kinds and rejects anything else", () => {
    expect(parseKeyRef("ssm:/near-localnet/localnet-account-key")).toEqual({
      kind: "ssm",
      name: "/near-localnet/localnet-account-key",
    });
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
    const k = await new KeyResolver({ ssm: new SSMClient({ region: "us-east-1" }) }).resolve(
      "ssm:/near-localnet/localnet-account-key",
    );
    expect(k.getPublicKey().toString()).toBe(kp.getPublicKey().toString());
    expect(ssmMock.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({
      Name: "/near-localnet/localnet-account-key",
      WithDecryption: true,
    });
  });

  it("reads Secrets Manager secrets, raw or as a near-cli credentials JSON", async () => {
    smMock.on(GetSecretValueCommand, { SecretId: "raw" }).resolves({ SecretString: `${secret}\n` });
    smMock.on(GetSecretValueCommand, { SecretId: "json" }).resolves({
      SecretString: JSON.stringify({
        account_id: "localnet",
        public_key: kp.getPublicKey().toString(),
        private_key: secret,
      }),
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
    const e = await fails(new KeyResolver({ ssm: new SSMClient({ region: "us-east-1" }) }).resolve("ssm:/missing"));
    expect(e.code).toBe("KEY_NOT_FOUND");
    expect(e.message).toBe("key ssm:/missing does not exist");
    expect((await fails(new KeyResolver({ env: {} }).resolve("env:NOPE"))).code).toBe("KEY_NOT_FOUND");
  });

  it("KEY_INVALID for a value that is not a NEAR secret key, never echoing the value", async () => {
    const values = ["hunter2", "ed25519:3yZe7d", kp.getPublicKey().toString()];
    // a 64-byte value whose public half does not belong to its seed
    const other = KeyPair.fromRandom("ed25519").toString();
    values.push(`${secret.slice(0, 20)}${other.slice(20)}`);
    for (const v of values) {
      const e = await fails(new KeyResolver({ env: { K: v } }).resolve("env:K"));
      expect(e.code).toBe("KEY_INVALID");
      expect(e.message).toContain("env:K");
      expect(e.message).not.toContain(v);
    }
  });
});

describe("the shared fake key source (test/support/ops.ts) answers the resolver like AWS", () => {
  it("resolves env:, ssm: and secretsmanager: references and records the AWS reads", async () => {
    const other = KeyPair.fromRandom("ed25519");
    const keys = new FakeKeys({ "env:ROOT_KEY": kp, "ssm:/near-localnet/localnet-account-key": kp }).set(
      "secretsmanager:mpc-node-0",
      JSON.stringify({ account_id: "mpc-node-0.localnet", private_key: other.toString() }),
    );
    const r = keys.resolver();
    expect((await r.resolve("env:ROOT_KEY")).toString()).toBe(secret);
    expect((await r.resolve("ssm:/near-localnet/localnet-account-key")).toString()).toBe(secret);
    expect((await r.resolve("secretsmanager:mpc-node-0")).toString()).toBe(other.toString());
    expect(keys.reads).toEqual(["ssm:/near-localnet/localnet-account-key", "secretsmanager:mpc-node-0"]);
    // env is live: a variable set after the resolver was made resolves too
    keys.env.LATE = other.toString();
    expect((await r.resolve("env:LATE")).toString()).toBe(other.toString());
  });

  it("missing keys are KEY_NOT_FOUND; an SSM read without decryption never sees the value", async () => {
    const keys = new FakeKeys({ "ssm:/a": kp, "secretsmanager:b": kp }).delete("secretsmanager:b");
    const r = keys.resolver();
    expect((await fails(r.resolve("ssm:/missing"))).message).toBe("key ssm:/missing does not exist");
    expect((await fails(r.resolve("secretsmanager:b"))).message).toBe("key secretsmanager:b does not exist");
    expect((await fails(r.resolve("env:NOPE"))).code).toBe("KEY_NOT_FOUND");
    const raw = await keys.clients().ssm!.send(new GetParameterCommand({ Name: "/a" }));
    expect(raw.Parameter?.Value).not.toContain(secret.slice(8));
    await expect(keys.clients().ssm!.send(new GetParametersByPathCommand({ Path: "/" }) as never)).rejects.toThrow(
      "unexpected SSM call",
    );
  });
});
