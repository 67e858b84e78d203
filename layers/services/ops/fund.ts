// Operation `fund`: asks the faucet running on this (base) instance to fund an account, or to
// create one, and reports what it did. It runs in the one-shot node container with the host
// network, so the faucet is reached on 127.0.0.1:<port>; no key is involved (the faucet holds its
// own keys).
//
// Payload: {"port": 3031, "accountId": "alice.localnet", "amount": "5 NEAR", "requestId": "..."}  POST /fund
//          {"port": 3031, "accountId": "alice.localnet", "publicKey": "ed25519:..."}  POST /account
//   amount is optional ("<n> NEAR" or yoctoNEAR digits; the faucet's default otherwise) and not
//   accepted with publicKey (the faucet creates accounts with its fixed initial balance). requestId
//   (optional, /fund only): a repeat of the same request is paid once (the faucet answers it with
//   the first payment, `replayed`).
// Result: {"action":"funded"|"created","accountId",...} with the faucet's figures.
// Errors: the faucet's HTTP status as a code: 429 FAUCET_LIMIT, 404 ACCOUNT_NOT_FOUND,
// 409 ACCOUNT_EXISTS, 400/413 FAUCET_REJECTED, 503 out of funds INSUFFICIENT_BALANCE, no answer
// or another 5xx FAUCET_UNAVAILABLE; each with the faucet's own message.
import { OpsError, type OpsErrorCode } from "../../../platform/near/errors.js";
import { isValidAccountId } from "../../../platform/near/account-id.js";

const DEFAULT_FAUCET_PORT = 3031;
const AMOUNT = /^(\d+(\.\d+)? NEAR|\d+)$/;
const PUBLIC_KEY = /^ed25519:[1-9A-HJ-NP-Za-km-z]{32,50}$/;
const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

interface FundPayload {
  port?: number;
  accountId: string;
  amount?: string;
  publicKey?: string;
  requestId?: string;
  /** Bound on the faucet's answer, ms (it waits for the transaction). Default 60000. */
  timeoutMs?: number;
}

export interface FundResult extends Record<string, unknown> {
  action: "funded" | "created";
  accountId: string;
  faucet: string;
  /** yoctoNEAR sent (funded), as the faucet reports it. */
  amount?: string;
  totalFunded?: string;
  txHash?: string;
  /** The faucet had paid this requestId before: this is that payment. */
  replayed?: boolean;
}

function bad(message: string): never {
  throw new OpsError("INVALID_INPUT", message);
}

function validateFundPayload(
  p: Record<string, unknown>,
): Required<Pick<FundPayload, "port" | "accountId" | "timeoutMs">> & FundPayload {
  const port = p.port === undefined ? DEFAULT_FAUCET_PORT : p.port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
    bad("payload.port must be a TCP port number");
  if (!isValidAccountId(p.accountId)) bad("payload.accountId must be a NEAR account id");
  if (p.amount !== undefined && (typeof p.amount !== "string" || !AMOUNT.test(p.amount))) {
    bad('payload.amount must be "<n> NEAR" or yoctoNEAR digits');
  }
  if (p.publicKey !== undefined && (typeof p.publicKey !== "string" || !PUBLIC_KEY.test(p.publicKey))) {
    bad('payload.publicKey must be "ed25519:<base58>" (a public key)');
  }
  if (p.requestId !== undefined && (typeof p.requestId !== "string" || !REQUEST_ID.test(p.requestId)))
    bad("payload.requestId must be 1 to 64 letters, digits, _ . : or -");
  if (p.publicKey !== undefined && p.requestId !== undefined)
    bad("payload.requestId applies to funding only: an account is created once anyway");
  if (p.publicKey !== undefined && p.amount !== undefined) {
    bad("payload.amount cannot be combined with publicKey: the faucet creates accounts with its fixed initial balance");
  }
  const timeoutMs = p.timeoutMs === undefined ? 60000 : p.timeoutMs;
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0)) bad("payload.timeoutMs must be a positive number");
  return { ...(p as unknown as FundPayload), port, timeoutMs };
}

function codeFor(status: number, body: Record<string, unknown>): OpsErrorCode {
  if (status === 429) return "FAUCET_LIMIT";
  if (status === 404) return "ACCOUNT_NOT_FOUND";
  if (status === 409) return "ACCOUNT_EXISTS";
  if (status === 400 || status === 413) return "FAUCET_REJECTED";
  if (status === 503 && body.code === "INSUFFICIENT_BALANCE") return "INSUFFICIENT_BALANCE";
  return "FAUCET_UNAVAILABLE";
}

/** The hash of a nearcore send_tx result (what the faucet answers for a created account). */
function txHashOf(body: Record<string, any>): string | undefined {
  const h = body?.transaction?.hash ?? body?.transaction_outcome?.id ?? body?.txHash;
  return typeof h === "string" ? h : undefined;
}

export async function fund(payload: Record<string, unknown>, log: (m: string) => void = () => {}): Promise<FundResult> {
  const p = validateFundPayload(payload);
  const base = `http://127.0.0.1:${p.port}`;
  const create = p.publicKey !== undefined;
  const path = create ? "/account" : "/fund";
  const body = create
    ? { newAccountId: p.accountId, newAccountPublicKey: p.publicKey }
    : {
        accountId: p.accountId,
        ...(p.amount !== undefined ? { amount: p.amount } : {}),
        ...(p.requestId !== undefined ? { requestId: p.requestId } : {}),
      };
  log(`POST ${base}${path} for ${p.accountId}`);
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(p.timeoutMs),
    });
  } catch (e) {
    const why =
      (e as Error)?.name === "TimeoutError"
        ? `no answer within ${p.timeoutMs} ms`
        : String((e as Error)?.cause ?? (e as Error)?.message ?? e);
    throw new OpsError(
      "FAUCET_UNAVAILABLE",
      `the faucet on ${base} does not answer (${why}): is the near-faucet container running? (npm run automate -- logs faucet)`,
    );
  }
  const text = await res.text();
  let answer: Record<string, any> = {};
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) answer = v;
  } catch {
    /* not JSON: use the text */
  }
  if (!res.ok) {
    const message = typeof answer.error === "string" ? answer.error : text.slice(0, 300) || res.statusText;
    throw new OpsError(codeFor(res.status, answer), `faucet answered HTTP ${res.status}: ${message}`, {
      status: res.status,
    });
  }
  if (create) {
    return {
      action: "created",
      accountId: p.accountId,
      faucet: base,
      ...(txHashOf(answer) ? { txHash: txHashOf(answer) } : {}),
    };
  }
  return {
    action: "funded",
    accountId: p.accountId,
    faucet: base,
    ...(typeof answer.amount === "string" ? { amount: answer.amount } : {}),
    ...(typeof answer.totalFunded === "string" ? { totalFunded: answer.totalFunded } : {}),
    ...(typeof answer.txHash === "string" ? { txHash: answer.txHash } : {}),
    ...(answer.replayed === true ? { replayed: true } : {}),
  };
}
