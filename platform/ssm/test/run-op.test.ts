// The ops output parser, the run-op client (platform/ssm/run-op.ts) and the parameter patterns.
import { createHash } from "node:crypto";
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { OpsOperationError, OpsOutputError, expectOpsSuccess, parseOpsOutput } from "../ops-output.js";
import { RunOpError, runNearOperation, runOpParameters } from "../run-op.js";
import {
  BUNDLE_URI_PATTERN,
  IMAGE_PATTERN,
  OPERATION_PATTERN,
  PAYLOAD_MAX_CHARS,
  PAYLOAD_PATTERN,
  SHA256_PATTERN,
  decodePayload,
  encodePayload,
} from "../patterns.js";

const SHA = "a".repeat(64);
const BUNDLE = { uri: "s3://near-localnet-ops/ops/aaaa.mjs", sha256: SHA };

describe("parseOpsOutput", () => {
  const step = '{"event":"step","name":"create-account","account":"wrap.localnet"}';
  const ok = '{"event":"result","ok":true,"operation":"ensure-account","result":{"created":true}}';
  const failed =
    '{"event":"result","ok":false,"operation":"ensure-account","error":{"code":"ACCOUNT_KEY_MISMATCH","message":"wrap.localnet has another key"}}';

  test("steps then the result", () => {
    expect(parseOpsOutput(`${step}\n${step}\n${ok}\n`)).toEqual({
      steps: [JSON.parse(step), JSON.parse(step)],
      result: JSON.parse(ok),
    });
    expect(expectOpsSuccess(`${ok}\r\n`).result.result).toEqual({ created: true });
  });

  test("an ok:false result parses, and expectOpsSuccess turns it into OpsOperationError", () => {
    expect(parseOpsOutput(failed).result).toEqual(JSON.parse(failed));
    let err: OpsOperationError | undefined;
    try {
      expectOpsSuccess(`${step}\n${failed}`);
    } catch (e) {
      err = e as OpsOperationError;
    }
    if (!err) throw new Error("expectOpsSuccess did not throw");
    expect(err).toBeInstanceOf(OpsOperationError);
    expect(err.code).toBe("ACCOUNT_KEY_MISMATCH");
    expect(err.message).toBe("ensure-account failed: ACCOUNT_KEY_MISMATCH: wrap.localnet has another key");
    expect(err.steps).toHaveLength(1);
  });

  test.each([
    ["", "the ops output has no result line"],
    [step, "the ops output has no result line"],
    ["pulling image...\n" + ok, "line 1 of the ops output is not JSON: pulling image..."],
    [`${ok}\n${ok}`, "line 2: output after the result line"],
    ['{"event":"result","ok":true,"operation":"x"}', 'line 1: an ok result line needs an object "result"'],
    [
      '{"event":"result","ok":false,"operation":"x","error":{"code":"E"}}',
      'line 1: a failed result line needs "error" with string "code" and "message"',
    ],
    ['{"event":"log"}', 'line 1: unknown event "log"'],
    ["[1]", "line 1 of the ops output is not a JSON object"],
  ])("contract violations are OpsOutputError: %j", (stdout, message) => {
    expect(() => parseOpsOutput(stdout)).toThrow(new OpsOutputError(message));
  });

  test("a cut last line mentions SSM's truncation when flagged", () => {
    expect(() => parseOpsOutput(`${step}\n{"event":"res`, { truncated: true })).toThrow(
      /line 2 of the ops output is not JSON \(SSM truncated the output at 24000 characters/,
    );
  });
});

describe("parameter patterns (shared by the documents and the callers)", () => {
  const re = (p: string) => new RegExp(p);
  test.each([
    [
      OPERATION_PATTERN,
      ["ensure-account", "faucet-start", "a"],
      ["", "A", "1op", "op;rm", "op name", "a".repeat(65), "op'"],
    ],
    [SHA256_PATTERN, [SHA], ["A".repeat(64), "a".repeat(63), `${"a".repeat(63)}'`]],
    [
      BUNDLE_URI_PATTERN,
      ["s3://bucket-1/ops/x.mjs", "s3://my.bucket/a/b/c_d-e.mjs"],
      [
        "https://x/y",
        "s3://bucket/",
        "s3://bucket/a b",
        "s3://bucket/a';touch x;'",
        "s3://Bucket/x",
        "s3://bucket/$(id)",
      ],
    ],
    [
      IMAGE_PATTERN,
      ["node:22-slim", "public.ecr.aws/docker/library/node:22-slim", `node@sha256:${SHA}`, "node"],
      ["node:22 --privileged", "Node:22", "node:22;id", "node:$(id)", "-v/:/x"],
    ],
    [PAYLOAD_PATTERN, ["e30=", "eyJhIjoxfQ==", "YWJj"], ["", "e30", "e30='", "e3 0=", "e30=\n", "====", "e30=e30="]],
  ])("%s", (pattern, good, bad) => {
    for (const v of good) expect([v, re(pattern).test(v)]).toEqual([v, true]);
    for (const v of bad) expect([v, re(pattern).test(v)]).toEqual([v, false]);
  });

  test("payloads: encode/decode round trip, objects only, size bound", () => {
    const payload = { account: "wrap.localnet", signer: "ssm:/near-localnet/localnet-account-key" };
    expect(decodePayload(encodePayload(payload))).toEqual(payload);
    expect(() => encodePayload([] as unknown as Record<string, unknown>)).toThrow(
      "an ops payload must be a JSON object",
    );
    expect(() => decodePayload(Buffer.from("[1]").toString("base64"))).toThrow(
      "ops payload must decode to a JSON object",
    );
    expect(() => encodePayload({ blob: "x".repeat(13000) })).toThrow(
      `the run-op document accepts at most ${PAYLOAD_MAX_CHARS}`,
    );
    // the largest payload that fits passes the document's pattern
    const big = encodePayload({ blob: "x".repeat(12270) });
    expect(big.length).toBeLessThanOrEqual(PAYLOAD_MAX_CHARS);
    expect(new RegExp(PAYLOAD_PATTERN).test(big)).toBe(true);
  });

  test("runOpParameters builds and checks the document's parameters", () => {
    expect(
      runOpParameters({ operation: "view", payload: { a: 1 }, bundle: BUNDLE, executionTimeoutSeconds: 120.2 }),
    ).toEqual({
      operation: "view",
      payload: "eyJhIjoxfQ==",
      bundleUri: BUNDLE.uri,
      bundleSha256: SHA,
      executionTimeout: "121",
    });
    // A named image is sent and checked; none leaves the document's default (the stack's opsImage).
    const pinned = `node:22-slim@sha256:${"ab".repeat(32)}`;
    expect(runOpParameters({ operation: "view", payload: "e30=", bundle: BUNDLE, nodeImage: pinned }).nodeImage).toBe(
      pinned,
    );
    expect(() => runOpParameters({ operation: "view", payload: "e30=", bundle: BUNDLE, nodeImage: "Node 22" })).toThrow(
      "SSM parameter nodeImage must be an image reference",
    );
    expect(() =>
      runOpParameters({ operation: "view", payload: "e30=", bundle: { ...BUNDLE, sha256: "nope" } }),
    ).toThrow('SSM parameter bundleSha256 must be 64 lower-case hex characters; got "nope"');
  });
});

describe("runNearOperation", () => {
  const ssm = mockClient(SSMClient);
  const opts = () => ({
    client: new SSMClient({ region: "us-east-1" }),
    instanceId: "i-0123456789abcdef0",
    documentName: "nl-run-op",
    operation: "ensure-account",
    payload: { account: "wrap.localnet" },
    bundle: BUNDLE,
    timeoutSeconds: 300,
    pollIntervalMs: 1,
    sleep: async () => {},
  });
  beforeEach(() => {
    ssm.reset();
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-9" } });
  });

  test("sends the run-op parameters and returns the parsed result", async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: "Success",
      ResponseCode: 0,
      StandardOutputContent:
        '{"event":"step","name":"create"}\n{"event":"result","ok":true,"operation":"ensure-account","result":{"created":true}}\n',
    });
    const out = await runNearOperation(opts());
    expect(out.result).toEqual({ event: "result", ok: true, operation: "ensure-account", result: { created: true } });
    expect(out.steps).toEqual([{ event: "step", name: "create" }]);
    expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input).toMatchObject({
      DocumentName: "nl-run-op",
      // the operation's identity: its name and a digest of its payload
      Comment: `near-localnet ensure-account ${createHash("sha256")
        .update(`ensure-account\n${Buffer.from('{"account":"wrap.localnet"}').toString("base64")}`)
        .digest("hex")
        .slice(0, 16)}`,
      Parameters: {
        operation: ["ensure-account"],
        payload: [Buffer.from('{"account":"wrap.localnet"}').toString("base64")],
        bundleUri: [BUNDLE.uri],
        bundleSha256: [SHA],
        executionTimeout: ["300"],
      },
    });
  });

  test("an operation's ok:false with exit 1 becomes RunOpError(kind operation) with its code and the stderr tail", async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: "Failed",
      ResponseCode: 1,
      StandardOutputContent:
        '{"event":"result","ok":false,"operation":"ensure-account","error":{"code":"ACCOUNT_KEY_MISMATCH","message":"wrap.localnet exists with another key"}}\n',
      StandardErrorContent: "checking wrap.localnet\n",
    });
    const err = (await runNearOperation(opts()).catch((e) => e)) as RunOpError;
    expect(err).toBeInstanceOf(RunOpError);
    expect(err.kind).toBe("operation");
    expect(err.code).toBe("ACCOUNT_KEY_MISMATCH");
    expect(err.exitCode).toBe(1);
    expect(err.commandId).toBe("cmd-9");
    expect(err.message).toBe(
      "ensure-account on i-0123456789abcdef0 failed (exit code 1): ACCOUNT_KEY_MISMATCH: wrap.localnet exists with another key\n--- stderr (tail) ---\nchecking wrap.localnet",
    );
    expect(err.failure?.error.code).toBe("ACCOUNT_KEY_MISMATCH");
  });

  test("a failure without a result line is a channel error", async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: "Failed", ResponseCode: 137, StandardOutputContent: "", StandardErrorContent: "Killed\n" });
    const err = (await runNearOperation(opts()).catch((e) => e)) as RunOpError;
    expect(err.kind).toBe("channel");
    expect(err.code).toBe("COMMAND_FAILED");
    expect(err.exitCode).toBe(137);
    expect(err.message).toContain("failed with exit code 137");
    expect(err.message).toContain("Killed");
  });

  test("success with output that breaks the contract is BAD_OUTPUT", async () => {
    ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: "Success", ResponseCode: 0, StandardOutputContent: "hello\n" });
    const err = (await runNearOperation(opts()).catch((e) => e)) as RunOpError;
    expect(err.kind).toBe("output");
    expect(err.code).toBe("BAD_OUTPUT");
    expect(err.message).toBe("ensure-account on i-0123456789abcdef0: line 1 of the ops output is not JSON: hello");
  });

  test("a result for another operation is BAD_OUTPUT", async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: "Success",
      ResponseCode: 0,
      StandardOutputContent: '{"event":"result","ok":true,"operation":"view","result":{}}',
    });
    await expect(runNearOperation(opts())).rejects.toMatchObject({ code: "BAD_OUTPUT", kind: "output" });
  });

  test("bad parameters never reach SSM", async () => {
    await expect(runNearOperation({ ...opts(), operation: "Drop Table" })).rejects.toThrow(
      "SSM parameter operation must be",
    );
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });
});
