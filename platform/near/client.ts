// The NEAR operations toolkit: small typed functions on near-api-js 7. ensureAccount,
// deployContract and callMethod (with an `unless` view) are idempotent: a re-run against a chain
// already in the wanted state sends no transaction. Failures are OpsErrors with a code (errors.ts).
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  JsonRpcProvider,
  KeyPairSigner,
  PublicKey,
  actions,
  baseDecode,
  baseEncode,
  createTransaction,
  SignedTransaction,
  type Action,
  type KeyPair,
} from "near-api-js";
import {
  AccessKeyDoesNotExistError,
  AccountDoesNotExistError,
  InvalidNonceError,
  TooLargeContractStateError,
  TransactionTimeoutError,
  UnknownTransactionError,
} from "near-api-js/rpc-errors";
import { parseAmount } from "./amounts.js";
import { OpsError, isNetworkError, toOpsError } from "./errors.js";
import { LOCAL_RPC_URL } from "./ports.js";
import { sleep } from "../time.js";

export const TGAS = 1_000_000_000_000n;

export type Log = (message: string) => void;

export interface ConnectOptions {
  /** Bound for one RPC request; a request that takes longer fails with TIMEOUT. */
  requestTimeoutMs?: number;
  /** Bound for waiting until a transaction is final. */
  txTimeoutMs?: number;
  /** Pause between polls of a pending transaction. */
  pollMs?: number;
  /** Fail with CHAIN_ID_MISMATCH unless the node reports this chain id. */
  expectChainId?: string;
  log?: Log;
  /** Retries after the first attempt on HTTP 5xx/408 answers (near-api-js's own back-off). Default 4. */
  httpRetries?: number;
  /** First back-off pause of those retries, growing 1.5x each time. Default 200 ms. */
  httpRetryWaitMs?: number;
}

export interface NearConnection {
  rpcUrl: string;
  provider: JsonRpcProvider;
  chainId: string;
  latestHeight: number;
  txTimeoutMs: number;
  pollMs: number;
  log: Log;
  /** Last nonce used per "<account>/<public key>", so consecutive sends never reuse one. */
  nonces: Map<string, bigint>;
}

/** A signer: the account and the key pair that signs for it (resolved from a key ref). */
export interface Signer {
  accountId: string;
  keyPair: KeyPair;
}

class TimedProvider extends JsonRpcProvider {
  constructor(
    url: string,
    private readonly timeoutMs: number,
    retries: number,
    wait: number,
  ) {
    // near-api-js counts attempts, not retries.
    super({ url }, { retries: retries + 1, wait, backoff: 1.5 });
  }

