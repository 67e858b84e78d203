// `npm run automate -- fund <account> [amount] [--public-key <key>] [--json]`: NEAR from the
// stack's faucet, through the SSM channel: the ops bundle's `fund` operation runs on the base
// instance and POSTs to the local faucet (/fund, or /account to create the account with a key).
// Exit codes: 0 done; 1 the faucet refused (limit, unknown account, ...) or the channel failed;
// 2 bad arguments. Only types are imported at the top: the SSM client loads when it runs.
import type { SsmSender, Timing } from "../../platform/ssm/channel.js";
import type { NearOperationOutcome, RunNearOperationOptions } from "../../platform/ssm/run-op.js";
import type { FundResult } from "../../layers/services/ops/fund.js";
import type { StackOutputs } from "../../layers/outputs.js";
import type { AwsTarget } from "../aws-target.js";
import type { Out } from "../probes.js";
import { isValidAccountId } from "../../platform/near/account-id.js";
import { formatNear, nearToYocto } from "../../platform/near/amounts.js";

const FUND_OPERATION = "fund";
const DEFAULT_FAUCET_PORT = 3031;
/** Container start and bundle download on top of the faucet's own transaction wait. */
const TIMEOUT_SECONDS = 180;

export interface FundArgs {
  account: string;
  /** "5", "5 NEAR", "0.5NEAR" (NEAR) or "<digits>yocto"; default: the faucet's initial balance. */
  amount?: string;
  /** Create the account (must be <name>.<root>) with this full-access public key. */
  publicKey?: string;
  json?: boolean;
}

type FundRunOperation = (opts: RunNearOperationOptions) => Promise<NearOperationOutcome<FundResult>>;

