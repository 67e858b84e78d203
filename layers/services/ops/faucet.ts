// The faucet (operation `faucet`): a small HTTP service on the base instance, reachable inside
// the VPC only (the security group decides), restarted by Docker on failure.
//
//   POST /account  (or POST /)  {"newAccountId":"<name>.<parent>","newAccountPublicKey":"ed25519:..."}
//       near-cli-rs `account create-account sponsor-by-faucet-service` protocol: creates the
//       account with that full-access key and `initialBalance` through the linkdrop contract the
//       parent runs (its `create_account {new_account_id, new_public_key}`, payable: near/near-linkdrop
//       src/lib.rs), called and paid by the faucet's own account, and answers 200 with nearcore's
//       transaction result (the `send_tx` result JSON, which near-cli-rs reads as an
//       RpcTransactionResponse).
//   POST /fund  {"accountId":"...","amount":"5 NEAR"}   transfers to an existing account
//       (amount: "<n> NEAR", yoctoNEAR digits, or a JSON number of NEAR; default initialBalance).
//   GET /health   200 {"status":"ok",...} when the RPC answers, 503 otherwise.
//   GET /         the faucet's settings.
// Limits: `maxPerRequest` per request, `maxPerAccount` in total per account (counted since the
// faucet started), bodies over `maxBodyBytes` -> 413, malformed JSON / names outside the parent /
// malformed keys -> 400, existing account -> 409, over a limit -> 429. Requests that send a
// transaction run one at a time (one nonce sequence).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { actions, baseDecode, PublicKey } from "near-api-js";
import { ACCOUNT_ID_MAX_LEN, isAccountIdPart, isValidAccountId } from "../../../platform/near/account-id.js";
import { formatNear } from "../../../platform/near/amounts.js";
import { EMPTY_CODE_HASH } from "../../../platform/near/code-hash.js";
import { OpsError } from "../../../platform/near/errors.js";
import type { KeyResolver } from "../../../platform/near/keys.js";
import { LOCAL_RPC_URL } from "../../../platform/near/ports.js";
import {
  TGAS,
  connect,
  sendTransaction,
  toYocto,
  viewAccount,
  type ConnectOptions,
  type Log,
  type NearConnection,
  type Signer,
} from "../../../platform/near/client.js";

export interface FaucetConfig {
  rpcUrl?: string;
  chainId?: string;
  listen?: { host?: string; port?: number };
  /** New accounts are "<name>.<parent>"; the parent runs linkdrop, which creates them. Default "localnet". */
  parentAccountId?: string;
  /** The faucet's own account, which signs and pays everything the faucet sends, and its key reference. */
  accountId: string;
  key: string;
  initialBalance?: string;
  maxPerRequest?: string;
  maxPerAccount?: string;
  maxBodyBytes?: number;
  /** Names under the parent the faucet never creates (the stack's own accounts); "x-*" reserves a prefix. */
  reservedNames?: string[];
}

/** Gas for linkdrop's create_account: its own work plus the 13 Tgas it gives its callback (near/near-linkdrop src/lib.rs). */
const LINKDROP_CREATE_GAS = 50n * TGAS;

const FAUCET_DEFAULTS = {
  host: "0.0.0.0",
  port: 3040,
  parentAccountId: "localnet",
  initialBalance: "10 NEAR",
  maxPerRequest: "100 NEAR",
  maxPerAccount: "500 NEAR",
  maxBodyBytes: 4096,
} as const;

