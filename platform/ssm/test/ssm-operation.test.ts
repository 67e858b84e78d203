// platform/ssm/operation.ts under Pulumi's mock runtime: the local.Command it registers (create,
// update, environment, triggers, logging, custom timeouts) and its typed outputs.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks.js";
import { SSM_RUN_COMMAND, SsmOperation } from "../operation.js";
import { decodePayload } from "../patterns.js";

interface Registered {
  type: string;
  name: string;
  parent: string;
  inputs: Record<string, any>;
  timeouts?: { create: string; update: string; delete: string };
}
const registered: Registered[] = [];
const RESULT_LINE =
  '{"event":"result","ok":true,"operation":"ensure-account","result":{"account":"wrap.localnet","created":false}}';

beforeAll(() => {
  const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => {
      const state: Record<string, unknown> = { ...args.inputs };
      if (args.type === "command:local:Command") {
        state.stdout = `${RESULT_LINE}\n`;
        state.stderr = "[ssm-run] progress\n";
      }
      return { id: `${args.name}-id`, state };
    },
    call: (args) => args.inputs,
  };
  pulumi.runtime.setMocks(mocks, "near-localnet", "localnet", false);
  // Record what setMocks' monitor does not hand to newResource: parent and custom timeouts.
  const monitor = new MockMonitor(mocks) as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const t = req.getCustomtimeouts();
    registered.push({
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      inputs: req.getObject()?.toJavaScript() ?? {},
      timeouts: t ? { create: t.getCreate(), update: t.getUpdate(), delete: t.getDelete() } : undefined,
    });
    return register(req, callback);
  };
  pulumi.runtime.setMockOptions(monitor, "near-localnet", "localnet", false);
});

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const settle = () => new Promise((r) => setTimeout(r, 50));
const SHA = "c0ffee".repeat(10) + "abcd";

function make(name: string, extra: Partial<ConstructorParameters<typeof SsmOperation>[1]> = {}) {
  return new SsmOperation<{ account: string; created: boolean }>(name, {
    instanceId: pulumi.output("i-0123456789abcdef0"),
    documentName: pulumi.output("near-localnet-localnet-run-op"),
    operation: "ensure-account",
    payload: {
      account: "wrap.localnet",
      signer: "ssm:/near-localnet/localnet-account-key",
      balance: pulumi.output("15"),
    },
    bundle: { uri: pulumi.output(`s3://near-localnet-ops/ops/${SHA}.mjs`), sha256: SHA },
    region: "us-east-1",
    ...extra,
  });
}

test("wraps one local.Command running ssm-run with environment, triggers, logging and timeouts", async () => {
  const op = make("wrap-account", { version: "2", triggers: ["wasm-sha"], timeoutSeconds: 600 });
  expect(await valueOf(op.result)).toEqual({ account: "wrap.localnet", created: false });
  expect(await valueOf(op.stdout)).toBe(`${RESULT_LINE}\n`);
  await settle();

  const component = registered.find((r) => r.type === "near-localnet:index:SsmOperation" && r.name === "wrap-account")!;
  const cmd = registered.find((r) => r.type === "command:local:Command" && r.name === "wrap-account-run")!;
  expect(cmd.parent).toBe("urn:pulumi:localnet::near-localnet::near-localnet:index:SsmOperation::wrap-account");
  expect(component).toBeDefined();
  const payload = Buffer.from(
    JSON.stringify({ account: "wrap.localnet", signer: "ssm:/near-localnet/localnet-account-key", balance: "15" }),
  ).toString("base64");
  expect(cmd.inputs).toEqual({
    create: "node --import tsx automation/ssm-run.ts",
    update: "node --import tsx automation/ssm-run.ts",
    environment: {
      SSM_RUN_INSTANCE_ID: "i-0123456789abcdef0",
      SSM_RUN_DOCUMENT: "near-localnet-localnet-run-op",
      SSM_RUN_OPERATION: "ensure-account",
      SSM_RUN_PAYLOAD: payload,
      SSM_RUN_BUNDLE_URI: `s3://near-localnet-ops/ops/${SHA}.mjs`,
      SSM_RUN_BUNDLE_SHA256: SHA,
      SSM_RUN_TIMEOUT_SECONDS: "600",
      SSM_RUN_ONLINE_TIMEOUT_SECONDS: "600",
      SSM_RUN_POLL_INTERVAL_MS: "3000",
      AWS_REGION: "us-east-1",
    },
    triggers: ["ensure-account", payload, SHA, "2", "i-0123456789abcdef0", "wasm-sha"],
    logging: "stderr",
    addPreviousOutputInEnv: false,
  });
  expect(cmd.inputs.delete).toBeUndefined();
  // (600 s run + 600 s online wait + 120 s margin) rounded up to minutes
  expect(cmd.timeouts).toEqual({ create: "22m", update: "22m", delete: "" });
  expect(SSM_RUN_COMMAND).toBe(cmd.inputs.create);
  expect(decodePayload(cmd.inputs.environment.SSM_RUN_PAYLOAD)).toEqual({
    account: "wrap.localnet",
    signer: "ssm:/near-localnet/localnet-account-key",
    balance: "15",
  });
});

