// Attestations on the real signer contract (near/mpc 3.14.1 wasm in fake-nearcore) with simulated MPC nodes:
// a node that never attested (its attestation task gave up) is restarted through the restart document, sent
// from the base instance by the operation, and keygen then completes.
import { afterEach, describe, expect, it } from "@jest/globals";
import { main as ssmRun } from "../../../../automation/ssm-run.js";
import { parseOpsOutput } from "../../../../platform/ssm/ops-output.js";
import { encodePayload } from "../../../../platform/ssm/patterns.js";
import { fakeSsmInstance, type SentCommand } from "../../../../test/support/fake-ssm-instance.js";
import { mpcOperations } from "../../ops/index.js";
import { opContext } from "../../../../test/support/ops.js";
import { CONTRACT, fails, node, setUpSigner, startNet, voteAll, type Net } from "./harness.js";

const RESTART_DOC = "near-localnet-localnet-mpc-restart";
const RUN_OP_DOC = "near-localnet-localnet-run-op";
const BASE = "i-0ba5e000000000000";
const instanceOf = (i: number) => `i-0a0000000000000${i}${i}`;
const BUNDLE = { uri: "s3://near-localnet-artifacts/ops/bundle.mjs", sha256: "a".repeat(64) };

let net: Net;
afterEach(async () => {
  await net.close();
});

/** The stack's nodes as the deployment knows them (public keys and instance ids only). */
const attestation = (over: Record<string, unknown> = {}) => ({
  restartDocument: RESTART_DOC,
  nodes: net.nodeKeys.map((k, i) => ({
    accountId: node(i),
    accountPublicKey: k.getPublicKey().toString(),
    instanceId: instanceOf(i),
  })),
  graceMs: 20,
  settleMs: 2_000,
  restartTimeoutSeconds: 30,
  ...over,
});

/** SSM for the base instance: run-op runs the ops CLI in process; the restart document reaches the node's host. */
function instances(onRestart: (i: number) => Promise<void>, answer = '{"container":"mpc-node","action":"restarted"}') {
  return fakeSsmInstance({
    keys: net.keys,
    rpcUrl: net.chain.url,
    documents: {
      [RESTART_DOC]: async (sent: SentCommand) => {
        const i = net.nodeKeys.findIndex((_, k) => instanceOf(k) === sent.instanceId);
        await onRestart(i);
        return { stdout: `${answer}\n`, stderr: "", exit: answer.includes('"failed"') ? 1 : 0 };
      },
    },
  });
}

const tee = async () => {
  const { connect, view } = await import("../../../../platform/near/client.js");
  return view(await connect(net.chain.url, { pollMs: 5 }), CONTRACT, "get_tee_accounts", {});
};

