// The faucet (operation `faucet`): a small HTTP service on the base instance, reachable inside
// the VPC only (the security group decides), restarted by Docker on failure. It signs and pays
// with its own account (`accountId`), never with the root's key.
//
//   POST /account  (or POST /)  {"newAccountId":"<name>.<parent>","newAccountPublicKey":"ed25519:..."}
//       near-cli-rs `account create-account sponsor-by-faucet-service` protocol: creates the
//       account with that full-access key and `initialBalance` through the linkdrop contract the
//       parent runs (its `create_account {new_account_id, new_public_key}`, payable: near/near-linkdrop
//       src/lib.rs), and answers 200 with nearcore's transaction result (the `send_tx` result JSON,
//       which near-cli-rs reads as an RpcTransactionResponse).
//   POST /fund  {"accountId":"...","amount":"5 NEAR","requestId":"..."}   transfers to an existing
//       account (amount: "<n> NEAR", yoctoNEAR digits, or a JSON number of NEAR; default
//       initialBalance). A request repeated with the same requestId is paid once and answered the
//       same (`"replayed": true`), also after a restart.
//   GET /health   200 {"status":"ok",...} when the RPC answers, 503 otherwise.
//   GET /         the faucet's settings.
// Limits: `maxPerRequest` per request (400), `maxPerAccount` in total per account, `clientNearPerHour`
// per client address and `nearPerHour` for everyone in any rolling hour (429 with Retry-After), at
// most `queueLength` requests waiting for a transaction (503 with Retry-After), `maxConnections`,
// `headersTimeoutMs` / `requestTimeoutMs` for receiving a request (408), bodies over `maxBodyBytes`
// (413). Malformed JSON / names outside the parent / malformed keys -> 400, existing account -> 409.
// The limits count what the ledger (faucet-ledger.ts, in `ledgerFile`) holds, so they survive a
// restart. Requests that send a transaction run one at a time (one nonce sequence).
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { actions, type Action } from "near-api-js";
import { isValidAccountId } from "../../../platform/near/account-id.js";
import { formatNear } from "../../../platform/near/amounts.js";
import { EMPTY_CODE_HASH } from "../../../platform/near/code-hash.js";
import { OpsError } from "../../../platform/near/errors.js";
import type { KeyResolver } from "../../../platform/near/keys.js";
import { LOCAL_RPC_URL } from "../../../platform/near/ports.js";
import {
  TGAS,
  connect,
  sendTransaction,
  settleTransaction,
  toYocto,
  viewAccount,
  type ConnectOptions,
  type Log,
  type NearConnection,
  type Signer,
  type TxResult,
} from "../../../platform/near/client.js";
import { faucetLimitSettings, SERVICES_DEFAULTS } from "../config.js";
import { FaucetLedger, type Grant } from "./faucet-ledger.js";
import {
  HttpError,
  parseAmount,
  parseJsonObject,
  readBody,
  statusFor,
  validateNewAccountId,
  validatePublicKey,
  validateRequestId,
} from "./faucet-requests.js";

export interface FaucetConfig {
  rpcUrl?: string;
  chainId?: string;
  listen?: { host?: string; port?: number };
  /** New accounts are "<name>.<parent>"; the parent runs linkdrop, which creates them. Default "localnet". */
  parentAccountId?: string;
  /** The parent's expected code hash (the pinned linkdrop's); without it any contract will do. */
  parentCodeHash?: string;
  /** The faucet's own account, which signs and pays everything the faucet sends, and its key reference. */
  accountId: string;
  key: string;
  initialBalance?: string;
  maxPerRequest?: string;
  maxPerAccount?: string;
  /** NEAR paid out in any rolling hour: all clients together, and per client address. */
  nearPerHour?: string;
  clientNearPerHour?: string;
  /** Requests that may wait for a transaction at once; more are answered 503. */
  queueLength?: number;
  maxConnections?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxBodyBytes?: number;
  /** The ledger's file (on the base data volume); none keeps it in memory, forgotten on a restart. */
  ledgerFile?: string;
  /** Names under the parent the faucet never creates (the stack's own accounts); "x-*" reserves a prefix. */
  reservedNames?: string[];
}

