// Runs one NEAR operation on an instance through the stack's run-op SSM document.
// This is what the SsmOperation component's local.Command runs:
//     node --import tsx automation/ssm-run.ts
// configured only by environment variables (platform/ssm/run-env.ts):
//   SSM_RUN_INSTANCE_ID, SSM_RUN_DOCUMENT, SSM_RUN_OPERATION, SSM_RUN_PAYLOAD (base64 JSON),
//   SSM_RUN_BUNDLE_URI, SSM_RUN_BUNDLE_SHA256, AWS_REGION; optional SSM_RUN_NODE_IMAGE,
//   SSM_RUN_TIMEOUT_SECONDS (900), SSM_RUN_ONLINE_TIMEOUT_SECONDS (600, 0 = no wait),
//   SSM_RUN_POLL_INTERVAL_MS (3000). AWS credentials come from the usual SDK chain.
// stderr: progress (what it waits on, elapsed, last state), then the operation's own stderr.
// stdout: the operation's final result line (JSON), also when it failed.
// Exit code: 0 ok, 1 failed, 2 bad settings.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SSMClient } from "@aws-sdk/client-ssm";
import { waitForInstanceOnline, SsmChannelError, type Progress, type SsmSender } from "../platform/ssm/channel.js";
import { runNearOperation, RunOpError } from "../platform/ssm/run-op.js";
import { parseSsmRunEnv, SsmRunConfigError } from "../platform/ssm/run-env.js";

export interface Sink {
  write(text: string): unknown;
}

export interface SsmRunDeps {
  env: Record<string, string | undefined>;
  /** Builds the SSM client for the region (the default makes a real SSMClient). */
  makeClient?: (region: string) => SsmSender;
  stdout: Sink;
  stderr: Sink;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Minimum time between two progress lines with the same state. Default 30000. */
  progressEveryMs?: number;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

function indent(text: string): string {
  return text
    .replace(/\s+$/, "")
    .split("\n")
    .map((l) => `  | ${l}`)
    .join("\n");
}

/** The whole run; returns the exit code. */
export async function main(deps: SsmRunDeps): Promise<number> {
  const err = (line: string) => deps.stderr.write(`[ssm-run] ${line}\n`);
  let settings;
  try {
    settings = parseSsmRunEnv(deps.env);
  } catch (e) {
    if (e instanceof SsmRunConfigError) {
      deps.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const s = settings;
  const client = (deps.makeClient ?? ((region: string) => new SSMClient({ region })))(s.region);
  const every = deps.progressEveryMs ?? 30000;
  let lastKey = "";
  let lastAt = -Infinity;
  const progress = (p: Progress) => {
    const key = `${p.phase}:${p.state}`;
    if (key === lastKey && p.elapsedMs - lastAt < every) return;
    lastKey = key;
    lastAt = p.elapsedMs;
    if (p.phase === "online")
      err(`waiting for ${p.instanceId} to be online in SSM: ${p.state} (${seconds(p.elapsedMs)})`);
    else if (p.phase === "earlier")
      err(
        `an earlier run of ${s.operation} is still going on ${p.instanceId} (command ${p.commandId}): ${p.state}; waiting for it (${seconds(p.elapsedMs)})`,
      );
    else
      err(
        `${s.operation} on ${p.instanceId}: ${p.state}${p.statusDetails && p.statusDetails !== p.state ? ` / ${p.statusDetails}` : ""} (${seconds(p.elapsedMs)}, command ${p.commandId})`,
      );
  };
  const timing = { now: deps.now, sleep: deps.sleep, signal: deps.signal };

  try {
    if (s.onlineTimeoutSeconds > 0) {
      await waitForInstanceOnline({
        client,
        instanceId: s.instanceId,
        timeoutSeconds: s.onlineTimeoutSeconds,
        onProgress: progress,
        ...timing,
      });
    }
    err(
      `sending ${s.operation} to ${s.instanceId} (document ${s.document}, bundle ${s.bundleSha256.slice(0, 12)}, bound ${s.timeoutSeconds}s)`,
    );
    const out = await runNearOperation({
      client,
      instanceId: s.instanceId,
      documentName: s.document,
      operation: s.operation,
      payload: s.payload,
      bundle: { uri: s.bundleUri, sha256: s.bundleSha256 },
      nodeImage: s.nodeImage,
      timeoutSeconds: s.timeoutSeconds,
      pollIntervalMs: s.pollIntervalMs,
      onProgress: progress,
      ...timing,
    });
    if (out.command.stderr.trim()) deps.stderr.write(`${indent(out.command.stderr)}\n`);
    err(
      `${s.operation} succeeded in ${seconds(out.command.elapsedMs)} (${out.steps.length} steps, command ${out.command.commandId})`,
    );
    deps.stdout.write(`${JSON.stringify(out.result)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof RunOpError) {
      err(`FAILED: ${e.message}`);
      if (e.commandId) err(`command ${e.commandId}, exit code ${e.exitCode ?? "none"}`);
      if (e.failure) deps.stdout.write(`${JSON.stringify(e.failure)}\n`);
      return 1;
    }
    if (e instanceof SsmChannelError) {
      err(`FAILED: ${e.code}: ${e.message}`);
      return 1;
    }
    err(`FAILED: ${(e as Error)?.stack ?? String(e)}`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const controller = new AbortController();
  // Pulumi cancelling the step (or Ctrl-C) cancels the SSM command too.
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => controller.abort());
  main({ env: process.env, stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`[ssm-run] ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
