// The declarative, idempotent `apply` operation and the Layer 2 plan builder.
//
// A plan is JSON (it travels base64-encoded as the CLI payload); keys are references only:
// {
//   "rpcUrl": "http://127.0.0.1:3030",          optional
//   "chainId": "localnet",                      optional: refuse to touch another chain
//   "keys": { "localnet": "ssm:/near-localnet/localnet-account-key" },   signing keys per account
//   "wasmCacheDir": "/opt/near-localnet/wasm",  optional
//   "steps": [
//     { "kind": "account", "accountId": "faucet.localnet", "creator": "localnet", "balance": "1000 NEAR",
//       "publicKey": "ed25519:..." },            publicKey optional: the key of keys[accountId], else the creator's
//     { "kind": "deploy", "accountId": "whitelist.localnet", "creator": "localnet", "balance": "15 NEAR",
//       "wasm": { "url": "...", "sha256": "<hex>", "size": 125918 },
//       "init": { "method": "new", "args": {...}, "gas": "100 Tgas" } },
//     { "kind": "call", "signer": "localnet", "contractId": "whitelist.localnet", "method": "add_factory",
//       "args": {...}, "unless": { "method": "is_factory_whitelisted", "args": {...}, "equals": true },
//       "expect": { ... same shape ... } }
//   ]
// }
// Each step emits one line {"event":"step","index":i,"kind":...,"action":"created|unchanged|topped-up|
// deployed|initialised|called|skipped",...}; a re-run against a chain in the wanted state sends nothing.
import { isValidAccountId } from "./account-id.js";
import { OpsError } from "./errors.js";
import type { KeyResolver } from "./keys.js";
import { LOCAL_RPC_URL } from "./ports.js";
import { sleep } from "../time.js";
import { actions } from "near-api-js";
import {
  TGAS,
  callMethod,
  codeHashFromSha256,
  connect,
  deployContract,
  ensureAccount,
  sendTransaction,
  toYocto,
  viewAccount,
  type ConnectOptions,
  type NearConnection,
  type Signer,
  type WasmSource,
} from "./client.js";

export type KeyRef = string;

export interface AccountStep {
  kind: "account";
  accountId: string;
  creator: string;
  balance: string;
  publicKey?: string;
  /** The key is a function-call key for this contract (any method, no allowance limit), not full access. */
  functionCallOn?: string;
  /** An existing account holding less than `balance` gets the difference from the creator. */
  topUp?: boolean;
}
export interface DeployStep {
  kind: "deploy";
  accountId: string;
  wasm: WasmSource;
  creator?: string;
  balance?: string;
  publicKey?: string;
  init?: { method: string; args?: unknown; gas?: string; deposit?: string };
}
interface ViewConditionSpec {
  method: string;
  args?: unknown;
  equals: unknown;
}
interface CallStep {
  kind: "call";
  signer: string;
  contractId: string;
  method: string;
  args?: unknown;
  deposit?: string;
  gas?: string;
  unless?: ViewConditionSpec;
  expect?: ViewConditionSpec;
}
type PlanStep = AccountStep | DeployStep | CallStep;

export interface Plan {
  rpcUrl?: string;
  chainId?: string;
  keys: Record<string, KeyRef>;
  wasmCacheDir?: string;
  steps: PlanStep[];
}

export interface StepLine {
  event: "step";
  index: number;
  kind: PlanStep["kind"];
  target: string;
  action: string;
  txHash?: string;
  codeHash?: string;
  [k: string]: unknown;
}

/** "100 Tgas" / "300 TGas" / digit string of gas units. */
export function toGas(g: string | undefined, fallback: bigint): bigint {
  if (g === undefined) return fallback;
  const s = String(g).trim();
  if (/^\d+$/.test(s)) return BigInt(s);
  const m = /^(\d+)\s*tgas$/i.exec(s);
  if (!m) throw new OpsError("INVALID_INPUT", `gas "${g}" is neither gas units nor "<n> Tgas"`);
  return BigInt(m[1]) * TGAS;
}

