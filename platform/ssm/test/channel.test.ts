// platform/ssm/channel.ts against aws-sdk-client-mock, with an injected clock (no real waiting).
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  InvalidInstanceId,
  InvocationDoesNotExist,
  SendCommandCommand,
  SSMClient,
  ThrottlingException,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { runOperation, SsmChannelError, waitForInstanceOnline, type Progress } from "../channel.js";

const ssm = mockClient(SSMClient);
const INSTANCE = "i-0123456789abcdef0";

/** A clock that moves only when the code under test sleeps. */
function fakeTime() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

const notYet = () => new InvocationDoesNotExist({ message: "Invocation does not exist", $metadata: {} });

function base(progress: Progress[] = []) {
  return {
    client: new SSMClient({ region: "us-east-1" }),
    instanceId: INSTANCE,
    documentName: "near-localnet-localnet-run-op",
    parameters: { operation: "view", payload: "e30=" },
    timeoutSeconds: 60,
    pollIntervalMs: 2000,
    onProgress: (p: Progress) => progress.push(p),
    ...fakeTime(),
  };
}

beforeEach(() => {
  ssm.reset();
  ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-1" } });
});

test("success: sends the document with array parameters, retries InvocationDoesNotExist, polls until done", async () => {
  ssm
    .on(GetCommandInvocationCommand)
    .rejectsOnce(notYet())
    .resolvesOnce({ Status: "Pending", StatusDetails: "Pending" })
    .resolvesOnce({ Status: "InProgress", StatusDetails: "InProgress" })
    .resolves({
      Status: "Success",
      StatusDetails: "Success",
      ResponseCode: 0,
      StandardOutputContent: '{"event":"result","ok":true,"operation":"view","result":{}}\n',
      StandardErrorContent: "progress\n",
    });
  const progress: Progress[] = [];
  const out = await runOperation(base(progress));

  expect(ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input)).toEqual([
    {
      InstanceIds: [INSTANCE],
      DocumentName: "near-localnet-localnet-run-op",
      DocumentVersion: undefined,
      Parameters: { operation: ["view"], payload: ["e30="] },
      TimeoutSeconds: 60,
      Comment: undefined,
    },
  ]);
  expect(ssm.commandCalls(GetCommandInvocationCommand).map((c) => c.args[0].input)).toEqual(
    Array(4).fill({ CommandId: "cmd-1", InstanceId: INSTANCE }),
  );
  expect(out).toEqual({
    commandId: "cmd-1",
    instanceId: INSTANCE,
    status: "Success",
    statusDetails: "Success",
    exitCode: 0,
    stdout: '{"event":"result","ok":true,"operation":"view","result":{}}\n',
    stderr: "progress\n",
    stdoutTruncated: false,
    stderrTruncated: false,
    elapsedMs: 6000,
  });
  expect(progress.map((p) => [p.state, p.elapsedMs])).toEqual([
    ["Pending", 2000],
    ["InProgress", 4000],
    ["Success", 6000],
  ]);
  expect(ssm.commandCalls(CancelCommandCommand)).toHaveLength(0);
});

test("failure: a non-zero exit is a COMMAND_FAILED error carrying exit code, stdout and the stderr tail", async () => {
  const stderr = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n") + "\nError: contract panicked: nope\n";
  ssm.on(GetCommandInvocationCommand).resolves({
    Status: "Failed",
    StatusDetails: "Failed",
    ResponseCode: 1,
    StandardOutputContent: "out",
    StandardErrorContent: stderr,
  });
  const err = (await runOperation(base()).catch((e) => e)) as SsmChannelError;
  expect(err).toBeInstanceOf(SsmChannelError);
  expect(err.code).toBe("COMMAND_FAILED");
  expect(err.exitCode).toBe(1);
  expect(err.commandId).toBe("cmd-1");
  expect(err.stdout).toBe("out");
  expect(err.message).toContain("failed with exit code 1 (Failed)");
  expect(err.message).toContain("Error: contract panicked: nope");
  expect(err.message).not.toContain("line 10\n"); // only the tail
  expect(err.stderrTail(2)).toBe("line 29\nError: contract panicked: nope");
});

test("timeout: past the bound the command is cancelled and a TIMEOUT error names the last state", async () => {
  ssm.on(GetCommandInvocationCommand).resolves({ Status: "InProgress", StatusDetails: "InProgress" });
  ssm.on(CancelCommandCommand).resolves({});
  const opts = { ...base(), timeoutSeconds: 10 };
  const err = (await runOperation(opts).catch((e) => e)) as SsmChannelError;
  expect(err.code).toBe("TIMEOUT");
  expect(err.message).toBe(
    "command cmd-1 (near-localnet-localnet-run-op) on i-0123456789abcdef0 did not finish within 10s; last state InProgress (cancelled)",
  );
  expect(ssm.commandCalls(CancelCommandCommand).map((c) => c.args[0].input)).toEqual([
    { CommandId: "cmd-1", InstanceIds: [INSTANCE] },
  ]);
  expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(5); // t = 0, 2, 4, 6, 8 s
});

test("a cancel that fails is reported, the TIMEOUT still raised", async () => {
  ssm.on(GetCommandInvocationCommand).rejects(notYet());
  ssm.on(CancelCommandCommand).rejects(new Error("AccessDenied"));
  const err = (await runOperation({ ...base(), timeoutSeconds: 4 }).catch((e) => e)) as SsmChannelError;
  expect(err.code).toBe("TIMEOUT");
  expect(err.message).toContain("last state not yet visible (cancel failed: AccessDenied)");
});