describe("mpc-ensure-attested (before the domain vote)", () => {
  it("restarts the node that never attested; it then submits its participant info and keygen completes", async () => {
    net = await startNet(3, { predeployed: true, behaviour: [{}, { attest: false }, {}] });
    await setUpSigner(net);
    await net.nodes.attest();
    net.nodes.follow();
    // init's placeholder for node 1: its TLS key stands in for the account key
    expect(await tee()).toContainEqual({
      account_id: node(1),
      tls_public_key: net.p2pKeys[1],
      account_public_key: net.p2pKeys[1],
    });
    const inst = instances((i) => net.nodes.restart(node(i)).then(() => {}));

    // what the step's local.Command runs: automation/ssm-run.ts, configured by the environment SsmOperation sets
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await ssmRun({
      env: {
        SSM_RUN_INSTANCE_ID: BASE,
        SSM_RUN_DOCUMENT: RUN_OP_DOC,
        SSM_RUN_OPERATION: "mpc-ensure-attested",
        SSM_RUN_PAYLOAD: encodePayload({ contractId: CONTRACT, attestation: attestation(), pollMs: 5 }),
        SSM_RUN_BUNDLE_URI: BUNDLE.uri,
        SSM_RUN_BUNDLE_SHA256: BUNDLE.sha256,
        SSM_RUN_ONLINE_TIMEOUT_SECONDS: "0",
        SSM_RUN_POLL_INTERVAL_MS: "1",
        AWS_REGION: "us-east-1",
      },
      makeClient: () => inst.client,
      stdout: { write: (t: string) => stdout.push(t) },
      stderr: { write: (t: string) => stderr.push(t) },
    });
    expect(code).toBe(0);
    // the step's own log (what Pulumi shows) says which node, what was done and the result
    expect(stderr.join("")).toContain(
      `[mpc-ensure-attested] ${node(1)} was not attested: its MPC node container was restarted on ${instanceOf(1)} (command cmd-2); afterwards: attested`,
    );
    const result = JSON.parse(stdout.join("")).result;
    const steps = parseOpsOutput(inst.outputs[0]).steps;

    // the restart went to node 1's host only, from the run-op on the base instance
    expect(inst.sent.map((c) => [c.document, c.instanceId])).toEqual([
      [RUN_OP_DOC, BASE],
      [RESTART_DOC, instanceOf(1)],
    ]);
    expect(net.nodes.restarts).toEqual([node(1)]);
    expect(net.nodes.calls.filter((c) => c.node === node(1))).toEqual([
      expect.objectContaining({ method: "submit_participant_info", ok: true }),
    ]);
    expect(await tee()).toContainEqual({
      account_id: node(1),
      tls_public_key: net.p2pKeys[1],
      account_public_key: net.nodeKeys[1].getPublicKey().toString(),
    });
    expect(result.restarts).toEqual([
      {
        accountId: node(1),
        instanceId: instanceOf(1),
        action: "restarted",
        commandId: "cmd-2",
        output: '{"container":"mpc-node","action":"restarted"}',
        result: "attested",
      },
    ]);
    expect(result.nodes.map((n: any) => [n.accountId, n.state])).toEqual([
      [node(0), "attested"],
      [node(1), "attested"],
      [node(2), "attested"],
    ]);
    // the diagnostics say which node, what was done and the result
    expect(steps).toContainEqual(
      expect.objectContaining({
        check: "attestation",
        accountId: node(1),
        line: `${node(1)} was not attested: its MPC node container was restarted on ${instanceOf(1)} (command cmd-2); afterwards: attested`,
      }),
    );

    await voteAll(net);
    const r = await mpcOperations["mpc-wait-keygen"]({ rpcUrl: net.chain.url, timeoutMs: 10_000, pollMs: 5 }, net.ctx);
    await net.nodes.idle();
    expect(r).toMatchObject({ phase: "Running", domains: [{ domainId: 0 }, { domainId: 1 }] });
    expect(net.nodes.calls.filter((c) => c.node === node(1) && c.method === "vote_pk").every((c) => c.ok)).toBe(true);
  });

  it("sends nothing when every participant is attested", async () => {
    net = await startNet(3, { predeployed: true });
    await setUpSigner(net);
    await net.nodes.attest();
    const inst = instances(async () => {
      throw new Error("no restart expected");
    });
    const r = await mpcOperations["mpc-ensure-attested"](
      { contractId: CONTRACT, rpcUrl: net.chain.url, attestation: attestation(), pollMs: 5 },
      { ...net.ctx, ssm: inst.client },
    );
    expect(r.restarts).toEqual([]);
    expect(inst.sent).toEqual([]);
  });

  it("reads through a passing RPC failure", async () => {
    net = await startNet(3, { predeployed: true });
    await setUpSigner(net);
    await net.nodes.attest();
    // 4 failed views: 3 exhaust the read retries of platform/near/client.ts; without near-api-js's own retries
    net.chain.failNext(4, "http503", { method: "query" });
    const ctx = opContext(net.keys, { httpRetries: 0 });
    const r = await mpcOperations["mpc-ensure-attested"](
      { contractId: CONTRACT, rpcUrl: net.chain.url, attestation: attestation({ graceMs: 5_000 }), pollMs: 5 },
      ctx,
    );
    expect(r.restarts).toEqual([]);
    expect(ctx.logs.filter((l) => l.startsWith("reading the attestations: "))).toHaveLength(1);
  });

  it("a restart after which the node still does not attest fails UNATTESTED: which node, what was done, the result", async () => {
    net = await startNet(3, { predeployed: true, behaviour: [{}, { attest: false }, {}] });
    await setUpSigner(net);
    await net.nodes.attest();
    const inst = instances(async () => {}); // the command ran, the node did not come back attested
    const e = await fails(
      mpcOperations["mpc-ensure-attested"](
        { contractId: CONTRACT, rpcUrl: net.chain.url, attestation: attestation({ settleMs: 30 }), pollMs: 5 },
        { ...net.ctx, ssm: inst.client },
      ),
    );
    expect(e.code).toBe("UNATTESTED");
    expect(e.message).toBe(
      `${CONTRACT}: ${node(1)} was not attested: its MPC node container was restarted on ${instanceOf(1)} (command cmd-1); afterwards: placeholder`,
    );
    expect(inst.sent.map((c) => c.instanceId)).toEqual([instanceOf(1)]);
  });

  it("a restart the host refuses is reported with the script's reason", async () => {
    net = await startNet(3, { predeployed: true, behaviour: [{}, { attest: false }, {}] });
    await setUpSigner(net);
    await net.nodes.attest();
    const reason = "there is no container mpc-node on this host (the MPC bootstrap has not created it)";
    const inst = instances(async () => {}, JSON.stringify({ container: "mpc-node", action: "failed", error: reason }));
    const e = await fails(
      mpcOperations["mpc-ensure-attested"](
        { contractId: CONTRACT, rpcUrl: net.chain.url, attestation: attestation({ settleMs: 20 }), pollMs: 5 },
        { ...net.ctx, ssm: inst.client },
      ),
    );
    expect(e.message).toBe(
      `${CONTRACT}: ${node(1)} was not attested: restarting its MPC node container on ${instanceOf(1)} failed (${reason}); afterwards: placeholder`,
    );
  });
});

