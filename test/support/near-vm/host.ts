// The host functions of nearcore 2.13.3 (runtime/near-vm-runner/src/logic/logic.rs) for the "env"
// import namespace, except the promise API (host-promises.ts). Every u64 argument arrives as a BigInt
// (wasm i64 is signed in JS: asUintN restores u64); functions returning u64 return a BigInt.
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256, keccak_512 } from "@noble/hashes/sha3.js";
import { isValidAccountId } from "../../../platform/near/account-id.js";
import { hostErrors } from "./errors.js";
import { STORAGE_RECORD_OVERHEAD, type CallState } from "./state.js";

/** Host functions take and return wasm values: BigInt for i64, number for i32. */
export type HostFn = (...args: any[]) => bigint | number | void;

export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const text = (s: string) => new TextEncoder().encode(s);

/** nearcore's read_and_parse_account_id. */
export function readAccountId(s: CallState, len: bigint, ptr: bigint): string {
  let id: string;
  try {
    id = new TextDecoder("utf-8", { fatal: true }).decode(s.memory.readOrRegister(u64(ptr), u64(len)));
  } catch (e) {
    if (e instanceof TypeError) throw hostErrors.badUtf8();
    throw e;
  }
  if (!isValidAccountId(id)) throw hostErrors.invalidAccountId();
  return id;
}

function registerAndContext(s: CallState): Record<string, HostFn> {
  const { ctx, registers: regs, memory: mem } = s;
  const guarded = (name: string, value: () => Uint8Array) => (r: bigint) => {
    s.notInView(name);
    regs.set(u64(r), value());
  };
  return {
    read_register: (r: bigint, ptr: bigint) => mem.write(u64(ptr), regs.get(u64(r))),
    register_len: (r: bigint) => regs.len(u64(r)),
    write_register: (r: bigint, len: bigint, ptr: bigint) => regs.set(u64(r), mem.read(u64(ptr), u64(len))),
    current_account_id: (r: bigint) => regs.set(u64(r), text(ctx.currentAccountId)),
    signer_account_id: guarded("signer_account_id", () => text(ctx.signerAccountId)),
    signer_account_pk: guarded("signer_account_pk", () => ctx.signerAccountPk),
    predecessor_account_id: guarded("predecessor_account_id", () => text(ctx.predecessorAccountId)),
    input: (r: bigint) => regs.set(u64(r), ctx.input),
    block_index: () => ctx.blockHeight,
    block_timestamp: () => ctx.blockTimestamp,
    epoch_height: () => ctx.epochHeight,
    storage_usage: () => s.storageUsage,
    account_balance: (ptr: bigint) => mem.writeU128(u64(ptr), s.balance),
    account_locked_balance: (ptr: bigint) => mem.writeU128(u64(ptr), ctx.accountLockedBalance),
    // allowed in views since NEP-418 (a view's deposit is 0)
    attached_deposit: (ptr: bigint) => mem.writeU128(u64(ptr), ctx.attachedDeposit),
    prepaid_gas: () => {
      s.notInView("prepaid_gas");
      return ctx.prepaidGas;
    },
    used_gas: () => {
      s.notInView("used_gas");
      return s.used;
    },
    random_seed: (r: bigint) => regs.set(u64(r), ctx.randomSeed),
    // the test chain has no validator stakes to report
    validator_stake: (len: bigint, ptr: bigint, stakePtr: bigint) => {
      readAccountId(s, len, ptr);
      mem.writeU128(u64(stakePtr), 0n);
    },
    validator_total_stake: (stakePtr: bigint) => mem.writeU128(u64(stakePtr), 0n),
  };
}

/** nearcore near-crypto check_signature_values: r < n and s < n (or s < n/2 + 1 with the malleability flag). */
function signatureValuesOk(sig: Uint8Array, rejectUpper: boolean): boolean {
  const n = secp256k1.Point.Fn.ORDER;
  const r = BigInt(`0x${Buffer.from(sig.subarray(0, 32)).toString("hex")}`);
  const sv = BigInt(`0x${Buffer.from(sig.subarray(32, 64)).toString("hex")}`);
  return r < n && sv < (rejectUpper ? n / 2n + 1n : n);
}

function ecrecover(s: CallState, args: bigint[]): bigint {
  const [hashLen, hashPtr, sigLen, sigPtr, v, flag, r] = args.map(u64);
  const sig = s.memory.readOrRegister(sigPtr, sigLen);
  if (sig.length !== 64)
    throw hostErrors.ecrecover(`The length of the signature: ${sig.length}, exceeds the limit of 64 bytes`);
  if (v >= 4n) throw hostErrors.ecrecover(`V recovery byte 0 through 3 are valid but was provided ${v}`);
  const hash = s.memory.readOrRegister(hashPtr, hashLen);
  if (hash.length !== 32)
    throw hostErrors.ecrecover(`The length of the hash: ${hash.length}, exceeds the limit of 32 bytes`);
  if (flag !== 0n && flag !== 1n)
    throw hostErrors.ecrecover(`Malleability flag needs to be 0 or 1, but is instead ${flag}`);
  if (!signatureValuesOk(sig, flag === 1n)) return 0n;
  try {
    const point = secp256k1.Signature.fromBytes(sig, "compact").addRecoveryBit(Number(v)).recoverPublicKey(hash);
    s.registers.set(r, point.toBytes(false).subarray(1));
    return 1n;
  } catch {
    return 0n;
  }
}