/** The limits of the services layer's defaults (layers/services/config.ts). */
const DEFAULT_LIMITS = faucetLimitSettings({ ...SERVICES_DEFAULTS });

const FAUCET_DEFAULTS = { host: "0.0.0.0", port: 3040, parentAccountId: "localnet", maxBodyBytes: 4096 } as const;

/** Gas for linkdrop's create_account: its own work plus the 13 Tgas it gives its callback (near/near-linkdrop src/lib.rs). */
const LINKDROP_CREATE_GAS = 50n * TGAS;

const HOUR_MS = 3600_000;

export interface FaucetHandle {
  url: string;
  close(): Promise<void>;
  /** Total paid per account (yocto), from the ledger. */
  funded(): Map<string, bigint>;
}

interface FaucetLimits {
  parent: string;
  reserved: readonly string[];
  initial: bigint;
  maxPerRequest: bigint;
  maxPerAccount: bigint;
  perHour: bigint;
  clientPerHour: bigint;
  queueLength: number;
  maxBody: number;
}

function faucetLimits(config: FaucetConfig): FaucetLimits {
  const d = DEFAULT_LIMITS;
  const limits = {
    parent: config.parentAccountId ?? FAUCET_DEFAULTS.parentAccountId,
    reserved: config.reservedNames ?? [],
    initial: toYocto(config.initialBalance ?? d.initialBalance),
    maxPerRequest: toYocto(config.maxPerRequest ?? d.maxPerRequest),
    maxPerAccount: toYocto(config.maxPerAccount ?? d.maxPerAccount),
    perHour: toYocto(config.nearPerHour ?? d.nearPerHour),
    clientPerHour: toYocto(config.clientNearPerHour ?? d.clientNearPerHour),
    queueLength: config.queueLength ?? d.queueLength,
    maxBody: config.maxBodyBytes ?? FAUCET_DEFAULTS.maxBodyBytes,
  };
  const bad = (m: string) => new OpsError("INVALID_INPUT", m);
  if (limits.initial > limits.maxPerRequest) throw bad("initialBalance is above maxPerRequest");
  if (!Number.isInteger(limits.queueLength) || limits.queueLength < 1)
    throw bad("queueLength must be a whole number >= 1");
  if (!isValidAccountId(config.accountId) || typeof config.key !== "string")
    throw bad("accountId (the faucet's own account) and key (its key reference) are required");
  if (config.accountId === limits.parent)
    throw bad(`the faucet must not sign as the parent ${limits.parent}: give it its own account`);
  return limits;
}

/** One request at a time (account checks, the ledger and the nonce stay consistent), at most `max` waiting. */
function boundedQueue(max: number) {
  let tail: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  return <T>(fn: () => Promise<T>): Promise<T> => {
    if (waiting >= max)
      throw new HttpError(503, `the faucet is busy (${max} requests waiting for a transaction); retry shortly`, 5);
    waiting++;
    const next = tail.then(fn, fn).finally(() => waiting--);
    tail = next.catch(() => undefined);
    return next;
  };
}

interface FaucetService {
  conn: NearConnection;
  limits: FaucetLimits;
  /** The faucet's own account: it signs and pays every transaction. */
  funder: Signer;
  ledger: FaucetLedger;
  queue: ReturnType<typeof boundedQueue>;
  now: () => number;
  log: Log;
}

function retryAfter(f: FaucetService, since: number, client?: string): number {
  const oldest = f.ledger.oldestSince(since, client);
  return oldest ? Math.max(1, Math.ceil((oldest.at + HOUR_MS - f.now()) / 1000)) : 60;
}

/**
 * Refuses a payment over the per-request or an hourly limit: before a request joins the queue (so a
 * flood is refused without waiting), and again when its turn comes.
 */