/** Validates the shape of a plan; throws INVALID_INPUT naming the offending field. */
export function validatePlan(input: unknown): Plan {
  const bad = (where: string, what: string): never => {
    throw new OpsError("INVALID_INPUT", `plan ${where}: ${what}`);
  };
  if (typeof input !== "object" || input === null) bad("", "must be an object");
  const plan = input as Plan;
  if (typeof plan.keys !== "object" || plan.keys === null) bad("keys", "must map account ids to key references");
  for (const [acc, ref] of Object.entries(plan.keys)) {
    if (!isValidAccountId(acc)) bad(`keys.${acc}`, "is not a valid account id");
    if (typeof ref !== "string" || !/^(ssm|secretsmanager|env):.+/.test(ref))
      bad(`keys.${acc}`, "must be ssm:, secretsmanager: or env: reference");
  }
  if (!Array.isArray(plan.steps)) bad("steps", "must be an array");
  const amount = (v: unknown, where: string) => {
    if (typeof v !== "string") bad(where, 'must be a string amount ("15 NEAR" or yoctoNEAR digits)');
    toYocto(v as string);
  };
  plan.steps.forEach((s, i) => {
    const at = `steps[${i}]`;
    if (typeof s !== "object" || s === null) bad(at, "must be an object");
    const needAccount = (id: unknown, f: string) => {
      if (!isValidAccountId(id)) bad(`${at}.${f}`, `"${String(id)}" is not a valid account id`);
    };
    const needKey = (id: string, f: string) => {
      if (!plan.keys[id]) bad(`${at}.${f}`, `no key for ${id} in plan.keys`);
    };
    if (s.kind === "account") {
      needAccount(s.accountId, "accountId");
      if (s.functionCallOn !== undefined) needAccount(s.functionCallOn, "functionCallOn");
      needAccount(s.creator, "creator");
      needKey(s.creator, "creator");
      amount(s.balance, `${at}.balance`);
      if (s.topUp !== undefined && typeof s.topUp !== "boolean") bad(`${at}.topUp`, "must be true or false");
    } else if (s.kind === "deploy") {
      needAccount(s.accountId, "accountId");
      if (
        !s.wasm ||
        typeof s.wasm.url !== "string" ||
        !/^[0-9a-f]{64}$/i.test(String(s.wasm.sha256)) ||
        !Number.isInteger(s.wasm.size)
      ) {
        bad(`${at}.wasm`, "needs url, sha256 (hex) and size (bytes)");
      }
      if (s.creator !== undefined) {
        needAccount(s.creator, "creator");
        needKey(s.creator, "creator");
        amount(s.balance, `${at}.balance`);
      } else if (!plan.keys[s.accountId]) {
        bad(at, `deploying to an existing ${s.accountId} needs keys.${s.accountId} or a creator`);
      }
      if (s.init && typeof s.init.method !== "string") bad(`${at}.init.method`, "must be a string");
      if (s.init) toGas(s.init.gas, 0n);
    } else if (s.kind === "call") {
      needAccount(s.signer, "signer");
      needKey(s.signer, "signer");
      needAccount(s.contractId, "contractId");
      if (typeof s.method !== "string" || s.method === "") bad(`${at}.method`, "must be a method name");
      if (s.deposit !== undefined) amount(s.deposit, `${at}.deposit`);
      toGas(s.gas, 0n);
      for (const c of ["unless", "expect"] as const) {
        if (s[c] !== undefined && (typeof s[c]!.method !== "string" || !("equals" in s[c]!)))
          bad(`${at}.${c}`, "needs method and equals");
      }
    } else {
      bad(`${at}.kind`, `unknown kind ${JSON.stringify((s as { kind?: unknown }).kind)}`);
    }
  });
  return plan;
}

