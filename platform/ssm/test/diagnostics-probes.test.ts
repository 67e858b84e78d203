// platform/ssm/scripts/diagnostics.sh: the probes the driver's status and Layer 3 diagnostics read
// (mpc-bootstrap, sign-test-result), run for real inside a temporary root with the stubs.
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DIAGNOSTIC_PROBES } from "../patterns.js";
import { REPO, runBash, sandbox, secretShapedLines, type Sandbox } from "./helpers.js";
import { ed25519FromSeed } from "../../near/key-pairs.js";

const SCRIPT = join(REPO, "platform", "ssm", "scripts", "diagnostics.sh");
// A secret key made here (never a committed literal), for the redaction checks.
const SECRET_KEY = ed25519FromSeed(new Uint8Array(32).fill(7)).secretKey;
const STORE_KEY = "0123456789abcdef0123456789ABCDEF";
const PUBLIC_KEY = "ed25519:7PGseFbWxvYVgZ89K1uTJKYoKetWs7BJtbyXDzfbAcqX";

function put(sb: Sandbox, path: string, text: string): string {
  const file = join(sb.root, path);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
  return file;
}

function diag(sb: Sandbox, env: Record<string, string>) {
  return runBash(SCRIPT, sb, env);
}

test("the new probes are allowed values of the document", () => {
  expect(DIAGNOSTIC_PROBES).toContain("mpc-bootstrap");
  expect(DIAGNOSTIC_PROBES).toContain("sign-test-result");
  expect(DIAGNOSTIC_PROBES).toContain("image-pins");
});

describe("logs", () => {
  test("container logs are redacted before they become command output", () => {
    const sb = sandbox();
    const lines = secretShapedLines();
    writeFileSync(join(sb.state, "logs-mpc-node"), lines.map((l) => l.line).join("\n") + "\n");
    const r = diag(sb, { PROBE: "logs", CONTAINER: "mpc-node", LINES: "50" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(lines.map((l) => l.redacted).join("\n") + "\n");
  });
});

describe("image-pins", () => {
  test("lists the digests the host pinned on first use, from run-op's and the bootstraps' records", () => {
    const sb = sandbox();
    const d = `sha256:${"9a".repeat(32)}`;
    put(sb, "var/lib/near-localnet/image-pins", `opsImage node:22-slim ${d}\n`);
    put(sb, "srv/mpc/bootstrap/image-pins", `mpcImage nearone/mpc-node:3.14.1 ${d}\n`);
    const r = diag(sb, { PROBE: "image-pins" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`opsImage node:22-slim ${d}\nmpcImage nearone/mpc-node:3.14.1 ${d}\n`);
    expect(diag(sandbox(), { PROBE: "image-pins" })).toMatchObject({ status: 0, stdout: "" });
  });
});

describe("mpc-bootstrap", () => {
  test("boot nodes from the node's config.json, then the bootstrap's own lines from the cloud-init log, redacted", () => {
    const sb = sandbox();
    put(
      sb,
      "srv/mpc/home/config.json",
      JSON.stringify({ network: { boot_nodes: `${PUBLIC_KEY}@10.0.1.10:24567`, addr: "0.0.0.0:24567" } }),
    );
    put(
      sb,
      "var/log/cloud-init-output.log",
      [
        "Cloud-init v. 22.2.2 running 'modules:final'",
        "2026-11-24T09:00:01Z mpc-bootstrap: reading secret 'mpc-node-0-account-sk' (NEAR account key)",
        "An error occurred (AccessDeniedException) when calling the GetSecretValue operation",
        `2026-11-24T09:00:02Z mpc-bootstrap: leaked ${SECRET_KEY} and ${STORE_KEY} in a bad line`,
        "2026-11-24T09:00:03Z mpc-bootstrap: ERROR: secret 'mpc-node-0-store-key' (secret-store key) must be exactly 32 hex characters",
        "Cloud-init v. 22.2.2 finished",
      ].join("\n") + "\n",
    );
    const r = diag(sb, { PROBE: "mpc-bootstrap" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        `boot_nodes ${PUBLIC_KEY}@10.0.1.10:24567`,
        "2026-11-24T09:00:01Z mpc-bootstrap: reading secret 'mpc-node-0-account-sk' (NEAR account key)",
        "2026-11-24T09:00:02Z mpc-bootstrap: leaked ed25519:[redacted] and [redacted-hex] in a bad line",
        "2026-11-24T09:00:03Z mpc-bootstrap: ERROR: secret 'mpc-node-0-store-key' (secret-store key) must be exactly 32 hex characters",
      ].join("\n") + "\n",
    );
  });

  test("LINES bounds the log lines; a missing config.json is '-'; a missing log fails the probe", () => {
    const sb = sandbox();
    put(sb, "var/log/cloud-init-output.log", ["a", "b", "c"].map((x) => `T mpc-bootstrap: ${x}`).join("\n") + "\n");
    const r = diag(sb, { PROBE: "mpc-bootstrap", LINES: "2" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("boot_nodes -\nT mpc-bootstrap: b\nT mpc-bootstrap: c\n");

    const empty = sandbox();
    const m = diag(empty, { PROBE: "mpc-bootstrap" });
    expect(m.status).toBe(1);
    expect(m.stdout).toBe("boot_nodes -\n");
    expect(m.stderr).toContain("/var/log/cloud-init-output.log does not exist");
  });
});

describe("sign-test-result", () => {
  test("the last line run-op kept of the last sign-test run, with the file's time", () => {
    const sb = sandbox();
    const result = JSON.stringify({
      event: "result",
      ok: true,
      operation: "sign-test",
      result: { ok: true, summary: "2/2 requests verified, 2/2 derived keys match" },
    });
    const file = put(sb, "var/log/near-localnet/ops/sign-test.stdout", `{"event":"step","step":"tester"}\n${result}\n`);
    const t = new Date("2026-11-24T10:15:00Z");
    utimesSync(file, t, t);
    const r = diag(sb, { PROBE: "sign-test-result" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`modified 2026-11-24T10:15:00Z\n${result}\n`);
  });

  test("no sign test yet: exit 1 with the reason", () => {
    const r = diag(sandbox(), { PROBE: "sign-test-result" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      "no sign test has run on this instance (/var/log/near-localnet/ops/sign-test.stdout is missing)",
    );
  });
});
