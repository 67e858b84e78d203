/**
 * fake-nearcore: a loopback JSON-RPC server with an in-memory chain that answers near-api-js 7
 * the way nearcore 2.x does. For offline tests of anything that talks to a NEAR RPC.
 *
 * ## Starting and stopping
 *   const chain = await FakeNearcore.start({ chainId: "localnet" });
 *   chain.url                       // "http://127.0.0.1:<random port>"
 *   const root = chain.addAccount("localnet", { amount: nearToYocto(1_000_000) }); // returns a KeyPair
 *   ...
 *   await chain.close();            // also drops hanging connections
 *
 * ## Accounts and keys
 *   chain.addAccount(id, { amount?, publicKeys?, keyPair?, code? }) -> KeyPair (generated unless
 *     publicKeys/keyPair given; every key is a full-access key with nonce 0)
 *   chain.addAccessKey(id, publicKey)      chain.account(id) -> snapshot | undefined
 *   chain.accessKeys(id) -> { publicKey, nonce }[]      chain.contractState(id) -> Map (live)
 *
 * ## Contracts: behaviour is JS, registered per code hash (base58(sha256(wasm))) or per account
 *   chain.registerContract(codeHashOrAccountId, { view: { m: ctx => ... }, call: { m: ctx => ... } })
 *   nearSdkContract({ init: {...}, view: {...}, call: {...} }) mimics near-sdk: `init` methods
 *     panic "The contract has already been initialized" when the "STATE" key exists and write it
 *     afterwards; other methods panic "The contract is not initialized" without it.
 *   A method returns a JSON value (or Uint8Array for raw bytes); throwing (e.g. ContractPanic)
 *   fails with nearcore's FunctionCallError ExecutionError "Smart contract panicked: <message>",
 *   rolling back the receipt. ctx: { contractId, predecessorId, signerId, attachedDeposit,
 *   args (parsed JSON), rawArgs, state (Map; a copy in views), isView, log(), view(id, m, args),
 *   transfer(to, amount) }.
 *   Deploying code with no registered behaviour works; calling it yields MethodNotFound.
 *
 * ## RPC methods answered
 *   status, health (HTTP GET /status and /health too), block, gas_price,
 *   EXPERIMENTAL_protocol_config, query (view_account, view_access_key, view_access_key_list,
 *   view_code, view_state, call_function), send_tx, broadcast_tx_commit, broadcast_tx_async,
 *   tx, EXPERIMENTAL_tx_status. Errors use nearcore's shapes: HANDLER_ERROR UNKNOWN_ACCOUNT,
 *   NO_CONTRACT_CODE, UNKNOWN_TRANSACTION, TIMEOUT_ERROR, INVALID_TRANSACTION (InvalidNonce,
 *   NotEnoughBalance, LackBalanceForState, InvalidSignature, SignerDoesNotExist,
 *   AccessKeyNotFound, Expired), the legacy in-`result` errors for missing access keys and
 *   contract execution errors in views, and execution failures inside a successful send_tx
 *   result (status.Failure.ActionError: AccountAlreadyExists, AccountDoesNotExist,
 *   CreateAccountNotAllowed, ActorNoPermission, LackBalanceForState, FunctionCallError ...).
 *
 * ## Knobs
 *   chain.failNext(n, mode, { method? })  next n requests (optionally only of one RPC method)
 *     fail: "network" (socket destroyed), "hang" (never answered), "http503", "timeout-error"
 *     (nearcore's TIMEOUT_ERROR; for send_tx the transaction is still applied, as when nearcore
 *     gives up waiting but the transaction lands).
 *   chain.injectInvalidNonce(times = 1)   next send_tx(s) fail with InvalidNonce as if another
 *     client had used that nonce (the key's nonce is raised to the transaction's).
 *   chain.advanceBlocks(n)   chain.height   chain.advanceOnStatus = true (each status call makes a block)
 *   chain.stateSizeLimit (default 50 000): view_state above it fails with TOO_LARGE_CONTRACT_STATE
 *   chain.sentTransactions  every signed transaction received (decoded), accepted or not
 *   chain.appliedTransactions   chain.txCount (= sentTransactions.length)   chain.requests (method log)
 *   chain.resetCounters()
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { sha256 } from "@noble/hashes/sha2.js";
import { KeyPair, PublicKey, baseEncode, decodeSignedTransaction } from "near-api-js";
import { YOCTO_PER_NEAR } from "../../platform/near/amounts.js";
import { EMPTY_CODE_HASH } from "../../platform/near/code-hash.js";

const STORAGE_AMOUNT_PER_BYTE = 10_000_000_000_000_000_000n; // 1e19 yocto per byte
const GAS_PRICE = 100_000_000n;
const ACCOUNT_BASE_STORAGE = 100;
const ACCESS_KEY_STORAGE = 82; // 100 + 82 = 182, genesis' storage_usage for one full-access key
const DATA_RECORD_STORAGE = 40;
const ACTION_GAS = 2_428_000_000_000n;
const NEAR = YOCTO_PER_NEAR;

export class ContractPanic extends Error {}

export interface ContractContext {
  contractId: string;
  predecessorId: string;
  signerId: string;
  attachedDeposit: bigint;
  args: any;
  rawArgs: Uint8Array;
  state: Map<string, unknown>;
  isView: boolean;
  log(message: string): void;
  view(accountId: string, method: string, args?: unknown): unknown;
  transfer(to: string, amount: bigint): void;
}
export type ContractMethod = (ctx: ContractContext) => unknown;
export interface ContractBehaviour {
  view?: Record<string, ContractMethod>;
  call?: Record<string, ContractMethod>;
}

/** near-sdk-like init guard (see the header). */
export function nearSdkContract(spec: {
  init?: Record<string, ContractMethod>;
  view?: Record<string, ContractMethod>;
  call?: Record<string, ContractMethod>;
}): ContractBehaviour {
  const guard =
    (m: ContractMethod): ContractMethod =>
    (ctx) => {
      if (!ctx.state.has("STATE")) throw new ContractPanic("The contract is not initialized");
      return m(ctx);
    };
  const out: ContractBehaviour = { view: {}, call: {} };
  for (const [name, m] of Object.entries(spec.init ?? {})) {
    out.call![name] = (ctx) => {
      if (ctx.state.has("STATE")) throw new ContractPanic("The contract has already been initialized");
      const r = m(ctx);
      if (!ctx.state.has("STATE")) ctx.state.set("STATE", { initialized: true });
      return r;
    };
  }
  for (const [name, m] of Object.entries(spec.view ?? {})) out.view![name] = guard(m);
  for (const [name, m] of Object.entries(spec.call ?? {})) out.call![name] = guard(m);
  return out;
}