/** An account step: ensureAccount, then the top-up to `balance` when the step asks for one. */
async function ensureAccountStep(
  conn: NearConnection,
  step: AccountStep,
  p: { publicKey: string; creator: Signer },
): Promise<{ action: string; txHash?: string; balance: string }> {
  const balance = toYocto(step.balance);
  const r = await ensureAccount(conn, {
    accountId: step.accountId,
    publicKey: p.publicKey,
    balance,
    creator: p.creator,
    ...(step.functionCallOn ? { functionCallOn: step.functionCallOn } : {}),
  });
  const held = BigInt(r.balance);
  if (r.action !== "unchanged" || !step.topUp || held >= balance)
    return { action: r.action, txHash: r.txHash, balance: r.balance };
  const t = await sendTransaction(conn, p.creator, step.accountId, [actions.transfer(balance - held)]);
  const after = await viewAccount(conn, step.accountId);
  return { action: "topped-up", txHash: t.txHash, balance: (after?.amount ?? balance).toString() };
}

export interface ApplyDeps {
  keys: KeyResolver;
  emit: (line: StepLine) => void;
  connectOptions?: ConnectOptions;
  /** Reuse an open connection (tests). */
  connection?: NearConnection;
}

export interface ApplyResult {
  chainId: string;
  steps: StepLine[];
  transactions: number;
}

/** Runs a plan's steps in order; stops at the first failure (the error says which step). */
export async function apply(input: unknown, deps: ApplyDeps): Promise<ApplyResult> {
  const plan = validatePlan(input);
  const conn =
    deps.connection ??
    (await connect(plan.rpcUrl ?? LOCAL_RPC_URL, {
      ...deps.connectOptions,
      expectChainId: plan.chainId ?? deps.connectOptions?.expectChainId,
    }));
  const signer = async (accountId: string): Promise<Signer> => ({
    accountId,
    keyPair: await deps.keys.resolve(plan.keys[accountId]),
  });
  const publicKeyFor = async (accountId: string, explicit: string | undefined, creator: string | undefined) => {
    if (explicit) return explicit;
    const owner = plan.keys[accountId] ? accountId : creator;
    if (!owner) throw new OpsError("INVALID_INPUT", `no public key for ${accountId}`);
    return (await signer(owner)).keyPair.getPublicKey().toString();
  };
  const lines: StepLine[] = [];
  let transactions = 0;
  for (const [index, step] of plan.steps.entries()) {
    let line: StepLine;
    try {
      if (step.kind === "account") {
        const r = await ensureAccountStep(conn, step, {
          publicKey: await publicKeyFor(step.accountId, step.publicKey, step.creator),
          creator: await signer(step.creator),
        });
        line = { event: "step", index, kind: "account", target: step.accountId, ...r };
      } else if (step.kind === "deploy") {
        const r = await deployContract(conn, {
          accountId: step.accountId,
          wasm: step.wasm,
          signer: plan.keys[step.accountId] ? await signer(step.accountId) : undefined,
          create: step.creator
            ? {
                creator: await signer(step.creator),
                balance: toYocto(step.balance!),
                publicKey: await publicKeyFor(step.accountId, step.publicKey, step.creator),
              }
            : undefined,
          init: step.init && {
            method: step.init.method,
            args: step.init.args ?? {},
            gas: toGas(step.init.gas, 100n * TGAS),
            deposit: step.init.deposit === undefined ? 0n : toYocto(step.init.deposit),
          },
          cacheDir: plan.wasmCacheDir,
        });
        line = {
          event: "step",
          index,
          kind: "deploy",
          target: step.accountId,
          action: r.action,
          txHash: r.txHash,
          codeHash: r.codeHash,
        };
      } else {
        const r = await callMethod(conn, {
          signer: await signer(step.signer),
          contractId: step.contractId,
          method: step.method,
          args: step.args ?? {},
          deposit: step.deposit === undefined ? 0n : toYocto(step.deposit),
          gas: toGas(step.gas, 30n * TGAS),
          unless: step.unless,
          expect: step.expect,
        });
        line = {
          event: "step",
          index,
          kind: "call",
          target: `${step.contractId}.${step.method}`,
          action: r.action,
          txHash: r.txHash,
        };
      }
    } catch (e) {
      if (e instanceof OpsError) {
        const target = step.kind === "call" ? `${step.contractId}.${step.method}` : step.accountId;
        throw new OpsError(e.code, `step ${index} (${step.kind} ${target}): ${e.message}`, {
          ...e.details,
          step: index,
        });
      }
      throw e;
    }
    if (line.txHash === undefined) delete line.txHash;
    else transactions++;
    lines.push(line);
    deps.emit(line);
  }
  return { chainId: conn.chainId, steps: lines, transactions };
}