test.each([
  ["Failed", "Undeliverable", "UNDELIVERABLE"],
  ["TimedOut", "Delivery Timed Out", "UNDELIVERABLE"],
  ["Failed", "Terminated", "CANCELLED"],
  ["TimedOut", "Execution Timed Out", "TIMEOUT"],
  ["Cancelled", "Cancelled", "CANCELLED"],
])("final status %s / %s is a %s error", async (Status, StatusDetails, code) => {
  ssm.on(GetCommandInvocationCommand).resolves({ Status: Status as any, StatusDetails, ResponseCode: -1 });
  const err = (await runOperation(base()).catch((e) => e)) as SsmChannelError;
  expect(err).toBeInstanceOf(SsmChannelError);
  expect(err.code).toBe(code);
  expect(err.statusDetails).toBe(StatusDetails);
});

test("an instance SSM does not manage is NOT_MANAGED at SendCommand", async () => {
  ssm
    .on(SendCommandCommand)
    .rejects(
      new InvalidInstanceId({ message: "Instances [[i-0123456789abcdef0]] not in a valid state", $metadata: {} }),
    );
  const err = (await runOperation(base()).catch((e) => e)) as SsmChannelError;
  expect(err.code).toBe("NOT_MANAGED");
  expect(err.message).toMatch(/^i-0123456789abcdef0 is not a managed instance that SSM can reach/);
  expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(0);
});

test("a refused SendCommand (bad parameters) is SEND_FAILED with the service's words", async () => {
  ssm
    .on(SendCommandCommand)
    .rejects(Object.assign(new Error("Parameter payload failed validation"), { name: "InvalidParameters" }));
  const err = (await runOperation(base()).catch((e) => e)) as SsmChannelError;
  expect(err.code).toBe("SEND_FAILED");
  expect(err.message).toContain("InvalidParameters: Parameter payload failed validation");
});

test("throttling while polling is retried; a persistent non-transient error is not", async () => {
  ssm
    .on(GetCommandInvocationCommand)
    .rejectsOnce(new ThrottlingException({ message: "Rate exceeded", Message: "Rate exceeded", $metadata: {} }))
    .resolves({ Status: "Success", StatusDetails: "Success", ResponseCode: 0, StandardOutputContent: "" });
  await expect(runOperation(base())).resolves.toMatchObject({ status: "Success" });

  ssm
    .on(GetCommandInvocationCommand)
    .rejects(Object.assign(new Error("not allowed"), { name: "AccessDeniedException" }));
  const err = (await runOperation(base()).catch((e) => e)) as SsmChannelError;
  expect(err.code).toBe("SEND_FAILED");
  expect(err.message).toContain("AccessDeniedException");
});

test("an abort cancels the command", async () => {
  const controller = new AbortController();
  ssm.on(GetCommandInvocationCommand).callsFake(() => {
    controller.abort();
    return { Status: "InProgress" };
  });
  ssm.on(CancelCommandCommand).resolves({});
  const err = (await runOperation({ ...base(), signal: controller.signal }).catch((e) => e)) as SsmChannelError;
  expect(err.code).toBe("ABORTED");
  expect(ssm.commandCalls(CancelCommandCommand)).toHaveLength(1);
});

test("stdout at SSM's 24000-character limit is flagged as truncated", async () => {
  ssm
    .on(GetCommandInvocationCommand)
    .resolves({ Status: "Success", ResponseCode: 0, StandardOutputContent: "x".repeat(24000) });
  await expect(runOperation(base())).resolves.toMatchObject({ stdoutTruncated: true, stderrTruncated: false });
});

describe("waitForInstanceOnline", () => {
  test("polls DescribeInstanceInformation until PingStatus is Online", async () => {
    ssm
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [] })
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: "ConnectionLost" }] })
      .resolves({
        InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: "Online", AgentVersion: "3.3.2746.0" }],
      });
    const progress: Progress[] = [];
    const t = fakeTime();
    const info = await waitForInstanceOnline({
      client: new SSMClient({ region: "us-east-1" }),
      instanceId: INSTANCE,
      timeoutSeconds: 300,
      onProgress: (p) => progress.push(p),
      ...t,
    });
    expect(info).toEqual({ InstanceId: INSTANCE, PingStatus: "Online", AgentVersion: "3.3.2746.0" });
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)[0].args[0].input).toEqual({
      Filters: [{ Key: "InstanceIds", Values: [INSTANCE] }],
    });
    expect(progress.map((p) => p.state)).toEqual(["NotRegistered", "ConnectionLost", "Online"]);
    expect(t.sleeps).toEqual([5000, 5000]);
  });

  test("gives up after its bound with NOT_MANAGED and the last PingStatus", async () => {
    ssm
      .on(DescribeInstanceInformationCommand)
      .resolves({ InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: "Inactive" }] });
    const err = (await waitForInstanceOnline({
      client: new SSMClient({ region: "us-east-1" }),
      instanceId: INSTANCE,
      timeoutSeconds: 20,
      ...fakeTime(),
    }).catch((e) => e)) as SsmChannelError;
    expect(err.code).toBe("NOT_MANAGED");
    expect(err.message).toContain("did not come online in SSM within 20s (last PingStatus Inactive)");
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(5);
  });
});