export type FailMode = "network" | "hang" | "http503" | "timeout-error";

interface AccessKeyRec {
  nonce: bigint;
  permission:
    "FullAccess" | { FunctionCall: { allowance: string | null; receiver_id: string; method_names: string[] } };
}
interface AccountRec {
  amount: bigint;
  locked: bigint;
  code?: Uint8Array;
  codeHash: string;
  keys: Map<string, AccessKeyRec>;
  state: Map<string, unknown>;
}
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
interface Block {
  height: number;
  hash: string;
  prevHash: string;
  timestampNs: bigint;
}

class TxError extends Error {
  constructor(public readonly invalidTx: unknown) {
    super("invalid transaction");
  }
}
class ActionFailure extends Error {
  constructor(public readonly actionError: { index: number | null; kind: unknown }) {
    super("action failed");
  }
}

function b58hash(bytes: Uint8Array): string {
  return baseEncode(sha256(bytes));
}
function b64(bytes: Uint8Array | string): string {
  return Buffer.from(typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes).toString("base64");
}
function bytesOf(v: unknown): Uint8Array {
  return v instanceof Uint8Array ? v : Uint8Array.from(v as number[]);
}
function cloneState(state: Map<string, unknown>): Map<string, unknown> {
  return new Map([...state].map(([k, v]) => [k, structuredClone(v)]));
}
function cloneAccount(a: AccountRec): AccountRec {
  return {
    amount: a.amount,
    locked: a.locked,
    code: a.code,
    codeHash: a.codeHash,
    keys: new Map([...a.keys].map(([k, v]) => [k, { ...v }])),
    state: cloneState(a.state),
  };
}
function storageUsage(a: AccountRec): number {
  let n = ACCOUNT_BASE_STORAGE + a.keys.size * ACCESS_KEY_STORAGE + (a.code?.length ?? 0);
  for (const [k, v] of a.state) n += DATA_RECORD_STORAGE + Buffer.byteLength(k) + Buffer.byteLength(JSON.stringify(v));
  return n;
}
function storageCost(a: AccountRec): bigint {
  return BigInt(storageUsage(a)) * STORAGE_AMOUNT_PER_BYTE;
}
function isSubAccount(child: string, parent: string): boolean {
  return child.endsWith(`.${parent}`) && !child.slice(0, -(parent.length + 1)).includes(".");
}

export interface FakeNearcoreOptions {
  chainId?: string;
  /** Protocol/status version string reported by `status`. */
  version?: string;
}

export class FakeNearcore {
  readonly chainId: string;
  url = "";
  advanceOnStatus = false;
  /** view_state refuses accounts with more state bytes than this (nearcore: trie_viewer_state_size_limit). */
  stateSizeLimit = 50_000;
  readonly sentTransactions: SentTransaction[] = [];
  readonly appliedTransactions: SentTransaction[] = [];
  readonly requests: string[] = [];
  readonly nodePublicKey: string;
  readonly validatorPublicKey: string;