// ------------------------------------------------------------------------------------------ Layer 2

/** near/core-contracts commit the Layer 2 wasm is pinned to: its prebuilt `<contract>/res/*.wasm`. */
export const CORE_CONTRACTS_COMMIT = "1c58c1f54121c3344750db636d4946d5edfb7267";
/** near/near-linkdrop: its last commit that carries a build (`res/linkdrop.wasm`, near-sdk 5.17). */
const LINKDROP_COMMIT = "c91581ec860bbfb70eee394d793233e8a1947825";

/**
 * The pinned wasm Layer 2 deploys: upstream repository, commit, path, size and sha256. Each runs on
 * `<key>.<root>`, except linkdrop, which runs on the root account itself (as testnet's `testnet`
 * does), so that anyone can create `<name>.<root>` through its `create_account`.
 */
export const CORE_CONTRACTS = {
  wrap: {
    repo: "near/core-contracts",
    commit: CORE_CONTRACTS_COMMIT,
    path: "w-near/res/w_near.wasm",
    size: 185251,
    sha256: "bf42d41cfe1ee902c117f198f39456c7c5aec37969ee0fd52057cee52a357f55",
  },
  whitelist: {
    repo: "near/core-contracts",
    commit: CORE_CONTRACTS_COMMIT,
    path: "whitelist/res/whitelist.wasm",
    size: 125918,
    sha256: "847299b110d4e4d7b71911b3f4d70d523ce2c267785857244ebf6cdac27cbd2c",
  },
  poolv1: {
    repo: "near/core-contracts",
    commit: CORE_CONTRACTS_COMMIT,
    path: "staking-pool-factory/res/staking_pool_factory.wasm",
    size: 442301,
    sha256: "9e148269936cdb86e10908098f6b4a6f777a17c1a7481ebf3a545e03d09da18c",
  },
  linkdrop: {
    repo: "near/near-linkdrop",
    commit: LINKDROP_COMMIT,
    path: "res/linkdrop.wasm",
    size: 140676,
    sha256: "cb3bf3e84aedb784f2a3d300a88f26366c9d97fcf2abdca1dda0cd89a8762912",
  },
} as const;

export type CoreContract = keyof typeof CORE_CONTRACTS;

/** Where a pinned core contract is fetched from, with its size and sha256. */
export function coreContractSource(k: CoreContract): WasmSource {
  const { repo, commit, path, sha256, size } = CORE_CONTRACTS[k];
  return { url: `https://raw.githubusercontent.com/${repo}/${commit}/${path}`, sha256, size };
}

/** The account a core contract runs on: the root for linkdrop, `<key>.<root>` for the others. */
function coreContractAccount(k: CoreContract, root: string): string {
  return k === "linkdrop" ? root : `${k}.${root}`;
}

export interface CoreContractsPlanOptions {
  /** Root account from genesis (parent of every core contract account). Default "localnet". */
  rootAccountId?: string;
  /** Key reference of the root account. Default "ssm:/near-localnet/localnet-account-key". */
  rootKey?: KeyRef;
  chainId?: string;
  rpcUrl?: string;
  wasmCacheDir?: string;
  /** Overrides of the pinned wasm sources (mirrors, tests). */
  wasm?: Partial<Record<CoreContract, WasmSource>>;
  balances?: { whitelist?: string; poolv1?: string; wrap?: string };
  /** The faucet's account; false leaves it out. */
  faucet?: false | { accountId?: string; balance?: string; key?: KeyRef; publicKey?: string };
}