function checkRates(f: FaucetService, client: string, amount: bigint): void {
  const l = f.limits;
  if (amount <= 0n) throw new HttpError(400, "amount must be positive");
  if (amount > l.maxPerRequest) {
    const max = formatNear(l.maxPerRequest);
    throw new HttpError(400, `amount ${formatNear(amount)} is over the per-request maximum of ${max}`);
  }
  const since = f.now() - HOUR_MS;
  const byClient = f.ledger.paidSince(since, client);
  if (byClient + amount > l.clientPerHour) {
    const why = `this client has received ${formatNear(byClient)} in the last hour; its limit is ${formatNear(l.clientPerHour)} an hour`;
    throw new HttpError(429, why, retryAfter(f, since, client));
  }
  const byAll = f.ledger.paidSince(since);
  if (byAll + amount > l.perHour) {
    const why = `the faucet has paid out ${formatNear(byAll)} in the last hour; its limit is ${formatNear(l.perHour)} an hour`;
    throw new HttpError(429, why, retryAfter(f, since));
  }
}

/** Every limit, right before a payment is booked (once the account is known to exist, or to be free). */
function checkLimits(f: FaucetService, accountId: string, client: string, amount: bigint): void {
  checkRates(f, client, amount);
  const total = f.ledger.total(accountId) + amount;
  if (total > f.limits.maxPerAccount) {
    const max = formatNear(f.limits.maxPerAccount);
    const why = `${accountId} would receive ${formatNear(total)} in total, over the per-account limit of ${max}`;
    throw new HttpError(429, why);
  }
}

/** Books, signs, records the signed bytes, sends; done or dropped by the answer (a TIMEOUT stays pending). */
async function pay(f: FaucetService, g: Omit<Grant, "at" | "state">, receiverId: string, list: Action[]) {
  f.ledger.book(g);
  try {
    return await sendTransaction(f.conn, f.funder, receiverId, list, {
      beforeSend: (txHash, signed) => f.ledger.signed(g.id, txHash, Buffer.from(signed.encode()).toString("base64")),
    });
  } catch (e) {
    // No final answer: the transaction may still execute, so it keeps counting; a restart settles it.
    if (!(e instanceof OpsError && e.code === "TIMEOUT")) f.ledger.drop(g.id);
    throw e;
  }
}

/** near-cli-rs's sponsor-by-faucet-service request: {newAccountId, newAccountPublicKey}. */
async function createAccount(f: FaucetService, body: Record<string, unknown>, client: string) {
  const accountId = validateNewAccountId(body.newAccountId, f.limits.parent, f.limits.reserved);
  const publicKey = validatePublicKey(body.newAccountPublicKey);
  const initial = f.limits.initial;
  checkRates(f, client, initial);
  return f.queue(async () => {
    if (await viewAccount(f.conn, accountId)) throw new HttpError(409, `account ${accountId} already exists`);
    checkLimits(f, accountId, client, initial);
    const id = `create:${accountId}:${randomUUID()}`;
    const args = { new_account_id: accountId, new_public_key: publicKey };
    const r = await pay(f, { id, accountId, client, amount: initial.toString() }, f.limits.parent, [
      actions.functionCall("create_account", args, LINKDROP_CREATE_GAS, initial),
    ]);
    // linkdrop's on_account_created callback returns whether the creation succeeded (and refunds the
    // deposit to the caller when it did not): the transaction itself succeeds either way.
    if (r.value !== true) {
      f.ledger.drop(id);
      if (await viewAccount(f.conn, accountId)) throw new HttpError(409, `account ${accountId} already exists`);
      const why = `${f.limits.parent} create_account returned ${JSON.stringify(r.value)} (tx ${r.txHash})`;
      throw new OpsError("TX_FAILED", why);
    }
    f.ledger.done(id);
    f.log(`faucet: created ${accountId} with ${formatNear(initial)} for ${client} (tx ${r.txHash})`);
    return r.outcome;
  });
}

function fundAnswer(f: FaucetService, g: Grant, txHash: string): Record<string, unknown> {
  return { accountId: g.accountId, amount: g.amount, txHash, totalFunded: f.ledger.total(g.accountId).toString() };
}

/** The answer to a /fund whose requestId the ledger already holds: the same payment, never a second one. */
async function replay(f: FaucetService, g: Grant, accountId: string, amount: bigint) {
  if (g.accountId !== accountId || g.amount !== amount.toString())
    throw new HttpError(409, `requestId ${g.id.slice(5)} was used for another request`);
  if (g.state === "pending" && (await settle(f, g)) === "pending")
    throw new HttpError(503, `the payment of request ${g.id.slice(5)} has no final answer yet; retry shortly`, 10);
  const now = f.ledger.find(g.id);
  return now ? { ...now.answer, replayed: true } : undefined;
}

