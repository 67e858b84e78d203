// The faucet's ledger: what it has paid, to whom, for which client, when, and what it is paying
// right now. It backs the per-account, per-client and global limits and keeps the faucet from paying
// twice for one request across a restart: a payment is booked (pending) before its transaction is
// sent, its signed bytes are recorded before they are broadcast, and it becomes done or is dropped
// once the chain has answered. After a restart the pending payments are settled first (see
// faucet.ts), by the same signed bytes, which can execute at most once.
//
// With a file (on the base data volume), every change rewrites it atomically: a temporary file in
// the same folder, fsync, rename over the old one, fsync of the folder. Without one it lives in memory.
import { mkdirSync, openSync, closeSync, fsyncSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { OpsError } from "../../../platform/near/errors.js";

export interface Grant {
  /** The request's identity: "create:<account>", "fund:<requestId>", or "fund:<random>" for an anonymous one. */
  id: string;
  accountId: string;
  /** The client's address. */
  client: string;
  /** yoctoNEAR. */
  amount: string;
  /** Booked at, ms since the epoch. */
  at: number;
  state: "pending" | "done";
  txHash?: string;
  /** base64 of the signed transaction while the payment is pending. */
  signedTx?: string;
  /** What the faucet answered for a done /fund request, to answer a repeated request the same. */
  answer?: Record<string, unknown>;
}

interface LedgerFile {
  version: 1;
  /** accountId -> yoctoNEAR paid in total (done and pending). */
  totals: Record<string, string>;
  /** The payments of the last `keepMs`, and every pending one. */
  grants: Grant[];
}

/** How long a done payment is kept: for the hourly limits and for recognising a repeated request. */
const KEEP_MS = 24 * 3600_000;

export class FaucetLedger {
  private constructor(
    private readonly file: string | undefined,
    private readonly data: LedgerFile,
    private readonly now: () => number,
  ) {}

  /** Opens (or starts) the ledger in `file`; no file keeps it in memory. */
  static open(file: string | undefined, now: () => number = Date.now): FaucetLedger {
    let data: LedgerFile = { version: 1, totals: {}, grants: [] };
    if (file) {
      mkdirSync(path.dirname(file), { recursive: true });
      let text: string | undefined;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
      if (text !== undefined) data = parseLedger(text, file);
    }
    return new FaucetLedger(file, data, now);
  }

  /** Total paid to an account, pending payments included. */
  total(accountId: string): bigint {
    return BigInt(this.data.totals[accountId] ?? "0");
  }

  /** Paid after `since` (ms), by everyone or for one client; pending payments included. */
  paidSince(since: number, client?: string): bigint {
    let sum = 0n;
    for (const g of this.data.grants) {
      if (g.at > since && (client === undefined || g.client === client)) sum += BigInt(g.amount);
    }
    return sum;
  }

  /** The oldest payment after `since` (for Retry-After), optionally for one client. */
  oldestSince(since: number, client?: string): Grant | undefined {
    return this.data.grants.find((g) => g.at > since && (client === undefined || g.client === client));
  }

  find(id: string): Grant | undefined {
    return this.data.grants.find((g) => g.id === id);
  }

  pending(): Grant[] {
    return this.data.grants.filter((g) => g.state === "pending");
  }

  /** Books a pending payment (written before anything is sent). */
  book(g: Omit<Grant, "at" | "state">): Grant {
    if (this.find(g.id)) throw new OpsError("INVALID_INPUT", `payment ${g.id} is already booked`);
    const grant: Grant = { ...g, at: this.now(), state: "pending" };
    this.data.grants.push(grant);
    this.data.totals[g.accountId] = (this.total(g.accountId) + BigInt(g.amount)).toString();
    this.save();
    return grant;
  }

  /** Records the signed transaction of a pending payment, before it is broadcast. */
  signed(id: string, txHash: string, signedTx: string): void {
    Object.assign(this.mustFind(id), { txHash, signedTx });
    this.save();
  }

  /** The chain executed the payment. */
  done(id: string, answer?: Record<string, unknown>): void {
    const g = this.mustFind(id);
    g.state = "done";
    delete g.signedTx;
    if (answer) g.answer = answer;
    this.save();
  }

  /** The payment did not happen: it no longer counts against any limit. */
  drop(id: string): void {
    const g = this.mustFind(id);
    this.data.grants = this.data.grants.filter((x) => x !== g);
    const left = this.total(g.accountId) - BigInt(g.amount);
    if (left > 0n) this.data.totals[g.accountId] = left.toString();
    else delete this.data.totals[g.accountId];
    this.save();
  }

  /** accountId -> total paid (yoctoNEAR). */
  totals(): Map<string, bigint> {
    return new Map(Object.entries(this.data.totals).map(([k, v]) => [k, BigInt(v)]));
  }

  private mustFind(id: string): Grant {
    const g = this.find(id);
    if (!g) throw new OpsError("INVALID_INPUT", `no payment ${id} in the ledger`);
    return g;
  }

  private save(): void {
    const cutoff = this.now() - KEEP_MS;
    this.data.grants = this.data.grants.filter((g) => g.state === "pending" || g.at >= cutoff);
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.data)}\n`, { mode: 0o600 });
    const fd = openSync(tmp, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    const dir = openSync(path.dirname(this.file), "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }
}

function parseLedger(text: string, file: string): LedgerFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  const d = v as Partial<LedgerFile> | undefined;
  const ok =
    d?.version === 1 &&
    typeof d.totals === "object" &&
    d.totals !== null &&
    Array.isArray(d.grants) &&
    d.grants.every((g) => typeof g?.id === "string" && /^\d+$/.test(String(g.amount)) && Number.isFinite(g.at));
  // Refuse rather than start over: an empty ledger would forget the limits and the pending payments.
  if (!ok)
    throw new OpsError(
      "INVALID_INPUT",
      `the faucet ledger ${file} is not a ledger this faucet wrote; move it away to start a new one`,
    );
  return d as LedgerFile;
}