/** Default balances: the official recipe's 15 NEAR (whitelist) and 50 NEAR (factory). */
const CORE_CONTRACT_BALANCES = {
  whitelist: "15 NEAR",
  poolv1: "50 NEAR",
  // w_near.wasm is 185,251 bytes: ~1.85 NEAR locked for code storage at 1e19 yocto/byte, plus the
  // contract's own state; users pay their own storage_deposit. 5 NEAR leaves ~3 NEAR headroom.
  wrap: "5 NEAR",
} as const;

/**
 * The Layer 2 plan: whitelist, staking pool factory and wNEAR created + funded + deployed +
 * initialised atomically under the root account, `add_factory` guarded by the whitelist's
 * `is_factory_whitelisted` view (and checked after), and the faucet's account.
 */
export function coreContractsPlan(opts: CoreContractsPlanOptions = {}): Plan {
  const root = opts.rootAccountId ?? "localnet";
  const ids = { whitelist: `whitelist.${root}`, poolv1: `poolv1.${root}`, wrap: `wrap.${root}` };
  const src = (k: CoreContract): WasmSource => opts.wasm?.[k] ?? coreContractSource(k);
  const balance = (k: keyof typeof CORE_CONTRACT_BALANCES) => opts.balances?.[k] ?? CORE_CONTRACT_BALANCES[k];
  const keys: Record<string, KeyRef> = { [root]: opts.rootKey ?? "ssm:/near-localnet/localnet-account-key" };
  // the whitelist's view is is_factory_whitelisted (near/core-contracts whitelist/src/lib.rs)
  const isFactory = { method: "is_factory_whitelisted", args: { factory_account_id: ids.poolv1 }, equals: true };
  const steps: PlanStep[] = [
    {
      kind: "deploy",
      accountId: ids.whitelist,
      creator: root,
      balance: balance("whitelist"),
      wasm: src("whitelist"),
      init: { method: "new", args: { foundation_account_id: root } },
    },
    {
      kind: "deploy",
      accountId: ids.poolv1,
      creator: root,
      balance: balance("poolv1"),
      wasm: src("poolv1"),
      init: { method: "new", args: { staking_pool_whitelist_account_id: ids.whitelist } },
    },
    {
      kind: "deploy",
      accountId: ids.wrap,
      creator: root,
      balance: balance("wrap"),
      wasm: src("wrap"),
      init: { method: "new", args: {} },
    },
    {
      kind: "call",
      signer: root,
      contractId: ids.whitelist,
      method: "add_factory",
      args: { factory_account_id: ids.poolv1 },
      unless: isFactory,
      expect: isFactory,
    },
    // The root account (created in genesis without code) runs linkdrop, initialised by its `new`
    // (near/near-linkdrop src/lib.rs: PanicOnDefault, so every other method needs that state).
    { kind: "deploy", accountId: root, wasm: src("linkdrop"), init: { method: "new", args: {} } },
  ];
  if (opts.faucet !== false) {
    const f = opts.faucet ?? {};
    const accountId = f.accountId ?? `faucet.${root}`;
    if (f.key) keys[accountId] = f.key;
    // Funded once by the root, and topped up to its balance whenever the plan runs again.
    const step: AccountStep = {
      kind: "account",
      accountId,
      creator: root,
      balance: f.balance ?? "1000 NEAR",
      topUp: true,
    };
    if (f.publicKey) step.publicKey = f.publicKey;
    steps.push(step);
  }
  const plan: Plan = { keys, steps };
  if (opts.rpcUrl) plan.rpcUrl = opts.rpcUrl;
  if (opts.chainId) plan.chainId = opts.chainId;
  if (opts.wasmCacheDir) plan.wasmCacheDir = opts.wasmCacheDir;
  return plan;
}