export interface FaucetHandle {
  url: string;
  close(): Promise<void>;
  /** Total funded per account since start (yocto). */
  ledger: Map<string, bigint>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function isReserved(name: string, reserved: readonly string[]): boolean {
  return reserved.some((r) => (r.endsWith("*") ? name.startsWith(r.slice(0, -1)) : name === r));
}

function validateNewAccountId(id: unknown, parent: string, reserved: readonly string[]): string {
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

function validatePublicKey(pk: unknown): string {
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

function parseAmount(v: unknown, fallback: bigint): bigint {
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

async function readBody(req: http.IncomingMessage, max: number): Promise<string> {
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

function parseJsonObject(text: string): Record<string, unknown> {
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

function statusFor(e: OpsError): number {
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

interface FaucetLimits {
  parent: string;
  reserved: readonly string[];
  initial: bigint;
  maxPerRequest: bigint;
  maxPerAccount: bigint;
  maxBody: number;
}

function faucetLimits(config: FaucetConfig): FaucetLimits {
  const limits = {
    parent: config.parentAccountId ?? FAUCET_DEFAULTS.parentAccountId,
    reserved: config.reservedNames ?? [],
    initial: toYocto(config.initialBalance ?? FAUCET_DEFAULTS.initialBalance),
    maxPerRequest: toYocto(config.maxPerRequest ?? FAUCET_DEFAULTS.maxPerRequest),
    maxPerAccount: toYocto(config.maxPerAccount ?? FAUCET_DEFAULTS.maxPerAccount),
    maxBody: config.maxBodyBytes ?? FAUCET_DEFAULTS.maxBodyBytes,
  };
  if (limits.initial > limits.maxPerRequest)
    throw new OpsError("INVALID_INPUT", "initialBalance is above maxPerRequest");
  if (!isValidAccountId(config.accountId) || typeof config.key !== "string")
    throw new OpsError(
      "INVALID_INPUT",
      "accountId (the faucet's own account) and key (its key reference) are required",
    );
  if (config.accountId === limits.parent)
    throw new OpsError(
      "INVALID_INPUT",
      `the faucet must not sign as the parent ${limits.parent}: give it its own account`,
    );
  return limits;
}

/** What each account has received; `reserve` books an amount within the limits and returns its undo. */
function faucetLedger(limits: FaucetLimits) {
  const ledger = new Map<string, bigint>();
  const reserve = (accountId: string, amount: bigint) => {
    if (amount <= 0n) throw new HttpError(400, "amount must be positive");
    if (amount > limits.maxPerRequest) {
      const max = formatNear(limits.maxPerRequest);
      throw new HttpError(400, `amount ${formatNear(amount)} is over the per-request maximum of ${max}`);
    }
    const total = (ledger.get(accountId) ?? 0n) + amount;
    if (total > limits.maxPerAccount) {
      const max = formatNear(limits.maxPerAccount);
      throw new HttpError(
        429,
        `${accountId} would receive ${formatNear(total)} in total, over the per-account limit of ${max}`,
      );
    }
    ledger.set(accountId, total);
    return () => ledger.set(accountId, total - amount);
  };
  return { ledger, reserve };
}

/** One request at a time: account checks, the ledger and the nonce of the signing key stay consistent. */
function serialQueue() {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
}

interface FaucetService {
  conn: NearConnection;
  limits: FaucetLimits;
  /** The faucet's own account: it signs and pays every transaction. */
  funder: Signer;
  ledger: ReturnType<typeof faucetLedger>;
  serial: ReturnType<typeof serialQueue>;
  log: Log;
}

/** near-cli-rs's sponsor-by-faucet-service request: {newAccountId, newAccountPublicKey}. */
async function createAccount(f: FaucetService, body: Record<string, unknown>) {
  const accountId = validateNewAccountId(body.newAccountId, f.limits.parent, f.limits.reserved);
  const publicKey = validatePublicKey(body.newAccountPublicKey);
  const initial = f.limits.initial;
  return f.serial(async () => {
    if (await viewAccount(f.conn, accountId)) throw new HttpError(409, `account ${accountId} already exists`);
    const release = f.ledger.reserve(accountId, initial);
    try {
      const r = await sendTransaction(f.conn, f.funder, f.limits.parent, [
        actions.functionCall(
          "create_account",
          { new_account_id: accountId, new_public_key: publicKey },
          LINKDROP_CREATE_GAS,
          initial,
        ),
      ]);
      // linkdrop's on_account_created callback returns whether the creation succeeded (and refunds the
      // deposit to the caller when it did not): the transaction itself succeeds either way.
      if (r.value !== true) {
        release();
        if (await viewAccount(f.conn, accountId)) throw new HttpError(409, `account ${accountId} already exists`);
        throw new OpsError(
          "TX_FAILED",
          `${f.limits.parent} create_account returned ${JSON.stringify(r.value)} (tx ${r.txHash})`,
        );
      }
      f.log(`faucet: created ${accountId} with ${formatNear(initial)} (tx ${r.txHash})`);
      return r.outcome;
    } catch (e) {
      release();
      throw e;
    }
  });
}

/** POST /fund {accountId, amount?}: a transfer to an existing account. */
async function fundAccount(f: FaucetService, body: Record<string, unknown>) {
  const accountId = body.accountId;
  if (!isValidAccountId(accountId)) throw new HttpError(400, "accountId must be a NEAR account id");
  const amount = parseAmount(body.amount, f.limits.initial);
  return f.serial(async () => {
    if (!(await viewAccount(f.conn, accountId))) throw new HttpError(404, `account ${accountId} does not exist`);
    const release = f.ledger.reserve(accountId, amount);
    try {
      const r = await sendTransaction(f.conn, f.funder, accountId, [actions.transfer(amount)]);
      f.log(`faucet: funded ${accountId} with ${formatNear(amount)} (tx ${r.txHash})`);
      const totalFunded = (f.ledger.ledger.get(accountId) ?? amount).toString();
      return { accountId, amount: amount.toString(), txHash: r.txHash, totalFunded };
    } catch (e) {
      release();
      throw e;
    }
  });
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

/** Routes one request: GET /health, GET / (the limits), POST / or /account (create), POST /fund. */
async function route(f: FaucetService, req: http.IncomingMessage): Promise<[number, unknown]> {
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/health") {
    if (req.method !== "GET") throw new HttpError(405, "use GET");
    return health(f);
  }
  if (path === "/" && req.method === "GET") {
    const { parent, initial, maxPerRequest, maxPerAccount } = f.limits;
    return [
      200,
      {
        parent,
        account: f.funder.accountId,
        initialBalance: initial.toString(),
        maxPerRequest: maxPerRequest.toString(),
        maxPerAccount: maxPerAccount.toString(),
      },
    ];
  }
  if (path === "/" || path === "/account" || path === "/fund") {
    if (req.method !== "POST") throw new HttpError(405, "use POST");
    const body = parseJsonObject(await readBody(req, f.limits.maxBody));
    return [200, path === "/fund" ? await fundAccount(f, body) : await createAccount(f, body)];
  }
  throw new HttpError(404, "not found");
}

function faucetServer(f: FaucetService): http.Server {
  const send = (res: http.ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
  };
  return http.createServer(async (req, res) => {
    try {
      const [status, value] = await route(f, req);
      send(res, status, value);
    } catch (e) {
      if (e instanceof HttpError) return send(res, e.status, { error: e.message });
      if (e instanceof OpsError) return send(res, statusFor(e), { error: e.message, code: e.code });
      f.log(`faucet: internal error ${(e as Error).message}`);
      send(res, 500, { error: "internal error" });
    }
  });
}

export async function startFaucet(
  config: FaucetConfig,
  deps: { keys: KeyResolver; log?: Log; connectOptions?: ConnectOptions; connection?: NearConnection },
): Promise<FaucetHandle> {
  const log = deps.log ?? (() => {});
  const limits = faucetLimits(config);
  const funder: Signer = { accountId: config.accountId, keyPair: await deps.keys.resolve(config.key) };
  const rpcUrl = config.rpcUrl ?? LOCAL_RPC_URL;
  const conn =
    deps.connection ?? (await connect(rpcUrl, { ...deps.connectOptions, expectChainId: config.chainId, log }));
  const parent = await viewAccount(conn, limits.parent);
  if (!parent) throw new OpsError("ACCOUNT_NOT_FOUND", `faucet parent ${limits.parent} does not exist`);
  if (parent.codeHash === EMPTY_CODE_HASH)
    throw new OpsError(
      "CHECK_FAILED",
      `faucet parent ${limits.parent} runs no contract: it needs linkdrop to create accounts`,
    );
  if (!(await viewAccount(conn, funder.accountId)))
    throw new OpsError("ACCOUNT_NOT_FOUND", `the faucet's account ${funder.accountId} does not exist`);
  log(
    `faucet: ${funder.accountId} (key ${funder.keyPair.getPublicKey()}) creates <name>.${limits.parent} through its linkdrop`,
  );
  const ledger = faucetLedger(limits);
  const server = faucetServer({ conn, limits, funder, ledger, serial: serialQueue(), log });
  const host = config.listen?.host ?? FAUCET_DEFAULTS.host;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.listen?.port ?? FAUCET_DEFAULTS.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  log(`faucet: listening on ${host}:${port}`);
  return {
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
    ledger: ledger.ledger,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
