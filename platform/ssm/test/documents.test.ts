// platform/ssm/documents.ts: the document contents (parameters, patterns, script) and the
// component under Pulumi's mock runtime; then the documents' scripts run as SSM would run
// them, after its parameter interpolation, with the stubs.
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  SsmDocuments,
  diagnosticsDocumentContent,
  documentName,
  runOpDocumentContent,
  type CommandDocumentContent,
} from "../documents.js";
import {
  BUNDLE_URI_PATTERN,
  DIAGNOSTIC_CONTAINERS,
  DIAGNOSTIC_PROBES,
  IMAGE_PATTERN,
  OPERATION_PATTERN,
  PAYLOAD_PATTERN,
  SHA256_PATTERN,
} from "../patterns.js";
import { b64, jsonLines, runBash, sandbox, type Sandbox } from "./helpers.js";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
}
const registered: Registered[] = [];

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return {
          id: `${args.name}-id`,
          state: { ...args.inputs, arn: `arn:aws:ssm:us-east-1:123456789012:document/${args.inputs.name}` },
        };
      },
      call: (args) => args.inputs,
    },
    "near-localnet",
    "localnet",
    false,
  );
});

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("run-op document content", () => {
  const doc = runOpDocumentContent();

  test("parameters: each with a strict pattern and ENV_VAR interpolation", () => {
    expect(doc.schemaVersion).toBe("2.2");
    expect(doc.parameters).toEqual({
      operation: {
        type: "String",
        description: expect.any(String),
        allowedPattern: OPERATION_PATTERN,
        interpolationType: "ENV_VAR",
      },
      payload: {
        type: "String",
        description: expect.any(String),
        allowedPattern: PAYLOAD_PATTERN,
        interpolationType: "ENV_VAR",
      },
      bundleUri: {
        type: "String",
        description: expect.any(String),
        allowedPattern: BUNDLE_URI_PATTERN,
        interpolationType: "ENV_VAR",
      },
      bundleSha256: {
        type: "String",
        description: expect.any(String),
        allowedPattern: SHA256_PATTERN,
        interpolationType: "ENV_VAR",
      },
      nodeImage: {
        type: "String",
        description: expect.any(String),
        default: "node:22-slim",
        allowedPattern: IMAGE_PATTERN,
        interpolationType: "ENV_VAR",
      },
      executionTimeout: {
        type: "String",
        description: expect.any(String),
        default: "1800",
        allowedPattern: "^[1-9][0-9]{0,4}$",
      },
    });
  });

  test("the stack's opsImage is the nodeImage default: commands that name none run in it", () => {
    const pinned = `node:22-slim@sha256:${"ab".repeat(32)}`;
    expect(runOpDocumentContent(pinned).parameters.nodeImage.default).toBe(pinned);
    expect(() => runOpDocumentContent("Node 22")).toThrow("nodeImage Node 22 is not an image reference");
  });

  test("one runShellScript step: header moving parameters into variables, then scripts/ssm/run-op.sh", () => {
    expect(doc.mainSteps).toHaveLength(1);
    const step = doc.mainSteps[0];
    expect(step).toMatchObject({
      action: "aws:runShellScript",
      name: "runOp",
      precondition: { StringEquals: ["platformType", "Linux"] },
      inputs: { timeoutSeconds: "{{ executionTimeout }}" },
    });
    const lines = step.inputs.runCommand;
    expect(lines[0]).toBe("#!/bin/bash");
    expect(lines.slice(3, 9)).toEqual([
      "set -euo pipefail",
      `if [ -n "\${SSM_operation+x}" ]; then export OPERATION="$SSM_operation"; else export OPERATION='{{ operation }}'; fi`,
      `if [ -n "\${SSM_payload+x}" ]; then export PAYLOAD="$SSM_payload"; else export PAYLOAD='{{ payload }}'; fi`,
      `if [ -n "\${SSM_bundleUri+x}" ]; then export BUNDLE_URI="$SSM_bundleUri"; else export BUNDLE_URI='{{ bundleUri }}'; fi`,
      `if [ -n "\${SSM_bundleSha256+x}" ]; then export BUNDLE_SHA256="$SSM_bundleSha256"; else export BUNDLE_SHA256='{{ bundleSha256 }}'; fi`,
      `if [ -n "\${SSM_nodeImage+x}" ]; then export NODE_IMAGE="$SSM_nodeImage"; else export NODE_IMAGE='{{ nodeImage }}'; fi`,
    ]);
    // Then the image-pinning library run-op.sh calls, then run-op.sh itself.
    expect(lines[9]).toBe(
      "# near-localnet image pinning, sourced by the scripts that start containers (the base and MPC",
    );
    expect(lines.indexOf("image_pin() {")).toBeGreaterThan(9);
    expect(lines.indexOf("# near-localnet run-op: runs one NEAR operation of the ops bundle on this instance.")).toBe(
      lines.lastIndexOf(
        "}",
        lines.indexOf("# near-localnet run-op: runs one NEAR operation of the ops bundle on this instance."),
      ) + 1,
    );
    // The only "{{" in the document are the five parameter fallbacks and the timeout.
    expect(JSON.stringify(doc).match(/\{\{[^}]*\}\}/g)).toEqual([
      "{{ executionTimeout }}",
      "{{ operation }}",
      "{{ payload }}",
      "{{ bundleUri }}",
      "{{ bundleSha256 }}",
      "{{ nodeImage }}",
    ]);
  });

  test("no value a pattern admits can leave its single quotes", () => {
    for (const p of [OPERATION_PATTERN, PAYLOAD_PATTERN, BUNDLE_URI_PATTERN, SHA256_PATTERN, IMAGE_PATTERN]) {
      const classes = p.match(/\[[^\]]*\]/g) ?? [];
      const outside = p.replace(/\[[^\]]*\]/g, "");
      // character classes list only letters, digits and . _ / : @ + = - ; nothing matches "any character"
      for (const c of classes) expect([p, c, /^\[[A-Za-z0-9._/:@+=-]+\]$/.test(c)]).toEqual([p, c, true]);
      expect([p, /(^|[^\\])\.|\\[sSwWdD]/.test(outside)]).toEqual([p, false]);
      expect([p, p.startsWith("^") && p.endsWith("$")]).toEqual([p, true]);
    }
  });

  test("the document stays well under SSM's 64 KB content limit", () => {
    expect(Buffer.byteLength(JSON.stringify(runOpDocumentContent()))).toBeLessThan(32 * 1024);
    expect(Buffer.byteLength(JSON.stringify(diagnosticsDocumentContent()))).toBeLessThan(32 * 1024);
  });
});

