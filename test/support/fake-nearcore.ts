/**
 * fake-nearcore: a loopback JSON-RPC server with an in-memory chain that answers near-api-js 7
 * the way nearcore 2.x does, and runs the real contract wasm (test/support/near-vm). For offline
 * tests of anything that talks to a NEAR RPC.
 *
 * ## Starting and stopping
 *   const chain = await FakeNearcore.start({ chainId: "localnet" });
 *   chain.url                       // "http://127.0.0.1:<random port>"
 *   const root = chain.addAccount("localnet", { amount: nearToYocto(1_000_000) }); // returns a KeyPair
 *   ...
 *   await chain.close();            // also drops hanging connections and waiting requests
 *
 * ## Accounts and keys
 *   chain.addAccount(id, { amount?, publicKeys?, keyPair?, code? }) -> KeyPair (generated unless
 *     publicKeys/keyPair given; every key is a full-access key with nonce 0)
 *   chain.addAccessKey(id, publicKey)      chain.account(id) -> snapshot | undefined
 *   chain.accessKeys(id) -> { publicKey, nonce }[]      chain.contractState(id) -> Map (live; keys are
 *     the key bytes as latin1 text, values bytes)
 *   chain.snapshot() -> a copy of the accounts and blocks; FakeNearcore.start({ from: snapshot }) starts
 *     another chain from it (a state that is costly to build, built once)
 *
 * ## Contracts, receipts, blocks
 *   DeployContract stores the code; FunctionCall actions (of transactions and of receipts) run it in
 *   near-vm; views (call_function) run it read-only. A transaction is checked and charged, included in
 *   a new block and its first receipt executed there; the receipts its calls create (promises) run in
 *   later blocks, callbacks seeing their dependencies' results. A receipt is atomic: a failed one rolls
 *   back its own changes only (earlier receipts stay), refunds its deposits to the predecessor; unused
 *   gas goes back to the signer. Storage staking: after a receipt, its receiver's balance (amount +
 *   locked) must cover storage_usage * 10^19 yoctoNEAR, else LackBalanceForState. Gas: a transaction
 *   burns a constant per action, each call near-vm's CALL_BURNT_GAS; the rest of the prepaid gas goes
 *   on to the receipts created or back to the signer (contracts get no share of burnt gas).
 *   Blocks are produced on demand, so tests stay deterministic: one per accepted transaction, then one
 *   per round while receipts are ready; chain.advanceBlocks(n) produces n more (then drains);
 *   chain.advanceOnStatus = true makes each `status` call produce one.
 *   Yields: promise_yield_create's callback runs in the block after a promise_yield_resume (same or a
 *   later receipt of that account) with the payload, or, when nobody resumes, with a failed result in
 *   the block at its creation height + 200 (yield_timeout_length_in_blocks): only blocks time it out.
 *   chain.onFunctionCall(listener) -> unsubscribe: every executed FunctionCall (FunctionCallEvent).
 *   chain.minimumStake: Stake actions below it fail with InsufficientStake (as on a localnet).
 *
 * ## RPC methods answered
 *   status, health (HTTP GET /status and /health too), block, gas_price,
 *   EXPERIMENTAL_protocol_config, query (view_account, view_access_key, view_access_key_list,
 *   view_code, view_state, call_function), send_tx, broadcast_tx_commit, broadcast_tx_async,
 *   tx, EXPERIMENTAL_tx_status. A transaction's final outcome exists once every receipt of it has
 *   executed: send_tx / tx waiting for EXECUTED_OPTIMISTIC, EXECUTED or FINAL wait for that (at most
 *   chain.rpcWaitMs, nearcore's polling_timeout of 10 s, then TIMEOUT_ERROR); NONE answers at once,
 *   INCLUDED / INCLUDED_FINAL answer with the outcome so far (status "Started" while pending).
 *   Errors use nearcore's shapes: HANDLER_ERROR UNKNOWN_ACCOUNT, NO_CONTRACT_CODE,
 *   UNKNOWN_TRANSACTION, TIMEOUT_ERROR, INVALID_TRANSACTION (InvalidNonce, NotEnoughBalance,
 *   LackBalanceForState, InvalidSignature, SignerDoesNotExist, AccessKeyNotFound and the other
 *   access-key permission errors, Expired), the legacy in-`result` errors for missing access keys and
 *   contract execution errors in views, and execution failures inside a successful send_tx result
 *   (status.Failure.ActionError: AccountAlreadyExists, AccountDoesNotExist, CreateAccountNotAllowed,
 *   ActorNoPermission, LackBalanceForState, FunctionCallError ...).
 *
 * ## Knobs
 *   chain.failNext(n, mode, { method? })  next n requests (optionally only of one RPC method)
 *     fail: "network" (socket destroyed), "hang" (never answered), "http503", "timeout-error"
 *     (nearcore's TIMEOUT_ERROR; for send_tx the transaction is still applied, as when nearcore
 *     gives up waiting but the transaction lands).
 *   chain.injectInvalidNonce(times = 1)   next send_tx(s) fail with InvalidNonce as if another
 *     client had used that nonce (the key's nonce is raised to the transaction's).
 *   chain.blockHeight (alias chain.height)   chain.stateSizeLimit (default 50 000): view_state above
 *     it fails with TOO_LARGE_CONTRACT_STATE
 *   chain.sentTransactions  every signed transaction received (decoded), accepted or not
 *   chain.appliedTransactions   chain.txCount (= sentTransactions.length)   chain.requests (method log)
 *   chain.resetCounters()
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { sha256 } from "@noble/hashes/sha2.js";
import { KeyPair, PublicKey, baseEncode } from "near-api-js";
import { YOCTO_PER_NEAR } from "../../platform/near/amounts.js";
import { EMPTY_CODE_HASH } from "../../platform/near/code-hash.js";
import {
  STORAGE_AMOUNT_PER_BYTE,
  codeHashOf,
  newAccount,
  setCode,
  storageUsage,
  type AccountRec,
} from "./fake-nearcore/accounts.js";
import { Chain, GAS_PRICE, type Block, type FunctionCallEvent, type TxRecord } from "./fake-nearcore/chain.js";
import { RpcFailure, handlerError, parseFailure, query, validationFailure } from "./fake-nearcore/query.js";
import { decodeSignedTx, type DecodedTx } from "./fake-nearcore/borsh.js";
import { TxError, acceptTransaction, actionName, outcomeView } from "./fake-nearcore/transactions.js";

export { YIELD_TIMEOUT_BLOCKS, type FunctionCallEvent } from "./fake-nearcore/chain.js";
export { codeHashOf };

export type FailMode = "network" | "hang" | "http503" | "timeout-error";

export interface AccountSnapshot {
  amount: bigint;
  locked: bigint;
  codeHash: string;
  storageUsage: number;
  publicKeys: string[];
  code?: Uint8Array;
}
export interface SentTransaction {
  hash: string;
  signerId: string;
  receiverId: string;
  nonce: bigint;
  publicKey: string;
  actions: string[]; // e.g. ["CreateAccount", "Transfer", "AddKey", "DeployContract", "FunctionCall:new"]
}

export interface FakeNearcoreOptions {
  chainId?: string;
  /** Protocol/status version string reported by `status`. */
  version?: string;
  /** Start from a copy of a chain's state (chain.snapshot()): accounts, contract state and blocks. */
  from?: ChainSnapshot;
}