  private server!: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly accounts = new Map<string, AccountRec>();
  private readonly behaviours = new Map<string, ContractBehaviour>();
  private readonly blocks: Block[] = [];
  private readonly txs = new Map<string, { signerId: string; outcome: any }>();
  private failures: { mode: FailMode; method?: string }[] = [];
  private invalidNonceInjections = 0;
  private receiptCounter = 0;
  private readonly version: string;

  private constructor(opts: FakeNearcoreOptions) {
    this.chainId = opts.chainId ?? "localnet";
    this.version = opts.version ?? "2.13.3";
    this.nodePublicKey = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    this.validatorPublicKey = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    this.pushBlock();
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
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---------------------------------------------------------------- state helpers
  addAccount(
    id: string,
    opts: { amount?: bigint; publicKeys?: string[]; keyPair?: KeyPair; code?: Uint8Array } = {},
  ): KeyPair {
    const keyPair = opts.keyPair ?? KeyPair.fromRandom("ed25519");
    const keys = new Map<string, AccessKeyRec>();
    const pks = opts.publicKeys ?? [keyPair.getPublicKey().toString()];
    for (const pk of pks) keys.set(PublicKey.from(pk).toString(), { nonce: 0n, permission: "FullAccess" });
    this.accounts.set(id, {
      amount: opts.amount ?? 100n * NEAR,
      locked: 0n,
      code: opts.code,
      codeHash: opts.code ? b58hash(opts.code) : EMPTY_CODE_HASH,
      keys,
      state: new Map(),
    });
    return keyPair;
  }

  addAccessKey(id: string, publicKey: string): void {
    this.mustAccount(id).keys.set(PublicKey.from(publicKey).toString(), { nonce: 0n, permission: "FullAccess" });
  }

  account(id: string): AccountSnapshot | undefined {
    const a = this.accounts.get(id);
    if (!a) return undefined;
    return {
      amount: a.amount,
      locked: a.locked,
      codeHash: a.codeHash,
      storageUsage: storageUsage(a),
      publicKeys: [...a.keys.keys()],
      code: a.code,
    };
  }

  accessKeys(id: string): { publicKey: string; nonce: bigint }[] {
    return [...this.mustAccount(id).keys].map(([publicKey, k]) => ({ publicKey, nonce: k.nonce }));
  }

  contractState(id: string): Map<string, unknown> {
    return this.mustAccount(id).state;
  }

  registerContract(codeHashOrAccountId: string, behaviour: ContractBehaviour): void {
    this.behaviours.set(codeHashOrAccountId, behaviour);
  }

  failNext(n: number, mode: FailMode, opts: { method?: string } = {}): void {
    for (let i = 0; i < n; i++) this.failures.push({ mode, method: opts.method });
  }

  injectInvalidNonce(times = 1): void {
    this.invalidNonceInjections += times;
  }

  advanceBlocks(n = 1): void {
    for (let i = 0; i < n; i++) this.pushBlock();
  }

  get height(): number {
    return this.head.height;
  }

  get txCount(): number {
    return this.sentTransactions.length;
  }

  resetCounters(): void {
    this.sentTransactions.length = 0;
    this.appliedTransactions.length = 0;
    this.requests.length = 0;
  }

  // ---------------------------------------------------------------- internals
  private get head(): Block {
    return this.blocks[this.blocks.length - 1];
  }

  private pushBlock(): void {
    const prev = this.blocks[this.blocks.length - 1];
    const height = prev ? prev.height + 1 : 1;
    const hash = b58hash(Buffer.from(`${this.chainId}:block:${height}`));
    this.blocks.push({
      height,
      hash,
      prevHash: prev?.hash ?? EMPTY_CODE_HASH,
      timestampNs: 1_700_000_000_000_000_000n + BigInt(height) * 1_000_000_000n,
    });
  }

  private mustAccount(id: string): AccountRec {
    const a = this.accounts.get(id);
    if (!a) throw new Error(`fake-nearcore: no account ${id}`);
    return a;
  }

  private behaviourFor(accountId: string, a: AccountRec): ContractBehaviour | undefined {
    return this.behaviours.get(accountId) ?? this.behaviours.get(a.codeHash);
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
      return this.sendJson(res, 200, {
        jsonrpc: "2.0",
        id: null,
        error: {
          name: "REQUEST_VALIDATION_ERROR",
          cause: { name: "PARSE_ERROR", info: { error_message: "JSON RPC Request format was expected" } },
          code: -32700,
          message: "Parse error",
          data: "JSON RPC Request format was expected",
        },
      });
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
      const result = this.dispatch(method, msg.params, failure === "timeout-error");
      response = { jsonrpc: "2.0", id: msg.id, result };
    } catch (e) {
      if (e instanceof RpcFailure) response = { jsonrpc: "2.0", id: msg.id, error: e.body };
      else
        response = {
          jsonrpc: "2.0",
          id: msg.id,
          error: {
            name: "INTERNAL_ERROR",
            cause: { name: "INTERNAL_ERROR", info: { error_message: String(e) } },
            code: -32000,
            message: "Server error",
            data: String(e),
          },
        };
    }
    this.sendJson(res, 200, response);
  }