describe("diagnostics document content", () => {
  const doc = diagnosticsDocumentContent();
  test("only allowed values select what runs; nothing else is accepted", () => {
    expect(doc.parameters).toEqual({
      probe: {
        type: "String",
        description: expect.any(String),
        default: "containers",
        allowedValues: DIAGNOSTIC_PROBES,
        interpolationType: "ENV_VAR",
      },
      container: {
        type: "String",
        description: expect.any(String),
        default: "neard",
        allowedValues: DIAGNOSTIC_CONTAINERS,
        interpolationType: "ENV_VAR",
      },
      lines: {
        type: "String",
        description: expect.any(String),
        default: "100",
        allowedPattern: "^[1-9][0-9]{0,2}$",
        interpolationType: "ENV_VAR",
      },
    });
    expect([...DIAGNOSTIC_CONTAINERS]).toEqual(["neard", "mpc-node", "near-faucet"]);
    expect(doc.mainSteps[0].inputs.timeoutSeconds).toBe("120");
  });
});

test("document names are checked", () => {
  expect(documentName("near-localnet-localnet", "run-op")).toBe("near-localnet-localnet-run-op");
  expect(() => documentName("aws-x", "run-op")).toThrow("invalid SSM document name aws-x-run-op");
  expect(() => documentName("my stack", "run-op")).toThrow("invalid SSM document name");
});

test("SsmDocuments under the mock runtime: two Command documents, JSON content, Linux instances, tags", async () => {
  const docs = new SsmDocuments("ssm", { namePrefix: "near-localnet-localnet", tags: { team: "chain" } });
  expect(await valueOf(docs.runOpName)).toBe("near-localnet-localnet-run-op");
  expect(await valueOf(docs.diagnosticsName)).toBe("near-localnet-localnet-diagnostics");
  expect(await valueOf(docs.runOpArn)).toBe(
    "arn:aws:ssm:us-east-1:123456789012:document/near-localnet-localnet-run-op",
  );
  const documents = registered.filter((r) => r.type === "aws:ssm/document:Document");
  expect(documents.map((d) => d.name)).toEqual(["ssm-run-op", "ssm-diagnostics"]);
  const [runOp, diagnostics] = documents;
  expect(runOp.inputs).toEqual({
    name: "near-localnet-localnet-run-op",
    documentType: "Command",
    documentFormat: "JSON",
    targetType: "/AWS::EC2::Instance",
    tags: { team: "chain" },
    content: JSON.stringify(runOpDocumentContent()),
  });
  expect(JSON.parse(diagnostics.inputs.content)).toEqual(diagnosticsDocumentContent());
  expect(registered.find((r) => r.type === "near-localnet:index:SsmDocuments")?.name).toBe("ssm");
});

// ---- the documents' scripts as the agent runs them -----------------------------------------

/** What the agent runs: runCommand joined, with "{{ name }}" replaced by the values (old agents). */
function agentScript(doc: CommandDocumentContent, values: Record<string, string>, interpolate: boolean): string {
  const text = doc.mainSteps[0].inputs.runCommand.join("\n");
  const file = join(mkdtempSync(join(tmpdir(), "ssm-doc-")), "_script.sh");
  writeFileSync(
    file,
    interpolate
      ? text.replace(
          /\{\{ ([A-Za-z0-9]+) \}\}/g,
          (_, name: string) => values[name] ?? doc.parameters[name].default ?? "",
        )
      : text,
  );
  return file;
}

function ssmEnv(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`SSM_${k}`, v]));
}