/** A chain's accounts and blocks at one moment (FakeNearcore.snapshot). */
export interface ChainSnapshot {
  chainId: string;
  accounts: Map<string, AccountRec>;
  blocks: Block[];
}

const EXECUTED = ["EXECUTED_OPTIMISTIC", "EXECUTED", "FINAL"];

export class FakeNearcore {
  readonly chainId: string;
  url = "";
  advanceOnStatus = false;
  /** view_state refuses accounts with more state bytes than this (nearcore: trie_viewer_state_size_limit). */
  stateSizeLimit = 50_000;
  /** How long send_tx / tx wait for a transaction's receipts (nearcore: polling_timeout). */
  rpcWaitMs = 10_000;
  readonly sentTransactions: SentTransaction[] = [];
  readonly appliedTransactions: SentTransaction[] = [];
  readonly requests: string[] = [];
  readonly nodePublicKey: string;
  readonly validatorPublicKey: string;

  private server!: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly chain: Chain;
  private readonly waits = new Set<() => void>();
  private failures: { mode: FailMode; method?: string }[] = [];
  private invalidNonceInjections = 0;
  private readonly version: string;

  private constructor(opts: FakeNearcoreOptions) {
    this.chainId = opts.chainId ?? opts.from?.chainId ?? "localnet";
    this.version = opts.version ?? "2.13.3";
    this.chain = new Chain(this.chainId);
    if (opts.from) this.chain.copyFrom(opts.from);
    this.nodePublicKey = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    this.validatorPublicKey = KeyPair.fromRandom("ed25519").getPublicKey().toString();
  }

