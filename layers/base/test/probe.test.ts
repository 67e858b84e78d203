// Layer 1's probe over a canned transport: two /status samples, the container, the root account.
import { describe, expect, it } from "@jest/globals";
import type { CheckRequest, ProbeTransport } from "../../probe.js";
import { probeBase } from "../probe.js";
import { parseStackOutputs } from "../../../automation/stack-outputs.js";
import { NODE_KEY, rawOutputs } from "../../../automation/test/fakes.js";

describe("probes over the transport", () => {
  it("base: two /status samples, container state and the root account through `check`", async () => {
    let height = 100;
    const calls: string[] = [];
    const checks: CheckRequest[] = [];
    const t: ProbeTransport = {
      async diag(instanceId, probe, extra) {
        calls.push(`${instanceId} ${probe}${extra?.container ? ` ${extra.container}` : ""}`);
        if (probe === "containers")
          return { exitCode: 0, stdout: "name status restarts started image\nneard running 0 t img\n" };
        if (probe === "near-status") {
          height += 5;
          return {
            exitCode: 0,
            stdout: `GET http://127.0.0.1:3030/status -> HTTP 200\n${JSON.stringify({ chain_id: "localnet", node_public_key: NODE_KEY, sync_info: { latest_block_height: height, earliest_block_height: 42 } })}\n`,
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
    const probe = await probeBase(t, parseStackOutputs(rawOutputs(["base"])));
    expect(probe).toEqual({
      rpcReachable: true,
      chainId: "localnet",
      nodePublicKey: NODE_KEY,
      blockHeight: 110,
      blocksAdvancing: true,
      earliestBlockHeight: 42,
      rootAccountExists: true,
      container: { name: "neard", status: "running", running: true, restartCount: 0 },
    });
    expect(calls).toEqual(["i-0base containers", "i-0base near-status", "i-0base near-status"]);
    expect(checks).toEqual([{ accounts: ["localnet"] }]);
  });
});