describe("the run-op document as the agent runs it", () => {
  const values = (sb: Sandbox) => ({
    operation: "echo",
    payload: b64({ account: "wrap.localnet" }),
    bundleUri: sb.bundleUri,
    bundleSha256: sb.bundleSha,
    nodeImage: "node:22-slim",
  });

  test.each([
    ["agents 3.3.2746+ (SSM_<name> environment variables)", false],
    ["older agents (text interpolation)", true],
  ])("%s", (_, interpolate) => {
    const sb = sandbox();
    const v = values(sb);
    const script = agentScript(runOpDocumentContent(), v, interpolate as boolean);
    const r = runBash(script, sb, { AWS_SSM_REGION_NAME: "us-west-2", ...(interpolate ? {} : ssmEnv(v)) });
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)[1]).toEqual({
      event: "result",
      ok: true,
      operation: "echo",
      result: { input: { account: "wrap.localnet" }, region: "us-west-2" },
    });
  });
});

describe("the diagnostics document as the agent runs it", () => {
  function diag(sb: Sandbox, values: Record<string, string>) {
    const doc = diagnosticsDocumentContent();
    const full = { probe: "containers", container: "neard", lines: "100", ...values };
    return runBash(agentScript(doc, full, false), sb, ssmEnv(full));
  }

  test("near-status: the local RPC's /status body with its HTTP code", () => {
    const sb = sandbox();
    writeFileSync(join(sb.http, "3030_status"), '{"chain_id":"localnet","sync_info":{"latest_block_height":42}}');
    const r = diag(sb, { probe: "near-status" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      'GET http://127.0.0.1:3030/status -> HTTP 200\n{"chain_id":"localnet","sync_info":{"latest_block_height":42}}\n',
    );
  });

  test("a 503 health answer and an unreachable endpoint fail the probe", () => {
    const sb = sandbox();
    writeFileSync(join(sb.http, "3030_health"), "");
    writeFileSync(join(sb.http, "3030_health.code"), "503");
    let r = diag(sb, { probe: "near-health" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("GET http://127.0.0.1:3030/health -> HTTP 503\n\n");
    r = diag(sb, { probe: "mpc-health" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("GET http://127.0.0.1:8080/health -> HTTP 000\n\n");
  });

  test("mpc-metrics keeps only the series the driver reads, whatever else /metrics carries", () => {
    const sb = sandbox();
    writeFileSync(
      join(sb.http, "8080_metrics"),
      [
        "# HELP mpc_indexer_latest_block_height height",
        "# TYPE mpc_indexer_latest_block_height gauge",
        "mpc_indexer_latest_block_height 1234",
        ...Array.from(
          { length: 3000 },
          (_, i) => `mpc_p2p_tcp_write_size_bytes_bucket{peer="${i % 3}",le="${i}"} ${i}`,
        ),
        'mpc_network_live_connections{my_participant_id="0",peer_participant_id="1"} 1',
        'mpc_owned_num_triples_available{node="0"} 128',
        "near_block_height_head 1300",
        "process_cpu_seconds_total 3.5",
      ].join("\n"),
    );
    const r = diag(sb, { probe: "mpc-metrics" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      "mpc_indexer_latest_block_height 1234\n" +
        'mpc_network_live_connections{my_participant_id="0",peer_participant_id="1"} 1\n' +
        "near_block_height_head 1300\n",
    );
  });

  test("logs: the last N lines of the named container", () => {
    const sb = sandbox();
    const r = diag(sb, { probe: "logs", container: "mpc-node", lines: "50" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("log of mpc-node\n");
    expect(sb.readLog()).toEqual(["docker logs --tail 50 --timestamps mpc-node"]);
  });

  test("containers: name, status, restart count, start time, image of each container", () => {
    const sb = sandbox();
    writeFileSync(join(sb.state, "container-neard"), "running x\n");
    writeFileSync(join(sb.state, "container-mpc-node"), "restarting x\n");
    const r = diag(sb, { probe: "containers" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      "name status restarts started image\nmpc-node restarting 2 2024-01-01T00:00:00Z node:22-slim\nneard running 2 2024-01-01T00:00:00Z node:22-slim\n",
    );
    // the Go template reaches docker intact although the document never spells "{{"
    const inspect = sb
      .readLog()
      .find((l) => l.startsWith("docker inspect"))!
      .replace(/\\(.)/g, "$1");
    expect(inspect).toBe(
      "docker inspect --format {{.Name}} {{.State.Status}} {{.RestartCount}} {{.State.StartedAt}} {{.Config.Image}} mpc-node neard",
    );
  });

  test.each([
    [{ probe: "rm -rf /" }, "PROBE must be one of"],
    [{ probe: "logs", container: "sshd" }, "CONTAINER must be one of neard, mpc-node, near-faucet"],
    [{ probe: "logs", lines: "100000" }, "LINES must be a number from 1 to 999"],
  ])("values outside the allowed lists are refused: %j", (values, message) => {
    const sb = sandbox();
    const r = diag(sb, values);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
    expect(sb.readLog()).toEqual([]);
  });
});