/** The accounts and code hashes Layer 2 should leave behind (for `check` and Pulumi outputs). */
export function coreContractsExpectations(opts: Pick<CoreContractsPlanOptions, "rootAccountId" | "wasm"> = {}) {
  const root = opts.rootAccountId ?? "localnet";
  return (Object.keys(CORE_CONTRACTS) as CoreContract[]).map((k) => ({
    accountId: coreContractAccount(k, root),
    codeHash: codeHashFromSha256(opts.wasm?.[k]?.sha256 ?? CORE_CONTRACTS[k].sha256),
  }));
}

// ------------------------------------------------------------------------------------------ check

export interface CheckInput {
  rpcUrl?: string;
  chainId?: string;
  /** Require the head to advance by at least `min` blocks within `withinMs` (default 1 in 10 s). */
  blocks?: { min?: number; withinMs?: number } | false;
  accounts?: { accountId: string; codeHash?: string; sha256?: string }[];
}

export interface CheckLine {
  event: "step";
  check: string;
  ok: boolean;
  [k: string]: unknown;
}

/** Health gate: RPC answers, chain id, blocks advance, accounts exist with the expected code. */
export async function check(
  input: CheckInput,
  deps: { emit: (l: CheckLine) => void; connectOptions?: ConnectOptions; pollMs?: number },
): Promise<{ chainId: string; height: number; accounts: { accountId: string; codeHash: string }[] }> {
  const rpcUrl = input.rpcUrl ?? LOCAL_RPC_URL;
  const conn = await connect(rpcUrl, deps.connectOptions);
  deps.emit({ event: "step", check: "rpc", ok: true, rpcUrl, height: conn.latestHeight });
  const failures: string[] = [];
  if (input.chainId !== undefined) {
    const ok = conn.chainId === input.chainId;
    deps.emit({ event: "step", check: "chain-id", ok, chainId: conn.chainId, expected: input.chainId });
    if (!ok) failures.push(`chain id is "${conn.chainId}", expected "${input.chainId}"`);
  }
  let height = conn.latestHeight;
  if (input.blocks !== false) {
    const min = input.blocks?.min ?? 1;
    const deadline = Date.now() + (input.blocks?.withinMs ?? 10_000);
    const start = conn.latestHeight;
    for (;;) {
      const s = (await conn.provider.viewNodeStatus()) as { sync_info: { latest_block_height: number } };
      height = s.sync_info.latest_block_height;
      if (height - start >= min || Date.now() >= deadline) break;
      await sleep(deps.pollMs ?? 500);
    }
    const ok = height - start >= min;
    deps.emit({ event: "step", check: "blocks-advance", ok, from: start, to: height });
    if (!ok)
      failures.push(`head stayed at ${start} (wanted +${min} blocks within ${input.blocks?.withinMs ?? 10_000} ms)`);
  }
  const accounts: { accountId: string; codeHash: string }[] = [];
  for (const a of input.accounts ?? []) {
    const want = a.codeHash ?? (a.sha256 ? codeHashFromSha256(a.sha256) : undefined);
    const got = await viewAccount(conn, a.accountId);
    const ok = !!got && (want === undefined || got.codeHash === want);
    deps.emit({
      event: "step",
      check: "account",
      ok,
      accountId: a.accountId,
      codeHash: got?.codeHash ?? null,
      expected: want ?? null,
    });
    if (!got) failures.push(`account ${a.accountId} does not exist`);
    else if (!ok) failures.push(`account ${a.accountId} has code hash ${got.codeHash}, expected ${want}`);
    else accounts.push({ accountId: a.accountId, codeHash: got.codeHash });
  }
  if (failures.length) throw new OpsError("CHECK_FAILED", failures.join("; "), { failures });
  return { chainId: conn.chainId, height, accounts };
}