  static async start(opts: FakeNearcoreOptions = {}): Promise<FakeNearcore> {
    const fake = new FakeNearcore(opts);
    fake.server = http.createServer((req, res) => void fake.handle(req, res));
    fake.server.on("connection", (s) => {
      fake.sockets.add(s);
      s.on("close", () => fake.sockets.delete(s));
    });
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.url = `http://127.0.0.1:${port}`;
    return fake;
  }

  async close(): Promise<void> {
    for (const cancel of [...this.waits]) cancel();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- state helpers
  addAccount(
    id: string,
    opts: { amount?: bigint; publicKeys?: string[]; keyPair?: KeyPair; code?: Uint8Array } = {},
  ): KeyPair {
    const keyPair = opts.keyPair ?? KeyPair.fromRandom("ed25519");
    const a = newAccount(opts.amount ?? 100n * YOCTO_PER_NEAR);
    for (const pk of opts.publicKeys ?? [keyPair.getPublicKey().toString()]) {
      a.keys.set(PublicKey.from(pk).toString(), { nonce: 0n, permission: "FullAccess" });
    }
    if (opts.code) setCode(a, opts.code);
    this.chain.accounts.set(id, a);
    return keyPair;
  }

  addAccessKey(id: string, publicKey: string): void {
    this.mustAccount(id).keys.set(PublicKey.from(publicKey).toString(), { nonce: 0n, permission: "FullAccess" });
  }

  account(id: string): AccountSnapshot | undefined {
    const a = this.chain.accounts.get(id);
    if (!a) return undefined;
    return {
      amount: a.amount,
      locked: a.locked,
      codeHash: a.codeHash,
      storageUsage: Number(storageUsage(a)),
      publicKeys: [...a.keys.keys()],
      code: a.code,
    };
  }

  accessKeys(id: string): { publicKey: string; nonce: bigint }[] {
    return [...this.mustAccount(id).keys].map(([publicKey, k]) => ({ publicKey, nonce: k.nonce }));
  }

  contractState(id: string): Map<string, Uint8Array> {
    return this.mustAccount(id).state;
  }

  /** The accounts and blocks now, to start other chains from (FakeNearcore.start({ from })). */
  snapshot(): ChainSnapshot {
    const copy = new Chain(this.chainId);
    copy.copyFrom(this.chain);
    return { chainId: this.chainId, accounts: copy.accounts, blocks: [...copy.blocks] };
  }

  onFunctionCall(listener: (e: FunctionCallEvent) => void): () => void {
    return this.chain.onFunctionCall(listener);
  }

  get minimumStake(): bigint {
    return this.chain.minimumStake;
  }
  set minimumStake(v: bigint) {
    this.chain.minimumStake = v;
  }

  failNext(n: number, mode: FailMode, opts: { method?: string } = {}): void {
    for (let i = 0; i < n; i++) this.failures.push({ mode, method: opts.method });
  }

  injectInvalidNonce(times = 1): void {
    this.invalidNonceInjections += times;
  }

  /** Produces n blocks (running what is ready in each, timing out yields), then runs what became ready. */
  advanceBlocks(n = 1): void {
    for (let i = 0; i < n; i++) this.chain.produceBlock();
    this.chain.drain();
  }

  get blockHeight(): number {
    return this.chain.head.height;
  }

  get height(): number {
    return this.blockHeight;
  }

  get txCount(): number {
    return this.sentTransactions.length;
  }

  resetCounters(): void {
    this.sentTransactions.length = 0;
    this.appliedTransactions.length = 0;
    this.requests.length = 0;
  }

  // ---------------------------------------------------------------- HTTP and JSON-RPC
  private mustAccount(id: string): AccountRec {
    const a = this.chain.accounts.get(id);
    if (!a) throw new Error(`fake-nearcore: no account ${id}`);
    return a;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    if (req.method === "GET" && (req.url === "/status" || req.url === "/health")) {
      if (req.url === "/health") return void res.writeHead(200).end();
      return this.sendJson(res, 200, this.status());
    }
    let msg: any;
    try {
      msg = JSON.parse(body);
    } catch {
      const e = parseFailure("JSON RPC Request format was expected");
      return this.sendJson(res, 200, { jsonrpc: "2.0", id: null, error: e.body });
    }
    const method: string = msg.method;
    this.requests.push(method);
    const fi = this.failures.findIndex((f) => !f.method || f.method === method);
    let failure: FailMode | undefined;
    if (fi >= 0) {
      failure = this.failures[fi].mode;
      this.failures.splice(fi, 1);
      if (failure === "network") return void req.socket.destroy();
      if (failure === "hang") return; // never answered; close() drops the socket
      if (failure === "http503") return void res.writeHead(503).end("Service Unavailable");
    }
    let response: any;
    try {
      const result = await this.dispatch(method, msg.params, failure === "timeout-error");
      response = { jsonrpc: "2.0", id: msg.id, result };
    } catch (e) {
      const error =
        e instanceof RpcFailure
          ? e.body
          : {
              name: "INTERNAL_ERROR",
              cause: { name: "INTERNAL_ERROR", info: { error_message: String(e) } },
              code: -32000,
              message: "Server error",
              data: String(e),
            };
      response = { jsonrpc: "2.0", id: msg.id, error };
    }
    if (!res.destroyed) this.sendJson(res, 200, response);
  }

  private sendJson(res: http.ServerResponse, status: number, value: unknown): void {
    const text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    res.writeHead(status, { "content-type": "application/json" }).end(text);
  }

  private async dispatch(method: string, params: any, timeoutError: boolean): Promise<unknown> {
    if (timeoutError && !["send_tx", "broadcast_tx_commit"].includes(method)) throw timeoutFailure();
    const signedOf = () => (Array.isArray(params) ? params[0] : params?.signed_tx_base64);
    switch (method) {
      case "status":
        if (this.advanceOnStatus) this.advanceBlocks(1);
        return this.status();
      case "health":
        return null;
      case "block":
        return this.blockView(params);
      case "gas_price":
        return { gas_price: GAS_PRICE.toString() };
      case "EXPERIMENTAL_protocol_config":
        return {
          chain_id: this.chainId,
          protocol_version: 73,
          runtime_config: { storage_amount_per_byte: STORAGE_AMOUNT_PER_BYTE.toString() },
        };
      case "query":
        return query(this.chain, params, this.stateSizeLimit);
      case "send_tx":
        return this.sendTx(params?.signed_tx_base64, params?.wait_until ?? "EXECUTED_OPTIMISTIC", timeoutError);
      case "broadcast_tx_commit":
        return this.sendTx(signedOf(), "EXECUTED_OPTIMISTIC", timeoutError);
      case "broadcast_tx_async":
        return this.receiveTx(signedOf()).hash;
      case "tx":
      case "EXPERIMENTAL_tx_status":
        return this.txStatus(params, method === "EXPERIMENTAL_tx_status");
      default:
        throw validationFailure("METHOD_NOT_FOUND", { method_name: method }, -32601, "Method not found", method);
    }
  }

  private status(): unknown {
    const head = this.chain.head;
    const first = this.chain.blocks[0];
    const iso = (b: Block) => new Date(Number(b.timestampNs / 1_000_000n)).toISOString();
    return {
      chain_id: this.chainId,
      genesis_hash: first.hash,
      latest_protocol_version: 73,
      protocol_version: 73,
      node_key: this.validatorPublicKey, // deprecated alias of the validator key
      node_public_key: this.nodePublicKey,
      rpc_addr: "0.0.0.0:3030",
      sync_info: {
        earliest_block_hash: first.hash,
        earliest_block_height: first.height,
        earliest_block_time: iso(first),
        epoch_id: EMPTY_CODE_HASH,
        epoch_start_height: first.height,
        latest_block_hash: head.hash,
        latest_block_height: head.height,
        latest_block_time: iso(head),
        latest_state_root: baseEncode(sha256(Buffer.from(`state:${head.height}`))),
        syncing: false,
      },
      uptime_sec: head.height,
      validator_account_id: "node0",
      validator_public_key: this.validatorPublicKey,
      validators: [{ account_id: "node0" }],
      version: { build: this.version, rustc_version: "1.86.0", version: this.version },
    };
  }

  private blockView(params: any): unknown {
    let b = this.chain.head;
    const id = params?.block_id;
    if (id !== undefined && id !== null) {
      const found = this.chain.blocks.find((x) => x.height === id || x.hash === id);
      if (!found) throw new RpcFailure(handlerError("UNKNOWN_BLOCK", {}, `DB Not Found Error: BLOCK: ${String(id)}`));
      b = found;
    }
    return {
      author: "node0",
      chunks: [],
      header: {
        height: b.height,
        hash: b.hash,
        prev_hash: b.prevHash,
        timestamp: Number(b.timestampNs),
        timestamp_nanosec: b.timestampNs.toString(),
        epoch_id: EMPTY_CODE_HASH,
        next_epoch_id: EMPTY_CODE_HASH,
        chunks_included: 1,
        gas_price: GAS_PRICE.toString(),
        latest_protocol_version: 73,
      },
    };
  }

  // ---------------------------------------------------------------- transactions
  /** Decodes and records a signed transaction; applies it unless it is known. */
  private receiveTx(signedB64: unknown): TxRecord {
    if (typeof signedB64 !== "string") throw parseFailure("Failed to decode transaction: missing signed_tx_base64");
    const bytes = Uint8Array.from(Buffer.from(signedB64, "base64"));
    let tx: DecodedTx;
    try {
      tx = decodeSignedTx(bytes);
    } catch (e) {
      throw parseFailure(`Failed to decode transaction: ${e instanceof Error ? e.message : String(e)}`);
    }
    const hash = baseEncode(sha256(tx.txBytes));
    const record: SentTransaction = {
      hash,
      signerId: tx.signerId,
      receiverId: tx.receiverId,
      nonce: tx.nonce,
      publicKey: tx.publicKey.toString(),
      actions: tx.actions.map(actionName),
    };
    this.sentTransactions.push(record);
    const known = this.chain.txs.get(hash);
    if (known) return known;
    const nonceStolen = this.invalidNonceInjections > 0;
    if (nonceStolen) this.invalidNonceInjections--;
    try {
      const applied = acceptTransaction(this.chain, { tx, hash, size: bytes.length, nonceStolen });
      this.appliedTransactions.push(record);
      return applied;
    } catch (e) {
      if (!(e instanceof TxError)) throw e;
      const data = { TxExecutionError: { InvalidTxError: e.invalidTx } };
      throw new RpcFailure({
        name: "HANDLER_ERROR",
        cause: { name: "INVALID_TRANSACTION", info: data },
        code: -32000,
        message: "Server error",
        data,
      });
    }
  }

  private async sendTx(signedB64: unknown, waitUntil: string, timeoutError: boolean): Promise<unknown> {
    const tx = this.receiveTx(signedB64);
    if (timeoutError) throw timeoutFailure();
    if (waitUntil === "NONE") return { final_execution_status: "NONE" };
    return this.answer(tx, waitUntil, false);
  }

  private async txStatus(params: any, withReceipts: boolean): Promise<unknown> {
    const hash: string = Array.isArray(params) ? params[0] : params?.tx_hash;
    const waitUntil: string = (Array.isArray(params) ? undefined : params?.wait_until) ?? "EXECUTED_OPTIMISTIC";
    const tx = this.chain.txs.get(hash);
    if (!tx) {
      const data = `Transaction ${hash} doesn't exist`;
      throw new RpcFailure(handlerError("UNKNOWN_TRANSACTION", { requested_transaction_hash: hash }, data));
    }
    return this.answer(tx, waitUntil, withReceipts);
  }

  /** The outcome once the transaction reached `waitUntil` (every block here is final at once). */
  private async answer(tx: TxRecord, waitUntil: string, withReceipts: boolean): Promise<unknown> {
    if (EXECUTED.includes(waitUntil) && tx.pending > 0) await this.untilExecuted(tx);
    return { ...outcomeView(tx, withReceipts), final_execution_status: tx.pending > 0 ? "INCLUDED_FINAL" : "FINAL" };
  }

  private untilExecuted(tx: TxRecord): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        tx.waiters.delete(executed);
        this.waits.delete(cancel);
      };
      const executed = () => {
        done();
        resolve();
      };
      const cancel = () => {
        done();
        reject(timeoutFailure());
      };
      const timer = setTimeout(cancel, this.rpcWaitMs);
      tx.waiters.add(executed);
      this.waits.add(cancel);
    });
  }
}

function timeoutFailure(): RpcFailure {
  return new RpcFailure(handlerError("TIMEOUT_ERROR", {}, "Timeout"));
}

export { KeyPair };