function ed25519Verify(s: CallState, args: bigint[]): bigint {
  const [sigLen, sigPtr, msgLen, msgPtr, pkLen, pkPtr] = args.map(u64);
  const sig = s.memory.readOrRegister(sigPtr, sigLen);
  if (sig.length !== 64) throw hostErrors.ed25519("invalid signature length");
  // the sanity check ed25519-dalek 1 made and nearcore keeps
  if ((sig[63] & 0b1110_0000) !== 0) return 0n;
  const msg = s.memory.readOrRegister(msgPtr, msgLen);
  const pk = s.memory.readOrRegister(pkPtr, pkLen);
  if (pk.length !== 32) throw hostErrors.ed25519("invalid public key length");
  try {
    return ed25519.verify(sig, msg, pk, { zip215: false }) ? 1n : 0n;
  } catch {
    return 0n;
  }
}

function math(s: CallState): Record<string, HostFn> {
  const hash = (f: (b: Uint8Array) => Uint8Array) => (len: bigint, ptr: bigint, r: bigint) =>
    s.registers.set(u64(r), f(s.memory.readOrRegister(u64(ptr), u64(len))));
  return {
    sha256: hash(sha256),
    keccak256: hash(keccak_256),
    keccak512: hash(keccak_512),
    ecrecover: (...args: bigint[]) => ecrecover(s, args),
    ed25519_verify: (...args: bigint[]) => ed25519Verify(s, args),
  };
}

function misc(s: CallState): Record<string, HostFn> {
  const mem = s.memory;
  return {
    value_return: (len: bigint, ptr: bigint) => {
      s.returnData = { kind: "value", value: mem.readOrRegister(u64(ptr), u64(len)) };
    },
    panic: () => {
      throw hostErrors.guestPanic("explicit guest panic");
    },
    panic_utf8: (len: bigint, ptr: bigint) => {
      throw hostErrors.guestPanic(mem.utf8(u64(len), u64(ptr)));
    },
    log_utf8: (len: bigint, ptr: bigint) => void s.logs.push(mem.utf8(u64(len), u64(ptr))),
    log_utf16: (len: bigint, ptr: bigint) => void s.logs.push(mem.utf16(u64(len), u64(ptr))),
    // AssemblyScript's abort: length-prefixed UTF-16 message and file name
    abort: (msgPtr: number, filePtr: number, line: number, col: number) => {
      if (msgPtr < 4 || filePtr < 4) throw hostErrors.badUtf16();
      const str = (p: number) => mem.utf16(BigInt(mem.readU32(BigInt(p - 4))), BigInt(p));
      const message = `${str(msgPtr)}, filename: "${str(filePtr)}" line: ${line} col: ${col}`;
      s.logs.push(`ABORT: ${message}`);
      throw hostErrors.guestPanic(message);
    },
  };
}

function storage(s: CallState): Record<string, HostFn> {
  const mem = s.memory;
  const key = (len: bigint, ptr: bigint) => mem.readOrRegister(u64(ptr), u64(len));
  return {
    storage_write: (kLen: bigint, kPtr: bigint, vLen: bigint, vPtr: bigint, r: bigint) => {
      s.notInView("storage_write");
      const k = key(kLen, kPtr);
      const v = mem.readOrRegister(u64(vPtr), u64(vLen));
      const old = s.storageRead(k);
      s.storageSet(k, v);
      if (old === undefined) {
        s.storageUsage += BigInt(k.length + v.length) + STORAGE_RECORD_OVERHEAD;
        return 0n;
      }
      s.storageUsage += BigInt(v.length - old.length);
      s.registers.set(u64(r), old);
      return 1n;
    },
    storage_read: (kLen: bigint, kPtr: bigint, r: bigint) => {
      const v = s.storageRead(key(kLen, kPtr));
      if (v === undefined) return 0n;
      s.registers.set(u64(r), v);
      return 1n;
    },
    storage_remove: (kLen: bigint, kPtr: bigint, r: bigint) => {
      s.notInView("storage_remove");
      const k = key(kLen, kPtr);
      const old = s.storageRead(k);
      if (old === undefined) return 0n;
      s.storageSet(k, null);
      s.storageUsage -= BigInt(k.length + old.length) + STORAGE_RECORD_OVERHEAD;
      s.registers.set(u64(r), old);
      return 1n;
    },
    storage_has_key: (kLen: bigint, kPtr: bigint) => (s.storageRead(key(kLen, kPtr)) === undefined ? 0n : 1n),
  };
}

/** The host functions other than promises, for one call. */
export function hostFunctions(s: CallState): Record<string, HostFn> {
  return { ...registerAndContext(s), ...math(s), ...misc(s), ...storage(s) };
}
