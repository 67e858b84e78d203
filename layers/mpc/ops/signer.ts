// On-chain set-up of the MPC signer contract, on the NEAR toolkit (platform/near):
//   1. signer.<root>, v1.signer.<root> (the contract, funded for its storage), mpc-node-{i}.<root>
//      each with its own account key: a Plan for platform/near/plan.ts `apply` (account + deploy steps).
//      The contract account is created, deployed and initialised in one transaction (`init` is not private).
//   2. A guarded `init` for re-runs, by the contract's `state`: skipped when
//      it is already initialised with the same participants and threshold; a clear error naming
//      both sets when it was initialised with different ones (a contract cannot be re-initialised;
//      the fix is a fresh contract account or `vote_new_parameters`).
// apply's `call` step can only compare a view with a fixed value, which cannot express (2), so
// the init runs after apply as `ensureSignerInit`, and `setupSigner` runs the whole sequence:
// check the init precondition first (nothing is created when it would fail), apply, init.
import { EMPTY_CODE_HASH } from "../../../platform/near/code-hash.js";
import { formatNear } from "../../../platform/near/amounts.js";
import { OpsError } from "../../../platform/near/errors.js";
import type { KeyResolver } from "../../../platform/near/keys.js";
import {
  apply,
  type AccountStep,
  type DeployStep,
  type KeyRef,
  type Plan,
  type StepLine,
} from "../../../platform/near/plan.js";
import { LOCAL_RPC_URL } from "../../../platform/near/ports.js";
import {
  codeHashFromSha256,
  connect,
  sendTransaction,
  stateKeyExists,
  toYocto,
  view,
  viewAccount,
  type ConnectOptions,
  type NearConnection,
  type Signer,
  type WasmSource,
} from "../../../platform/near/client.js";
import { actions } from "near-api-js";
import { isValidAccountId } from "../../../platform/near/account-id.js";
import { initArgs, normaliseEd25519PublicKey, type InitArgs, type ParticipantSpec } from "./args.js";
import {
  DEFAULT_CONTRACT_BALANCE,
  DEFAULT_NODE_BALANCE,
  DEFAULT_PARENT_BALANCE,
  SIGNER_CALL_GAS,
  SIGNER_WASM,
} from "./constants.js";
import { currentParameters, parseContractState, type ContractState, type ThresholdParameters } from "./state.js";
import { MPC_NODE_ACCOUNT_PREFIX, SIGNER_PARENT_ACCOUNT } from "../../accounts.js";

interface SignerNode extends ParticipantSpec {
  /** The node account's key (the node's near_signer_key), a function-call key on the contract, "ed25519:...". */
  accountPublicKey: string;
}

export interface SignerPlanOptions {
  /** Genesis root account, parent of everything here. Default "localnet". */
  rootAccountId?: string;
  /** Key reference of the root account. Default "ssm:/near-localnet/localnet-account-key". */
  rootKey?: KeyRef;
  /** Key of signer.<root> and v1.signer.<root>; default: they get the root account's key. */
  signerKey?: KeyRef;
  /** Default "signer.<root>" and "v1.signer.<root>". */
  parentAccountId?: string;
  contractId?: string;
  /** The MPC nodes in participant order (participant id = index). Account ids default to mpc-node-{i}.<root>. */
  nodes: (Omit<SignerNode, "accountId"> & { accountId?: string })[];
  threshold: number;
  /** Balances: "60 NEAR" or yoctoNEAR digits. */
  balances?: { contract?: string; parent?: string; node?: string };
  /** Override of the pinned signer wasm (mirrors, tests). */
  wasm?: WasmSource;
  wasmCacheDir?: string;
  rpcUrl?: string;
  chainId?: string;
}

interface SignerInitSpec {
  contractId: string;
  /** Account whose key signs `init` (the contract account itself). */
  signerAccountId: string;
  args: InitArgs;
}