/** POST /fund {accountId, amount?, requestId?}: a transfer to an existing account. */
async function fundAccount(f: FaucetService, body: Record<string, unknown>, client: string) {
  const accountId = body.accountId;
  if (!isValidAccountId(accountId)) throw new HttpError(400, "accountId must be a NEAR account id");
  const amount = parseAmount(body.amount, f.limits.initial);
  const requestId = validateRequestId(body.requestId);
  const id = requestId ? `fund:${requestId}` : `fund:${randomUUID()}`;
  if (!f.ledger.find(id)) checkRates(f, client, amount);
  return f.queue(async () => {
    const earlier = f.ledger.find(id);
    const replayed = earlier && (await replay(f, earlier, accountId, amount));
    if (replayed) return replayed;
    if (!(await viewAccount(f.conn, accountId))) throw new HttpError(404, `account ${accountId} does not exist`);
    checkLimits(f, accountId, client, amount);
    const g = { id, accountId, client, amount: amount.toString() };
    const r = await pay(f, g, accountId, [actions.transfer(amount)]);
    const answer = fundAnswer(f, { ...g, at: 0, state: "done" }, r.txHash);
    f.ledger.done(id, answer);
    f.log(`faucet: funded ${accountId} with ${formatNear(amount)} for ${client} (tx ${r.txHash})`);
    return answer;
  });
}

/**
 * Settles a payment left pending (a restart, or no final answer in time) from its signed bytes: done
 * when the chain executed it, dropped when it never was (never broadcast, refused, failed, or a
 * linkdrop creation that returned false), still pending without an answer.
 */
async function settle(f: FaucetService, g: Grant): Promise<"done" | "dropped" | "pending"> {
  if (!g.signedTx) {
    f.ledger.drop(g.id);
    return "dropped";
  }
  let r: TxResult;
  try {
    r = await settleTransaction(f.conn, g.signedTx);
  } catch (e) {
    if (e instanceof OpsError && e.code === "TIMEOUT") return "pending";
    f.log(`faucet: payment ${g.id} did not execute (${(e as Error).message})`);
    f.ledger.drop(g.id);
    return "dropped";
  }
  if (g.id.startsWith("create:") && r.value !== true) {
    f.ledger.drop(g.id);
    return "dropped";
  }
  f.ledger.done(g.id, g.id.startsWith("fund:") ? fundAnswer(f, g, r.txHash) : undefined);
  return "done";
}

async function health(f: FaucetService): Promise<[number, unknown]> {
  try {
    const s = (await f.conn.provider.viewNodeStatus()) as {
      chain_id: string;
      sync_info: { latest_block_height: number };
    };
    return [
      200,
      { status: "ok", parent: f.limits.parent, chainId: s.chain_id, height: s.sync_info.latest_block_height },
    ];
  } catch (e) {
    return [503, { status: "unavailable", error: `NEAR RPC: ${(e as Error).message}` }];
  }
}

function settings(f: FaucetService) {
  const l = f.limits;
  return {
    parent: l.parent,
    account: f.funder.accountId,
    initialBalance: l.initial.toString(),
    maxPerRequest: l.maxPerRequest.toString(),
    maxPerAccount: l.maxPerAccount.toString(),
    nearPerHour: l.perHour.toString(),
    clientNearPerHour: l.clientPerHour.toString(),
  };
}

/** The client's address, without the IPv4-mapped prefix. */
function clientOf(req: http.IncomingMessage): string {
  return (req.socket.remoteAddress ?? "unknown").replace(/^::ffff:/, "");
}

/** Routes one request: GET /health, GET / (the limits), POST / or /account (create), POST /fund. */
async function route(f: FaucetService, req: http.IncomingMessage): Promise<[number, unknown]> {
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/health") {
    if (req.method !== "GET") throw new HttpError(405, "use GET");
    return health(f);
  }
  if (path === "/" && req.method === "GET") return [200, settings(f)];
  if (path === "/" || path === "/account" || path === "/fund") {
    if (req.method !== "POST") throw new HttpError(405, "use POST");
    const body = parseJsonObject(await readBody(req, f.limits.maxBody));
    const client = clientOf(req);
    return [200, path === "/fund" ? await fundAccount(f, body, client) : await createAccount(f, body, client)];
  }
  throw new HttpError(404, "not found");
}

