// Shared set-up for running the SSM document scripts with the stubs in platform/ssm/test/stubs.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { logLines, runScript, tempDir, type ScriptResult } from "../../../test/support/script-sandbox.js";
import { base58Encode } from "../../chainsig/base58.js";
import { ed25519FromSeed } from "../../near/key-pairs.js";

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, "..", "..", "..");
export const STUBS = join(HERE, "stubs");

/** A tiny stand-in for dist/ops.mjs that follows the stdout contract. */
const FAKE_BUNDLE = `
const [operation, payload] = process.argv.slice(2);
const input = JSON.parse(Buffer.from(payload, "base64").toString("utf8"));
const out = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
process.stderr.write("progress: " + operation + "\\n");
if (operation === "echo") {
  out({ event: "step", name: "echo", detail: "one" });
  out({ event: "result", ok: true, operation, result: { input, region: process.env.AWS_REGION ?? null } });
} else if (operation === "boom") {
  process.stderr.write("x".repeat(9000) + "\\nEND-OF-STDERR: contract panicked: nope\\n");
  out({ event: "result", ok: false, operation, error: { code: "CONTRACT_PANIC", message: "nope" } });
  process.exit(1);
} else if (operation === "leak") {
  process.stderr.write(input.stderr);
  out({ event: "result", ok: true, operation, result: {} });
} else if (operation === "chatty") {
  for (let i = 0; i < 400; i++) out({ event: "step", name: "step-" + i, detail: "y".repeat(80) });
  out({ event: "result", ok: true, operation, result: { steps: 400 } });
}
`;

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface Sandbox {
  dir: string;
  root: string;
  log: string;
  state: string;
  s3: string;
  http: string;
  bundleSha: string;
  bundleUri: string;
  readLog(): string[];
}

export function sandbox(bundle = FAKE_BUNDLE): Sandbox {
  const dir = tempDir("ssm-test-");
  const sb = {
    dir,
    root: join(dir, "root"),
    log: join(dir, "stub.log"),
    state: join(dir, "state"),
    s3: join(dir, "s3"),
    http: join(dir, "http"),
    bundleSha: sha256(bundle),
    bundleUri: "s3://near-localnet-ops-bucket/ops/bundle.mjs",
    readLog: () => logLines(sb.log),
  };
  for (const d of [sb.root, sb.state, sb.http, join(sb.s3, "near-localnet-ops-bucket", "ops")])
    mkdirSync(d, { recursive: true });
  writeFileSync(join(sb.s3, "near-localnet-ops-bucket", "ops", "bundle.mjs"), bundle);
  writeFileSync(sb.log, "");
  return sb;
}

export type RunResult = ScriptResult;

/** The environment that points the stubs and the script at a sandbox. */
export function sandboxEnv(sb: Sandbox): Record<string, string> {
  return {
    HOME: sb.dir,
    STUB_LOG: sb.log,
    STUB_STATE: sb.state,
    STUB_S3_DIR: sb.s3,
    STUB_HTTP_DIR: sb.http,
    ROOT: sb.root,
  };
}

/** Runs a bash program (file path) with the stubs first on PATH and a clean environment. */
export function runBash(file: string, sb: Sandbox, env: Record<string, string | undefined>): RunResult {
  return runScript(file, STUBS, { ...sandboxEnv(sb), ...env });
}

export function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64");
}

export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * Secret-shaped lines as containers may print them, built here (no key-shaped literal is committed),
 * each with what redact must make of it; and lines that must pass unchanged.
 */
export function secretShapedLines(): { line: string; redacted: string }[] {
  const secp = `secp256k1:${base58Encode(randomBytes(32))}`;
  const hex64 = randomBytes(64).toString("hex");
  const keyId = `AKIA${"Q7".repeat(8)}`;
  const secret = base58Encode(randomBytes(32)).slice(0, 40);
  const sha = randomBytes(32).toString("hex");
  const store = randomBytes(16).toString("hex");
  const publicKey = ed25519FromSeed(randomBytes(32)).publicKey;
  return [
    {
      line: `signer key ${ed25519FromSeed(randomBytes(32)).secretKey} loaded`,
      redacted: "signer key ed25519:[redacted] loaded",
    },
    { line: `responder=${secp}`, redacted: "responder=secp256k1:[redacted]" },
    { line: `keyshare: ${hex64}`, redacted: "keyshare: [redacted-hex]" },
    { line: `store ${store},${store}`, redacted: "store [redacted-hex],[redacted-hex]" },
    {
      line: `creds ${keyId} aws_secret_access_key=${secret}`,
      redacted: "creds [redacted-aws-key-id] aws_secret_access_key=[redacted]",
    },
    { line: `{"SecretAccessKey": "${secret}"}`, redacted: '{"SecretAccessKey": "[redacted]"}' },
    { line: `peer ${publicKey} genesis ${sha}`, redacted: `peer ${publicKey} genesis ${sha}` },
  ];
}