export interface SignerPlan {
  /** Accounts and the contract deployment, for `apply`. */
  plan: Plan;
  /** The guarded `init` that follows (see ensureSignerInit). */
  init: SignerInitSpec;
  /** The node accounts in participant order. */
  nodeAccountIds: string[];
  /** The contract's expected on-chain code hash (base58 of the wasm's sha256). */
  codeHash: string;
}

const invalid = (m: string) => new OpsError("INVALID_INPUT", m);

/** Builds (and fully validates) the signer set-up for `apply` plus the guarded init. */
export function signerPlan(opts: SignerPlanOptions): SignerPlan {
  if (!opts || typeof opts !== "object") throw invalid("signer plan options must be an object");
  const root = opts.rootAccountId ?? "localnet";
  const parent = opts.parentAccountId ?? `${SIGNER_PARENT_ACCOUNT}.${root}`;
  const contractId = opts.contractId ?? `v1.${parent}`;
  for (const [what, id] of [
    ["rootAccountId", root],
    ["parentAccountId", parent],
    ["contractId", contractId],
  ] as const) {
    if (!isValidAccountId(id)) throw invalid(`${what} ${JSON.stringify(id)} is not a NEAR account id`);
  }
  if (!parent.endsWith(`.${root}`) || !contractId.endsWith(`.${parent}`)) {
    throw invalid(`${contractId} must be a sub-account of ${parent}, itself a sub-account of ${root}`);
  }
  if (!Array.isArray(opts.nodes) || opts.nodes.length === 0) throw invalid("nodes must list at least one MPC node");
  const nodes: SignerNode[] = opts.nodes.map((n, i) => ({
    ...n,
    accountId: n?.accountId ?? `${MPC_NODE_ACCOUNT_PREFIX}${i}.${root}`,
  }));
  // validates accounts, P2P keys, urls and the threshold before anything is created
  const args = initArgs({ threshold: opts.threshold, participants: nodes });
  const accountKeys = nodes.map((n, i) =>
    normaliseEd25519PublicKey(n.accountPublicKey, `node ${i} (${n.accountId}): accountPublicKey`),
  );
  if (new Set(accountKeys).size !== accountKeys.length)
    throw invalid("two MPC nodes share the same account key; each node needs its own");
  for (const n of nodes) {
    if (!n.accountId.endsWith(`.${root}`) || n.accountId.slice(0, -(root.length + 1)).includes(".")) {
      throw invalid(`node account ${n.accountId} must be a direct sub-account of ${root} (it is created by ${root})`);
    }
  }

  const contractBalance = toYocto(opts.balances?.contract ?? DEFAULT_CONTRACT_BALANCE);
  const parentBalance = toYocto(opts.balances?.parent ?? DEFAULT_PARENT_BALANCE);
  const nodeBalance = opts.balances?.node ?? formatNear(DEFAULT_NODE_BALANCE);
  const wasm = opts.wasm ?? SIGNER_WASM;
  // the contract's code alone locks size * 1e19 yoctoNEAR; refuse a balance that cannot hold it
  const codeStorage = BigInt(wasm.size) * 10n ** 19n;
  if (contractBalance <= codeStorage) {
    throw invalid(
      `the contract balance ${formatNear(contractBalance)} cannot pay for the ${wasm.size}-byte code's storage (${formatNear(codeStorage)})`,
    );
  }

  const keys: Record<string, KeyRef> = { [root]: opts.rootKey ?? "ssm:/near-localnet/localnet-account-key" };
  keys[parent] = opts.signerKey ?? keys[root];
  keys[contractId] = keys[parent];

  const steps: (AccountStep | DeployStep)[] = [
    // signer.<root> pays for v1.signer.<root>'s balance when it creates it
    { kind: "account", accountId: parent, creator: root, balance: (parentBalance + contractBalance).toString() },
    ...nodes.map((n, i): AccountStep => ({
      kind: "account",
      accountId: n.accountId,
      creator: root,
      balance: nodeBalance,
      publicKey: accountKeys[i],
      // A node only ever calls the contract, never with a deposit (respond, vote_pk, start_keygen_instance,
      // submit_participant_info, ... in near/mpc 3.14.1 crates/contract/src/lib.rs): a function-call key on it
      // is enough, and a leaked node key cannot move the account's funds.
      functionCallOn: contractId,
    })),
    // Last, once every participant's account is in place (a node account held by someone else stops the set-up
    // before the participants are fixed on chain); created, deployed and initialised in ONE transaction: `init`
    // is not private, so a contract deployed in one transaction and initialised in another could be
    // initialised first by anyone (near/mpc 3.14.1).
    {
      kind: "deploy",
      accountId: contractId,
      creator: parent,
      balance: contractBalance.toString(),
      wasm,
      init: { method: "init", args, gas: SIGNER_CALL_GAS.toString() },
    },
  ];
  const plan: Plan = { keys, steps };
  if (opts.rpcUrl) plan.rpcUrl = opts.rpcUrl;
  if (opts.chainId) plan.chainId = opts.chainId;
  if (opts.wasmCacheDir) plan.wasmCacheDir = opts.wasmCacheDir;
  return {
    plan,
    init: { contractId, signerAccountId: contractId, args },
    nodeAccountIds: nodes.map((n) => n.accountId),
    codeHash: codeHashFromSha256(wasm.sha256),
  };
}