describe("mpc-wait-keygen with attestation", () => {
  it("restarts a participant that stays unattested while keygen waits; keygen then completes", async () => {
    net = await startNet(3, { predeployed: true, behaviour: [{}, { attest: false }, {}] });
    await setUpSigner(net);
    await net.nodes.attest();
    net.nodes.follow();
    await voteAll(net);
    await net.nodes.idle(); // keygen is stuck on node 1's refused vote_pk
    expect((await net.state()).Initializing.generating_key.instance.completed).toEqual([0, 2]);
    const inst = instances((i) => net.nodes.restart(node(i)).then(() => {}));
    const r = await mpcOperations["mpc-wait-keygen"](
      { rpcUrl: net.chain.url, timeoutMs: 10_000, pollMs: 5, attestation: attestation() },
      { ...net.ctx, ssm: inst.client },
    );
    await net.nodes.idle();
    expect(r).toMatchObject({ phase: "Running", domains: [{ domainId: 0 }, { domainId: 1 }] });
    expect(r.restarts).toEqual([
      expect.objectContaining({ accountId: node(1), action: "restarted", result: "attested" }),
    ]);
    expect(net.nodes.restarts).toEqual([node(1)]);
    expect(inst.sent.map((c) => [c.document, c.instanceId])).toEqual([[RESTART_DOC, instanceOf(1)]]);
  });

  it("times out naming the node, the restart and that it is still not attested", async () => {
    net = await startNet(3, { predeployed: true, behaviour: [{}, { attest: false }, {}] });
    await setUpSigner(net);
    await net.nodes.attest();
    await voteAll(net);
    const inst = instances(async () => {});
    const e = await fails(
      mpcOperations["mpc-wait-keygen"](
        { rpcUrl: net.chain.url, timeoutMs: 200, pollMs: 5, attestation: attestation({ graceMs: 0 }) },
        { ...net.ctx, ssm: inst.client },
      ),
    );
    expect(e.code).toBe("TIMEOUT");
    expect(e.message).toContain(
      `; ${node(1)} was not attested: its MPC node container was restarted on ${instanceOf(1)} (command cmd-1); afterwards: placeholder`,
    );
    expect(inst.sent).toHaveLength(1); // once per wait
  });
});
