// The end-to-end sign test, run inside the VPC:
//   1. ensure the tester account (created by the funder when missing; an existing account must
//      hold the tester's key),
//   2. per domain: read the root key with `public_key {domain_id}`, derive the tester's key
//      locally (platform/chainsig deriveKey, predecessor = tester) and compare it with the contract's
//      `derived_public_key {path, predecessor, domain_id}`,
//   3. per domain: call `sign` with `payload_v2` and a random 32-byte payload (1 yoctoNEAR,
//      300 Tgas), wait for the final outcome, parse its SuccessValue and verify it locally
//      against the locally derived key.
// The result reports every request (latency, verdict, the contract's error text on failure) and
// every derived key; `ok` is true only when every request verified and every derived key matched.
// A failing check is data in the result, not an error: errors (thrown OpsError) are for a test
// that could not run at all (RPC unreachable, tester key missing, tester account with another key).
// Requests are sent one after the other: two concurrent transactions from one access key can
// collide on the nonce, and a duplicate-nonce transaction is dropped silently by the chunk
// producer, which would look like a timeout.
import { randomBytes } from "node:crypto";
import { actions } from "near-api-js";
import {
  SIGN_DEPOSIT_YOCTO,
  SIGN_GAS,
  SignResponseError,
  buildSignArgs,
  deriveKey,
  derivedPublicKeyViewArgs,
  formatPublicKey,
  formatSignResponse,
  parseSignSuccessValue,
  publicKeyFromViewResult,
  publicKeyViewArgs,
  publicKeysEqual,
  toHex,
  verifySignResponse,
  type ChainSigPublicKey,
  type VerdictCode,
} from "../../../../platform/chainsig/index.js";
import { formatNear } from "../../../../platform/near/amounts.js";
import { OpsError, toOpsError } from "../../../../platform/near/errors.js";
import type { KeyResolver } from "../../../../platform/near/keys.js";
import {
  connect,
  ensureAccount,
  sendTransaction,
  view,
  viewAccount,
  type ConnectOptions,
  type NearConnection,
  type Signer,
} from "../../../../platform/near/client.js";
import { signingByResponse } from "../../../../platform/chainsig/schemes.js";
import type { SignScheme, SignTestDomain, SignTestPayload } from "./payload.js";
import { evmLeg, type EvmLegReport } from "./evm.js";

export const SIGN_TEST_OPERATION = "sign-test";

/**
 * What a request came to:
 *   verified        the response verifies against the locally derived key
 *   not-verified    a well-formed response that does not verify (see `check`)
 *   bad-response    the SuccessValue is not a sign response of the expected shape
 *   contract-error  the transaction failed in the contract (e.g. "Request has timed out.")
 *   timeout         no final outcome within timeoutSeconds
 *   error           anything else (RPC failure, not enough balance, ...)
 *   skipped         not sent: the domain's root key could not be read
 */
type RequestVerdict = "verified" | "not-verified" | "bad-response" | "contract-error" | "timeout" | "error" | "skipped";

interface SignRequestReport {
  domainId: number;
  scheme: SignScheme;
  /** The signed payload (hex): random, never a secret. */
  payload: string;
  /** The key the response was verified against (derived locally). */
  derivedPublicKey?: string;
  txHash?: string;
  latencyMs?: number;
  verdict: RequestVerdict;
  /** platform/chainsig's verdict code when a response was checked ("ok", "bad-signature", "wrong-recovery-id", ...). */
  check?: VerdictCode;
  /** One line for humans. */
  detail: string;
  /** The contract's own error text (the panic message), for contract-error. */
  contractError?: string;
  /** The error code for contract-error / timeout / error (OpsError codes). */
  errorCode?: string;
  /** The response as the contract returned it (JSON text), when there was one. */
  response?: string;
}

interface DerivedKeyReport {
  domainId: number;
  scheme: SignScheme;
  rootPublicKey?: string;
  /** Derived here from the root key (platform/chainsig). */
  localDerivedKey?: string;
  /** The contract's `derived_public_key`. */
  contractDerivedKey?: string;
  match: boolean;
  error?: string;
}

