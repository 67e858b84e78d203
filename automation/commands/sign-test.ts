// `npm run automate -- sign-test [--json]`: the end-to-end chain-signature test, run inside the
// VPC on the base instance through the SSM channel (the ops bundle's `sign-test` operation,
// layers/mpc/ops/sign-test). Prints a per-request table (or one JSON object with --json).
// Exit codes: 0 every request verified and every derived key matched; 1 the test failed or
// could not run (stack not deployed, channel or operation error); 2 bad arguments.
// Only types and the (pure) scheme table are imported at the top: the SSM client and the channel
// load when the test runs.
import type { SsmSender, Timing } from "../../platform/ssm/channel.js";
import type { NearOperationOutcome, RunNearOperationOptions } from "../../platform/ssm/run-op.js";
import type { SignTestResult } from "../../layers/mpc/ops/sign-test/run.js";
import type { StackOutputs } from "../../layers/outputs.js";
import type { AwsTarget } from "../aws-target.js";
import type { Out } from "../probes.js";
import {
  DEFAULT_SIGN_DOMAINS,
  signatureSchemeNamed,
  signingOf,
  type SignResponseScheme,
} from "../../platform/chainsig/schemes.js";
import { SIGN_TESTER_ACCOUNT } from "../../layers/accounts.js";
import { EVM_LEG_SECONDS, evmLegPayload, renderEvmLeg } from "./sign-test-evm.js";

const SIGN_TEST_OPERATION = "sign-test";

export const DEFAULT_PATH = "near-localnet-sign-test";
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 300;
/** Container start, bundle download and tester creation, on top of the sign requests. */
const OVERHEAD_SECONDS = 180;

export interface SignTestArgs {
  json?: boolean;
  /** Tester account; default sign-tester.<root account>. */
  tester?: string;
  /** Derivation path; default near-localnet-sign-test. */
  path?: string;
  /** Key reference of the tester; default: the root account's key (the tester gets its public key). */
  testerKeyRef?: string;
  /** Key reference of the root account (creates the tester); default from the stack outputs. */
  funderKeyRef?: string;
  /** Bound for each sign request, seconds (the contract itself gives up after ~200 blocks). */
  timeoutSeconds?: number;
  /**
   * The Ethereum leg on the stack's destination chain (commands/sign-test-evm.ts): true requires it,
   * undefined runs it when the stack has one (up's final gate), false leaves it out.
   */
  evm?: boolean;
}

type RunOperationFn = (opts: RunNearOperationOptions) => Promise<NearOperationOutcome<SignTestResult>>;

export interface SignTestDeps extends Timing {
  stack: string;
  /** The stack outputs (read by the caller from the engine), or a function reading them. */
  outputs: StackOutputs | (() => Promise<StackOutputs>);
  /** SSM client; default an SSMClient for `aws` (the stack's region and profile). */
  client?: SsmSender;
  /** The stack's AWS region and profile (aws-target.ts). */
  aws?: AwsTarget;
  /** The run-op client (platform/ssm/run-op.ts runNearOperation by default). */
  runOperation?: RunOperationFn;
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

class SignTestUsageError extends Error {}

export interface SignTestDomainSpec {
  domainId: number;
  scheme: SignResponseScheme;
}

function schemeOf(d: Record<string, unknown>): SignTestDomainSpec["scheme"] | undefined {
  const scheme = signatureSchemeNamed(d.scheme ?? d.protocol ?? d.curve);
  return scheme && signingOf(scheme).response;
}

/** The signing domains of the stack's Layer 3 outputs (CKD / foreign-tx domains are left out). */
export function signDomains(outputs: StackOutputs): SignTestDomainSpec[] {
  const list = outputs.mpc?.domains ?? [];
  const out: SignTestDomainSpec[] = [];
  list.forEach((d, i) => {
    if (d.purpose !== undefined && d.purpose !== "Sign") return;
    const scheme = schemeOf(d);
    const idRaw = d.id ?? d.domainId ?? d.domain_id ?? i;
    const domainId = typeof idRaw === "number" ? idRaw : Number(idRaw);
    if (scheme && Number.isSafeInteger(domainId) && domainId >= 0) out.push({ domainId, scheme });
  });
  return out.length ? out : DEFAULT_SIGN_DOMAINS.map((d) => ({ ...d }));
}

/** The SSM parameter holding the root account's key: the output when exported, else the stack's naming rule. */
function rootKeyParameter(stack: string, outputs: StackOutputs): string {
  const exported = outputs.base?.rootAccountKeyParameter;
  if (exported && exported.startsWith("/")) return exported;
  const root = outputs.base?.rootAccountId || "localnet";
  return stack === "localnet" ? `/near-localnet/${root}-account-key` : `/near-localnet/${stack}/${root}-account-key`;
}

const KEY_REF = /^(ssm|secretsmanager|env):\S+$/;

/** Argument checks that need no stack (run before anything is contacted); throws SignTestUsageError. */
export function checkSignTestArgs(args: SignTestArgs): void {
  for (const [flag, ref] of [
    ["--funder-key-ref", args.funderKeyRef],
    ["--tester-key-ref", args.testerKeyRef],
  ] as const) {
    if (ref !== undefined && !KEY_REF.test(ref)) {
      throw new SignTestUsageError(
        `${flag} must be a key reference "ssm:<name>", "secretsmanager:<id>" or "env:<VAR>" (never a key)`,
      );
    }
  }
  const timeoutSeconds = args.timeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600) {
    throw new SignTestUsageError("--timeout must be a number of seconds from 1 to 3600");
  }
}

