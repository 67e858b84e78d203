// Executes one action receipt as nearcore's runtime does (runtime/runtime/src/{lib.rs,actions.rs}):
// actions in order on the receiver; atomic (a failure, or a balance that no longer covers the
// storage, undoes the receipt's own changes and drops the receipts its calls created); deposits of a
// failed receipt go back to the predecessor, unused gas to the signer; its result goes to the
// receipts that wait for it.
import { sha256 } from "@noble/hashes/sha2.js";
import { PublicKey } from "near-api-js";
import {
  runFunction,
  actionErrorKind,
  latin1,
  type VmAction,
  type VmContext,
  type VmOutcome,
} from "../near-vm/index.js";
import { cloneAccount, newAccount, setCode, storageShortfall, storageUsage, type AccountRec } from "./accounts.js";
import { GAS_PRICE, type Chain, type ExecStatus, type Receipt, type ReceiptOutcome } from "./chain.js";

type FunctionCallAction = Extract<VmAction, { type: "FunctionCall" }>;

class ActionFailure extends Error {
  constructor(
    readonly index: number | null,
    readonly kind: unknown,
    readonly text: string = JSON.stringify(kind),
  ) {
    super(text);
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A call's arguments as JSON, for listeners; undefined when they are not JSON. */
function parseArgs(raw: Uint8Array): unknown {
  try {
    return raw.length ? JSON.parse(Buffer.from(raw).toString("utf8")) : undefined;
  } catch {
    return undefined;
  }
}

/** What a receipt's actions did, applied to the chain only when they all succeed. */
class ReceiptRun {
  logs: string[] = [];
  burnt = 0n;
  childGas = 0n;
  result: { kind: "none" } | { kind: "value"; value: Uint8Array } | { kind: "receipt"; receipt: Receipt } = {
    kind: "none",
  };
  created: Receipt[] = [];
  yields: { dataId: string; resumedWith?: Uint8Array }[] = [];
  resumes: { dataId: string; payload: Uint8Array }[] = [];
  payouts: { to: string; amount: bigint }[] = [];
  calls: FunctionCallAction[] = [];
  /** After CreateAccount the receiver acts on its own account (nearcore sets actor_id to it). */
  actorIsOwner: boolean;

  constructor(
    readonly chain: Chain,
    readonly r: Receipt,
  ) {
    this.actorIsOwner = r.predecessorId === r.receiverId;
  }

  account(index: number): AccountRec {
    const a = this.chain.accounts.get(this.r.receiverId);
    if (!a) throw new ActionFailure(index, { AccountDoesNotExist: { account_id: this.r.receiverId } });
    return a;
  }
}

function isSubAccount(child: string, parent: string): boolean {
  return child.endsWith(`.${parent}`) && !child.slice(0, -(parent.length + 1)).includes(".");
}

function createAccount(run: ReceiptRun, index: number): void {
  const { receiverId: id, predecessorId: by } = run.r;
  if (run.chain.accounts.has(id)) throw new ActionFailure(index, { AccountAlreadyExists: { account_id: id } });
  const topLevel = !id.includes(".");
  if (topLevel && id.length < 32) {
    const kind = { account_id: id, registrar_account_id: "registrar", predecessor_id: by };
    throw new ActionFailure(index, { CreateAccountOnlyByRegistrar: kind });
  }
  if (!topLevel && !isSubAccount(id, by)) {
    throw new ActionFailure(index, { CreateAccountNotAllowed: { account_id: id, predecessor_id: by } });
  }
  run.chain.accounts.set(id, newAccount());
  run.actorIsOwner = true;
}

/** nearcore action_stake: locks the stake (above nearcore's minimum) out of the amount. */
function stake(run: ReceiptRun, a: AccountRec, act: Extract<VmAction, { type: "Stake" }>, index: number): void {
  const id = run.r.receiverId;
  const increment = act.stake > a.locked ? act.stake - a.locked : 0n;
  const s = act.stake.toString();
  if (a.amount < increment) {
    const kind = { account_id: id, stake: s, locked: a.locked.toString(), balance: a.amount.toString() };
    throw new ActionFailure(index, { TriesToStake: kind });
  }
  if (a.locked === 0n && act.stake === 0n) throw new ActionFailure(index, { TriesToUnstake: { account_id: id } });
  if (act.stake > 0n && act.stake < run.chain.minimumStake) {
    const kind = { account_id: id, stake: s, minimum_stake: run.chain.minimumStake.toString() };
    throw new ActionFailure(index, { InsufficientStake: kind });
  }
  if (act.stake > a.locked) {
    a.amount -= increment;
    a.locked = act.stake;
  }
}

function applyAction(run: ReceiptRun, act: VmAction, index: number): void {
  const { r, chain } = run;
  if (["AddKey", "DeleteKey", "DeployContract", "DeleteAccount", "Stake"].includes(act.type) && !run.actorIsOwner) {
    throw new ActionFailure(index, { ActorNoPermission: { account_id: r.receiverId, actor_id: r.predecessorId } });
  }
  if (act.type === "CreateAccount") return createAccount(run, index);
  const a = run.account(index);
  const key = "publicKey" in act ? PublicKey.from(act.publicKey).toString() : "";
  switch (act.type) {
    case "Transfer":
      a.amount += act.deposit;
      return;
    case "AddKey":
      if (a.keys.has(key))
        throw new ActionFailure(index, { AddKeyAlreadyExists: { account_id: r.receiverId, public_key: key } });
      a.keys.set(key, { nonce: act.nonce, permission: act.permission });
      return;
    case "DeleteKey":
      if (!a.keys.delete(key)) {
        throw new ActionFailure(index, { DeleteKeyDoesNotExist: { account_id: r.receiverId, public_key: key } });
      }
      return;
    case "DeployContract":
      setCode(a, act.code);
      return;
    case "DeleteAccount":
      if (a.locked > 0n) throw new ActionFailure(index, { DeleteAccountStaking: { account_id: r.receiverId } });
      run.payouts.push({ to: act.beneficiaryId, amount: a.amount });
      chain.accounts.delete(r.receiverId);
      return;
    case "Stake":
      return stake(run, a, act, index);
    case "FunctionCall":
      return functionCall(run, a, act, index);
  }
}

function borshPublicKey(pk: string): Uint8Array {
  const k = PublicKey.from(pk);
  return Uint8Array.from([k.keyType, ...k.data]);
}

function vmContext(run: ReceiptRun, a: AccountRec, act: FunctionCallAction): VmContext {
  const { r, chain } = run;
  const head = chain.head;
  return {
    currentAccountId: r.receiverId,
    signerAccountId: r.signerId,
    signerAccountPk: borshPublicKey(r.signerPublicKey),
    predecessorAccountId: r.predecessorId,
    input: act.args,
    blockHeight: BigInt(head.height),
    blockTimestamp: head.timestampNs,
    epochHeight: 1n,
    accountBalance: a.amount,
    accountLockedBalance: a.locked,
    storageUsage: storageUsage(a),
    attachedDeposit: act.deposit,
    prepaidGas: act.gas,
    randomSeed: sha256(Buffer.from(`${r.id}:${head.hash}`)),
    isView: false,
    promiseResults: chain.promiseResults(r),
  };
}

/** Takes the receipts a call created into the run, wiring their dependencies as data ids. */
function adopt(run: ReceiptRun, out: VmOutcome): Receipt[] {
  const { r, chain } = run;
  const made: Receipt[] = out.receipts.map((nr) => ({
    id: chain.newId("receipt"),
    tx: r.tx,
    predecessorId: r.receiverId,
    receiverId: nr.receiverId,
    signerId: r.signerId,
    signerPublicKey: r.signerPublicKey,
    actions: nr.actions,
    inputDataIds: [],
    outputDataReceivers: [],
  }));
  out.receipts.forEach((nr, i) => {
    for (const j of nr.dependsOn) {
      const dataId = hex(chain.newDataId());
      made[j].outputDataReceivers.push({ dataId, receiverId: made[i].receiverId });
      made[i].inputDataIds.push(dataId);
    }
    if (nr.yield) {
      const dataId = hex(nr.yield.dataId);
      made[i].inputDataIds.push(dataId);
      run.yields.push({ dataId, resumedWith: nr.yield.resumedWith });
    }
  });
  run.created.push(...made);
  return made;
}

function functionCall(run: ReceiptRun, a: AccountRec, act: FunctionCallAction, index: number): void {
  const { chain } = run;
  run.calls.push(act);
  const out = runFunction(a.code, act.methodName, vmContext(run, a, act), {
    storageGet: (k) => a.state.get(latin1(k)),
    newDataId: () => chain.newDataId(),
    yieldWaiting: (accountId, dataId) => chain.yields.get(hex(dataId))?.accountId === accountId,
  });
  run.logs.push(...out.logs);
  run.burnt += out.burntGas;
  if (out.failure) throw new ActionFailure(index, actionErrorKind(out.failure), out.failure.message);
  for (const [k, v] of out.storage) {
    if (v) a.state.set(k, v);
    else a.state.delete(k);
  }
  a.amount = out.balance;
  run.childGas += out.usedGas - out.burntGas;
  run.resumes.push(...out.resumed.map((x) => ({ dataId: hex(x.dataId), payload: x.payload })));
  const made = adopt(run, out);
  const ret = out.returnData;
  run.result = ret.kind === "receipt" ? { kind: "receipt", receipt: made[ret.index] } : ret;
}

/** A refund (or a deleted account's balance) paid at once, listed as a receipt of the outcome. */
function payout(run: ReceiptRun, to: string, amount: bigint, receiptIds: string[]): void {
  if (amount <= 0n) return;
  const { chain } = run;
  const id = chain.newId("refund");
  const dest = chain.accounts.get(to);
  if (dest) dest.amount += amount;
  receiptIds.push(id);
  run.r.tx.outcomes.push({
    id,
    blockHash: chain.head.hash,
    logs: [],
    receiptIds: [],
    gasBurnt: 0n,
    executorId: to,
    status: dest
      ? { SuccessValue: "" }
      : { Failure: { ActionError: { index: 0, kind: { AccountDoesNotExist: { account_id: to } } } } },
  });
}

function commit(run: ReceiptRun): void {
  const { chain } = run;
  for (const c of run.created) chain.enqueue(c);
  for (const y of run.yields) {
    if (y.resumedWith) chain.deliver(y.dataId, { status: "successful", value: y.resumedWith });
    else chain.registerYield(y.dataId, run.r.receiverId);
  }
  for (const x of run.resumes) chain.resumeYield(x.dataId, x.payload);
}

/** The receipt's result reaches the receipts waiting for it (a returned promise inherits them); its status. */
function sendResult(run: ReceiptRun, failure: ActionFailure | undefined): ExecStatus {
  const { r, chain } = run;
  const res = run.result;
  if (failure) {
    for (const d of r.outputDataReceivers) chain.deliver(d.dataId, { status: "failed" });
    return { Failure: { ActionError: { index: failure.index, kind: failure.kind } } };
  }
  if (res.kind === "receipt") {
    res.receipt.outputDataReceivers.push(...r.outputDataReceivers);
    return { SuccessReceiptId: res.receipt.id };
  }
  const value = res.kind === "value" ? res.value : new Uint8Array();
  for (const d of r.outputDataReceivers) chain.deliver(d.dataId, { status: "successful", value });
  return { SuccessValue: Buffer.from(value).toString("base64") };
}

function deposits(actions: VmAction[]): bigint {
  return actions.reduce((n, a) => n + (a.type === "Transfer" || a.type === "FunctionCall" ? a.deposit : 0n), 0n);
}

function prepaidGas(actions: VmAction[]): bigint {
  return actions.reduce((n, a) => n + (a.type === "FunctionCall" ? a.gas : 0n), 0n);
}

export function applyReceipt(chain: Chain, r: Receipt): void {
  const before = chain.accounts.get(r.receiverId);
  const snapshot = before && cloneAccount(before);
  const run = new ReceiptRun(chain, r);
  let failure: ActionFailure | undefined;
  try {
    r.actions.forEach((act, i) => applyAction(run, act, i));
    const after = chain.accounts.get(r.receiverId);
    const short = after ? storageShortfall(after) : 0n;
    if (short > 0n) {
      throw new ActionFailure(null, { LackBalanceForState: { account_id: r.receiverId, amount: short.toString() } });
    }
  } catch (e) {
    if (!(e instanceof ActionFailure)) throw e;
    failure = e;
    if (snapshot) chain.accounts.set(r.receiverId, snapshot);
    else chain.accounts.delete(r.receiverId);
  }
  if (!failure) commit(run);
  const outcome: ReceiptOutcome = {
    id: r.id,
    blockHash: chain.head.hash,
    logs: run.logs,
    receiptIds: failure ? [] : run.created.map((c) => c.id),
    gasBurnt: run.burnt,
    executorId: r.receiverId,
    status: sendResult(run, failure),
  };
  r.tx.outcomes.push(outcome);
  if (!failure) for (const p of run.payouts) payout(run, p.to, p.amount, outcome.receiptIds);
  else payout(run, r.predecessorId, deposits(r.actions), outcome.receiptIds);
  const unusedGas = prepaidGas(r.actions) - run.burnt - (failure ? 0n : run.childGas);
  payout(run, r.signerId, unusedGas * GAS_PRICE, outcome.receiptIds);
  emitCalls(run, failure);
}

function emitCalls(run: ReceiptRun, failure: ActionFailure | undefined): void {
  const { r, chain } = run;
  for (const call of run.calls) {
    chain.emit({
      receiverId: r.receiverId,
      methodName: call.methodName,
      args: call.args,
      argsJson: parseArgs(call.args),
      predecessorId: r.predecessorId,
      signerId: r.signerId,
      blockHeight: chain.head.height,
      ok: !failure,
      error: failure?.text,
      receiptId: r.id,
      txHash: r.tx.hash,
    });
  }
}