export interface SignTestResult {
  ok: boolean;
  contractId: string;
  chainId: string;
  path: string;
  tester: { accountId: string; action: "created" | "unchanged"; balance: string; txHash?: string };
  derivedKeys: DerivedKeyReport[];
  requests: SignRequestReport[];
  /** The Ethereum leg, when the payload asked for it (evm.ts). */
  evm?: EvmLegReport;
  /** One line: "2/2 requests verified, 2/2 derived keys match". */
  summary: string;
}

export interface SignTestContext {
  keys: KeyResolver;
  /** Writes one JSON line to stdout ({"event":"step",...}). */
  emit?: (line: Record<string, unknown>) => void;
  /** Human progress (stderr). */
  log?: (message: string) => void;
  connectOptions?: ConnectOptions;
  /** Random payload source (tests may fix it). Default crypto.randomBytes. */
  randomPayload?: (bytes: number) => Uint8Array;
  /** Clock for latencies. Default Date.now. */
  now?: () => number;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function ensureTester(conn: NearConnection, p: SignTestPayload, ctx: SignTestContext, tester: Signer) {
  const publicKey = tester.keyPair.getPublicKey().toString();
  const existing = await viewAccount(conn, p.tester.accountId);
  let creator: Signer = tester; // unused unless the account is missing
  if (!existing) {
    if (!p.funder) {
      throw new OpsError(
        "ACCOUNT_NOT_FOUND",
        `tester account ${p.tester.accountId} does not exist and the payload names no funder to create it`,
      );
    }
    if (
      !p.tester.accountId.endsWith(`.${p.funder.accountId}`) ||
      p.tester.accountId.slice(0, -(p.funder.accountId.length + 1)).includes(".")
    ) {
      throw new OpsError(
        "INVALID_INPUT",
        `tester ${p.tester.accountId} is not a direct sub-account of the funder ${p.funder.accountId}: only its parent can create it`,
      );
    }
    creator = { accountId: p.funder.accountId, keyPair: await ctx.keys.resolve(p.funder.keyRef) };
  }
  const r = await ensureAccount(conn, { accountId: p.tester.accountId, publicKey, balance: p.tester.balance, creator });
  return { accountId: r.accountId, action: r.action, balance: r.balance, ...(r.txHash ? { txHash: r.txHash } : {}) };
}

async function readKeys(
  conn: NearConnection,
  p: SignTestPayload,
  d: SignTestDomain,
): Promise<{ report: DerivedKeyReport; local?: ChainSigPublicKey }> {
  const report: DerivedKeyReport = { domainId: d.domainId, scheme: d.scheme, match: false };
  let root: ChainSigPublicKey;
  try {
    root = publicKeyFromViewResult(await view(conn, p.contractId, "public_key", publicKeyViewArgs(d.domainId)));
  } catch (e) {
    report.error = `public_key of domain ${d.domainId}: ${message(e)}`;
    return { report };
  }
  report.rootPublicKey = formatPublicKey(root);
  const curve = signingByResponse(d.scheme).keyPrefix;
  if (root.curve !== curve) {
    report.error = `domain ${d.domainId} has a ${root.curve} root key, but the test expects ${d.scheme} (${curve})`;
    return { report };
  }
  const local = deriveKey(root, p.tester.accountId, p.path);
  report.localDerivedKey = formatPublicKey(local);
  try {
    const theirs = publicKeyFromViewResult(
      await view(
        conn,
        p.contractId,
        "derived_public_key",
        derivedPublicKeyViewArgs({ path: p.path, predecessor: p.tester.accountId, domainId: d.domainId }),
      ),
    );
    report.contractDerivedKey = formatPublicKey(theirs);
    report.match = publicKeysEqual(local, theirs);
    if (!report.match) {
      report.error = `the contract derives ${report.contractDerivedKey} for ${p.tester.accountId} and path "${p.path}", locally derived ${report.localDerivedKey}`;
    }
  } catch (e) {
    report.error = `derived_public_key of domain ${d.domainId}: ${message(e)}`;
  }
  return { report, local };
}

async function requestSignature(
  conn: NearConnection,
  p: SignTestPayload,
  ctx: SignTestContext,
  tester: Signer,
  d: SignTestDomain,
  key: ChainSigPublicKey,
): Promise<SignRequestReport> {
  const now = ctx.now ?? Date.now;
  const payload = (ctx.randomPayload ?? ((n: number) => new Uint8Array(randomBytes(n))))(32);
  const report: SignRequestReport = {
    domainId: d.domainId,
    scheme: d.scheme,
    payload: toHex(payload),
    derivedPublicKey: formatPublicKey(key),
    verdict: "error",
    detail: "",
  };
  const kind = signingByResponse(d.scheme).payloadKind;
  const args = buildSignArgs({ path: p.path, domainId: d.domainId, kind, payload });
  const started = now();
  let successValue: unknown;
  try {
    const r = await sendTransaction(conn, tester, p.contractId, [
      actions.functionCall("sign", args, SIGN_GAS, SIGN_DEPOSIT_YOCTO),
    ]);
    report.latencyMs = now() - started;
    report.txHash = r.txHash;
    successValue = (r.outcome?.status as Record<string, unknown> | undefined)?.SuccessValue;
  } catch (e) {
    report.latencyMs = now() - started;
    const err = toOpsError(e, { rpcUrl: conn.rpcUrl, what: `sign on ${p.contractId}` });
    const txHash = err.details?.txHash;
    if (typeof txHash === "string") report.txHash = txHash;
    report.errorCode = err.code;
    if (err.code === "CONTRACT_PANIC") {
      report.verdict = "contract-error";
      report.contractError = typeof err.details?.panic === "string" ? err.details.panic : err.message;
      report.detail = `the contract failed the request: ${report.contractError}`;
    } else if (err.code === "TIMEOUT") {
      report.verdict = "timeout";
      report.detail = `no final outcome within ${p.timeoutSeconds}s: ${err.message}`;
    } else {
      report.detail = err.message;
    }
    return report;
  }
  if (typeof successValue !== "string") {
    report.verdict = "bad-response";
    report.detail = "the transaction succeeded without a SuccessValue";
    return report;
  }
  report.response = Buffer.from(successValue, "base64").toString("utf8").slice(0, 2000);
  try {
    const response = parseSignSuccessValue(successValue);
    report.response = formatSignResponse(response);
    const verdict = verifySignResponse(key, payload, response);
    report.check = verdict.code;
    report.verdict = verdict.ok ? "verified" : "not-verified";
    report.detail = verdict.reason;
  } catch (e) {
    if (!(e instanceof SignResponseError)) throw e;
    report.verdict = "bad-response";
    report.check = "malformed";
    report.detail = e.message;
  }
  return report;
}

export async function signTest(p: SignTestPayload, ctx: SignTestContext): Promise<SignTestResult> {
  const log = ctx.log ?? (() => {});
  const emit = ctx.emit ?? (() => {});
  const step = (kind: string, fields: Record<string, unknown>) =>
    emit({ event: "step", operation: SIGN_TEST_OPERATION, kind, ...fields });

  const testerSigner: Signer = { accountId: p.tester.accountId, keyPair: await ctx.keys.resolve(p.tester.keyRef) };
  const conn = await connect(p.rpcUrl, {
    log,
    ...ctx.connectOptions,
    expectChainId: p.expectChainId ?? ctx.connectOptions?.expectChainId,
    txTimeoutMs: Math.ceil(p.timeoutSeconds * 1000),
  });
  log(`chain ${conn.chainId} at height ${conn.latestHeight}; signer contract ${p.contractId}`);

  const tester = await ensureTester(conn, p, ctx, testerSigner);
  log(`tester ${tester.accountId}: ${tester.action} (${formatNear(BigInt(tester.balance))})`);
  step("tester", {
    accountId: tester.accountId,
    action: tester.action,
    ...(tester.txHash ? { txHash: tester.txHash } : {}),
  });

  const derivedKeys: DerivedKeyReport[] = [];
  const requests: SignRequestReport[] = [];
  let secp256k1Key: { domainId: number; key: ChainSigPublicKey } | undefined;
  for (const d of p.domains) {
    const { report: keys, local } = await readKeys(conn, p, d);
    derivedKeys.push(keys);
    if (local && keys.match && d.scheme === "Secp256k1") secp256k1Key ??= { domainId: d.domainId, key: local };
    log(
      `domain ${d.domainId} (${d.scheme}): ${keys.match ? `derived key ${keys.localDerivedKey} matches the contract` : keys.error}`,
    );
    step("derived-key", { ...keys });

    let req: SignRequestReport;
    if (!local) {
      req = {
        domainId: d.domainId,
        scheme: d.scheme,
        payload: "",
        verdict: "skipped",
        detail: `not sent: ${keys.error ?? "no root key"}`,
      };
    } else {
      log(`domain ${d.domainId}: requesting a ${d.scheme} signature from ${p.contractId} (bound ${p.timeoutSeconds}s)`);
      req = await requestSignature(conn, p, ctx, testerSigner, d, local);
    }
    requests.push(req);
    log(
      `domain ${d.domainId}: ${req.verdict}${req.latencyMs !== undefined ? ` in ${req.latencyMs} ms` : ""}: ${req.detail}`,
    );
    step("sign", {
      domainId: req.domainId,
      scheme: req.scheme,
      verdict: req.verdict,
      ...(req.latencyMs !== undefined ? { latencyMs: req.latencyMs } : {}),
      ...(req.txHash ? { txHash: req.txHash } : {}),
      ...(req.contractError ? { contractError: req.contractError } : {}),
    });
  }

  const evm = p.evm && (await runEvmLeg(p, ctx, conn, testerSigner, secp256k1Key));
  if (evm) step("evm", { ...evm });
  const verified = requests.filter((r) => r.verdict === "verified").length;
  const matched = derivedKeys.filter((k) => k.match).length;
  const ok = requests.length > 0 && verified === requests.length && matched === derivedKeys.length && (evm?.ok ?? true);
  const summary =
    `${verified}/${requests.length} requests verified, ${matched}/${derivedKeys.length} derived keys match` +
    (evm ? `, Ethereum transfer ${evm.ok ? "mined" : "FAILED"}` : "");
  log(`${ok ? "PASS" : "FAIL"}: ${summary}`);
  return {
    ok,
    contractId: p.contractId,
    chainId: conn.chainId,
    path: p.path,
    tester,
    derivedKeys,
    requests,
    ...(evm ? { evm } : {}),
    summary,
  };
}

/** The Ethereum leg on the first secp256k1 domain whose derived key matched the contract's. */
async function runEvmLeg(
  p: SignTestPayload,
  ctx: SignTestContext,
  conn: NearConnection,
  tester: Signer,
  secp256k1Key: { domainId: number; key: ChainSigPublicKey } | undefined,
): Promise<EvmLegReport> {
  const evm = p.evm!;
  if (!secp256k1Key) {
    const detail = "not run: no secp256k1 domain with a derived key that matches the contract's";
    return { ok: false, rpcUrl: evm.rpcUrl, chainId: evm.chainId, domainId: -1, steps: [], detail };
  }
  const report = await evmLeg(evm, {
    conn,
    keys: ctx.keys,
    contractId: p.contractId,
    path: p.path,
    tester,
    domainId: secp256k1Key.domainId,
    derivedKey: secp256k1Key.key,
    log: ctx.log ?? (() => {}),
    now: ctx.now,
  });
  ctx.log?.(`evm: ${report.ok ? "PASS" : "FAIL"}: ${report.detail}`);
  return report;
}