/** The operation's payload, from the stack outputs: references to keys only, never a key. */
export function signTestPayload(stack: string, outputs: StackOutputs, args: SignTestArgs): Record<string, unknown> {
  checkSignTestArgs(args);
  const base = outputs.base;
  const mpc = outputs.mpc;
  if (!base) throw new Error("the stack exports no base layer: deploy it first (npm run automate -- up)");
  if (!mpc?.contractId)
    throw new Error("the stack exports no signer contract: deploy Layer 3 first (npm run automate -- up --layer mpc)");
  const root = base.rootAccountId || "localnet";
  const funderKeyRef = args.funderKeyRef ?? `ssm:${rootKeyParameter(stack, outputs)}`;
  const timeoutSeconds = args.timeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS;
  const tester: Record<string, unknown> = { accountId: args.tester ?? `${SIGN_TESTER_ACCOUNT}.${root}` };
  if (args.testerKeyRef) tester.keyRef = args.testerKeyRef;
  const evm = evmLegPayload(outputs, args.evm);
  return {
    ...(evm ? { evm } : {}),
    expectChainId: base.chainId || undefined,
    contractId: mpc.contractId,
    path: args.path ?? DEFAULT_PATH,
    tester,
    funder: { accountId: root, keyRef: funderKeyRef },
    domains: signDomains(outputs),
    timeoutSeconds,
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** The human report: a header, one row per request, the derived keys, and the verdict line. */
export function renderSignTestTable(r: SignTestResult): string[] {
  const lines: string[] = [];
  lines.push(
    `sign test on ${r.contractId} (chain ${r.chainId}) as ${r.tester.accountId} (${r.tester.action}), path "${r.path}"`,
  );
  const rows = r.requests.map((q) => {
    const keys = r.derivedKeys.find((k) => k.domainId === q.domainId);
    return [
      String(q.domainId),
      q.scheme,
      keys ? (keys.match ? "match" : keys.contractDerivedKey ? "MISMATCH" : "unknown") : "-",
      q.verdict,
      q.latencyMs === undefined ? "-" : `${q.latencyMs} ms`,
      q.contractError ?? q.detail,
    ];
  });
  const header = ["DOMAIN", "SCHEME", "DERIVED KEY", "VERDICT", "LATENCY", "DETAIL"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  for (const row of [header, ...rows])
    lines.push(row.map((c, i) => (i === row.length - 1 ? c : pad(c, widths[i]))).join("  "));
  for (const k of r.derivedKeys) {
    lines.push(
      `domain ${k.domainId} derived key: ${k.localDerivedKey ?? "-"}${k.match ? "" : ` (${k.error ?? "no match"})`}`,
    );
  }
  if (r.evm) lines.push(...renderEvmLeg(r.evm));
  lines.push(`${r.ok ? "PASS" : "FAIL"}: ${r.summary}`);
  return lines;
}

/** Runs the sign test; returns the exit code. */
export async function runSignTest(args: SignTestArgs, out: Out, deps: SignTestDeps): Promise<number> {
  let outputs: StackOutputs;
  let payload: Record<string, unknown>;
  try {
    outputs = typeof deps.outputs === "function" ? await deps.outputs() : deps.outputs;
    payload = signTestPayload(deps.stack, outputs, args);
  } catch (e) {
    const usage = e instanceof SignTestUsageError;
    out.stderr(`sign-test: ${(e as Error).message}`);
    if (args.json)
      out.stdout(
        JSON.stringify({
          stack: deps.stack,
          ok: false,
          error: { code: usage ? "USAGE" : "NOT_DEPLOYED", message: (e as Error).message },
        }),
      );
    return usage ? 2 : 1;
  }
  const base = outputs.base!;
  const problems: string[] = [];
  if (!outputs.opsDocument) problems.push("the stack exports no opsDocument");
  if (!outputs.opsBundle) problems.push("the stack exports no opsBundle");
  if (problems.length) {
    const message = `${problems.join("; ")}: deploy the SSM channel with the base layer first`;
    out.stderr(`sign-test: ${message}`);
    if (args.json)
      out.stdout(JSON.stringify({ stack: deps.stack, ok: false, error: { code: "NOT_DEPLOYED", message } }));
    return 1;
  }

  const domains = (payload.domains as SignTestDomainSpec[]).length;
  const evmSeconds = payload.evm ? EVM_LEG_SECONDS + (payload.timeoutSeconds as number) : 0;
  const timeoutSeconds = (payload.timeoutSeconds as number) * domains + OVERHEAD_SECONDS + evmSeconds;
  const run: RunOperationFn =
    deps.runOperation ?? ((await import("../../platform/ssm/run-op.js")).runNearOperation as RunOperationFn);
  let client = deps.client;
  if (!client) {
    const { ssmClientFor } = await import("../aws-target.js");
    client = await ssmClientFor(deps.aws);
  }
  out.stderr(
    `sign-test: ${payload.contractId} on ${base.instanceId} as ${(payload.tester as { accountId: string }).accountId}, ${domains} domain(s)${payload.evm ? ", Ethereum transfer" : ""}, bound ${timeoutSeconds}s`,
  );
  let lastState = "";
  let outcome: NearOperationOutcome<SignTestResult>;
  try {
    outcome = await run({
      client,
      instanceId: base.instanceId,
      documentName: outputs.opsDocument!,
      operation: SIGN_TEST_OPERATION,
      payload,
      bundle: outputs.opsBundle!,
      timeoutSeconds,
      pollIntervalMs: deps.pollIntervalMs,
      now: deps.now,
      sleep: deps.sleep,
      signal: deps.signal,
      onProgress: (p) => {
        if (p.state !== lastState) out.stderr(`sign-test: ${p.state} (${Math.round(p.elapsedMs / 1000)}s)`);
        lastState = p.state;
      },
    });
  } catch (e) {
    const err = e as { code?: string; kind?: string; message?: string };
    const code = err.code ?? "FAILED";
    out.stderr(`sign-test could not run: ${err.message ?? String(e)}`);
    if (args.json) {
      out.stdout(
        JSON.stringify({
          stack: deps.stack,
          ok: false,
          error: { code, kind: err.kind, message: err.message ?? String(e) },
        }),
      );
    }
    return 1;
  }
  const result = outcome.result.result;
  if (args.json) {
    out.stdout(
      JSON.stringify({
        stack: deps.stack,
        instanceId: base.instanceId,
        commandId: outcome.command.commandId,
        ...result,
      }),
    );
  } else {
    for (const line of renderSignTestTable(result)) out.stdout(line);
  }
  return result.ok === true ? 0 : 1;
}