  private sendJson(res: http.ServerResponse, status: number, value: unknown): void {
    const text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    res.writeHead(status, { "content-type": "application/json" }).end(text);
  }

  private dispatch(method: string, params: any, timeoutError: boolean): unknown {
    if (timeoutError && !["send_tx", "broadcast_tx_commit"].includes(method)) throw timeoutFailure();
    switch (method) {
      case "status":
        if (this.advanceOnStatus) this.pushBlock();
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
        return this.query(params);
      case "send_tx":
        return this.sendTx(params?.signed_tx_base64, params?.wait_until ?? "EXECUTED_OPTIMISTIC", timeoutError);
      case "broadcast_tx_commit":
        return this.sendTx(
          Array.isArray(params) ? params[0] : params?.signed_tx_base64,
          "EXECUTED_OPTIMISTIC",
          timeoutError,
        );
      case "broadcast_tx_async": {
        const r: any = this.sendTx(Array.isArray(params) ? params[0] : params?.signed_tx_base64, "NONE", false);
        return r.transaction_hash;
      }
      case "tx":
      case "EXPERIMENTAL_tx_status":
        return this.txStatus(params, method === "EXPERIMENTAL_tx_status");
      default:
        throw validationFailure("METHOD_NOT_FOUND", { method_name: method }, -32601, "Method not found", method);
    }
  }

