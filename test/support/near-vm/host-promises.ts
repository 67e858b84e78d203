// The promise API of nearcore 2.13.3 (runtime/near-vm-runner/src/logic/logic.rs): batches and their
// actions, then/and, results, return, and yield/resume. Everything here is prohibited in views.
import { baseEncode } from "near-api-js";
import { UnsupportedHostFunction, hostErrors } from "./errors.js";
import { readAccountId, u64, type HostFn } from "./host.js";
import type { CallState } from "./state.js";
import type { VmAction } from "./types.js";

/** nearcore limit_config.max_yield_payload_size. */
const MAX_YIELD_PAYLOAD = 1024;
const KEY_TYPES: Record<number, { name: string; len: number }> = {
  0: { name: "ed25519", len: 32 },
  1: { name: "secp256k1", len: 64 },
};

/** A borsh PublicKey (key type byte + key) in NEAR string form; InvalidPublicKey otherwise. */
function readPublicKey(s: CallState, len: bigint, ptr: bigint): string {
  const bytes = s.memory.readOrRegister(u64(ptr), u64(len));
  const type = KEY_TYPES[bytes[0]];
  if (!type || bytes.length !== 1 + type.len) throw hostErrors.invalidPublicKey();
  return `${type.name}:${baseEncode(bytes.subarray(1))}`;
}

function methodName(s: CallState, len: bigint, ptr: bigint): string {
  const bytes = s.memory.readOrRegister(u64(ptr), u64(len));
  if (bytes.length === 0) throw hostErrors.emptyMethodName();
  return Buffer.from(bytes).toString("utf8");
}

/** nearcore split_method_names: comma-separated UTF-8 names, none empty. */
function methodNames(bytes: Uint8Array): string[] {
  if (bytes.length === 0) return [];
  const names = Buffer.from(bytes).toString("utf8").split(",");
  if (names.some((n) => n.length === 0)) throw hostErrors.emptyMethodName();
  return names;
}

function batches(s: CallState): Record<string, HostFn> {
  const create = (len: bigint, ptr: bigint): bigint => {
    s.notInView("promise_batch_create");
    const receiverId = readAccountId(s, len, ptr);
    return s.pushReceipt({ receiverId, actions: [], dependsOn: [] });
  };
  const then = (idx: bigint, len: bigint, ptr: bigint): bigint => {
    s.notInView("promise_batch_then");
    const receiverId = readAccountId(s, len, ptr);
    const p = s.promise(u64(idx));
    const dependsOn = "receipt" in p ? [p.receipt] : [...p.joint];
    return s.pushReceipt({ receiverId, actions: [], dependsOn });
  };
  const call = functionCall(s);
  return {
    promise_batch_create: create,
    promise_batch_then: then,
    promise_create: (aLen: bigint, aPtr: bigint, ...rest: CallArgs) => {
      const idx = create(aLen, aPtr);
      call(idx, ...rest);
      return idx;
    },
    promise_then: (idx: bigint, aLen: bigint, aPtr: bigint, ...rest: CallArgs) => {
      const next = then(idx, aLen, aPtr);
      call(next, ...rest);
      return next;
    },
    promise_and: (ptr: bigint, count: bigint) => {
      s.notInView("promise_and");
      const raw = s.memory.read(u64(ptr), u64(count) * 8n);
      const joint: number[] = [];
      for (let i = 0; i < raw.length; i += 8) {
        const p = s.promise(Buffer.from(raw.subarray(i, i + 8)).readBigUInt64LE(0));
        joint.push(...("receipt" in p ? [p.receipt] : p.joint));
      }
      return s.pushPromise({ joint });
    },
  };
}

/** method name (len, ptr), arguments (len, ptr), deposit pointer, gas. */
type CallArgs = [bigint, bigint, bigint, bigint, bigint, bigint];

/** promise_batch_action_function_call(_weight): attaches gas (prepaid now) and a deposit (deducted now). */
function functionCall(s: CallState) {
  return (
    idx: bigint,
    mLen: bigint,
    mPtr: bigint,
    aLen: bigint,
    aPtr: bigint,
    amountPtr: bigint,
    gas: bigint,
    weight = 0n,
  ) => {
    s.notInView("promise_batch_action_function_call");
    const deposit = s.memory.readU128(u64(amountPtr));
    const name = methodName(s, mLen, mPtr);
    const args = s.memory.readOrRegister(u64(aPtr), u64(aLen));
    const receipt = s.receiptOf(u64(idx));
    s.prepay(u64(gas));
    s.deduct(deposit);
    receipt.actions.push({
      type: "FunctionCall",
      methodName: name,
      args,
      deposit,
      gas: u64(gas),
      gasWeight: u64(weight),
    });
  };
}

