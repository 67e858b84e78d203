// Layer 3's probe: the parsers of its diagnostics (containers, HTTP, metrics, secrets, bootstrap,
// last sign test, the signer contract's state) and the probe over a canned transport.
import { describe, expect, it } from "@jest/globals";
import { parseContainers, parseHttpProbe, type ProbeTransport } from "../../probe.js";
import {
  contractStateFacts,
  livePeers,
  metricValue,
  parseBootstrapProbe,
  parseSignTestProbe,
  probeMpc,
  secretFindingsFromLog,
} from "../probe.js";
import { parseStackOutputs } from "../../../automation/stack-outputs.js";
import { NODE_KEY, rawOutputs } from "../../../automation/test/fakes.js";
import { initializingJson, P2P, runningJson } from "./state-fixtures.js";

describe("diagnostics parsing", () => {
  it("reads the containers table, HTTP probes and metrics", () => {
    expect(
      parseContainers(
        "name status restarts started image\nneard running 0 2026-11-24T09:00:00Z nearprotocol/nearcore:2.13.3\nmpc-node restarting 12 2026-11-24T09:59:00Z nearone/mpc-node:3.14.1\n",
      ),
    ).toEqual([
      { name: "neard", status: "running", running: true, restartCount: 0 },
      { name: "mpc-node", status: "restarting", running: false, restartCount: 12 },
    ]);
    expect(parseHttpProbe('GET http://127.0.0.1:3030/status -> HTTP 200\n{"chain_id":"localnet"}\n')).toEqual({
      code: 200,
      body: '{"chain_id":"localnet"}',
    });
    expect(parseHttpProbe("GET http://127.0.0.1:8080/health -> HTTP 000\n\n").code).toBe(0);
    expect(metricValue("mpc_x 1\nmpc_indexer_latest_block_height 1234\n", "mpc_indexer_latest_block_height")).toBe(
      1234,
    );
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

  it("reads the signer contract's state view with the operations' parser (near/mpc 3.14.1 shape)", () => {
    expect(contractStateFacts(runningJson(), "v1.signer.localnet")).toEqual({
      state: "Running",
      threshold: 2,
      participants: ["mpc-node-0.localnet", "mpc-node-1.localnet", "mpc-node-2.localnet"],
      keysetDomains: [0, 1],
      domains: [
        { id: 0, protocol: "CaitSith", purpose: "Sign" },
        { id: 1, protocol: "Frost", purpose: "Sign" },
      ],
    });
    expect(contractStateFacts(initializingJson, "v1.signer.localnet")).toMatchObject({
      state: "Initializing",
      keysetDomains: [0],
    });
    expect(contractStateFacts("NotInitialized", "v1.signer.localnet")).toMatchObject({ state: "NotInitialized" });
    expect(() => contractStateFacts({ Running: { domains: [] } }, "v1.signer.localnet")).toThrow(
      /unrecognised state from v1.signer.localnet/,
    );
  });
});

describe("Layer 3 runtime evidence", () => {
  const NODE0_CONFIG = `boot_nodes ${NODE_KEY}@10.0.1.10:24567`;

  it("counts live MPC peers from mpc_network_live_connections", () => {
    const metrics = [
      'mpc_network_live_connections{my_participant_id="0",peer_participant_id="1"} 1',
      'mpc_network_live_connections{my_participant_id="0",peer_participant_id="2"} 0',
      // the node's own series: not a peer
      'mpc_network_live_connections{my_participant_id="0",peer_participant_id="0"} 1',
      "mpc_indexer_latest_block_height 1195",
    ].join("\n");
    expect(livePeers(metrics)).toBe(1);
    expect(livePeers("mpc_indexer_latest_block_height 1\n")).toBeUndefined();
  });

  it("reads the bootstrap's last run: done, failed at a secret, still running", () => {
    const done = parseBootstrapProbe(
      [
        NODE0_CONFIG,
        "T1 mpc-bootstrap: ERROR: cannot pull nearone/mpc-node:3.14.1",
        "T2 mpc-bootstrap: reading secret 'a' (P2P key)",
        "T3 mpc-bootstrap: done: node 0 (mpc-node-0.localnet) on chain 'localnet', web :8080, P2P :3000",
      ].join("\n"),
    );
    expect(done).toEqual({
      bootNodes: [`${NODE_KEY}@10.0.1.10:24567`],
      bootstrap: {
        state: "done",
        lines: [
          "T1 mpc-bootstrap: ERROR: cannot pull nearone/mpc-node:3.14.1",
          "T2 mpc-bootstrap: reading secret 'a' (P2P key)",
          "T3 mpc-bootstrap: done: node 0 (mpc-node-0.localnet) on chain 'localnet', web :8080, P2P :3000",
        ],
      },
    });
    const failed = parseBootstrapProbe(
      [
        "boot_nodes -",
        "T3 mpc-bootstrap: done: node 0",
        "T4 mpc-bootstrap: reading secret 'mpc-node-0-account-sk' (NEAR account key)",
        "T5 mpc-bootstrap: ERROR: secret 'mpc-node-0-account-sk' (NEAR account key) is empty or a placeholder: store the real value in Secrets Manager",
      ].join("\n"),
    );
    expect(failed.bootNodes).toBeUndefined();
    expect(failed.bootstrap.state).toBe("failed");
    expect(failed.bootstrap.error).toBe(
      "secret 'mpc-node-0-account-sk' (NEAR account key) is empty or a placeholder: store the real value in Secrets Manager",
    );
    expect(failed.bootstrap.lines).toHaveLength(2);
    expect(parseBootstrapProbe("boot_nodes ?\nT1 mpc-bootstrap: fetching s3://b/genesis.json\n").bootstrap).toEqual({
      state: "running",
      lines: ["T1 mpc-bootstrap: fetching s3://b/genesis.json"],
    });
    expect(parseBootstrapProbe("boot_nodes -\n").bootstrap).toEqual({ state: "unknown", lines: [] });
  });

  it("reads the last sign-test result: passed, failed per request, operation error, no result line", () => {
    const result = (ok: boolean, r: unknown) =>
      `modified 2026-11-24T10:15:00Z\n${JSON.stringify({ event: "result", ok, operation: "sign-test", ...(ok ? { result: r } : { error: r }) })}\n`;
    expect(
      parseSignTestProbe(
        result(true, {
          ok: false,
          summary: "1/2 requests verified, 2/2 derived keys match",
          requests: [
            {
              domainId: 0,
              scheme: "Secp256k1",
              verdict: "contract-error",
              latencyMs: 95000,
              detail: "x",
              contractError: "Request has timed out.",
            },
            {
              domainId: 1,
              scheme: "Ed25519",
              verdict: "verified",
              latencyMs: 4200,
              detail: "Ed25519 signature verifies",
            },
          ],
        }),
      ),
    ).toEqual({
      state: "failed",
      at: "2026-11-24T10:15:00Z",
      summary: "1/2 requests verified, 2/2 derived keys match",
      requests: [
        {
          domainId: 0,
          scheme: "Secp256k1",
          verdict: "contract-error",
          latencyMs: 95000,
          detail: "Request has timed out.",
        },
        { domainId: 1, scheme: "Ed25519", verdict: "verified", latencyMs: 4200, detail: "Ed25519 signature verifies" },
      ],
    });
    expect(parseSignTestProbe(result(false, { code: "ACCOUNT_KEY_MISMATCH", message: "tester key differs" }))).toEqual({
      state: "error",
      at: "2026-11-24T10:15:00Z",
      summary: "the sign test could not run: ACCOUNT_KEY_MISMATCH: tester key differs",
      error: { code: "ACCOUNT_KEY_MISMATCH", message: "tester key differs" },
    });
    expect(parseSignTestProbe('modified 2026-11-24T10:15:00Z\n{"event":"step","step":"tester"}\n')?.state).toBe(
      "incomplete",
    );
    expect(parseSignTestProbe("")).toBeUndefined();
  });

  it("mpc: contract state, per-node health, indexer, peers, bootstrap, boot nodes, secrets; last sign test from the base instance", async () => {
    const calls: string[] = [];
    let head = 1000;
    const t: ProbeTransport = {
      async diag(instanceId, probe, extra) {
        calls.push(
          `${instanceId} ${probe}${extra?.container ? ` ${extra.container}` : ""}${extra?.lines ? ` ${extra.lines}` : ""}`,
        );
        const node = instanceId.slice(-1);
        switch (probe) {
          case "containers":
            return {
              exitCode: 0,
              stdout:
                node === "1"
                  ? "name status restarts started image\nmpc-node restarting 9 t img\n"
                  : node === "2"
                    ? "name status restarts started image\n"
                    : "name status restarts started image\nmpc-node running 0 t img\n",
            };
          case "logs":
            return { exitCode: 0, stdout: `${instanceId} log a\n${instanceId} log b\n` };
          case "mpc-health":
            return {
              exitCode: node === "0" ? 0 : 1,
              stdout: `GET http://127.0.0.1:8080/health -> HTTP ${node === "0" ? "200" : "000"}\n\n`,
            };
          case "mpc-metrics":
            return node === "0"
              ? {
                  exitCode: 0,
                  stdout:
                    'mpc_indexer_latest_block_height 1190\nmpc_network_live_connections{my_participant_id="0",peer_participant_id="1"} 0\nmpc_network_live_connections{my_participant_id="0",peer_participant_id="2"} 0\n' +
                    `near_block_height_head ${(head += 7)}\n`,
                }
              : { exitCode: 1, stdout: "" };
          case "mpc-bootstrap":
            if (node === "2") {
              return {
                exitCode: 0,
                stdout:
                  "boot_nodes -\nT mpc-bootstrap: reading secret 'mpc-node-2-account-sk' (NEAR account key)\nT mpc-bootstrap: ERROR: secret 'mpc-node-2-account-sk' (NEAR account key) is empty or a placeholder: store the real value in Secrets Manager\n",
              };
            }
            return {
              exitCode: 0,
              stdout: `boot_nodes ${node === "1" ? "ed25519:Old@10.0.1.99:24567" : `${NODE_KEY}@10.0.1.10:24567`}\nT mpc-bootstrap: done: node ${node}\n`,
            };
          case "sign-test-result":
            return {
              exitCode: 0,
              stdout: `modified 2026-11-24T10:15:00Z\n${JSON.stringify({ event: "result", ok: true, operation: "sign-test", result: { ok: true, summary: "2/2 requests verified, 2/2 derived keys match", requests: [] } })}\n`,
            };
        }
        return { exitCode: 2, stdout: "" };
      },
      async check(req) {
        expect(req).toEqual({
          accounts: ["v1.signer.localnet"],
          views: [
            { contractId: "v1.signer.localnet", method: "state", args: {} },
            { contractId: "v1.signer.localnet", method: "get_tee_accounts", args: {} },
          ],
        });
        // node 0 attested with its account key, node 1 only init's placeholder, node 2 nothing stored
        const tee = [
          { account_id: "mpc-node-0.localnet", tls_public_key: P2P[0], account_public_key: "ed25519:AccountKey0" },
          { account_id: "mpc-node-1.localnet", tls_public_key: P2P[1], account_public_key: P2P[1] },
        ];
        return {
          accounts: {
            "v1.signer.localnet": { exists: true, codeHash: "F8NqkFhF97BxjYrweg3hFFhdH57k4qgqoPdLDwP6H9dL" },
          },
          views: [
            { contractId: "v1.signer.localnet", method: "state", result: initializingJson },
            { contractId: "v1.signer.localnet", method: "get_tee_accounts", result: tee },
          ],
        };
      },
      sleep: async () => undefined,
    };
    const probe = await probeMpc(t, parseStackOutputs(rawOutputs(["base", "services", "mpc"])), { logLines: 30 });
    expect(probe.contract).toMatchObject({
      reachable: true,
      state: "Initializing",
      threshold: 2,
      codeHash: "F8NqkFhF97BxjYrweg3hFFhdH57k4qgqoPdLDwP6H9dL",
    });
    expect(probe.contract.attestations).toEqual([
      { accountId: "mpc-node-0.localnet", state: "attested", detail: "attested with account key ed25519:AccountKey0" },
      {
        accountId: "mpc-node-1.localnet",
        state: "placeholder",
        detail: "only init's placeholder: the node has not submitted its participant info",
      },
      { accountId: "mpc-node-2.localnet", state: "missing", detail: `no attestation stored for its TLS key ${P2P[2]}` },
    ]);
    const [n0, n1, n2] = probe.nodes;
    expect(n0).toMatchObject({
      reachable: true,
      live: true,
      indexerHeight: 1190,
      peers: 0,
      bootNodes: [`${NODE_KEY}@10.0.1.10:24567`],
    });
    expect(n0.container?.lastLogLines).toEqual(["i-0mpc0 log a", "i-0mpc0 log b"]);
    expect(n0.bootstrap?.state).toBe("done");
    expect(n1).toMatchObject({
      live: false,
      bootNodes: ["ed25519:Old@10.0.1.99:24567"],
      container: { status: "restarting", restartCount: 9 },
    });
    expect(n1.indexerHeight).toBeUndefined();
    expect(n2.container).toBeUndefined();
    expect(n2.bootstrap?.state).toBe("failed");
    expect(n2.secrets).toEqual([{ name: "mpc-node-2-account-sk", status: "placeholder" }]);
    expect(probe.lastSignTest).toEqual({
      state: "passed",
      at: "2026-11-24T10:15:00Z",
      summary: "2/2 requests verified, 2/2 derived keys match",
      requests: [],
    });
    expect(calls.filter((c) => c.startsWith("i-0mpc0"))).toEqual([
      "i-0mpc0 containers",
      "i-0mpc0 logs mpc-node 30",
      "i-0mpc0 mpc-health",
      "i-0mpc0 mpc-metrics",
      "i-0mpc0 mpc-bootstrap 120",
      "i-0mpc0 mpc-metrics",
    ]);
    // the embedded chain's head, sampled before and after the other probes
    expect(n0).toMatchObject({ chainHead: 1014, chainHeadAdvancing: true });
    expect(n1.chainHead).toBeUndefined();
    expect(calls.filter((c) => c.startsWith("i-0base"))).toEqual(["i-0base sign-test-result"]);
  });
});
