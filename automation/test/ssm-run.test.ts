// automation/ssm-run.ts: its main() with an injected (mocked) SSM client; env is the only input.
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { main } from "../ssm-run.js";

const ssm = mockClient(SSMClient);
const SHA = "0123456789abcdef".repeat(4);
const PAYLOAD = Buffer.from(
  JSON.stringify({ account: "wrap.localnet", signer: "ssm:/near-localnet/localnet-account-key" }),
).toString("base64");

const ENV = {
  SSM_RUN_INSTANCE_ID: "i-0123456789abcdef0",
  SSM_RUN_DOCUMENT: "near-localnet-localnet-run-op",
  SSM_RUN_OPERATION: "ensure-account",
  SSM_RUN_PAYLOAD: PAYLOAD,
  SSM_RUN_BUNDLE_URI: "s3://near-localnet-ops/ops/bundle.mjs",
  SSM_RUN_BUNDLE_SHA256: SHA,
  SSM_RUN_TIMEOUT_SECONDS: "120",
  SSM_RUN_POLL_INTERVAL_MS: "1000",
  AWS_REGION: "eu-central-1",
};

function run(env: Record<string, string | undefined>, progressEveryMs = 1_000_000) {
  let out = "";
  let err = "";
  let t = 0;
  const regions: string[] = [];
  const done = main({
    env,
    makeClient: (region) => {
      regions.push(region);
      return new SSMClient({ region });
    },
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    progressEveryMs,
  });
  return done.then((code) => ({ code, out, err, regions }));
}

beforeEach(() => {
  ssm.reset();
  ssm
    .on(DescribeInstanceInformationCommand)
    .resolves({ InstanceInformationList: [{ InstanceId: ENV.SSM_RUN_INSTANCE_ID, PingStatus: "Online" }] });
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-42" } });
});

test("success: waits for the instance, runs, prints progress on stderr and the result line on stdout", async () => {
  ssm
    .on(GetCommandInvocationCommand)
    .resolvesOnce({ Status: "InProgress" })
    .resolvesOnce({ Status: "InProgress" })
    .resolves({
      Status: "Success",
      ResponseCode: 0,
      StandardOutputContent:
        '{"event":"step","name":"create"}\n{"event":"result","ok":true,"operation":"ensure-account","result":{"account":"wrap.localnet","created":true}}\n',
      StandardErrorContent: "creating wrap.localnet\n",
    });
  const r = await run(ENV);
  expect(r.code).toBe(0);
  expect(r.regions).toEqual(["eu-central-1"]);
  expect(r.out).toBe(
    '{"event":"result","ok":true,"operation":"ensure-account","result":{"account":"wrap.localnet","created":true}}\n',
  );
  expect(r.err.split("\n")).toEqual([
    "[ssm-run] waiting for i-0123456789abcdef0 to be online in SSM: Online (0s)",
    `[ssm-run] sending ensure-account to i-0123456789abcdef0 (document near-localnet-localnet-run-op, bundle 0123456789ab, bound 120s)`,
    "[ssm-run] ensure-account on i-0123456789abcdef0: InProgress (0s, command cmd-42)",
    "[ssm-run] ensure-account on i-0123456789abcdef0: Success (2s, command cmd-42)",
    "  | creating wrap.localnet",
    "[ssm-run] ensure-account succeeded in 2s (1 steps, command cmd-42)",
    "",
  ]);
  expect(ssm.commandCalls(SendCommandCommand)[0].args[0].input.Parameters).toEqual({
    operation: ["ensure-account"],
    payload: [PAYLOAD],
    bundleUri: [ENV.SSM_RUN_BUNDLE_URI],
    bundleSha256: [SHA],
    executionTimeout: ["120"],
  });
});

