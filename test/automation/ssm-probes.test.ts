import { describe, expect, it } from "@jest/globals";
import {
  makeSsmProbes,
  metricValue,
  parseContainers,
  parseContractState,
  parseHttpProbe,
  secretFindingsFromLog,
  type CheckRequest,
  type SsmProbeTransport,
} from "../../automation/ssm-probes.js";
import { parseStackOutputs } from "../../automation/stack-outputs.js";
import { NODE_KEY, rawOutputs } from "./fakes.js";

describe("diagnostics parsing", () => {
  it("reads the containers table, HTTP probes and metrics", () => {
    expect(
      parseContainers("name status restarts started image\nneard running 0 2026-11-24T09:00:00Z nearprotocol/nearcore:2.13.3\nmpc-node restarting 12 2026-11-24T09:59:00Z nearone/mpc-node:3.14.1\n"),
    ).toEqual([
      { name: "neard", status: "running", running: true, restartCount: 0 },
      { name: "mpc-node", status: "restarting", running: false, restartCount: 12 },
    ]);
    expect(parseHttpProbe('GET http://127.0.0.1:3030/status -> HTTP 200\n{"chain_id":"localnet"}\n')).toEqual({
      code: 200,
      body: '{"chain_id":"localnet"}',
    });
    expect(parseHttpProbe("GET http://127.0.0.1:8080/health -> HTTP 000\n\n").code).toBe(0);
    expect(metricValue("mpc_x 1\nmpc_indexer_latest_block_height 1234\n", "mpc_indexer_latest_block_height")).toBe(1234);
    expect(metricValue("mpc_x 1\n", "mpc_indexer_latest_block_height")).toBeUndefined();
  });

  it("recognises the MPC bootstrap's secret messages without reading values", () => {
    expect(
      secretFindingsFromLog([
        "[mpc-node] ERROR: secret 'mpc-node-0-mpc_account_sk' (NEAR account key) is empty or a placeholder: store the real value in Secrets Manager",
        "[mpc-node] ERROR: secret 'mpc-node-0-mpc_secret_store_key' (secret-store key) must be exactly 32 hex characters",
        "[mpc-node] ERROR: cannot read secret 'mpc-node-0-mpc_p2p_private_key' (P2P key): see the aws error above",
      ]),
    ).toEqual([
      { name: "mpc-node-0-mpc_account_sk", status: "placeholder" },
      { name: "mpc-node-0-mpc_secret_store_key", status: "malformed" },
      { name: "mpc-node-0-mpc_p2p_private_key", status: "missing" },
    ]);
  });

  it("reads the signer contract's state view", () => {
    const state = {
      Running: {
        domains: { domains: [{ id: 0, scheme: "Secp256k1", purpose: "Sign" }, { id: 1, scheme: "Ed25519", purpose: "Sign" }], next_domain_id: 2 },
        keyset: { epoch_id: 0, domains: [{ domain_id: 0, attempt: 0, key: {} }, { domain_id: 1, attempt: 0, key: {} }] },
        parameters: {
          participants: { next_id: 3, participants: [["mpc-node-0.localnet", 0, {}], ["mpc-node-1.localnet", 1, {}], ["mpc-node-2.localnet", 2, {}]] },
          threshold: 2,
        },
      },
    };
    expect(parseContractState(state)).toEqual({
      state: "Running",
      threshold: 2,
      participants: ["mpc-node-0.localnet", "mpc-node-1.localnet", "mpc-node-2.localnet"],
      keysetDomains: [0, 1],
      domains: [
        { id: 0, scheme: "Secp256k1", purpose: "Sign" },
        { id: 1, scheme: "Ed25519", purpose: "Sign" },
      ],
    });
    expect(parseContractState("NotInitialized").state).toBe("NotInitialized");
  });
});

describe("probes over the transport", () => {
  it("base: two /status samples, container state and the root account through `check`", async () => {
    let height = 100;
    const calls: string[] = [];
    const checks: CheckRequest[] = [];
    const t: SsmProbeTransport = {
      async diag(instanceId, probe, extra) {
        calls.push(`${instanceId} ${probe}${extra?.container ? ` ${extra.container}` : ""}`);
        if (probe === "containers") return { exitCode: 0, stdout: "name status restarts started image\nneard running 0 t img\n" };
        if (probe === "near-status") {
          height += 5;
          return {
            exitCode: 0,
            stdout: `GET http://127.0.0.1:3030/status -> HTTP 200\n${JSON.stringify({ chain_id: "localnet", node_public_key: NODE_KEY, sync_info: { latest_block_height: height } })}\n`,
          };
        }
        return { exitCode: 1, stdout: "" };
      },
      async check(req) {
        checks.push(req);
        return { accounts: { localnet: { exists: true, codeHash: "11111111111111111111111111111111" } } };
      },
      sleep: async () => undefined,
    };
    const probe = await makeSsmProbes(t).base(parseStackOutputs(rawOutputs(["base"])));
    expect(probe).toEqual({
      rpcReachable: true,
      chainId: "localnet",
      nodePublicKey: NODE_KEY,
      blockHeight: 110,
      blocksAdvancing: true,
      rootAccountExists: true,
      container: { name: "neard", status: "running", running: true, restartCount: 0 },
    });
    expect(calls).toEqual(["i-0base containers", "i-0base near-status", "i-0base near-status"]);
    expect(checks).toEqual([{ accounts: ["localnet"] }]);
  });
});

describe("ops check steps", () => {
  it("turns the check operation's account step lines into account facts", async () => {
    const { accountsFromCheckSteps } = await import("../../automation/ssm-probes.js");
    expect(
      accountsFromCheckSteps([
        { event: "step", check: "rpc", ok: true },
        { event: "step", check: "account", ok: true, accountId: "localnet", codeHash: "11111111111111111111111111111111", expected: null },
        { event: "step", check: "account", ok: false, accountId: "wrap.localnet", codeHash: null, expected: null },
      ]),
    ).toEqual({
      localnet: { exists: true, codeHash: "11111111111111111111111111111111" },
      "wrap.localnet": { exists: false },
    });
  });
});