function faucetServer(f: FaucetService, config: FaucetConfig): http.Server {
  const send = (res: http.ServerResponse, status: number, value: unknown, retry?: number) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (retry !== undefined) headers["retry-after"] = String(retry);
    res.writeHead(status, headers).end(JSON.stringify(value));
  };
  const headersTimeout = config.headersTimeoutMs ?? DEFAULT_LIMITS.headersTimeoutMs;
  const server = http.createServer(
    {
      headersTimeout,
      requestTimeout: config.requestTimeoutMs ?? DEFAULT_LIMITS.requestTimeoutMs,
      // node:http checks both timeouts on this period (default 30 s); a tenth of the headers bound keeps them close
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 10))),
    },
    async (req, res) => {
      try {
        const [status, value] = await route(f, req);
        send(res, status, value);
      } catch (e) {
        if (e instanceof HttpError) return send(res, e.status, { error: e.message }, e.retryAfter);
        if (e instanceof OpsError) return send(res, statusFor(e), { error: e.message, code: e.code });
        f.log(`faucet: internal error ${(e as Error).message}`);
        send(res, 500, { error: "internal error" });
      }
    },
  );
  server.maxConnections = config.maxConnections ?? DEFAULT_LIMITS.maxConnections;
  return server;
}

/** Checks the chain side: the parent runs linkdrop (its pinned code, when known), the faucet's account exists. */
async function checkAccounts(conn: NearConnection, parent: string, funder: string, codeHash?: string): Promise<void> {
  const p = await viewAccount(conn, parent);
  if (!p) throw new OpsError("ACCOUNT_NOT_FOUND", `faucet parent ${parent} does not exist`);
  if (codeHash !== undefined && p.codeHash !== codeHash && p.codeHash !== EMPTY_CODE_HASH)
    throw new OpsError(
      "CHECK_FAILED",
      `faucet parent ${parent} runs code ${p.codeHash}, not the pinned linkdrop ${codeHash}`,
    );
  if (p.codeHash === EMPTY_CODE_HASH)
    throw new OpsError(
      "CHECK_FAILED",
      `faucet parent ${parent} runs no contract: it needs linkdrop to create accounts`,
    );
  if (!(await viewAccount(conn, funder)))
    throw new OpsError("ACCOUNT_NOT_FOUND", `the faucet's account ${funder} does not exist`);
}

export async function startFaucet(
  config: FaucetConfig,
  deps: {
    keys: KeyResolver;
    log?: Log;
    connectOptions?: ConnectOptions;
    connection?: NearConnection;
    now?: () => number;
  },
): Promise<FaucetHandle> {
  const log = deps.log ?? (() => {});
  const now = deps.now ?? Date.now;
  const limits = faucetLimits(config);
  const funder: Signer = { accountId: config.accountId, keyPair: await deps.keys.resolve(config.key) };
  const rpcUrl = config.rpcUrl ?? LOCAL_RPC_URL;
  const conn =
    deps.connection ?? (await connect(rpcUrl, { ...deps.connectOptions, expectChainId: config.chainId, log }));
  await checkAccounts(conn, limits.parent, funder.accountId, config.parentCodeHash);
  const ledger = FaucetLedger.open(config.ledgerFile, now);
  const f: FaucetService = { conn, limits, funder, ledger, queue: boundedQueue(limits.queueLength), now, log };
  for (const g of ledger.pending()) log(`faucet: settling ${g.id} from before the restart: ${await settle(f, g)}`);
  log(
    `faucet: ${funder.accountId} (key ${funder.keyPair.getPublicKey()}) creates <name>.${limits.parent} through its linkdrop`,
  );
  const server = faucetServer(f, config);
  const host = config.listen?.host ?? FAUCET_DEFAULTS.host;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.listen?.port ?? FAUCET_DEFAULTS.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  log(`faucet: listening on ${host}:${port}`);
  return {
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
    funded: () => ledger.totals(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