  private status(): unknown {
    const head = this.head;
    const first = this.blocks[0];
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
        latest_state_root: b58hash(Buffer.from(`state:${head.height}`)),
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
    let b = this.head;
    const id = params?.block_id;
    if (id !== undefined && id !== null) {
      const found = this.blocks.find((x) => x.height === id || x.hash === id);
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

  // ---------------------------------------------------------------- query
  private query(p: any): unknown {
    const head = this.head;
    const at = { block_height: head.height, block_hash: head.hash };
    const accountId: string = p?.account_id;
    const legacyError = (error: string) => ({ error, logs: [], ...at });
    const a = this.accounts.get(accountId);
    const unknownAccount = () =>
      new RpcFailure(
        handlerError(
          "UNKNOWN_ACCOUNT",
          { requested_account_id: accountId, ...at },
          `account ${accountId} does not exist while viewing`,
        ),
      );
    switch (p?.request_type) {
      case "view_account":
        if (!a) throw unknownAccount();
        return {
          amount: a.amount.toString(),
          locked: a.locked.toString(),
          code_hash: a.codeHash,
          storage_usage: storageUsage(a),
          storage_paid_at: 0,
          global_contract_hash: null,
          global_contract_account_id: null,
          ...at,
        };
      case "view_access_key": {
        if (!a) throw unknownAccount();
        const pk = PublicKey.from(p.public_key).toString();
        const k = a.keys.get(pk);
        if (!k) return legacyError(`access key ${pk} does not exist while viewing`);
        return { nonce: Number(k.nonce), permission: k.permission, ...at };
      }
      case "view_access_key_list":
        if (!a) throw unknownAccount();
        return {
          keys: [...a.keys].map(([public_key, k]) => ({
            public_key,
            access_key: { nonce: Number(k.nonce), permission: k.permission },
          })),
          ...at,
        };
      case "view_code":
        if (!a) throw unknownAccount();
        if (!a.code)
          throw new RpcFailure(
            handlerError(
              "NO_CONTRACT_CODE",
              { contract_account_id: accountId, ...at },
              `Contract code for contract ID #${accountId} has never been observed on the node`,
            ),
          );
        return { code_base64: b64(a.code), hash: a.codeHash, ...at };
      case "view_state": {
        if (!a) throw unknownAccount();
        const stateBytes =
          storageUsage(a) - ACCOUNT_BASE_STORAGE - a.keys.size * ACCESS_KEY_STORAGE - (a.code?.length ?? 0);
        if (stateBytes > this.stateSizeLimit)
          throw new RpcFailure(
            handlerError(
              "TOO_LARGE_CONTRACT_STATE",
              { contract_account_id: accountId, ...at },
              `State of contract ${accountId} is too large to be viewed`,
            ),
          );
        const prefix = Buffer.from(p.prefix_base64 ?? "", "base64").toString("utf8");
        const values = [...a.state]
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, v]) => ({ key: b64(k), value: b64(JSON.stringify(v)) }));
        return { values, ...at };
      }
      case "call_function": {
        if (!a) throw unknownAccount();
        const args = Uint8Array.from(Buffer.from(p.args_base64 ?? "", "base64"));
        try {
          const { value, logs } = this.runView(accountId, p.method_name, args);
          return { result: [...value], logs, ...at };
        } catch (e) {
          if (e instanceof ViewError) return legacyError(`wasm execution failed with error: ${e.debug}`);
          throw e;
        }
      }
      default:
        throw new RpcFailure({
          name: "REQUEST_VALIDATION_ERROR",
          cause: { name: "PARSE_ERROR", info: { error_message: `unknown request_type ${p?.request_type}` } },
          code: -32700,
          message: "Parse error",
          data: `unknown request_type ${p?.request_type}`,
        });
    }
  }

  private runView(accountId: string, method: string, args: Uint8Array): { value: Uint8Array; logs: string[] } {
    const a = this.accounts.get(accountId);
    if (!a) throw new ViewError(`FunctionCallError(CompilationError(CodeDoesNotExist { account_id: "${accountId}" }))`);
    if (!a.code)
      throw new ViewError(`FunctionCallError(CompilationError(CodeDoesNotExist { account_id: "${accountId}" }))`);
    const beh = this.behaviourFor(accountId, a);
    const fn = beh?.view?.[method];
    if (!fn) {
      if (beh?.call?.[method])
        throw new ViewError(`FunctionCallError(HostError(ProhibitedInView { method_name: "storage_write" }))`);
      throw new ViewError("FunctionCallError(MethodResolveError(MethodNotFound))");
    }
    const logs: string[] = [];
    const ctx = this.context(accountId, "", "", 0n, args, cloneState(a.state), true, logs, () => {
      throw new ViewError(`FunctionCallError(HostError(ProhibitedInView { method_name: "promise_batch_create" }))`);
    });
    let out: unknown;
    try {
      out = fn(ctx);
    } catch (e) {
      if (e instanceof ViewError) throw e;
      throw new ViewError(`FunctionCallError(HostError(GuestPanic { panic_msg: ${JSON.stringify(errMessage(e))} }))`);
    }
    return { value: encodeReturn(out), logs };
  }

  private context(
    contractId: string,
    predecessorId: string,
    signerId: string,
    deposit: bigint,
    rawArgs: Uint8Array,
    state: Map<string, unknown>,
    isView: boolean,
    logs: string[],
    transfer: (to: string, amount: bigint) => void,
  ): ContractContext {
    let args: any = undefined;
    const text = Buffer.from(rawArgs).toString("utf8");
    if (text.length > 0) {
      try {
        args = JSON.parse(text);
      } catch {
        args = undefined;
      }
    }
    return {
      contractId,
      predecessorId,
      signerId,
      attachedDeposit: deposit,
      args,
      rawArgs,
      state,
      isView,
      log: (m) => void logs.push(m),
      view: (id, m, a) => {
        const r = this.runView(id, m, Buffer.from(JSON.stringify(a ?? {})));
        const t = Buffer.from(r.value).toString("utf8");
        return t.length ? JSON.parse(t) : undefined;
      },
      transfer,
    };
  }

  // ---------------------------------------------------------------- transactions
  private sendTx(signedB64: unknown, waitUntil: string, timeoutError: boolean): unknown {
    if (typeof signedB64 !== "string") throw parseFailure("Failed to decode transaction: missing signed_tx_base64");
    let signed;
    const bytes = Uint8Array.from(Buffer.from(signedB64, "base64"));
    try {
      signed = decodeSignedTransaction(bytes);
    } catch (e) {
      throw parseFailure(`Failed to decode transaction: ${errMessage(e)}`);
    }
    const tx = signed.transaction;
    // a signed transaction is borsh(Transaction) followed by borsh(Signature): 1 + 64 bytes for
    // ed25519, 1 + 65 for secp256k1; the hash is sha256 of the transaction part
    const sigLen = signed.signature?.secp256k1Signature ? 66 : 65;
    const txBytes = bytes.subarray(0, bytes.length - sigLen);
    const hashBytes = sha256(txBytes);
    const hash = baseEncode(hashBytes);
    const actions = (tx.actions as any[]).map(actionName);
    const record: SentTransaction = {
      hash,
      signerId: tx.signerId,
      receiverId: tx.receiverId,
      nonce: BigInt(tx.nonce),
      publicKey: tx.publicKey.toString(),
      actions,
    };
    this.sentTransactions.push(record);

    const known = this.txs.get(hash);
    if (known) return { ...known.outcome, final_execution_status: finalStatus(waitUntil) };

    try {
      const outcome = this.applyTx(signed, hash, hashBytes, bytes.length);
      this.appliedTransactions.push(record);
      this.txs.set(hash, { signerId: tx.signerId, outcome });
      if (timeoutError) throw timeoutFailure();
      if (waitUntil === "NONE") return { final_execution_status: "NONE" };
      return { ...outcome, final_execution_status: finalStatus(waitUntil) };
    } catch (e) {
      if (e instanceof TxError) {
        throw new RpcFailure({
          name: "HANDLER_ERROR",
          cause: { name: "INVALID_TRANSACTION", info: { TxExecutionError: { InvalidTxError: e.invalidTx } } },
          code: -32000,
          message: "Server error",
          data: { TxExecutionError: { InvalidTxError: e.invalidTx } },
        });
      }
      throw e;
    }
  }

  private txStatus(params: any, withReceipts: boolean): unknown {
    const hash: string = Array.isArray(params) ? params[0] : params?.tx_hash;
    const waitUntil: string = (Array.isArray(params) ? undefined : params?.wait_until) ?? "EXECUTED_OPTIMISTIC";
    const known = this.txs.get(hash);
    if (!known)
      throw new RpcFailure(
        handlerError("UNKNOWN_TRANSACTION", { requested_transaction_hash: hash }, `Transaction ${hash} doesn't exist`),
      );
    const outcome = { ...known.outcome, final_execution_status: finalStatus(waitUntil) };
    if (withReceipts) outcome.receipts = [];
    return outcome;
  }

  private applyTx(signed: any, hash: string, hashBytes: Uint8Array, size: number): Record<string, unknown> {
    const tx = signed.transaction;
    const signerId: string = tx.signerId;
    const receiverId: string = tx.receiverId;
    const pk: PublicKey = tx.publicKey;
    const pkStr = pk.toString();
    const nonce = BigInt(tx.nonce);

    if (size > 4 * 1024 * 1024) throw new TxError({ TransactionSizeExceeded: { size, limit: 4 * 1024 * 1024 } });
    const sig = signed.signature?.ed25519Signature?.data ?? signed.signature?.secp256k1Signature?.data;
    if (!sig || !pk.verify(hashBytes, bytesOf(sig))) throw new TxError("InvalidSignature");
    const blockHash = baseEncode(bytesOf(tx.blockHash));
    if (!this.blocks.some((b) => b.hash === blockHash)) throw new TxError("Expired");
    const signer = this.accounts.get(signerId);
    if (!signer) throw new TxError({ SignerDoesNotExist: { signer_id: signerId } });
    const key = signer.keys.get(pkStr);
    if (!key)
      throw new TxError({ InvalidAccessKeyError: { AccessKeyNotFound: { account_id: signerId, public_key: pkStr } } });
    if (this.invalidNonceInjections > 0) {
      this.invalidNonceInjections--;
      if (key.nonce < nonce) key.nonce = nonce; // someone else used this nonce
    }
    if (nonce <= key.nonce)
      throw new TxError({ InvalidNonce: { tx_nonce: Number(nonce), ak_nonce: Number(key.nonce) } });

    const actions: any[] = tx.actions;
    let deposits = 0n;
    let prepaidGas = 0n;
    for (const act of actions) {
      if (act.transfer) deposits += BigInt(act.transfer.deposit);
      if (act.functionCall) {
        deposits += BigInt(act.functionCall.deposit);
        prepaidGas += BigInt(act.functionCall.gas);
      }
    }
    const burnt = ACTION_GAS * BigInt(Math.max(actions.length, 1));
    const cost = deposits + (burnt + prepaidGas) * GAS_PRICE;
    if (signer.amount < cost)
      throw new TxError({
        NotEnoughBalance: { signer_id: signerId, balance: signer.amount.toString(), cost: cost.toString() },
      });
    const afterCharge = signer.amount - cost;
    const signerStorage = storageCost(signer);
    if (afterCharge < signerStorage)
      throw new TxError({
        LackBalanceForState: { signer_id: signerId, amount: (signerStorage - afterCharge).toString() },
      });

    // accepted: bump nonce, charge, produce a block
    key.nonce = nonce;
    signer.amount = afterCharge;
    this.pushBlock();
    const block = this.head;

    const receiptId = this.newId("receipt");
    const refundId = this.newId("refund");
    const logs: string[] = [];
    let status: any;
    let returnValue: Uint8Array = new Uint8Array();
    // refund the unused prepaid gas (the fake burns no function-call gas)
    signer.amount += prepaidGas * GAS_PRICE;
    try {
      returnValue = this.applyActions(signerId, receiverId, actions, logs);
      status = { SuccessValue: b64(returnValue) };
    } catch (e) {
      if (!(e instanceof ActionFailure)) throw e;
      status = { Failure: { ActionError: e.actionError } };
      this.accounts.get(signerId)!.amount += deposits; // refund receipt
    }

    const txStatus = { SuccessReceiptId: receiptId };
    const outcome = {
      status: "Failure" in status ? status : { SuccessValue: status.SuccessValue },
      transaction: {
        signer_id: signerId,
        public_key: pkStr,
        nonce: Number(nonce),
        receiver_id: receiverId,
        actions: actions.map(actionView),
        priority_fee: 0,
        signature: `ed25519:${baseEncode(bytesOf(sig))}`,
        hash,
      },
      transaction_outcome: {
        proof: [],
        block_hash: block.hash,
        id: hash,
        outcome: {
          logs: [],
          receipt_ids: [receiptId],
          gas_burnt: Number(ACTION_GAS),
          tokens_burnt: (ACTION_GAS * GAS_PRICE).toString(),
          executor_id: signerId,
          status: txStatus,
          metadata: { version: 1, gas_profile: null },
        },
      },
      receipts_outcome: [
        {
          proof: [],
          block_hash: block.hash,
          id: receiptId,
          outcome: {
            logs,
            receipt_ids: [refundId],
            gas_burnt: Number(burnt - ACTION_GAS),
            tokens_burnt: ((burnt - ACTION_GAS) * GAS_PRICE).toString(),
            executor_id: receiverId,
            status,
            metadata: { version: 3, gas_profile: [] },
          },
        },
        {
          proof: [],
          block_hash: block.hash,
          id: refundId,
          outcome: {
            logs: [],
            receipt_ids: [],
            gas_burnt: 0,
            tokens_burnt: "0",
            executor_id: signerId,
            status: { SuccessValue: "" },
            metadata: { version: 3, gas_profile: [] },
          },
        },
      ],
    };
    return outcome;
  }

  /** Applies a receipt's actions atomically on the receiver; throws ActionFailure after rolling back. */
  private applyActions(predecessorId: string, receiverId: string, actions: any[], logs: string[]): Uint8Array {
    const snapshot = new Map([...this.accounts].map(([k, v]) => [k, cloneAccount(v)]));
    const rollback = () => {
      this.accounts.clear();
      for (const [k, v] of snapshot) this.accounts.set(k, v);
    };
    let created = false;
    let ret: Uint8Array = new Uint8Array();
    const fail = (index: number | null, kind: unknown): never => {
      rollback();
      throw new ActionFailure({ index, kind });
    };
    for (const [index, act] of actions.entries()) {
      const receiver = this.accounts.get(receiverId);
      const needsOwner = act.addKey || act.deleteKey || act.deployContract || act.deleteAccount || act.stake;
      if (needsOwner && predecessorId !== receiverId && !created)
        fail(index, { ActorNoPermission: { account_id: receiverId, actor_id: predecessorId } });
      if (act.createAccount) {
        if (receiver) fail(index, { AccountAlreadyExists: { account_id: receiverId } });
        const topLevel = !receiverId.includes(".");
        if (topLevel ? receiverId.length < 32 : !isSubAccount(receiverId, predecessorId)) {
          if (topLevel)
            fail(index, {
              CreateAccountOnlyByRegistrar: {
                account_id: receiverId,
                registrar_account_id: "registrar",
                predecessor_id: predecessorId,
              },
            });
          fail(index, { CreateAccountNotAllowed: { account_id: receiverId, predecessor_id: predecessorId } });
        }
        this.accounts.set(receiverId, {
          amount: 0n,
          locked: 0n,
          codeHash: EMPTY_CODE_HASH,
          keys: new Map(),
          state: new Map(),
        });
        created = true;
        continue;
      }
      if (!receiver) fail(index, { AccountDoesNotExist: { account_id: receiverId } });
      const r = receiver!;
      if (act.transfer) {
        r.amount += BigInt(act.transfer.deposit);
      } else if (act.addKey) {
        const pk = PublicKey.from(act.addKey.publicKey).toString();
        if (r.keys.has(pk)) fail(index, { AddKeyAlreadyExists: { account_id: receiverId, public_key: pk } });
        r.keys.set(pk, { nonce: 0n, permission: permissionView(act.addKey.accessKey.permission) });
      } else if (act.deleteKey) {
        const pk = PublicKey.from(act.deleteKey.publicKey).toString();
        if (!r.keys.delete(pk)) fail(index, { DeleteKeyDoesNotExist: { account_id: receiverId, public_key: pk } });
      } else if (act.deployContract) {
        r.code = bytesOf(act.deployContract.code);
        r.codeHash = b58hash(r.code);
      } else if (act.deleteAccount) {
        const beneficiary = this.accounts.get(act.deleteAccount.beneficiaryId);
        if (beneficiary) beneficiary.amount += r.amount;
        this.accounts.delete(receiverId);
      } else if (act.functionCall) {
        const fc = act.functionCall;
        const deposit = BigInt(fc.deposit);
        r.amount += deposit;
        if (!r.code)
          fail(index, { FunctionCallError: { CompilationError: { CodeDoesNotExist: { account_id: receiverId } } } });
        const fn =
          this.behaviourFor(receiverId, r)?.call?.[fc.methodName] ??
          this.behaviourFor(receiverId, r)?.view?.[fc.methodName];
        if (!fn) fail(index, { FunctionCallError: { MethodResolveError: "MethodNotFound" } });
        const ctx = this.context(
          receiverId,
          predecessorId,
          predecessorId,
          deposit,
          bytesOf(fc.args),
          r.state,
          false,
          logs,
          (to, amount) => {
            if (r.amount < amount) throw new ContractPanic("Not enough balance to transfer");
            const dest = this.accounts.get(to);
            if (!dest) throw new ContractPanic(`Account ${to} does not exist`);
            r.amount -= amount;
            dest.amount += amount;
          },
        );
        try {
          ret = encodeReturn(fn!(ctx));
        } catch (e) {
          fail(index, { FunctionCallError: { ExecutionError: `Smart contract panicked: ${errMessage(e)}` } });
        }
      } else if (act.stake) {
        fail(index, {
          TriesToStake: {
            account_id: receiverId,
            stake: String(act.stake.stake),
            locked: "0",
            balance: r.amount.toString(),
          },
        });
      }
    }
    for (const id of new Set([receiverId, predecessorId])) {
      const acc = this.accounts.get(id);
      if (acc && acc.amount < storageCost(acc))
        fail(null, { LackBalanceForState: { account_id: id, amount: (storageCost(acc) - acc.amount).toString() } });
    }
    return ret;
  }

  private newId(kind: string): string {
    this.receiptCounter++;
    return b58hash(Buffer.from(`${kind}:${this.receiptCounter}:${this.head.hash}`));
  }
}