function actions(s: CallState): Record<string, HostFn> {
  const append =
    (name: string, build: (...args: bigint[]) => VmAction) =>
    (idx: bigint, ...args: bigint[]) => {
      s.notInView(`promise_batch_action_${name}`);
      const action = build(...args);
      s.receiptOf(u64(idx)).actions.push(action);
    };
  const call = functionCall(s);
  return {
    promise_batch_action_create_account: append("create_account", () => ({ type: "CreateAccount" })),
    promise_batch_action_deploy_contract: append("deploy_contract", (len, ptr) => ({
      type: "DeployContract",
      code: s.memory.readOrRegister(u64(ptr), u64(len)),
    })),
    promise_batch_action_function_call: (idx: bigint, ...args: CallArgs) => call(idx, ...args),
    promise_batch_action_function_call_weight: (idx: bigint, ...args: [...CallArgs, bigint]) => call(idx, ...args),
    promise_batch_action_transfer: append("transfer", (amountPtr) => {
      const deposit = s.memory.readU128(u64(amountPtr));
      s.deduct(deposit);
      return { type: "Transfer", deposit };
    }),
    promise_batch_action_stake: append("stake", (amountPtr, len, ptr) => ({
      type: "Stake",
      stake: s.memory.readU128(u64(amountPtr)),
      publicKey: readPublicKey(s, len, ptr),
    })),
    promise_batch_action_add_key_with_full_access: append("add_key_with_full_access", (len, ptr, nonce) => ({
      type: "AddKey",
      publicKey: readPublicKey(s, len, ptr),
      nonce: u64(nonce),
      permission: "FullAccess",
    })),
    promise_batch_action_add_key_with_function_call: append(
      "add_key_with_function_call",
      (len, ptr, nonce, allowancePtr, rLen, rPtr, mLen, mPtr) => {
        const publicKey = readPublicKey(s, len, ptr);
        const allowance = s.memory.readU128(u64(allowancePtr));
        const receiverId = readAccountId(s, rLen, rPtr);
        const names = methodNames(s.memory.readOrRegister(u64(mPtr), u64(mLen)));
        const permission = {
          FunctionCall: {
            allowance: allowance > 0n ? allowance.toString() : null,
            receiver_id: receiverId,
            method_names: names,
          },
        };
        return { type: "AddKey", publicKey, nonce: u64(nonce), permission };
      },
    ),
    promise_batch_action_delete_key: append("delete_key", (len, ptr) => ({
      type: "DeleteKey",
      publicKey: readPublicKey(s, len, ptr),
    })),
    promise_batch_action_delete_account: append("delete_account", (len, ptr) => ({
      type: "DeleteAccount",
      beneficiaryId: readAccountId(s, len, ptr),
    })),
  };
}

function results(s: CallState): Record<string, HostFn> {
  return {
    promise_results_count: () => {
      s.notInView("promise_results_count");
      return BigInt(s.ctx.promiseResults.length);
    },
    promise_result: (i: bigint, r: bigint) => {
      s.notInView("promise_result");
      const result = s.ctx.promiseResults[Number(u64(i))];
      if (!result || u64(i) >= BigInt(s.ctx.promiseResults.length)) throw hostErrors.invalidResultIndex(u64(i));
      if (result.status === "failed") return 2n;
      s.registers.set(u64(r), result.value);
      return 1n;
    },
    promise_return: (idx: bigint) => {
      s.notInView("promise_return");
      const p = s.promise(u64(idx));
      if (!("receipt" in p)) throw hostErrors.returnJointPromise();
      s.returnData = { kind: "receipt", index: p.receipt };
    },
  };
}

function yields(s: CallState): Record<string, HostFn> {
  return {
    promise_yield_create: (
      mLen: bigint,
      mPtr: bigint,
      aLen: bigint,
      aPtr: bigint,
      gas: bigint,
      weight: bigint,
      r: bigint,
    ) => {
      s.notInView("promise_yield_create");
      const name = methodName(s, mLen, mPtr);
      const args = s.memory.readOrRegister(u64(aPtr), u64(aLen));
      s.prepay(u64(gas));
      const dataId = s.ext.newDataId();
      const call: VmAction = {
        type: "FunctionCall",
        methodName: name,
        args,
        deposit: 0n,
        gas: u64(gas),
        gasWeight: u64(weight),
      };
      const idx = s.pushReceipt({
        receiverId: s.ctx.currentAccountId,
        actions: [call],
        dependsOn: [],
        yield: { dataId },
      });
      s.registers.set(u64(r), dataId);
      return idx;
    },
    // returns u32: 1 when a yield of this account waits for the data id, else 0
    promise_yield_resume: (idLen: bigint, idPtr: bigint, pLen: bigint, pPtr: bigint) => {
      s.notInView("promise_submit_data");
      const dataId = s.memory.readOrRegister(u64(idPtr), u64(idLen));
      const payload = s.memory.readOrRegister(u64(pPtr), u64(pLen));
      if (payload.length > MAX_YIELD_PAYLOAD) throw hostErrors.yieldPayload(payload.length, MAX_YIELD_PAYLOAD);
      if (dataId.length !== 32) throw hostErrors.dataIdMalformed();
      const same = (a: Uint8Array) => Buffer.from(a).equals(Buffer.from(dataId));
      const own = s.receipts.find((rc) => rc.yield && same(rc.yield.dataId));
      if (own?.yield) {
        if (own.yield.resumedWith) return 0;
        own.yield.resumedWith = payload;
        return 1;
      }
      if (!s.ext.yieldWaiting(s.ctx.currentAccountId, dataId)) return 0;
      s.resumed.push({ dataId, payload });
      return 1;
    },
  };
}

/** Imported by the signer but on no tested path: global contracts, gas keys, BLS12-381 (key derivation only). */
const UNSUPPORTED = [
  "promise_batch_action_deploy_global_contract",
  "promise_batch_action_deploy_global_contract_by_account_id",
  "promise_batch_action_use_global_contract",
  "promise_batch_action_use_global_contract_by_account_id",
  "promise_batch_action_add_gas_key_with_full_access",
  "promise_batch_action_add_gas_key_with_function_call",
  "promise_batch_action_transfer_to_gas_key",
  "bls12381_p1_decompress",
  "bls12381_p2_decompress",
  "bls12381_pairing_check",
];

export function promiseFunctions(s: CallState): Record<string, HostFn> {
  const unsupported = Object.fromEntries(
    UNSUPPORTED.map((name) => [
      name,
      () => {
        throw new UnsupportedHostFunction(name);
      },
    ]),
  );
  return { ...batches(s), ...actions(s), ...results(s), ...yields(s), ...unsupported };
}
