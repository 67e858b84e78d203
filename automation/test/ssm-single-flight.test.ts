// automation/ssm-run.ts against moto in server mode (the real SDK over HTTP): every command carries
// the operation's identity in its Comment, and an earlier run of the same operation that SSM still
// runs on the instance (its sender killed, as Pulumi SIGKILLs local commands on Ctrl-C) is waited
// for, with progress, before ours is sent.
//
// moto 5.2.1 implements SendCommand, ListCommands (by CommandId or InstanceId; its Filters and
// pagination are not implemented) and GetCommandInvocation, with every command finished at once
// ("Success", empty output); it has no ListCommandInvocations or CancelCommand. So a loopback proxy
// in front of it plays the instance: it reports the earlier command as InProgress for its first
// reads, and gives our command the result line run-op would print. Everything else is moto's.
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { createServer, type Server } from "node:http";
import { ListCommandsCommand, SendCommandCommand, SSMClient } from "@aws-sdk/client-ssm";
import { main } from "../ssm-run.js";
import { operationComment } from "../../platform/ssm/run-op.js";
import { startMoto, type Moto } from "../../test/support/moto.js";

const INSTANCE = "i-0123456789abcdef0";
const DOCUMENT = "near-localnet-localnet-run-op";
const PAYLOAD = Buffer.from(JSON.stringify({ account: "wrap.localnet" })).toString("base64");

let moto: Moto;
let proxy: Server;
let endpoint = "";
/** Command id -> reads left during which the proxy reports it InProgress. */
const running = new Map<string, number>();
const calls: string[] = [];

function rewrite(target: string, body: Record<string, any>): Record<string, any> {
  if (target === "ListCommands") {
    for (const c of body.Commands ?? []) if ((running.get(c.CommandId) ?? 0) > 0) c.Status = "InProgress";
  } else if (target === "GetCommandInvocation") {
    const left = running.get(body.CommandId);
    if (left !== undefined && left > 0) {
      running.set(body.CommandId, left - 1);
      Object.assign(body, { Status: "InProgress", StatusDetails: "InProgress", ResponseCode: -1 });
    } else if (left === undefined) {
      body.StandardOutputContent =
        '{"event":"result","ok":true,"operation":"ensure-account","result":{"created":false}}\n';
    }
  }
  return body;
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const target = String(req.headers["x-amz-target"] ?? "").replace("AmazonSSM.", "");
      calls.push(target);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => k !== "host" && k !== "content-length"),
      ) as Record<string, string>;
      const upstream = await fetch(moto.endpoint + (req.url ?? "/"), {
        method: req.method,
        headers,
        body: Buffer.concat(chunks),
      });
      let text = await upstream.text();
      if (upstream.ok && text) text = JSON.stringify(rewrite(target, JSON.parse(text)));
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
      res.end(text);
    });
  });
  await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", () => done()));
  const address = proxy.address();
  endpoint = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}, 30_000);

afterAll(async () => {
  await new Promise((done) => proxy.close(done));
  await moto.stop();
});

const client = () => new SSMClient({ ...moto.clientConfig, endpoint, maxAttempts: 1 }) as unknown as SSMClient;

async function runSsmRun() {
  let out = "";
  let err = "";
  let t = 0;
  const code = await main({
    env: {
      SSM_RUN_INSTANCE_ID: INSTANCE,
      SSM_RUN_DOCUMENT: DOCUMENT,
      SSM_RUN_OPERATION: "ensure-account",
      SSM_RUN_PAYLOAD: PAYLOAD,
      SSM_RUN_BUNDLE_URI: "s3://near-localnet-ops/ops/bundle.mjs",
      SSM_RUN_BUNDLE_SHA256: "0123456789abcdef".repeat(4),
      SSM_RUN_TIMEOUT_SECONDS: "120",
      SSM_RUN_ONLINE_TIMEOUT_SECONDS: "0",
      SSM_RUN_POLL_INTERVAL_MS: "1000",
      AWS_REGION: "us-east-1",
    },
    makeClient: () => client(),
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    progressEveryMs: 0,
  });
  return { code, out, err };
}

test("an earlier run of the same operation still going on the instance is waited for, then ours is sent", async () => {
  const ssm = client();
  const comment = operationComment("ensure-account", PAYLOAD);
  const send = (c: string, payload = PAYLOAD) =>
    ssm.send(
      new SendCommandCommand({
        InstanceIds: [INSTANCE],
        DocumentName: DOCUMENT,
        Comment: c,
        Parameters: { operation: ["ensure-account"], payload: [payload] },
      }),
    );
  // Ours from a killed sender (still running), an unrelated one with another payload (running too),
  // and an earlier run of ours that has finished.
  const earlier = (await send(comment)).Command!.CommandId!;
  running.set(earlier, 3);
  const other = Buffer.from(JSON.stringify({ account: "whitelist.localnet" })).toString("base64");
  const unrelated = (await send(operationComment("ensure-account", other), other)).Command!.CommandId!;
  running.set(unrelated, 1000);
  await send(comment);
  calls.length = 0;

  const r = await runSsmRun();
  expect(r.code).toBe(0);
  expect(r.out).toBe('{"event":"result","ok":true,"operation":"ensure-account","result":{"created":false}}\n');
  expect(r.err).toContain(
    `[ssm-run] an earlier run of ensure-account is still going on ${INSTANCE} (command ${earlier}): InProgress; waiting for it (0s)`,
  );
  // The earlier run was read until it was over; only then was ours sent.
  expect(calls.slice(0, 6)).toEqual([
    "ListCommands",
    "GetCommandInvocation",
    "GetCommandInvocation",
    "GetCommandInvocation",
    "GetCommandInvocation",
    "SendCommand",
  ]);
  expect(running.get(earlier)).toBe(0);

  // What moto holds: our command carries the operation's identity.
  const listed = await ssm.send(new ListCommandsCommand({ InstanceId: INSTANCE }));
  const ours = listed.Commands!.filter((c) => c.Comment === comment);
  expect(ours).toHaveLength(3);
  expect(comment).toMatch(/^near-localnet ensure-account [0-9a-f]{16}$/);
  expect(comment).not.toBe(operationComment("ensure-account", other));
});

test("with nothing of the operation in flight the command is sent at once", async () => {
  running.clear();
  calls.length = 0;
  const r = await runSsmRun();
  expect(r.code).toBe(0);
  expect(r.err).not.toContain("an earlier run");
  expect(calls.slice(0, 2)).toEqual(["ListCommands", "SendCommand"]);
});