class RpcFailure extends Error {
  constructor(public readonly body: unknown) {
    super("rpc failure");
  }
}
class ViewError extends Error {
  constructor(public readonly debug: string) {
    super(debug);
  }
}

function handlerError(name: string, info: unknown, data: string) {
  return { name: "HANDLER_ERROR", cause: { name, info }, code: -32000, message: "Server error", data };
}
function timeoutFailure(): RpcFailure {
  return new RpcFailure(handlerError("TIMEOUT_ERROR", {}, "Timeout"));
}
/** nearcore's REQUEST_VALIDATION_ERROR (an error about the request itself, not the chain). */
function validationFailure(cause: string, info: unknown, code: number, message: string, data: unknown): RpcFailure {
  return new RpcFailure({ name: "REQUEST_VALIDATION_ERROR", cause: { name: cause, info }, code, message, data });
}
function parseFailure(message: string): RpcFailure {
  return validationFailure("PARSE_ERROR", { error_message: message }, -32700, "Parse error", message);
}
function finalStatus(waitUntil: string): string {
  return waitUntil === "NONE"
    ? "NONE"
    : waitUntil === "INCLUDED"
      ? "INCLUDED"
      : waitUntil === "INCLUDED_FINAL"
        ? "INCLUDED_FINAL"
        : waitUntil === "EXECUTED"
          ? "EXECUTED"
          : waitUntil === "FINAL"
            ? "FINAL"
            : "EXECUTED_OPTIMISTIC";
}
function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
function encodeReturn(v: unknown): Uint8Array {
  if (v === undefined) return new Uint8Array();
  if (v instanceof Uint8Array) return v;
  return Uint8Array.from(Buffer.from(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x))));
}
function actionName(a: any): string {
  if (a.createAccount) return "CreateAccount";
  if (a.transfer) return "Transfer";
  if (a.addKey) return "AddKey";
  if (a.deleteKey) return "DeleteKey";
  if (a.deployContract) return "DeployContract";
  if (a.functionCall) return `FunctionCall:${a.functionCall.methodName}`;
  if (a.deleteAccount) return "DeleteAccount";
  if (a.stake) return "Stake";
  return Object.keys(a).find((k) => k !== "enum") ?? "Unknown";
}
/** An AddKey action's permission as nearcore's views show it. */
function permissionView(perm: any): AccessKeyRec["permission"] {
  return perm.fullAccess
    ? "FullAccess"
    : {
        FunctionCall: {
          allowance: perm.functionCall.allowance == null ? null : String(perm.functionCall.allowance),
          receiver_id: perm.functionCall.receiverId,
          method_names: perm.functionCall.methodNames,
        },
      };
}
function actionView(a: any): unknown {
  if (a.createAccount) return "CreateAccount";
  if (a.transfer) return { Transfer: { deposit: String(a.transfer.deposit) } };
  if (a.addKey) {
    return {
      AddKey: {
        public_key: PublicKey.from(a.addKey.publicKey).toString(),
        access_key: { nonce: 0, permission: permissionView(a.addKey.accessKey.permission) },
      },
    };
  }
  if (a.deleteKey) return { DeleteKey: { public_key: PublicKey.from(a.deleteKey.publicKey).toString() } };
  // nearcore's view shows the code's hash (base64), not the code
  if (a.deployContract) return { DeployContract: { code: b64(sha256(bytesOf(a.deployContract.code))) } };
  if (a.functionCall)
    return {
      FunctionCall: {
        method_name: a.functionCall.methodName,
        args: b64(bytesOf(a.functionCall.args)),
        gas: Number(a.functionCall.gas),
        deposit: String(a.functionCall.deposit),
      },
    };
  if (a.deleteAccount) return { DeleteAccount: { beneficiary_id: a.deleteAccount.beneficiaryId } };
  return actionName(a);
}

/** base58(sha256(bytes)): the code hash nearcore reports for deployed wasm. */
export function codeHashOf(wasm: Uint8Array): string {
  return b58hash(wasm);
}

export { KeyPair };
