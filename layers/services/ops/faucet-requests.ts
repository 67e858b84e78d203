// What the faucet accepts from a client, checked before anything is sent: the HTTP body, account
// ids, public keys, amounts, request ids. Every refusal is an HttpError with its status.
import type http from "node:http";
import { baseDecode, PublicKey } from "near-api-js";
import { ACCOUNT_ID_MAX_LEN, isAccountIdPart } from "../../../platform/near/account-id.js";
import type { OpsError } from "../../../platform/near/errors.js";
import { toYocto } from "../../../platform/near/client.js";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Seconds until a retry can succeed (429, 503): the Retry-After header. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

function isReserved(name: string, reserved: readonly string[]): boolean {
  return reserved.some((r) => (r.endsWith("*") ? name.startsWith(r.slice(0, -1)) : name === r));
}

export function validateNewAccountId(id: unknown, parent: string, reserved: readonly string[]): string {
  if (typeof id !== "string") throw new HttpError(400, "newAccountId must be a string");
  const suffix = `.${parent}`;
  const name = id.endsWith(suffix) ? id.slice(0, -suffix.length) : undefined;
  if (!name || !isAccountIdPart(name) || id.length > ACCOUNT_ID_MAX_LEN) {
    throw new HttpError(
      400,
      `newAccountId must be <name>${suffix} with <name> of lowercase letters, digits, - and _ (got ${JSON.stringify(id.slice(0, 80))})`,
    );
  }
  if (isReserved(name, reserved)) {
    throw new HttpError(403, `${id} is one of the stack's own accounts; choose another name`);
  }
  return id;
}

export function validatePublicKey(pk: unknown): string {
  const m = typeof pk === "string" ? /^ed25519:([1-9A-HJ-NP-Za-km-z]+)$/.exec(pk) : null;
  let ok = false;
  if (m) {
    try {
      ok = baseDecode(m[1]).length === 32;
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new HttpError(400, 'newAccountPublicKey must be "ed25519:<base58 of 32 bytes>"');
  return PublicKey.from(pk as string).toString();
}

/** An optional client-chosen id of a /fund request: the same id is paid once, and answered the same again. */
export function validateRequestId(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^[A-Za-z0-9_.:-]{1,64}$/.test(v))
    throw new HttpError(400, "requestId must be 1 to 64 letters, digits, _ . : or -");
  return v;
}

export function parseAmount(v: unknown, fallback: bigint): bigint {
  if (v === undefined || v === null) return fallback;
  try {
    if (typeof v === "number") {
      if (!(v > 0) || !Number.isFinite(v)) throw new Error("not positive");
      return toYocto(`${v.toFixed(6).replace(/\.?0+$/, "")} NEAR`);
    }
    if (typeof v === "string") return toYocto(v);
  } catch {
    /* fall through */
  }
  throw new HttpError(400, 'amount must be "<n> NEAR", yoctoNEAR digits, or a number of NEAR');
}

export async function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > max) throw new HttpError(413, `request body over ${max} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new HttpError(413, `request body over ${max} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function parseJsonObject(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new HttpError(400, "malformed JSON body");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new HttpError(400, "the body must be a JSON object");
  return v as Record<string, unknown>;
}

export function statusFor(e: OpsError): number {
  switch (e.code) {
    case "ACCOUNT_EXISTS":
      return 409;
    case "ACCOUNT_NOT_FOUND":
      return 404;
    case "INSUFFICIENT_BALANCE":
      return 503; // the faucet itself is out of funds
    case "TIMEOUT":
      return 504;
    default:
      return 502;
  }
}