// ------------------------------------------------------------------------------------------ init guard

/** Reads and parses `state`; NotInitialized when the contract has no state yet (or no code). */
export async function readSignerState(conn: NearConnection, contractId: string): Promise<ContractState> {
  const account = await viewAccount(conn, contractId);
  if (!account || account.codeHash === EMPTY_CODE_HASH) return { phase: "NotInitialized" };
  // before init the real contract's `state` view panics ("Calling default not allowed."): near-sdk
  // keeps the state under "STATE", so its absence is the reliable sign
  if (!(await stateKeyExists(conn, contractId, "STATE"))) return { phase: "NotInitialized" };
  return parseContractState(await view(conn, contractId, "state", {}), contractId);
}

function expectedParameters(args: InitArgs): ThresholdParameters {
  const p = args.parameters;
  return {
    threshold: p.threshold,
    nextId: p.participants.next_id,
    participants: p.participants.participants.map(([accountId, id, info]) => ({
      accountId,
      id,
      url: info.url,
      tlsPublicKey: info.tls_public_key,
    })),
  };
}

function describeParameters(p: ThresholdParameters): string {
  const list = [...p.participants]
    .sort((a, b) => a.id - b.id)
    .map((x) => `#${x.id} ${x.accountId} ${x.url} ${x.tlsPublicKey}`)
    .join(", ");
  return `threshold ${p.threshold}, participants [${list}]`;
}

function sameParameters(a: ThresholdParameters, b: ThresholdParameters): boolean {
  if (a.threshold !== b.threshold || a.participants.length !== b.participants.length) return false;
  const key = (x: ThresholdParameters["participants"][number]) => `${x.id}|${x.accountId}|${x.url}|${x.tlsPublicKey}`;
  const set = new Set(a.participants.map(key));
  return b.participants.every((x) => set.has(key(x)));
}

type InitCheck = { needed: true } | { needed: false; phase: ContractState["phase"] };

/**
 * The init precondition: needed when the contract has no state; not needed when its governing
 * participants and threshold equal the wanted ones; CHECK_FAILED naming both otherwise.
 */
async function checkSignerInit(conn: NearConnection, spec: SignerInitSpec): Promise<InitCheck> {
  const state = await readSignerState(conn, spec.contractId);
  const onChain = currentParameters(state);
  if (!onChain) return { needed: true };
  const wanted = expectedParameters(spec.args);
  if (sameParameters(onChain, wanted)) return { needed: false, phase: state.phase };
  throw new OpsError(
    "CHECK_FAILED",
    `${spec.contractId} is already initialised (${state.phase}) with different participants: on-chain ${describeParameters(onChain)}; ` +
      `configured ${describeParameters(wanted)}. A contract cannot be initialised twice: deploy to a fresh contract account ` +
      `or change the participants with vote_new_parameters.`,
    { contractId: spec.contractId, onChain, configured: wanted },
  );
}

