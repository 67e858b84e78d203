import { describe, expect, it } from "@jest/globals";
import { buildStatus, collectStatus, renderStatusMarkdown } from "../status.js";
import { UNKNOWN_OUTPUT, parseStackOutputs } from "../stack-outputs.js";
import { FakeProbes, PINNED, healthyBase, healthyMpc, healthyServices, rawOutputs } from "./fakes.js";
import type { LayerProbes } from "../../layers/registry.js";
import { ed25519FromSeed } from "../../platform/near/key-pairs.js";
// A secret key made here (never a committed literal), for the redaction checks.
const TEST_SECRET_KEY = ed25519FromSeed(new Uint8Array(32).fill(7)).secretKey;

const AT = "2026-11-24T10:00:00.000Z";
const ALL = parseStackOutputs(rawOutputs(["base", "services", "mpc"]));

function report(probes: LayerProbes, outputs = ALL) {
  const r = buildStatus({ stack: "localnet", generatedAt: AT, outputs, probes });
  return { r, md: renderStatusMarkdown(r) };
}

function section(md: string, title: string): string {
  const start = md.indexOf(`## ${title}`);
  const next = md.indexOf("\n## ", start + 1);
  return md.slice(start, next < 0 ? undefined : next);
}

describe("status checkpoint", () => {
  it("healthy stack: DONE everywhere, evidence rows all ok, nothing to do", () => {
    const { r, md } = report({ base: healthyBase(), services: healthyServices(), mpc: healthyMpc() });
    expect(r.overall).toBe("DONE");
    expect(md.split("\n")[0]).toBe("# Checkpoint: near-localnet stack `localnet` - DONE");
    const summary = section(md, "Executive summary");
    expect(summary).toContain("- **Deploy state:** All 3 layers are deployed.");
    expect(summary).toContain(
      "- **On-chain state:** Chain localnet at block 1200; 3/3 core contracts run their pinned code; signer contract v1.signer.localnet is Running with keys for 2/2 domains; last sign test PASS (2/2 requests verified, 2/2 derived keys match).",
    );
    expect(summary).toContain("- **Node runtime health:** Neard running (0 restarts); 3/3 MPC nodes live.");
    const evidence = section(md, "Evidence");
    expect(evidence).toContain("| Chain id | localnet | ok |");
    expect(evidence).toContain("| Block height | 1200 (advancing) | ok |");
    expect(evidence).toContain("| Base node instance | i-0base |  |");
    expect(evidence).toContain(`| Code hash wrap.localnet | ${PINNED["wrap.localnet"]} | ok |`);
    expect(evidence).toContain("| Contract state | Running | ok |");
    expect(evidence).toContain("| Participants | mpc-node-0.localnet, mpc-node-1.localnet, mpc-node-2.localnet | ok |");
    expect(evidence).toContain("| Threshold | 2 of 3 | ok |");
    expect(evidence).toContain("| Domains (keys) | 0:CaitSith/Sign, 1:Frost/Sign; keys for [0, 1] | ok |");
    expect(evidence).toContain(
      "| MPC node mpc-node-1.localnet | i-0mpc1; 10.0.2.11; running, 0 restarts; /health 200; indexer 1195; peers 2/2; secrets ok | ok |",
    );
    expect(evidence).toContain(
      "| Sign test (last run) | PASS: 2/2 requests verified, 2/2 derived keys match (2026-11-24T09:30:00Z) | ok |",
    );
    expect(section(md, "Last sign test")).toBe(
      [
        "## Last sign test",
        "",
        "PASS: 2/2 requests verified, 2/2 derived keys match (2026-11-24T09:30:00Z)",
        "",
        "| Domain | Scheme | Verdict | Latency | Detail |",
        "| --- | --- | --- | --- | --- |",
        "| 0 | Secp256k1 | verified | 4100 ms | Secp256k1 signature verifies |",
        "| 1 | Ed25519 | verified | 3900 ms | Ed25519 signature verifies |",
        "",
      ].join("\n"),
    );
    expect(JSON.parse(JSON.stringify(r)).signTest.state).toBe("passed");
    expect(evidence).not.toContain("| FAIL |");
    expect(section(md, "Layers")).toBe(
      "## Layers\n\n- **Layer 1 NEAR Base (base): DONE**\n- **Layer 2 NEAR Services (services): DONE**\n- **Layer 3 Chain Signatures (mpc): DONE**\n",
    );
    expect(section(md, "Next actions")).toContain("1. Nothing to do: the stack is healthy.");
  });

  it("crash-looping node: restart loop detected with redacted last log lines and a logs action", () => {
    const mpc = healthyMpc();
    mpc.nodes[1] = {
      ...mpc.nodes[1],
      live: false,
      container: {
        name: "mpc-node",
        running: false,
        restartCount: 14,
        status: "restarting",
        exitCode: 1,
        lastLogLines: [
          "2026-11-24T09:59:01Z loading secrets",
          `2026-11-24T09:59:02Z signer key ${TEST_SECRET_KEY} rejected`,
          "2026-11-24T09:59:02Z Error: MPC_SECRET_STORE_KEY must be 32 hex characters",
        ],
      },
    };
    mpc.contract = { ...mpc.contract, state: "Initializing", keysetDomains: [0] };
    const { r, md } = report({ base: healthyBase(), services: healthyServices(), mpc });
    expect(r.overall).toBe("NOT DONE");
    const layers = section(md, "Layers");
    expect(layers).toContain("- **Layer 1 NEAR Base (base): DONE**");
    expect(layers).toContain("- **Layer 3 Chain Signatures (mpc): NOT DONE**");
    expect(layers).toContain(
      "  - container mpc-node is in a restart loop (14 restarts, status restarting, last exit code 1)",
    );
    expect(layers).toContain("  - mpc-node-1.localnet: /health on :8080 does not answer 200");
    expect(layers).toContain("  - contract state is Initializing, expected Running");
    expect(layers).toContain("  - no key yet for domain 1 (keyset covers [0])");
    expect(layers).toContain("    2026-11-24T09:59:02Z signer key ed25519:[redacted] rejected");
    expect(md).not.toContain(TEST_SECRET_KEY.slice(8));
    expect(section(md, "Executive summary")).toContain(
      "2/3 MPC nodes live; restart loop on mpc-node-1.localnet (i-0mpc1).",
    );
    expect(section(md, "Evidence")).toContain(
      "| MPC node mpc-node-1.localnet | i-0mpc1; 10.0.2.11; restarting, 14 restarts; /health failing; indexer 1195; peers 2/2; secrets ok | FAIL |",
    );
    const actions = section(md, "Next actions");
    expect(actions).toContain("Read why mpc-node-1.localnet restarts: `npm run automate -- logs mpc-node-1.localnet`");
    expect(actions).toContain("Key generation is not complete");
  });

  it("placeholder and malformed secrets are reported by name, never by value", () => {
    const mpc = healthyMpc();
    mpc.nodes[0].secrets = [
      { name: "mpc-node-0-mpc_account_sk", status: "placeholder" },
      { name: "mpc-node-0-mpc_secret_store_key", status: "malformed" },
    ];
    const { r, md } = report({ base: healthyBase(), services: healthyServices(), mpc });
    expect(r.layers[2].done).toBe(false);
    expect(r.findings.map((f) => f.kind)).toEqual(["secret-placeholder", "secret-malformed"]);
    const layers = section(md, "Layers");
    expect(layers).toContain("  - secret mpc-node-0-mpc_account_sk is a placeholder (value not shown)");
    expect(layers).toContain("  - secret mpc-node-0-mpc_secret_store_key is malformed (value not shown)");
    expect(section(md, "Executive summary")).toContain("invalid secrets on mpc-node-0.localnet (i-0mpc0)");
    expect(section(md, "Evidence")).toContain("secrets INVALID | FAIL |");
    expect(section(md, "Next actions")).toContain(
      "Secrets of mpc-node-0.localnet are not usable: re-apply Layer 3 from the stack's keys with `npm run automate -- up --layer mpc --reconcile`",
    );
  });

  it("a wrong code hash is a NOT DONE with both hashes, in the layer and in the evidence", () => {
    const services = healthyServices();
    services.contracts[1] = {
      ...services.contracts[1],
      actualCodeHash: "9xWrongHashxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    };
    const mpc = healthyMpc();
    mpc.contract.codeHash = "EoFMvgE4ZyZeVjjJzz5M6jj5fQ8V9cqaMcskoRwyP9ue";
    const { r, md } = report({ base: healthyBase(), services, mpc });
    expect(r.layers.map((l) => l.done)).toEqual([true, false, false]);
    expect(section(md, "Layers")).toContain(
      `  - whitelist.localnet runs code 9xWrongHashxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, but the pinned code hash is ${PINNED["whitelist.localnet"]}`,
    );
    expect(section(md, "Layers")).toContain(
      "  - v1.signer.localnet runs code EoFMvgE4ZyZeVjjJzz5M6jj5fQ8V9cqaMcskoRwyP9ue, but the pinned code hash is F8NqkFhF97BxjYrweg3hFFhdH57k4qgqoPdLDwP6H9dL",
    );
    expect(section(md, "Evidence")).toContain(
      `| Code hash whitelist.localnet | 9xWrongHashxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx (pinned ${PINNED["whitelist.localnet"]}) | FAIL |`,
    );
    expect(section(md, "Executive summary")).toContain("2/3 core contracts run their pinned code");
    expect(section(md, "Next actions")).toContain(
      "Redeploy the pinned contract on whitelist.localnet: `npm run automate -- up --layer services --reconcile`.",
    );
  });

  it("stale boot nodes: base outputs that do not name the running node, and an MPC node booting from an old address", () => {
    const base = { ...healthyBase(), nodePublicKey: "ed25519:NewNodeKeyAfterReinit111111111111111111111" };
    const mpc = healthyMpc();
    mpc.nodes[2].bootNodes = ["ed25519:OldKey@10.0.1.99:24567"];
    const { r, md } = report({ base, services: healthyServices(), mpc });
    const stale = r.findings.filter((f) => f.kind === "stale-boot-nodes");
    expect(stale.map((f) => f.subject)).toEqual(["base.bootNodes", "mpc-node-2.localnet (i-0mpc2)"]);
    expect(md).toContain(
      "do not name the running node (ed25519:NewNodeKeyAfterReinit111111111111111111111@10.0.1.10:24567)",
    );
    expect(md).toContain("mpc-node-2.localnet boots from ed25519:OldKey@10.0.1.99:24567, but Layer 1 publishes");
    expect(section(md, "Evidence")).toContain(
      "| MPC node mpc-node-2.localnet | i-0mpc2; 10.0.2.12; running, 0 restarts; /health 200; indexer 1195; peers 2/2; boot nodes STALE; secrets ok | FAIL |",
    );
    expect(section(md, "Executive summary")).toContain("stale boot nodes on mpc-node-2.localnet (i-0mpc2)");
    expect(section(md, "Next actions")).toContain(
      "Boot nodes are stale: `npm run automate -- up --reconcile` re-renders them from the running base node.",
    );
  });

  it("a bootstrap that stopped before the container started: the error and its last lines, never a secret", () => {
    const mpc = healthyMpc();
    mpc.nodes[0] = {
      ...mpc.nodes[0],
      live: false,
      container: undefined,
      indexerHeight: undefined,
      peers: undefined,
      secrets: undefined,
      bootstrap: {
        state: "failed",
        error: "genesis sha256 mismatch: s3://b/genesis.json has 1111, expected 2222",
        lines: [
          "2026-11-24T09:00:01Z mpc-bootstrap: fetching s3://b/genesis.json",
          "2026-11-24T09:00:02Z mpc-bootstrap: ERROR: genesis sha256 mismatch: s3://b/genesis.json has 1111, expected 2222",
        ],
      },
    };
    const { r, md } = report({ base: healthyBase(), services: healthyServices(), mpc });
    expect(r.findings.map((f) => f.kind)).toEqual(["bootstrap-failed", "node-not-live"]);
    const layers = section(md, "Layers");
    expect(layers).toContain(
      "  - mpc-node-0.localnet: the bootstrap stopped: genesis sha256 mismatch: s3://b/genesis.json has 1111, expected 2222\n    ```\n    2026-11-24T09:00:01Z mpc-bootstrap: fetching s3://b/genesis.json\n",
    );
    expect(section(md, "Evidence")).toContain(
      "| MPC node mpc-node-0.localnet | i-0mpc0; 10.0.2.10; /health failing; bootstrap failed | FAIL |",
    );
    expect(section(md, "Executive summary")).toContain(
      "2/3 MPC nodes live; bootstrap failed on mpc-node-0.localnet (i-0mpc0).",
    );
    expect(section(md, "Next actions")).toContain(
      "The bootstrap of mpc-node-0.localnet stopped (its last lines are in the findings below): fix the cause, then re-run it with `npm run automate -- up --layer mpc --reconcile`.",
    );
  });

  it("placeholder secrets found by the bootstrap are reported by name; the failed bootstrap is not reported twice", () => {
    const mpc = healthyMpc();
    mpc.nodes[2] = {
      ...mpc.nodes[2],
      live: false,
      container: undefined,
      secrets: [{ name: "mpc-node-2-account-sk", status: "placeholder" }],
      bootstrap: {
        state: "failed",
        error:
          "secret 'mpc-node-2-account-sk' (NEAR account key) is empty or a placeholder: store the real value in Secrets Manager",
        lines: [],
      },
    };
    const { r, md } = report({ base: healthyBase(), services: healthyServices(), mpc });
    expect(r.findings.map((f) => f.kind)).toEqual(["secret-placeholder", "node-not-live"]);
    expect(section(md, "Layers")).toContain("  - secret mpc-node-2-account-sk is a placeholder (value not shown)");
  });

  it("a failed last sign test keeps Layer 3 NOT DONE, with the contract's error per request", () => {
    const mpc = healthyMpc();
    mpc.lastSignTest = {
      state: "failed",
      at: "2026-11-24T09:45:00Z",
      summary: "1/2 requests verified, 2/2 derived keys match",
      requests: [
        {
          domainId: 0,
          scheme: "Secp256k1",
          verdict: "contract-error",
          latencyMs: 98000,
          detail: "Request has timed out.",
        },
        { domainId: 1, scheme: "Ed25519", verdict: "verified", latencyMs: 3900, detail: "Ed25519 signature verifies" },
      ],
    };
    const { r, md } = report({ base: healthyBase(), services: healthyServices(), mpc });
    expect(r.overall).toBe("NOT DONE");
    expect(r.layers.map((l) => l.done)).toEqual([true, true, false]);
    expect(section(md, "Layers")).toContain(
      "  - the last sign test (2026-11-24T09:45:00Z) did not pass: 1/2 requests verified, 2/2 derived keys match",
    );
    expect(section(md, "Evidence")).toContain(
      "| Sign test (last run) | FAIL: 1/2 requests verified, 2/2 derived keys match (2026-11-24T09:45:00Z) | FAIL |",
    );
    expect(section(md, "Last sign test")).toContain(
      "| 0 | Secp256k1 | contract-error | 98000 ms | Request has timed out. |",
    );
    expect(section(md, "Next actions")).toContain("1. Re-run the end-to-end test: `npm run automate -- sign-test`.");
  });

  it("no sign test yet: DONE, 'never run' in the evidence and the sign test as the next action", () => {
    const mpc = healthyMpc();
    delete mpc.lastSignTest;
    const { r, md } = report({ base: healthyBase(), services: healthyServices(), mpc });
    expect(r.overall).toBe("DONE");
    expect(r.signTest).toBeNull();
    expect(section(md, "Evidence")).toContain("| Sign test (last run) | never run |  |");
    expect(md).not.toContain("## Last sign test");
    expect(section(md, "Next actions")).toBe(
      "## Next actions\n\n1. Prove the stack end to end: `npm run automate -- sign-test` (no sign test has run yet).\n",
    );
  });

  it("partial deploy: layers without outputs are NOT DONE and not probed; JSON carries the same verdicts", async () => {
    const outputs = parseStackOutputs(rawOutputs(["base"]));
    const probes = new FakeProbes();
    const input = await collectStatus("localnet", outputs, probes, () => new Date(AT));
    expect(probes.calls).toEqual(["base"]);
    const r = buildStatus(input);
    const json = JSON.parse(JSON.stringify(r));
    expect(json.layers.map((l: { layer: string; done: boolean }) => [l.layer, l.done])).toEqual([
      ["base", true],
      ["services", false],
      ["mpc", false],
    ]);
    expect(json.summary.deploy).toBe("Deployed: Layer 1 (base); not deployed: Layer 2 (services), Layer 3 (mpc).");
    expect(renderStatusMarkdown(r)).toContain("  - Layer 3 is not deployed (the stack has no mpc outputs)");
    expect(json.nextActions[0]).toBe(
      "Deploy the missing layers: `npm run automate -- up` (resumes at the first layer that is not done).",
    );
  });

  it("a probe that throws is recorded as NOT DONE with its message", async () => {
    const probes = new FakeProbes();
    probes.mpc = async () => {
      throw new Error("SSM: instance i-0mpc0 is not managed");
    };
    const input = await collectStatus("localnet", ALL, probes, () => new Date(AT));
    const r = buildStatus(input);
    expect(r.layers[2].done).toBe(false);
    expect(renderStatusMarkdown(r)).toContain("  - the mpc probe failed: SSM: instance i-0mpc0 is not managed");
  });
});

describe("status of a stack whose upper layers were saved as unknown values", () => {
  it("reads Layer 3 as not deployed (no probe, no 'did not answer')", async () => {
    const raw = rawOutputs(["base", "services"]);
    raw.mpc = {
      value: { nodes: [{ instanceId: UNKNOWN_OUTPUT, accountId: "mpc-node-0.localnet" }], contractId: UNKNOWN_OUTPUT },
      secret: false,
    };
    const probes = new FakeProbes();
    const input = await collectStatus("localnet", parseStackOutputs(raw), probes, () => new Date(0));
    expect([...probes.calls].sort()).toEqual(["base", "services"]);
    const report = buildStatus(input);
    const mpc = report.layers.find((l) => l.layer === "mpc")!;
    expect(mpc.findings.map((f) => f.message)).toEqual(["Layer 3 is not deployed (the stack has no mpc outputs)"]);
    expect(renderStatusMarkdown(report)).not.toContain("did not answer");
  });
});