test("deleteOperation: on delete the same ssm-run with that operation and a short online wait, never failing the deletion", async () => {
  make("faucet-del", { operation: "faucet-start", deleteOperation: "faucet-stop", timeoutSeconds: 300 });
  await settle();
  const cmd = registered.find((r) => r.name === "faucet-del-run")!;
  expect(cmd.inputs.delete).toBe(
    `SSM_RUN_OPERATION=faucet-stop SSM_RUN_ONLINE_TIMEOUT_SECONDS=30 ${SSM_RUN_COMMAND} || ` +
      `echo "[ssm-run] faucet-stop did not complete (see above); the deletion goes on" >&2`,
  );
  expect(cmd.timeouts).toEqual({ create: "17m", update: "17m", delete: "17m" });
  // run it as the command provider does (sh -c, the step's environment) with a node that reports and fails
  const bin = mkdtempSync(join(tmpdir(), "ssm-del-"));
  writeFileSync(
    join(bin, "node"),
    '#!/bin/sh\necho "op=$SSM_RUN_OPERATION online=$SSM_RUN_ONLINE_TIMEOUT_SECONDS payload=$SSM_RUN_PAYLOAD"\nexit 1\n',
    { mode: 0o755 },
  );
  const r = spawnSync("sh", ["-c", cmd.inputs.delete], {
    env: { ...cmd.inputs.environment, PATH: `${bin}${delimiter}${process.env.PATH}` },
    encoding: "utf8",
  });
  expect(r.status).toBe(0);
  expect(r.stdout.trim()).toBe(`op=faucet-stop online=30 payload=${cmd.inputs.environment.SSM_RUN_PAYLOAD}`);
  expect(r.stderr).toContain("faucet-stop did not complete (see above); the deletion goes on");
  expect(() => make("bad-del", { deleteOperation: "Stop It" })).toThrow(
    "SSM parameter operation must be an operation name",
  );
});

test("optional settings: node image, dir, logging, no version", async () => {
  make("faucet", {
    operation: "faucet-start",
    nodeImage: "node:22.11-slim",
    dir: "/work/proj",
    logging: "none",
    onlineTimeoutSeconds: 0,
  });
  await settle();
  const cmd = registered.find((r) => r.name === "faucet-run")!;
  expect(cmd.inputs.environment).toMatchObject({
    SSM_RUN_OPERATION: "faucet-start",
    SSM_RUN_NODE_IMAGE: "node:22.11-slim",
    SSM_RUN_ONLINE_TIMEOUT_SECONDS: "0",
    SSM_RUN_TIMEOUT_SECONDS: "900",
  });
  expect(cmd.inputs.dir).toBe("/work/proj");
  expect(cmd.inputs.logging).toBe("none");
  expect(cmd.inputs.triggers[3]).toBe("");
  expect(cmd.timeouts).toMatchObject({ create: "17m", update: "17m" });
});

test.each([
  ["operation", { operation: "Ensure Account" }, "SSM parameter operation must be an operation name"],
  ["timeoutSeconds", { timeoutSeconds: 0 }, "SsmOperation bad: timeoutSeconds must be a whole number >= 1"],
  ["pollIntervalMs", { pollIntervalMs: 1.5 }, "SsmOperation bad: pollIntervalMs must be a whole number >= 1"],
  [
    "payload too large",
    { payload: { blob: "x".repeat(20000) } },
    "ops payload is 26684 base64 characters; the run-op document accepts at most 16384",
  ],
  ["payload not an object", { payload: ["not", "an", "object"] }, "an ops payload must be a JSON object"],
])("invalid args are refused at construction: %s", (_, extra, message) => {
  expect(() => make("bad", extra as any)).toThrow(message);
});