test("progress repeats a state only after progressEveryMs", async () => {
  ssm
    .on(GetCommandInvocationCommand)
    .resolvesOnce({ Status: "InProgress" })
    .resolvesOnce({ Status: "InProgress" })
    .resolvesOnce({ Status: "InProgress" })
    .resolves({
      Status: "Success",
      ResponseCode: 0,
      StandardOutputContent: '{"event":"result","ok":true,"operation":"ensure-account","result":{}}',
    });
  const { err } = await run(ENV, 2000);
  expect(err.match(/: InProgress \(\d+s/g)).toEqual([": InProgress (0s", ": InProgress (2s"]);
});

test("an operation failure exits 1, prints its failure line on stdout and the stderr tail on stderr", async () => {
  ssm.on(GetCommandInvocationCommand).resolves({
    Status: "Failed",
    ResponseCode: 1,
    StandardOutputContent:
      '{"event":"result","ok":false,"operation":"ensure-account","error":{"code":"NOT_ENOUGH_BALANCE","message":"localnet cannot pay for storage"}}\n',
    StandardErrorContent: "sending transaction\nLackBalanceForState\n",
  });
  const r = await run(ENV);
  expect(r.code).toBe(1);
  expect(JSON.parse(r.out)).toEqual({
    event: "result",
    ok: false,
    operation: "ensure-account",
    error: { code: "NOT_ENOUGH_BALANCE", message: "localnet cannot pay for storage" },
  });
  expect(r.err).toContain(
    "[ssm-run] FAILED: ensure-account on i-0123456789abcdef0 failed (exit code 1): NOT_ENOUGH_BALANCE: localnet cannot pay for storage\n--- stderr (tail) ---\nsending transaction\nLackBalanceForState",
  );
  expect(r.err).toContain("[ssm-run] command cmd-42, exit code 1");
});

test("a timeout cancels the command and exits 1", async () => {
  ssm.on(GetCommandInvocationCommand).resolves({ Status: "InProgress" });
  ssm.on(CancelCommandCommand).resolves({});
  const r = await run({ ...ENV, SSM_RUN_TIMEOUT_SECONDS: "5" });
  expect(r.code).toBe(1);
  expect(r.out).toBe("");
  expect(r.err).toContain(
    "[ssm-run] FAILED: command cmd-42 (near-localnet-localnet-run-op) on i-0123456789abcdef0 did not finish within 5s",
  );
  expect(ssm.commandCalls(CancelCommandCommand)).toHaveLength(1);
});

test("an instance that never comes online fails before anything is sent", async () => {
  ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
  const r = await run({ ...ENV, SSM_RUN_ONLINE_TIMEOUT_SECONDS: "30" });
  expect(r.code).toBe(1);
  expect(r.err).toContain(
    "FAILED: NOT_MANAGED: i-0123456789abcdef0 did not come online in SSM within 30s (last PingStatus NotRegistered)",
  );
  expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
});

test("SSM_RUN_ONLINE_TIMEOUT_SECONDS=0 skips the online check", async () => {
  ssm.on(GetCommandInvocationCommand).resolves({
    Status: "Success",
    ResponseCode: 0,
    StandardOutputContent: '{"event":"result","ok":true,"operation":"ensure-account","result":{}}',
  });
  const r = await run({ ...ENV, SSM_RUN_ONLINE_TIMEOUT_SECONDS: "0" });
  expect(r.code).toBe(0);
  expect(ssm.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(0);
});

test("bad settings exit 2 listing every problem, without calling AWS", async () => {
  const r = await run({
    ...ENV,
    SSM_RUN_INSTANCE_ID: "web-1",
    SSM_RUN_OPERATION: undefined,
    SSM_RUN_PAYLOAD: Buffer.from("[1,2]").toString("base64"),
    SSM_RUN_BUNDLE_SHA256: "xyz",
    SSM_RUN_TIMEOUT_SECONDS: "soon",
    AWS_REGION: undefined,
  });
  expect(r.code).toBe(2);
  expect(r.regions).toEqual([]);
  expect(r.err).toBe(
    [
      "ssm-run: bad settings:",
      "  - SSM_RUN_OPERATION is required",
      '  - SSM_RUN_TIMEOUT_SECONDS must be a whole number >= 1; got "soon"',
      "  - AWS_REGION is required",
      '  - SSM_RUN_INSTANCE_ID is not an instance id: "web-1"',
      "  - ops payload must decode to a JSON object",
      '  - SSM parameter bundleSha256 must be 64 lower-case hex characters; got "xyz"',
      "",
    ].join("\n"),
  );
});