  override async sendJsonRpc(method: any, params: any): Promise<any> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new OpsError(
              "TIMEOUT",
              `NEAR RPC ${this.connection.url} did not answer ${method} within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
      timer.unref?.();
    });
    try {
      return await Promise.race([super.sendJsonRpc(method, params), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Connects to a NEAR RPC: checks that it answers `status` (RPC_UNREACHABLE otherwise) and its chain id. */
export async function connect(rpcUrl: string = LOCAL_RPC_URL, opts: ConnectOptions = {}): Promise<NearConnection> {
  const provider = new TimedProvider(
    rpcUrl,
    opts.requestTimeoutMs ?? 15_000,
    opts.httpRetries ?? 4,
    opts.httpRetryWaitMs ?? 200,
  );
  let status: { chain_id: string; sync_info: { latest_block_height: number } };
  try {
    status = (await provider.viewNodeStatus()) as typeof status;
  } catch (e) {
    const err = toOpsError(e, { rpcUrl, what: "status" });
    if (err.code === "RPC_ERROR" || err.code === "TIMEOUT") {
      throw new OpsError(
        err.code === "TIMEOUT" ? "TIMEOUT" : "RPC_UNREACHABLE",
        `NEAR RPC ${rpcUrl} does not answer status: ${err.message}`,
      );
    }
    throw err;
  }
  if (opts.expectChainId !== undefined && status.chain_id !== opts.expectChainId) {
    throw new OpsError(
      "CHAIN_ID_MISMATCH",
      `NEAR RPC ${rpcUrl} serves chain "${status.chain_id}", expected "${opts.expectChainId}"`,
    );
  }
  return {
    rpcUrl,
    provider,
    chainId: status.chain_id,
    latestHeight: status.sync_info.latest_block_height,
    txTimeoutMs: opts.txTimeoutMs ?? 120_000,
    pollMs: opts.pollMs ?? 1_000,
    log: opts.log ?? (() => {}),
    nonces: new Map(),
  };
}

// ------------------------------------------------------------------------------------------ amounts

/** "15 NEAR" / "0.5 NEAR" -> yocto; a plain digit string is yoctoNEAR already; bigint passes. */
export function toYocto(amount: string | bigint | number): bigint {
  if (typeof amount === "bigint") return amount;
  if (typeof amount === "number") {
    if (!Number.isSafeInteger(amount) || amount < 0)
      throw new OpsError("INVALID_INPUT", `amount ${amount} is not a whole yoctoNEAR number; use a string`);
    return BigInt(amount);
  }
  const yocto = parseAmount(amount);
  if (yocto === null)
    throw new OpsError("INVALID_INPUT", `amount "${amount}" is neither yoctoNEAR digits nor "<n> NEAR"`);
  return yocto;
}

/** base58 code hash for a sha256 hex digest (what view_account reports for that wasm). */
export function codeHashFromSha256(hex: string): string {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new OpsError("INVALID_INPUT", `"${hex}" is not a sha256 hex digest`);
  return baseEncode(Uint8Array.from(Buffer.from(hex, "hex")));
}

// ------------------------------------------------------------------------------------------ views

export interface AccountView {
  amount: bigint;
  locked: bigint;
  codeHash: string;
  storageUsage: number;
}

async function rpc<T>(conn: NearConnection, what: string, fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      // reads are safe to repeat: retry transient network failures a few times
      if (i < attempts && isNetworkError(e)) {
        conn.log(`${what}: ${(e as Error).message}; retrying`);
        await sleep(Math.min(conn.pollMs, 500) * i);
        continue;
      }
      throw toOpsError(e, { rpcUrl: conn.rpcUrl, what });
    }
  }
}

export async function viewAccount(conn: NearConnection, accountId: string): Promise<AccountView | null> {
  return rpc(conn, `view_account ${accountId}`, async () => {
    try {
      const a = await conn.provider.viewAccount({ accountId, blockQuery: { finality: "final" } });
      return {
        amount: BigInt(a.amount),
        locked: BigInt(a.locked),
        codeHash: a.code_hash,
        storageUsage: Number(a.storage_usage),
      };
    } catch (e) {
      if (e instanceof AccountDoesNotExistError) return null;
      throw e;
    }
  });
}

async function viewAccessKey(
  conn: NearConnection,
  accountId: string,
  publicKey: string,
): Promise<{ nonce: bigint } | null> {
  return rpc(conn, `view_access_key ${accountId}`, async () => {
    try {
      const k = await conn.provider.viewAccessKey({
        accountId,
        publicKey: PublicKey.from(publicKey),
        finalityQuery: { finality: "optimistic" },
      });
      return { nonce: BigInt(k.nonce) };
    } catch (e) {
      if (e instanceof AccessKeyDoesNotExistError || e instanceof AccountDoesNotExistError) return null;
      throw e;
    }
  });
}

async function listAccessKeys(conn: NearConnection, accountId: string): Promise<string[]> {
  return rpc(conn, `view_access_key_list ${accountId}`, async () => {
    const r = await conn.provider.viewAccessKeyList({ accountId, finalityQuery: { finality: "final" } });
    return r.keys.map((k: { public_key: string }) => k.public_key);
  });
}

/** Calls a view method; returns the parsed JSON (or the text when it is not JSON). */
export async function view(
  conn: NearConnection,
  contractId: string,
  method: string,
  args: unknown = {},
): Promise<unknown> {
  return rpc(conn, `view ${contractId}.${method}`, () =>
    conn.provider.callFunction({
      contractId,
      method,
      args: args as Record<string, unknown>,
      blockQuery: { finality: "final" },
    }),
  );
}

/** Whether the contract's storage holds `key` (near-sdk keeps an initialised contract under "STATE"). */
export async function stateKeyExists(conn: NearConnection, contractId: string, key: string): Promise<boolean> {
  return rpc(conn, `view_state ${contractId}`, async () => {
    try {
      const r = (await conn.provider.viewContractState({
        contractId,
        prefix: key,
        blockQuery: { finality: "final" },
      })) as {
        values: { key: string }[];
      };
      return r.values.some((v) => Buffer.from(v.key, "base64").toString("utf8") === key);
    } catch (e) {
      // nearcore refuses view_state above trie_viewer_state_size_limit (50 kB of state by
      // default): a contract holding that much state has been initialised
      if (e instanceof TooLargeContractStateError) return true;
      throw e;
    }
  });
}

// ------------------------------------------------------------------------------------------ transactions

export interface TxResult {
  txHash: string;
  /** Parsed SuccessValue of the transaction (JSON when it parses, else the text; undefined when empty). */
  value: unknown;
  /** The raw send_tx / tx result, as nearcore returned it. */
  outcome: Record<string, any>;
}

function successValue(outcome: Record<string, any>): unknown {
  const v = outcome?.status?.SuccessValue;
  if (typeof v !== "string" || v === "") return undefined;
  const text = Buffer.from(v, "base64").toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Maps nearcore's status.Failure JSON to an OpsError. */
function executionFailure(failure: any, txHash: string): OpsError {
  const kind = failure?.ActionError?.kind;
  const tag = ` (transaction ${txHash})`;
  if (kind && typeof kind === "object") {
    if (kind.LackBalanceForState) {
      const { account_id, amount } = kind.LackBalanceForState;
      return new OpsError(
        "INSUFFICIENT_BALANCE",
        `account ${account_id} does not have enough balance to cover its storage (short by ${amount} yoctoNEAR)${tag}`,
        { accountId: account_id, shortYocto: String(amount), txHash },
      );
    }
    const fce = kind.FunctionCallError;
    if (fce && typeof fce.ExecutionError === "string") {
      const m = /^Smart contract panicked: ([\s\S]*)$/.exec(fce.ExecutionError);
      const panic = m ? m[1] : fce.ExecutionError;
      return new OpsError("CONTRACT_PANIC", `contract panicked: ${panic}${tag}`, { panic, txHash });
    }
    if (kind.AccountAlreadyExists) {
      return new OpsError("ACCOUNT_EXISTS", `account ${kind.AccountAlreadyExists.account_id} already exists${tag}`, {
        txHash,
      });
    }
    if (kind.AccountDoesNotExist) {
      return new OpsError("ACCOUNT_NOT_FOUND", `account ${kind.AccountDoesNotExist.account_id} does not exist${tag}`, {
        txHash,
      });
    }
  }
  return new OpsError("TX_FAILED", `transaction failed: ${JSON.stringify(failure)}${tag}`, { txHash });
}

function checkOutcome(outcome: Record<string, any>, txHash: string): TxResult {
  if (outcome?.status && typeof outcome.status === "object" && "Failure" in outcome.status) {
    throw executionFailure(outcome.status.Failure, txHash);
  }
  return { txHash, value: successValue(outcome), outcome };
}

/**
 * Polls `tx` until the transaction is final (re-broadcasting the same signed bytes when the node
 * does not know it: same hash, so it can never execute twice). TIMEOUT after conn.txTimeoutMs.
 */
async function waitForFinal(
  conn: NearConnection,
  txHash: string,
  signerId: string,
  signed?: SignedTransaction,
  deadline = Date.now() + conn.txTimeoutMs,
): Promise<Record<string, any>> {
  for (;;) {
    try {
      return (await conn.provider.viewTransactionStatus({ txHash, accountId: signerId, waitUntil: "FINAL" })) as Record<
        string,
        any
      >;
    } catch (e) {
      if (e instanceof UnknownTransactionError && signed) {
        try {
          return (await conn.provider.sendTransactionUntil(signed, "FINAL")) as Record<string, any>;
        } catch (e2) {
          if (!(
            e2 instanceof TransactionTimeoutError ||
            isNetworkError(e2) ||
            (e2 instanceof OpsError && e2.code === "TIMEOUT")
          )) {
            throw toOpsError(e2, { rpcUrl: conn.rpcUrl, what: `re-broadcast ${txHash}` });
          }
        }
      } else if (!(
        e instanceof UnknownTransactionError ||
        e instanceof TransactionTimeoutError ||
        isNetworkError(e) ||
        (e instanceof OpsError && e.code === "TIMEOUT")
      )) {
        throw toOpsError(e, { rpcUrl: conn.rpcUrl, what: `tx status ${txHash}` });
      }
    }
    if (Date.now() >= deadline) {
      throw new OpsError(
        "TIMEOUT",
        `transaction ${txHash} from ${signerId} is not final after ${conn.txTimeoutMs} ms`,
        { txHash },
      );
    }
    conn.log(`waiting for transaction ${txHash} to be final`);
    await sleep(conn.pollMs);
  }
}

/**
 * The final outcome of a transaction signed earlier (base64 of its borsh bytes, as a caller of
 * `beforeSend` may have recorded it): its status when the chain knows it, else the same bytes
 * broadcast again, which can execute at most once. Throws TIMEOUT when no answer comes within
 * conn.txTimeoutMs, and what the chain said when it refuses the bytes (e.g. an expired transaction).
 */
export async function settleTransaction(conn: NearConnection, signedBase64: string): Promise<TxResult> {
  const signed = SignedTransaction.decode(Buffer.from(signedBase64, "base64"));
  const txHash = baseEncode(sha256(signed.transaction.encode()));
  const outcome = await waitForFinal(conn, txHash, signed.transaction.signerId, signed);
  return checkOutcome(outcome, txHash);
}

function describeActions(list: Action[]): string {
  return list
    .map((a) => {
      const k = Object.keys(a).find((x) => x !== "enum") ?? "?";
      return k === "functionCall" ? `functionCall(${(a as any).functionCall.methodName})` : k;
    })
    .join("+");
}

/**
 * Signs and sends one transaction and waits until it is final. Retries with a fresh nonce on
 * InvalidNonce (another client used the nonce); on a node timeout or a lost connection it polls
 * for the same transaction instead of sending a new one.
 */
export async function sendTransaction(
  conn: NearConnection,
  signer: Signer,
  receiverId: string,
  list: Action[],
  opts: {
    nonceRetries?: number;
    /** Called with each signed transaction before it is broadcast (a caller that must survive a crash records it). */
    beforeSend?: (txHash: string, signed: SignedTransaction) => void | Promise<void>;
  } = {},
): Promise<TxResult> {
  const pk = signer.keyPair.getPublicKey();
  const pkStr = pk.toString();
  const nonceKey = `${signer.accountId}/${pkStr}`;
  const retries = opts.nonceRetries ?? 5;
  const deadline = Date.now() + conn.txTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    const ak = await viewAccessKey(conn, signer.accountId, pkStr);
    if (!ak) {
      const exists = await viewAccount(conn, signer.accountId);
      if (!exists) throw new OpsError("ACCOUNT_NOT_FOUND", `signer account ${signer.accountId} does not exist`);
      const keys = await listAccessKeys(conn, signer.accountId);
      throw new OpsError(
        "ACCOUNT_KEY_MISMATCH",
        `the signing key ${pkStr} is not an access key of ${signer.accountId} (its keys: ${keys.join(", ") || "none"})`,
        { accountId: signer.accountId, expectedKey: pkStr, actualKeys: keys },
      );
    }
    const last = conn.nonces.get(nonceKey) ?? 0n;
    const nonce = (ak.nonce > last ? ak.nonce : last) + 1n;
    const block = await rpc(conn, "block", () => conn.provider.viewBlock({ finality: "final" }));
    const tx = createTransaction(signer.accountId, pk, receiverId, nonce, list, baseDecode(block.header.hash));
    const { txHash: hashBytes, signedTransaction } = await new KeyPairSigner(signer.keyPair).signTransaction(tx);
    const txHash = baseEncode(hashBytes);
    conn.log(`${signer.accountId} -> ${receiverId}: ${describeActions(list)} (tx ${txHash}, nonce ${nonce})`);
    conn.nonces.set(nonceKey, nonce);
    await opts.beforeSend?.(txHash, signedTransaction);
    let outcome: Record<string, any>;
    try {
      outcome = (await conn.provider.sendTransactionUntil(signedTransaction, "FINAL")) as Record<string, any>;
    } catch (e) {
      if (e instanceof InvalidNonceError) {
        if (attempt >= retries) {
          throw new OpsError(
            "TX_FAILED",
            `invalid nonce for ${signer.accountId} after ${retries} retries: ${e.message}`,
          );
        }
        conn.log(`invalid nonce (ak ${e.accessKeyNonce}, tx ${e.transactionNonce}); retrying with a fresh nonce`);
        if (e.accessKeyNonce !== undefined) conn.nonces.set(nonceKey, BigInt(e.accessKeyNonce));
        continue;
      }
      if (
        e instanceof TransactionTimeoutError ||
        isNetworkError(e) ||
        (e instanceof OpsError && e.code === "TIMEOUT")
      ) {
        conn.log(`no final answer for ${txHash} (${(e as Error).message}); polling its status`);
        outcome = await waitForFinal(conn, txHash, signer.accountId, signedTransaction, deadline);
      } else {
        throw toOpsError(e, { rpcUrl: conn.rpcUrl, what: `transaction to ${receiverId}` });
      }
    }
    return checkOutcome(outcome, txHash);
  }
}

// ------------------------------------------------------------------------------------------ accounts

export interface EnsureAccountParams {
  accountId: string;
  /** The key the account must have ("ed25519:..."): full access, or see `functionCallOn`. */
  publicKey: string;
  /** Make the key a function-call key for this contract (any method, no allowance limit) instead. */
  functionCallOn?: string;
  /** Balance given at creation. */
  balance: bigint;
  /** Signs the creation (the parent account for sub-accounts). */
  creator: Signer;
}

export interface EnsureAccountResult {
  action: "created" | "unchanged";
  accountId: string;
  txHash?: string;
  balance: string;
}

async function keyMismatch(conn: NearConnection, accountId: string, expected: string): Promise<OpsError> {
  const keys = await listAccessKeys(conn, accountId);
  return new OpsError(
    "ACCOUNT_KEY_MISMATCH",
    `account ${accountId} exists but does not have the expected key ${expected} (its keys: ${keys.join(", ") || "none"})`,
    { accountId, expectedKey: expected, actualKeys: keys },
  );
}

/** Creates the account with the key and balance when missing; nothing is sent when it has the key. */
export async function ensureAccount(conn: NearConnection, p: EnsureAccountParams): Promise<EnsureAccountResult> {
  const pk = PublicKey.from(p.publicKey).toString();
  const existing = await viewAccount(conn, p.accountId);
  if (existing) {
    if (!(await viewAccessKey(conn, p.accountId, pk))) throw await keyMismatch(conn, p.accountId, pk);
    return { action: "unchanged", accountId: p.accountId, balance: existing.amount.toString() };
  }
  const key = p.functionCallOn
    ? actions.addFunctionCallAccessKey(PublicKey.from(pk), p.functionCallOn, [])
    : actions.addFullAccessKey(PublicKey.from(pk));
  const r = await sendTransaction(conn, p.creator, p.accountId, [
    actions.createAccount(),
    actions.transfer(p.balance),
    key,
  ]);
  const after = await viewAccount(conn, p.accountId);
  return {
    action: "created",
    accountId: p.accountId,
    txHash: r.txHash,
    balance: (after?.amount ?? p.balance).toString(),
  };
}

// ------------------------------------------------------------------------------------------ wasm

export interface WasmSource {
  url: string;
  sha256: string;
  size: number;
}

/** Downloads (or reads from cacheDir) a wasm and checks its size and sha256. */
async function fetchWasm(
  src: WasmSource,
  opts: { cacheDir?: string; timeoutMs?: number; log?: Log } = {},
): Promise<Uint8Array> {
  const want = src.sha256.toLowerCase();
  const check = (bytes: Uint8Array, from: string) => {
    const got = Buffer.from(sha256(bytes)).toString("hex");
    if (bytes.length !== src.size || got !== want) {
      throw new OpsError(
        "WASM_CHECKSUM_MISMATCH",
        `wasm from ${from} has ${bytes.length} bytes and sha256 ${got}; expected ${src.size} bytes and sha256 ${want}`,
        { url: src.url, expectedSha256: want, actualSha256: got, expectedSize: src.size, actualSize: bytes.length },
      );
    }
    return bytes;
  };
  const cached = opts.cacheDir ? path.join(opts.cacheDir, `${want}.wasm`) : undefined;
  if (cached) {
    try {
      return check(new Uint8Array(await readFile(cached)), cached);
    } catch (e) {
      if (!(e as NodeJS.ErrnoException).code && !(e instanceof OpsError)) throw e;
      // missing or corrupt cache entry: download again
    }
  }
  opts.log?.(`downloading ${src.url}`);
  let bytes: Uint8Array;
  try {
    const res = await fetch(src.url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 120_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new OpsError("WASM_DOWNLOAD_FAILED", `could not download ${src.url}: ${(e as Error).message}`);
  }
  check(bytes, src.url);
  if (cached) {
    await mkdir(path.dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, cached);
  }
  return bytes;
}

// ------------------------------------------------------------------------------------------ contracts

interface InitCall {
  method: string;
  args?: unknown;
  gas?: bigint;
  deposit?: bigint;
  /** Storage key whose presence means "already initialised" (near-sdk: "STATE"). */
  initialisedKey?: string;
}

export interface DeployParams {
  accountId: string;
  wasm: WasmSource;
  /** Signs deploys to an existing account (the account's own key). */
  signer?: Signer;
  /** Create the account when missing: create + transfer + key + deploy + init in one transaction. */
  create?: { creator: Signer; balance: bigint; publicKey: string };
  init?: InitCall;
  cacheDir?: string;
  downloadTimeoutMs?: number;
}

export interface DeployResult {
  action: "created" | "deployed" | "initialised" | "unchanged";
  accountId: string;
  codeHash: string;
  txHash?: string;
}

function initAction(init: InitCall): Action {
  return actions.functionCall(init.method, (init.args ?? {}) as object, init.gas ?? 100n * TGAS, init.deposit ?? 0n);
}

/**
 * Makes `accountId` run the pinned wasm, initialised. Skips the download when the on-chain code
 * hash already equals base58(sha256(wasm)); skips init when the contract is initialised.
 */
export async function deployContract(conn: NearConnection, p: DeployParams): Promise<DeployResult> {
  const codeHash = codeHashFromSha256(p.wasm.sha256);
  const base = { accountId: p.accountId, codeHash };
  const existing = await viewAccount(conn, p.accountId);
  const load = () => fetchWasm(p.wasm, { cacheDir: p.cacheDir, timeoutMs: p.downloadTimeoutMs, log: conn.log });
  const verify = async (r: TxResult) => {
    const after = await viewAccount(conn, p.accountId);
    if (after?.codeHash !== codeHash) {
      throw new OpsError(
        "TX_FAILED",
        `after deploying, ${p.accountId} has code hash ${after?.codeHash}, expected ${codeHash}`,
        {
          txHash: r.txHash,
        },
      );
    }
  };

  if (!existing) {
    if (!p.create)
      throw new OpsError("ACCOUNT_NOT_FOUND", `account ${p.accountId} does not exist and no creator was given`);
    const code = await load();
    const list: Action[] = [
      actions.createAccount(),
      actions.transfer(p.create.balance),
      actions.addFullAccessKey(PublicKey.from(p.create.publicKey)),
      actions.deployContract(code),
    ];
    if (p.init) list.push(initAction(p.init));
    const r = await sendTransaction(conn, p.create.creator, p.accountId, list);
    await verify(r);
    return { ...base, action: "created", txHash: r.txHash };
  }

  if (p.create) {
    const pk = PublicKey.from(p.create.publicKey).toString();
    if (!(await viewAccessKey(conn, p.accountId, pk))) throw await keyMismatch(conn, p.accountId, pk);
  }
  const initialised = p.init ? await stateKeyExists(conn, p.accountId, p.init.initialisedKey ?? "STATE") : true;
  const signer = p.signer ?? (p.create ? { ...p.create.creator, accountId: p.accountId } : undefined);
  if (existing.codeHash === codeHash) {
    if (initialised) return { ...base, action: "unchanged" };
    if (!signer) throw new OpsError("INVALID_INPUT", `no signer for ${p.accountId}`);
    const r = await sendTransaction(conn, signer, p.accountId, [initAction(p.init!)]);
    return { ...base, action: "initialised", txHash: r.txHash };
  }
  if (!signer) throw new OpsError("INVALID_INPUT", `no signer for ${p.accountId}`);
  const code = await load();
  const list: Action[] = [actions.deployContract(code)];
  if (!initialised) list.push(initAction(p.init!));
  const r = await sendTransaction(conn, signer, p.accountId, list);
  await verify(r);
  return { ...base, action: "deployed", txHash: r.txHash };
}

interface ViewCondition {
  method: string;
  args?: unknown;
  equals: unknown;
}

export interface CallParams {
  signer: Signer;
  contractId: string;
  method: string;
  args?: unknown;
  deposit?: bigint;
  gas?: bigint;
  /** Skip the call when this view already returns `equals` (e.g. already whitelisted). */
  unless?: ViewCondition;
  /** After the call, this view must return `equals` (POSTCONDITION_FAILED otherwise). */
  expect?: ViewCondition;
}

export interface CallResult {
  action: "called" | "skipped";
  contractId: string;
  method: string;
  txHash?: string;
  value?: unknown;
}

async function holds(
  conn: NearConnection,
  contractId: string,
  c: ViewCondition,
): Promise<{ ok: boolean; got: unknown }> {
  const got = await view(conn, contractId, c.method, c.args ?? {});
  return { ok: isDeepStrictEqual(got, c.equals), got };
}

/** Calls a change method unless its precondition view says it is already done. */
export async function callMethod(conn: NearConnection, p: CallParams): Promise<CallResult> {
  if (p.unless && (await holds(conn, p.contractId, p.unless)).ok) {
    return { action: "skipped", contractId: p.contractId, method: p.method };
  }
  const r = await sendTransaction(conn, p.signer, p.contractId, [
    actions.functionCall(p.method, (p.args ?? {}) as object, p.gas ?? 30n * TGAS, p.deposit ?? 0n),
  ]);
  if (p.expect) {
    const { ok, got } = await holds(conn, p.contractId, p.expect);
    if (!ok) {
      throw new OpsError(
        "POSTCONDITION_FAILED",
        `after ${p.contractId}.${p.method}, ${p.expect.method} returned ${JSON.stringify(got)}, expected ${JSON.stringify(p.expect.equals)}`,
        { txHash: r.txHash },
      );
    }
  }
  return { action: "called", contractId: p.contractId, method: p.method, txHash: r.txHash, value: r.value };
}