/** CHECK_FAILED when the contract account holds initialised state under code other than the pinned wasm. */
async function checkContractCode(conn: NearConnection, contractId: string, expectedCodeHash: string): Promise<void> {
  const account = await viewAccount(conn, contractId);
  if (!account || account.codeHash === EMPTY_CODE_HASH || account.codeHash === expectedCodeHash) return;
  if (!(await stateKeyExists(conn, contractId, "STATE"))) return; // code without state: redeploying is safe
  throw new OpsError(
    "CHECK_FAILED",
    `${contractId} runs code ${account.codeHash} with initialised state, not the pinned signer release (code hash ${expectedCodeHash}); ` +
      `redeploying over its state is refused: upgrade it through the contract's update votes or use a fresh contract account`,
    { contractId, codeHash: account.codeHash, expectedCodeHash },
  );
}

interface InitResult {
  action: "initialised" | "unchanged";
  contractId: string;
  phase: ContractState["phase"];
  txHash?: string;
}

/** Sends `init` unless the precondition says it is done; afterwards the state must show the participants. */
async function ensureSignerInit(conn: NearConnection, spec: SignerInitSpec, signer: Signer): Promise<InitResult> {
  const check = await checkSignerInit(conn, spec);
  if (!check.needed) return { action: "unchanged", contractId: spec.contractId, phase: check.phase };
  const r = await sendTransaction(conn, signer, spec.contractId, [
    actions.functionCall("init", spec.args as unknown as object, SIGNER_CALL_GAS, 0n),
  ]);
  const after = await checkSignerInit(conn, spec);
  if (after.needed) {
    throw new OpsError("POSTCONDITION_FAILED", `after init, ${spec.contractId} still reports no state`, {
      txHash: r.txHash,
    });
  }
  return { action: "initialised", contractId: spec.contractId, phase: after.phase, txHash: r.txHash };
}

// ------------------------------------------------------------------------------------------ whole set-up

export interface SetupDeps {
  keys: KeyResolver;
  emit: (line: StepLine | ({ event: "step" } & Record<string, unknown>)) => void;
  connectOptions?: ConnectOptions;
  connection?: NearConnection;
}

export interface SetupResult {
  chainId: string;
  contractId: string;
  nodeAccountIds: string[];
  init: InitResult;
  transactions: number;
}

/** Precondition, accounts + deployment (apply), then the guarded init. A re-run sends nothing. */
export async function setupSigner(opts: SignerPlanOptions, deps: SetupDeps): Promise<SetupResult> {
  const sp = signerPlan(opts);
  const conn =
    deps.connection ??
    (await connect(sp.plan.rpcUrl ?? LOCAL_RPC_URL, {
      ...deps.connectOptions,
      expectChainId: sp.plan.chainId ?? deps.connectOptions?.expectChainId,
    }));
  // fail before creating anything when the contract runs other code with state (apply would
  // redeploy over it: a version change needs the contract's own update/migrate path) or already
  // has other participants
  await checkContractCode(conn, sp.init.contractId, sp.codeHash);
  await checkSignerInit(conn, sp.init);
  const applied = await apply(sp.plan, { keys: deps.keys, emit: deps.emit, connection: conn });
  const keyRef = sp.plan.keys[sp.init.signerAccountId];
  const init = await ensureSignerInit(conn, sp.init, {
    accountId: sp.init.signerAccountId,
    keyPair: await deps.keys.resolve(keyRef),
  });
  const line = {
    event: "step" as const,
    index: sp.plan.steps.length,
    kind: "init",
    target: `${sp.init.contractId}.init`,
    action: init.action,
    phase: init.phase,
    ...(init.txHash ? { txHash: init.txHash } : {}),
  };
  deps.emit(line);
  return {
    chainId: conn.chainId,
    contractId: sp.init.contractId,
    nodeAccountIds: sp.nodeAccountIds,
    init,
    transactions: applied.transactions + (init.txHash ? 1 : 0),
  };
}