export interface FundDeps extends Timing {
  stack: string;
  outputs: StackOutputs;
  /** SSM client; default an SSMClient for `aws` (the stack's region and profile). */
  client?: SsmSender;
  /** The stack's AWS region and profile (aws-target.ts). */
  aws?: AwsTarget;
  runOperation?: FundRunOperation;
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

class FundUsageError extends Error {}

const PUBLIC_KEY = /^ed25519:[1-9A-HJ-NP-Za-km-z]{32,50}$/;

/** The faucet's amount format ("<n> NEAR" or yoctoNEAR digits) from what a person types. */
export function normalizeAmount(input: string): string {
  const s = input.trim();
  const near = /^(\d[\d.]*)\s*(?:near|N)?$/i.exec(s);
  if (near && (nearToYocto(near[1]) ?? 0n) > 0n) return `${near[1]} NEAR`;
  const yocto = /^(\d+)\s*yocto(?:near)?$/i.exec(s);
  if (yocto && BigInt(yocto[1]) > 0n) return yocto[1];
  throw new FundUsageError(`amount "${input}" must be a positive number of NEAR ("5", "0.5 NEAR") or "<digits>yocto"`);
}

export function formatYocto(yocto: string): string {
  return /^\d+$/.test(yocto) ? formatNear(BigInt(yocto)) : yocto;
}

/** Argument checks that need no stack (run before anything is contacted); throws FundUsageError. */
export function checkFundArgs(args: FundArgs): void {
  if (!isValidAccountId(args.account.trim())) throw new FundUsageError(`"${args.account}" is not a NEAR account id`);
  if (args.publicKey !== undefined && !PUBLIC_KEY.test(args.publicKey)) {
    throw new FundUsageError(
      '--public-key must be a public key "ed25519:<base58>" (the new account\'s full-access key; never a secret key)',
    );
  }
  if (args.publicKey !== undefined && args.amount !== undefined) {
    throw new FundUsageError(
      "an amount cannot be given with --public-key: the faucet creates accounts with its initial balance (fund it afterwards)",
    );
  }
  if (args.amount !== undefined) normalizeAmount(args.amount);
}

/** The operation's payload from the stack outputs and the arguments; no key ever. */
export function fundPayload(outputs: StackOutputs, args: FundArgs): Record<string, unknown> {
  checkFundArgs(args);
  if (!outputs.base) throw new Error("the stack exports no base layer: deploy it first (npm run automate -- up)");
  const faucetUrl = outputs.services?.faucetUrl;
  if (!faucetUrl)
    throw new Error("the stack exports no faucet: deploy Layer 2 first (npm run automate -- up --layer services)");
  let port = DEFAULT_FAUCET_PORT;
  try {
    const u = new URL(faucetUrl);
    if (u.port) port = Number(u.port);
  } catch {
    throw new Error(`the stack's faucetUrl "${faucetUrl}" is not a URL`);
  }
  const account = args.account.trim();
  const payload: Record<string, unknown> = { port, accountId: account };
  if (args.publicKey !== undefined) {
    const root = outputs.base.rootAccountId || "localnet";
    if (!account.endsWith(`.${root}`) || account.slice(0, -root.length - 1).includes(".")) {
      throw new FundUsageError(`the faucet creates <name>.${root} accounts only; "${account}" is not one`);
    }
    payload.publicKey = args.publicKey;
  } else if (args.amount !== undefined) {
    payload.amount = normalizeAmount(args.amount);
  }
  return payload;
}

/** Clear words for the faucet's refusals (the faucet's own text follows). */
const REFUSAL: Record<string, string> = {
  FAUCET_LIMIT: "over the faucet's limit (HTTP 429)",
  ACCOUNT_NOT_FOUND: "the account does not exist (create it with --public-key <ed25519 public key>)",
  ACCOUNT_EXISTS: "the account already exists (fund it without --public-key)",
  FAUCET_REJECTED: "the faucet rejected the request",
  INSUFFICIENT_BALANCE: "the faucet is out of funds",
  FAUCET_UNAVAILABLE: "the faucet is not available",
};

export async function runFund(args: FundArgs, out: Out, deps: FundDeps): Promise<number> {
  const { outputs, stack } = deps;
  const failJson = (code: string, message: string, kind?: string) => {
    if (args.json)
      out.stdout(JSON.stringify({ stack, ok: false, error: { code, ...(kind ? { kind } : {}), message } }));
  };
  let payload: Record<string, unknown>;
  try {
    payload = fundPayload(outputs, args);
  } catch (e) {
    const usage = e instanceof FundUsageError;
    out.stderr(`fund: ${(e as Error).message}`);
    failJson(usage ? "USAGE" : "NOT_DEPLOYED", (e as Error).message);
    return usage ? 2 : 1;
  }
  if (!outputs.opsDocument || !outputs.opsBundle) {
    const message = "the stack exports no opsDocument/opsBundle: deploy the SSM channel with the base layer first";
    out.stderr(`fund: ${message}`);
    failJson("NOT_DEPLOYED", message);
    return 1;
  }
  const run: FundRunOperation =
    deps.runOperation ?? ((await import("../../platform/ssm/run-op.js")).runNearOperation as FundRunOperation);
  let client = deps.client;
  if (!client) {
    const { ssmClientFor } = await import("../aws-target.js");
    client = await ssmClientFor(deps.aws);
  }
  const base = outputs.base!;
  out.stderr(
    `fund: ${payload.publicKey ? "creating" : "funding"} ${payload.accountId} through the faucet on ${base.instanceId} (port ${payload.port})`,
  );
  let outcome: NearOperationOutcome<FundResult>;
  try {
    outcome = await run({
      client,
      instanceId: base.instanceId,
      documentName: outputs.opsDocument,
      operation: FUND_OPERATION,
      payload,
      bundle: outputs.opsBundle,
      timeoutSeconds: TIMEOUT_SECONDS,
      pollIntervalMs: deps.pollIntervalMs,
      now: deps.now,
      sleep: deps.sleep,
      signal: deps.signal,
    });
  } catch (e) {
    const err = e as { code?: string; kind?: string; message?: string; failure?: { error?: { message?: string } } };
    const code = err.code ?? "FAILED";
    const detail = err.failure?.error?.message ?? err.message ?? String(e);
    const what = err.kind === "operation" && REFUSAL[code] ? `${REFUSAL[code]}: ${detail}` : detail;
    out.stderr(`fund: ${what}`);
    failJson(code, detail, err.kind);
    return 1;
  }
  const r = outcome.result.result;
  if (args.json) {
    out.stdout(
      JSON.stringify({ stack, ok: true, instanceId: base.instanceId, commandId: outcome.command.commandId, ...r }),
    );
  } else if (r.action === "created") {
    out.stdout(`created ${r.accountId} with the faucet's initial balance${r.txHash ? ` (tx ${r.txHash})` : ""}`);
  } else {
    const total = r.totalFunded ? `; ${formatYocto(r.totalFunded)} from the faucet in total` : "";
    out.stdout(
      `funded ${r.accountId} with ${r.amount ? formatYocto(r.amount) : "the faucet's default amount"}${r.txHash ? ` (tx ${r.txHash})` : ""}${total}`,
    );
  }
  return 0;
}
