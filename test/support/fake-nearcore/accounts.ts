// Accounts of the fake chain and nearcore's storage accounting (core/parameters storage_usage_config,
// runtime/runtime/src/config.rs): 100 bytes per account, each access key's borsh size + 40, the code,
// and each state record's key + value + 40; the balance (amount + locked) must cover
// storage_usage * storage_amount_per_byte (10^19 yoctoNEAR).
import { sha256 } from "@noble/hashes/sha2.js";
import { PublicKey, baseEncode } from "near-api-js";
import { EMPTY_CODE_HASH } from "../../../platform/near/code-hash.js";
import { STORAGE_RECORD_OVERHEAD, type AccessKeyPermission } from "../near-vm/index.js";

export const STORAGE_AMOUNT_PER_BYTE = 10_000_000_000_000_000_000n;
const ACCOUNT_BASE_STORAGE = 100n;

export interface AccessKeyRec {
  nonce: bigint;
  permission: AccessKeyPermission;
}

export interface AccountRec {
  amount: bigint;
  locked: bigint;
  code?: Uint8Array;
  codeHash: string;
  keys: Map<string, AccessKeyRec>;
  /** Contract state: keys are the key bytes as latin1 text (one character per byte). */
  state: Map<string, Uint8Array>;
}

export function newAccount(amount = 0n): AccountRec {
  return { amount, locked: 0n, codeHash: EMPTY_CODE_HASH, keys: new Map(), state: new Map() };
}

export function codeHashOf(wasm: Uint8Array): string {
  return baseEncode(sha256(wasm));
}

export function setCode(a: AccountRec, code: Uint8Array): void {
  a.code = code;
  a.codeHash = codeHashOf(code);
}

export function cloneAccount(a: AccountRec): AccountRec {
  return {
    ...a,
    keys: new Map([...a.keys].map(([k, v]) => [k, { ...v }])),
    // values are never changed in place: a write replaces them
    state: new Map(a.state),
  };
}

/** borsh(AccessKey) length: nonce u64 + permission (tag; allowance Option<u128>, receiver, method names). */
function accessKeyBytes(k: AccessKeyRec): bigint {
  if (k.permission === "FullAccess") return 9n;
  const fc = k.permission.FunctionCall;
  const names = fc.method_names.reduce((n, m) => n + 4 + Buffer.byteLength(m), 4);
  return BigInt(9 + (fc.allowance === null ? 1 : 17) + 4 + Buffer.byteLength(fc.receiver_id) + names);
}

function publicKeyBytes(pk: string): bigint {
  return BigInt(1 + PublicKey.from(pk).data.length);
}

/** Bytes of contract state (what view_state's size limit counts). */
export function stateBytes(a: AccountRec): bigint {
  let n = 0n;
  for (const [k, v] of a.state) n += STORAGE_RECORD_OVERHEAD + BigInt(k.length + v.length);
  return n;
}

export function storageUsage(a: AccountRec): bigint {
  let n = ACCOUNT_BASE_STORAGE + BigInt(a.code?.length ?? 0) + stateBytes(a);
  for (const [pk, k] of a.keys) n += publicKeyBytes(pk) + accessKeyBytes(k) + STORAGE_RECORD_OVERHEAD;
  return n;
}

/** What the account lacks to cover its storage (0n when covered); locked balance counts. */
export function storageShortfall(a: AccountRec): bigint {
  const need = storageUsage(a) * STORAGE_AMOUNT_PER_BYTE;
  const have = a.amount + a.locked;
  return have >= need ? 0n : need - have;
}
