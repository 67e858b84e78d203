// The test runtime's host functions against nearcore 2.13.3's semantics (runtime/near-vm-runner/src/
// logic/logic.rs): hand-assembled modules check one host function at a time, the real contracts the
// whole.
import { describe, expect, it } from "@jest/globals";
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { contractWasm, type ContractName } from "../../contracts.js";
import { CALL_BURNT_GAS, latin1, runFunction, viewErrorText, type VmContext, type VmOutcome } from "../index.js";
import { call, drop, i32, i64, i64store, ifOne, unreachable, wasm } from "./wasm.js";

const U64_MAX = 2n ** 64n - 1n;
const TGAS = 10n ** 12n;
const NEAR = 10n ** 24n;

function context(over: Partial<VmContext> = {}): VmContext {
  return {
    currentAccountId: "c.localnet",
    signerAccountId: "alice.localnet",
    signerAccountPk: Uint8Array.from([0, ...new Uint8Array(32).fill(7)]),
    predecessorAccountId: "alice.localnet",
    input: new Uint8Array(),
    blockHeight: 42n,
    blockTimestamp: 1_700_000_000_000_000_000n,
    epochHeight: 3n,
    accountBalance: 10n * NEAR,
    accountLockedBalance: 0n,
    storageUsage: 1000n,
    attachedDeposit: 0n,
    prepaidGas: 30n * TGAS,
    randomSeed: new Uint8Array(32).fill(9),
    isView: false,
    promiseResults: [],
    ...over,
  };
}

/** Runs methods of `code` over one storage, keeping the changes of the calls that succeed. */
function runner(code: Uint8Array, storage = new Map<string, Uint8Array>()) {
  return (method: string, over: Partial<VmContext> = {}): VmOutcome => {
    const out = runFunction(code, method, context(over), {
      storageGet: (k) => storage.get(latin1(k)),
      newDataId: () => new Uint8Array(32).fill(0xd1),
      // an earlier receipt of c.localnet yielded for data ids starting with 0xee
      yieldWaiting: (account, id) => account === "c.localnet" && id[0] === 0xee,
    });
    if (out.failure) return out;
    for (const [k, v] of out.storage) {
      if (v) storage.set(k, v);
      else storage.delete(k);
    }
    return out;
  };
}

function value(o: VmOutcome): Buffer {
  if (o.failure) throw new Error(`unexpected failure: ${o.failure.message}`);
  if (o.returnData.kind !== "value") throw new Error(`returned ${o.returnData.kind}`);
  return Buffer.from(o.returnData.value);
}
const u64 = (o: VmOutcome) => value(o).readBigUInt64LE(0);
const u128 = (o: VmOutcome) => value(o).readBigUInt64LE(0) + (value(o).readBigUInt64LE(8) << 64n);
const text = (o: VmOutcome) => value(o).toString("utf8");
/** The i64 result of the ops, returned as 8 little-endian bytes (stored at address 0). */
const returnU64 = (...ops: ReturnType<typeof i64>[]) => [
  i32(0),
  ...ops,
  i64store,
  i64(8),
  i64(0),
  call("value_return"),
];

const I64 = "i64" as const;
const sig = (n: number, result = false): [(typeof I64)[], (typeof I64)[]] => [Array(n).fill(I64), result ? [I64] : []];

describe("registers", () => {
  const run = runner(
    wasm({
      imports: {
        write_register: sig(3),
        read_register: sig(2),
        register_len: sig(1, true),
        value_return: sig(2),
      },
      data: [[100, "hello"]],
      methods: {
        unusedLen: returnU64(i64(9), call("register_len")),
        writtenLen: [i64(3), i64(5), i64(100), call("write_register"), ...returnU64(i64(3), call("register_len"))],
        copy: [
          [...i64(3), ...i64(5), ...i64(100), ...call("write_register")],
          [...i64(3), ...i64(200), ...call("read_register"), ...i64(5), ...i64(200), ...call("value_return")],
        ],
        unused: [i64(7), i64(0), call("read_register")],
        byRegister: [i64(3), i64(5), i64(100), call("write_register"), i64(U64_MAX), i64(3), call("value_return")],
      },
    }),
  );

  it("register_len is u64::MAX for an unused register, the length of a written one", () => {
    expect(u64(run("unusedLen"))).toBe(U64_MAX);
    expect(u64(run("writtenLen"))).toBe(5n);
  });

  it("read_register copies the register into memory; an unused one is InvalidRegisterId", () => {
    expect(text(run("copy"))).toBe("hello");
    const f = run("unused").failure!;
    expect(f).toMatchObject({ kind: "HostError", message: "Accessed invalid register id: 7" });
    expect(viewErrorText(f)).toBe(
      "wasm execution failed with error: FunctionCallError(HostError(InvalidRegisterId { register_id: 7 }))",
    );
  });

  it("a length of u64::MAX takes the data from the register the pointer names", () => {
    expect(text(run("byRegister"))).toBe("hello");
  });
});

describe("storage", () => {
  const storage = new Map<string, Uint8Array>();
  const run = runner(
    wasm({
      imports: {
        storage_write: sig(5, true),
        storage_read: sig(3, true),
        storage_remove: sig(3, true),
        storage_has_key: sig(2, true),
        value_return: sig(2),
        panic: [[], []],
      },
      data: [
        [100, "key"],
        [110, "abc"],
        [120, "hello"],
      ],
      methods: {
        put: returnU64(i64(3), i64(100), i64(3), i64(110), i64(0), call("storage_write")),
        overwrite: [i64(3), i64(100), i64(5), i64(120), i64(0), call("storage_write"), drop],
        overwriteEvicted: [
          [...i64(3), ...i64(100), ...i64(5), ...i64(120), ...i64(0), ...call("storage_write"), ...drop],
          [...i64(U64_MAX), ...i64(0), ...call("value_return")],
        ],
        read: [i64(3), i64(100), i64(1), call("storage_read"), drop, i64(U64_MAX), i64(1), call("value_return")],
        has: returnU64(i64(3), i64(100), call("storage_has_key")),
        remove: returnU64(i64(3), i64(100), i64(2), call("storage_remove")),
        removeValue: [
          i64(3),
          i64(100),
          i64(2),
          call("storage_remove"),
          drop,
          i64(U64_MAX),
          i64(2),
          call("value_return"),
        ],
        writeThenPanic: [i64(3), i64(100), i64(3), i64(110), i64(0), call("storage_write"), drop, call("panic")],
      },
    }),
    storage,
  );

  it("storage_write: 0 for a new key, 1 with the evicted value in the register; usage follows key + value + 40", () => {
    const first = run("put");
    expect(u64(first)).toBe(0n);
    expect(first.storageUsage).toBe(1000n + 3n + 3n + 40n);
    expect(text(run("read"))).toBe("abc");
    const second = run("overwriteEvicted");
    expect(text(second)).toBe("abc"); // the value "hello" replaced
    expect(second.storageUsage).toBe(1000n + 5n - 3n);
    expect(text(run("read"))).toBe("hello");
    run("put");
    expect(u64(run("put"))).toBe(1n);
  });

  it("storage_remove: 1 with the removed value in the register, then 0; storage_has_key follows", () => {
    run("overwrite");
    expect(u64(run("has"))).toBe(1n);
    const removed = run("removeValue");
    expect(text(removed)).toBe("hello");
    expect(removed.storageUsage).toBe(1000n - (3n + 5n + 40n));
    expect(u64(run("has"))).toBe(0n);
    expect(u64(run("remove"))).toBe(0n);
  });

  it("changes of a failed call are not kept; views read but cannot write", () => {
    storage.clear();
    const failed = run("writeThenPanic");
    expect(failed.failure?.message).toBe("Smart contract panicked: explicit guest panic");
    expect(failed.storage.size).toBe(0);
    expect(u64(run("has"))).toBe(0n);
    run("put");
    expect(text(run("read", { isView: true }))).toBe("abc");
    expect(run("put", { isView: true }).failure?.message).toBe("storage_write is not allowed in view calls");
    expect(run("remove", { isView: true }).failure?.message).toBe("storage_remove is not allowed in view calls");
  });
});

describe("context and balances", () => {
  const run = runner(
    wasm({
      imports: {
        account_balance: sig(1),
        attached_deposit: sig(1),
        prepaid_gas: [[], [I64]],
        used_gas: [[], [I64]],
        block_index: [[], [I64]],
        signer_account_pk: sig(1),
        predecessor_account_id: sig(1),
        value_return: sig(2),
      },
      methods: {
        balance: [i64(0), call("account_balance"), i64(16), i64(0), call("value_return")],
        deposit: [i64(0), call("attached_deposit"), i64(16), i64(0), call("value_return")],
        gas: returnU64(call("prepaid_gas")),
        used: returnU64(call("used_gas")),
        height: returnU64(call("block_index")),
        signerPk: [i64(0), call("signer_account_pk"), i64(U64_MAX), i64(0), call("value_return")],
        predecessor: [i64(0), call("predecessor_account_id"), i64(U64_MAX), i64(0), call("value_return")],
      },
    }),
  );

  it("u128 amounts are written little-endian; the balance includes the attached deposit", () => {
    const deposit = 2n ** 100n + 3n;
    expect(u128(run("deposit", { attachedDeposit: deposit }))).toBe(deposit);
    expect(value(run("deposit", { attachedDeposit: 258n })).subarray(0, 3)).toEqual(Buffer.from([2, 1, 0]));
    expect(u128(run("balance", { attachedDeposit: 5n }))).toBe(10n * NEAR + 5n);
  });

  it("prepaid and used gas, block height, the signer's borsh public key, the predecessor", () => {
    expect(u64(run("gas", { prepaidGas: 77n * TGAS }))).toBe(77n * TGAS);
    expect(u64(run("used"))).toBe(CALL_BURNT_GAS);
    expect(u64(run("height"))).toBe(42n);
    expect(value(run("signerPk"))).toEqual(Buffer.from([0, ...new Uint8Array(32).fill(7)]));
    expect(text(run("predecessor"))).toBe("alice.localnet");
  });

  it("in views: the deposit is 0 (NEP-418), the caller and gas are prohibited", () => {
    expect(u128(run("deposit", { isView: true }))).toBe(0n);
    expect(run("predecessor", { isView: true }).failure?.message).toBe(
      "predecessor_account_id is not allowed in view calls",
    );
    expect(run("gas", { isView: true }).failure?.message).toBe("prepaid_gas is not allowed in view calls");
  });
});

describe("failures in nearcore's shapes", () => {
  const code = wasm({
    imports: { panic_utf8: sig(2), panic: [[], []], log_utf8: sig(2), log_utf16: sig(2) },
    data: [
      [100, "boom"],
      [200, Buffer.from("hé", "utf16le")],
    ],
    methods: {
      boom: [
        i64(2),
        i64(100),
        call("log_utf8"),
        i64(4),
        i64(200),
        call("log_utf16"),
        i64(4),
        i64(100),
        call("panic_utf8"),
      ],
      nulTerminated: [i64(U64_MAX), i64(100), call("panic_utf8")],
      plain: [call("panic")],
      trap: [unreachable],
    },
  });
  const run = runner(code);

  it("panic_utf8 is GuestPanic: 'Smart contract panicked: <msg>'; the logs before it stay", () => {
    const o = run("boom");
    expect(o.failure).toMatchObject({ kind: "HostError", message: "Smart contract panicked: boom" });
    expect(viewErrorText(o.failure!)).toBe(
      'wasm execution failed with error: FunctionCallError(HostError(GuestPanic { panic_msg: "boom" }))',
    );
    expect(o.logs).toEqual(["bo", "hé"]);
    expect(run("nulTerminated").failure?.message).toBe("Smart contract panicked: boom");
    expect(run("plain").failure?.message).toBe("Smart contract panicked: explicit guest panic");
  });

  it("traps, unknown methods and missing code", () => {
    expect(run("trap").failure).toMatchObject({
      kind: "WasmTrap",
      message: "WebAssembly trap: An `unreachable` opcode was executed.",
    });
    expect(viewErrorText(run("trap").failure!)).toBe(
      "wasm execution failed with error: FunctionCallError(WasmTrap(Unreachable))",
    );
    expect(run("nope").failure).toMatchObject({ kind: "MethodResolveError", json: "MethodNotFound" });
    const none = runFunction(undefined, "m", context(), {
      storageGet: () => undefined,
      newDataId: () => new Uint8Array(32),
      yieldWaiting: () => false,
    });
    expect(none.failure).toMatchObject({
      kind: "CompilationError",
      json: { CodeDoesNotExist: { account_id: "c.localnet" } },
    });
  });
});

describe("promises", () => {
  const account = (id: string, at: number): [number, string] => [at, id];
  const run = runner(
    wasm({
      imports: {
        promise_batch_create: sig(2, true),
        promise_batch_then: sig(3, true),
        promise_and: sig(2, true),
        promise_then: sig(9, true),
        promise_return: sig(1),
        promise_batch_action_transfer: sig(2),
        promise_batch_action_function_call_weight: sig(8),
        promise_batch_action_create_account: sig(1),
        promise_results_count: [[], [I64]],
        promise_result: sig(2, true),
        value_return: sig(2),
      },
      data: [
        account("a.localnet", 100),
        account("b.localnet", 120),
        account("cc.localnet", 140),
        [160, "cb"],
        [170, "{}"],
        [300, Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0])], // [0u64, 1u64]
        [400, Uint8Array.from([5, ...new Array(15).fill(0)])], // 5 yocto, u128
      ],
      methods: {
        // a, b; then cc.cb after both (promise_and), returned
        fanIn: [
          [...i64(10), ...i64(100), ...call("promise_batch_create"), ...drop],
          [...i64(10), ...i64(120), ...call("promise_batch_create"), ...drop],
          [...i64(300), ...i64(2), ...call("promise_and"), ...drop],
          [
            ...i64(2),
            ...i64(11),
            ...i64(140),
            ...i64(2),
            ...i64(160),
            ...i64(2),
            ...i64(170),
            ...i64(400),
            ...i64(5n * TGAS),
          ],
          [...call("promise_then"), ...call("promise_return")],
        ],
        transfer: [i64(10), i64(100), call("promise_batch_create"), i64(400), call("promise_batch_action_transfer")],
        tooMuchGas: [
          [...i64(10), ...i64(100), ...call("promise_batch_create")],
          [...i64(2), ...i64(160), ...i64(2), ...i64(170), ...i64(400), ...i64(40n * TGAS), ...i64(0)],
          [...call("promise_batch_action_function_call_weight")],
        ],
        weighted: [
          [...i64(10), ...i64(100), ...call("promise_batch_create")],
          [...i64(2), ...i64(160), ...i64(2), ...i64(170), ...i64(400), ...i64(TGAS), ...i64(1)],
          [...call("promise_batch_action_function_call_weight")],
        ],
        jointAction: [
          [...i64(10), ...i64(100), ...call("promise_batch_create"), ...drop],
          [...i64(10), ...i64(120), ...call("promise_batch_create"), ...drop],
          [...i64(300), ...i64(2), ...call("promise_and"), ...call("promise_batch_action_create_account")],
        ],
        jointReturn: [
          [...i64(10), ...i64(100), ...call("promise_batch_create"), ...drop],
          [...i64(10), ...i64(120), ...call("promise_batch_create"), ...drop],
          [...i64(300), ...i64(2), ...call("promise_and"), ...call("promise_return")],
        ],
        count: returnU64(call("promise_results_count")),
        result0: [i64(0), i64(5), call("promise_result"), ifOne([i64(U64_MAX), i64(5), call("value_return")])],
        result1: returnU64(i64(1), i64(5), call("promise_result")),
        result2: returnU64(i64(2), i64(5), call("promise_result")),
        invalidAccount: [i64(3), i64(160), call("promise_batch_create"), drop],
      },
    }),
  );

  it("promise_and + promise_then: the callback depends on both, in order; promise_return returns it", () => {
    const o = run("fanIn");
    expect(o.receipts.map((r) => [r.receiverId, r.dependsOn])).toEqual([
      ["a.localnet", []],
      ["b.localnet", []],
      ["cc.localnet", [0, 1]],
    ]);
    expect(o.receipts[2].actions).toEqual([
      { type: "FunctionCall", methodName: "cb", args: Buffer.from("{}"), deposit: 5n, gas: 5n * TGAS, gasWeight: 0n },
    ]);
    expect(o.returnData).toEqual({ kind: "receipt", index: 2 });
    expect(o.balance).toBe(10n * NEAR - 5n);
    expect(o.usedGas - o.burntGas).toBe(5n * TGAS);
  });

  it("attached deposits leave the balance at once; more than the balance is BalanceExceeded", () => {
    const o = run("transfer");
    expect(o.receipts[0].actions).toEqual([{ type: "Transfer", deposit: 5n }]);
    expect(o.balance).toBe(10n * NEAR - 5n);
    expect(run("transfer", { accountBalance: 4n }).failure?.message).toBe("Exceeded the account balance.");
  });

  it("attached gas is prepaid (GasExceeded beyond the prepaid gas); unused gas goes to weighted calls", () => {
    expect(run("tooMuchGas").failure?.message).toBe("Exceeded the prepaid gas.");
    const o = run("weighted");
    const fc = o.receipts[0].actions[0] as { gas: bigint };
    expect(fc.gas).toBe(30n * TGAS - CALL_BURNT_GAS);
    expect(o.usedGas).toBe(30n * TGAS);
  });

  it("joint promises take no actions and cannot be returned; account ids are checked", () => {
    expect(run("jointAction").failure?.message).toBe("Actions can only be appended to non-joint promise.");
    expect(run("jointReturn").failure?.message).toBe("Returning joint promise is currently prohibited.");
    expect(run("invalidAccount").failure?.message).toBe("VM Logic returned an invalid account id");
    expect(run("transfer", { isView: true }).failure?.message).toBe(
      "promise_batch_create is not allowed in view calls",
    );
  });

  it("promise_result: 1 with the value in the register, 2 for a failure, an error past the end", () => {
    const promiseResults = [{ status: "successful" as const, value: Buffer.from("x") }, { status: "failed" as const }];
    expect(u64(run("count", { promiseResults }))).toBe(2n);
    expect(text(run("result0", { promiseResults }))).toBe("x");
    expect(u64(run("result1", { promiseResults }))).toBe(2n);
    expect(run("result2", { promiseResults }).failure?.message).toBe("Accessed invalid promise result index: 2");
  });
});

describe("yields", () => {
  const run = runner(
    wasm({
      imports: {
        promise_yield_create: sig(7, true),
        promise_yield_resume: [Array(4).fill(I64), ["i32"]],
        promise_return: sig(1),
        value_return: sig(2),
      },
      data: [
        [100, "done"],
        [110, "{}"],
        [200, "answer"],
        [300, new Uint8Array(32).fill(0xee)],
        [400, new Uint8Array(32).fill(0x77)],
      ],
      methods: {
        // yield, register 0 holds the data id; return the yield's promise
        ask: [
          i64(4),
          i64(100),
          i64(2),
          i64(110),
          i64(7n * TGAS),
          i64(1),
          i64(0),
          call("promise_yield_create"),
          call("promise_return"),
        ],
        // yield and resume it in the same call, twice; return the second answer (as a u32 in memory)
        askAndAnswer: [
          [...i64(4), ...i64(100), ...i64(2), ...i64(110), ...i64(7n * TGAS), ...i64(0), ...i64(0)],
          [...call("promise_yield_create"), ...drop],
          [...i64(U64_MAX), ...i64(0), ...i64(6), ...i64(200), ...call("promise_yield_resume"), 0x1a],
          [
            ...i32(0),
            ...i64(U64_MAX),
            ...i64(0),
            ...i64(6),
            ...i64(200),
            ...call("promise_yield_resume"),
            0xad,
            ...i64store,
          ],
          [...i64(8), ...i64(0), ...call("value_return")],
        ],
        resumeEarlier: returnU64(i64(32), i64(300), i64(6), i64(200), call("promise_yield_resume"), [0xad]),
        resumeUnknown: returnU64(i64(32), i64(400), i64(6), i64(200), call("promise_yield_resume"), [0xad]),
        malformed: [i64(31), i64(300), i64(6), i64(200), call("promise_yield_resume"), [0x1a]],
        tooLong: [i64(32), i64(300), i64(1025), i64(0), call("promise_yield_resume"), [0x1a]],
      },
    }),
  );

  it("promise_yield_create: a callback on this account waiting for the data id it writes to the register", () => {
    const o = run("ask");
    expect(o.receipts).toEqual([
      {
        receiverId: "c.localnet",
        actions: [
          {
            type: "FunctionCall",
            methodName: "done",
            args: Buffer.from("{}"),
            deposit: 0n,
            gas: 30n * TGAS - CALL_BURNT_GAS,
            gasWeight: 1n,
          },
        ],
        dependsOn: [],
        yield: { dataId: new Uint8Array(32).fill(0xd1) },
      },
    ]);
    expect(o.returnData).toEqual({ kind: "receipt", index: 0 });
  });

  it("promise_yield_resume in the same call: 1 and the payload once, 0 after", () => {
    const o = run("askAndAnswer");
    expect(o.receipts[0].yield).toEqual({ dataId: new Uint8Array(32).fill(0xd1), resumedWith: Buffer.from("answer") });
    expect(u64(o)).toBe(0n);
  });

  it("a yield of an earlier receipt of this account resumes (1); an unknown data id does not (0)", () => {
    const o = run("resumeEarlier");
    expect(u64(o)).toBe(1n);
    expect(o.resumed).toEqual([{ dataId: new Uint8Array(32).fill(0xee), payload: Buffer.from("answer") }]);
    expect(u64(run("resumeEarlier", { currentAccountId: "other.localnet" }))).toBe(0n);
    expect(u64(run("resumeUnknown"))).toBe(0n);
  });

  it("a malformed data id or a payload over 1024 bytes fails; views may not yield", () => {
    expect(run("malformed").failure?.message).toBe("yield resumption token is malformed");
    expect(run("tooLong").failure?.message).toBe(
      "Yield resume payload is 1025 bytes which exceeds the 1024 byte limit",
    );
    expect(run("ask", { isView: true }).failure?.message).toBe("promise_yield_create is not allowed in view calls");
  });
});

describe("crypto", () => {
  const run = runner(
    wasm({
      imports: { sha256: sig(3), keccak256: sig(3), value_return: sig(2) },
      data: [[100, "hello"]],
      methods: {
        sha: [i64(5), i64(100), i64(0), call("sha256"), i64(U64_MAX), i64(0), call("value_return")],
        keccak: [i64(5), i64(100), i64(0), call("keccak256"), i64(U64_MAX), i64(0), call("value_return")],
      },
    }),
  );

  it("sha256 and keccak256 into the register", () => {
    expect(value(run("sha"))).toEqual(Buffer.from(sha256(Buffer.from("hello"))));
    expect(value(run("keccak"))).toEqual(Buffer.from(keccak_256(Buffer.from("hello"))));
  });

  /** ed25519_verify of "hello" with the signature and key in the module's data. */
  const verify = (signature: Uint8Array, pk: Uint8Array, sigLen = 64) =>
    runner(
      wasm({
        imports: { ed25519_verify: sig(6, true), value_return: sig(2) },
        data: [
          [100, "hello"],
          [1000, signature],
          [2000, pk],
        ],
        methods: { m: returnU64(i64(sigLen), i64(1000), i64(5), i64(100), i64(32), i64(2000), call("ed25519_verify")) },
      }),
    )("m");

  it("ed25519_verify: 1 for a valid signature, 0 for another message, an error for a wrong length", () => {
    const sk = new Uint8Array(32).fill(3);
    const pk = ed25519.getPublicKey(sk);
    expect(u64(verify(ed25519.sign(Buffer.from("hello"), sk), pk))).toBe(1n);
    expect(u64(verify(ed25519.sign(Buffer.from("hellO"), sk), pk))).toBe(0n);
    expect(verify(ed25519.sign(Buffer.from("hello"), sk), pk, 63).failure?.message).toBe(
      "ED25519 signature verification error: invalid signature length",
    );
  });

  /** ecrecover(hash, r || s, v, flag): its return code, and the recovered key in register 1. */
  const recover = (hash: Uint8Array, rs: Uint8Array, v: number, flag: number) =>
    runner(
      wasm({
        imports: { ecrecover: sig(7, true), value_return: sig(2) },
        data: [
          [3000, hash],
          [3100, rs],
        ],
        methods: {
          code: returnU64(i64(32), i64(3000), i64(64), i64(3100), i64(v), i64(flag), i64(1), call("ecrecover")),
          key: [i64(32), i64(3000), i64(64), i64(3100), i64(v), i64(flag), i64(1), call("ecrecover"), drop],
        },
      }),
    );

  it("ecrecover: the 64-byte public key; a high s only without the malleability flag; v above 3 is an error", () => {
    const sk = new Uint8Array(32).fill(5);
    const hash = sha256(Buffer.from("payload"));
    const signed = secp256k1.sign(hash, sk, { prehash: false, format: "recovered" }) as Uint8Array;
    const [v, rs] = [signed[0], signed.subarray(1)];
    const key = recover(hash, rs, v, 1);
    expect(u64(key("code"))).toBe(1n);
    // the same signature with s' = n - s recovers with the other recovery id, unless low s is required
    const n = secp256k1.Point.Fn.ORDER;
    const s = BigInt(`0x${Buffer.from(rs.subarray(32)).toString("hex")}`);
    const high = Uint8Array.from([
      ...rs.subarray(0, 32),
      ...Buffer.from((n - s).toString(16).padStart(64, "0"), "hex"),
    ]);
    expect(u64(recover(hash, high, v ^ 1, 0)("code"))).toBe(1n);
    expect(u64(recover(hash, high, v ^ 1, 1)("code"))).toBe(0n);
    expect(recover(hash, rs, 4, 0)("code").failure?.message).toBe(
      "ECDSA recover error: V recovery byte 0 through 3 are valid but was provided 4",
    );
  });

  it("ecrecover writes the uncompressed key without its 0x04 prefix", () => {
    const sk = new Uint8Array(32).fill(6);
    const hash = sha256(Buffer.from("other"));
    const signed = secp256k1.sign(hash, sk, { prehash: false, format: "recovered" }) as Uint8Array;
    const run = runner(
      wasm({
        imports: { ecrecover: sig(7, true), value_return: sig(2) },
        data: [
          [3000, hash],
          [3100, signed.subarray(1)],
        ],
        methods: {
          m: [i64(32), i64(3000), i64(64), i64(3100), i64(signed[0]), i64(1), i64(1), call("ecrecover"), drop],
          r: [i64(U64_MAX), i64(1), call("value_return")],
        },
      }),
    );
    const both = wasm({
      imports: { ecrecover: sig(7, true), value_return: sig(2) },
      data: [
        [3000, hash],
        [3100, signed.subarray(1)],
      ],
      methods: {
        m: [
          [...i64(32), ...i64(3000), ...i64(64), ...i64(3100), ...i64(signed[0]), ...i64(1), ...i64(1)],
          [...call("ecrecover"), ...drop, ...i64(U64_MAX), ...i64(1), ...call("value_return")],
        ],
      },
    });
    expect(run("m").failure).toBeUndefined();
    expect(value(runner(both)("m"))).toEqual(Buffer.from(secp256k1.getPublicKey(sk, false).subarray(1)));
  });
});

describe("host functions no tested path calls", () => {
  it.each([
    ["promise_batch_action_deploy_global_contract", 3],
    ["promise_batch_action_use_global_contract_by_account_id", 3],
    ["promise_batch_action_add_gas_key_with_full_access", 4],
    ["bls12381_p1_decompress", 3],
    ["bls12381_pairing_check", 2],
  ])("%s fails with 'not supported by the test runtime'", (name, n) => {
    const run = runner(wasm({ imports: { [name]: sig(n) }, methods: { m: [...Array(n).fill(i64(0)), call(name)] } }));
    expect(run("m").failure?.message).toBe(`${name} is not supported by the test runtime`);
  });

  it("every host function the six pinned contracts import is linked", () => {
    const names: ContractName[] = ["signer", "w_near", "whitelist", "staking_pool_factory", "staking_pool", "linkdrop"];
    for (const name of names) {
      const code = contractWasm(name);
      const method = WebAssembly.Module.exports(new WebAssembly.Module(code)).find((e) => e.kind === "function")!.name;
      expect(() => runner(code)(method)).not.toThrow();
    }
  });
});

describe("the real contracts", () => {
  const args = (v: unknown) => Buffer.from(JSON.stringify(v));

  it("whitelist: new, add_factory by the foundation only, seen by its view; a call in a view is prohibited", () => {
    const run = runner(contractWasm("whitelist"));
    expect(run("new", { input: args({ foundation_account_id: "localnet" }) }).failure).toBeUndefined();
    const again = run("new", { input: args({ foundation_account_id: "localnet" }) });
    expect(again.failure?.message).toMatch(/^Smart contract panicked: panicked at 'Already initialized'/);
    const byMallory = run("add_factory", {
      predecessorAccountId: "mallory.localnet",
      input: args({ factory_account_id: "f.localnet" }),
    });
    expect(byMallory.failure?.message).toContain("Can only be called by NEAR Foundation");
    const check = { input: args({ factory_account_id: "f.localnet" }), isView: true };
    expect(text(run("is_factory_whitelisted", check))).toBe("false");
    const byFoundation = { predecessorAccountId: "localnet", input: args({ factory_account_id: "f.localnet" }) };
    expect(text(run("add_factory", byFoundation))).toBe("true");
    expect(text(run("add_factory", byFoundation))).toBe("false");
    expect(text(run("is_factory_whitelisted", check))).toBe("true");
    expect(run("add_factory", { ...byFoundation, isView: true }).failure?.message).toBe(
      "predecessor_account_id is not allowed in view calls",
    );
  });

  it("w_near: near_deposit registers the depositor out of the deposit (a measured 64-character record)", () => {
    const run = runner(contractWasm("w_near"));
    expect(run("new").failure).toBeUndefined();
    const bounds = JSON.parse(text(run("storage_balance_bounds", { isView: true })));
    expect(bounds.min).toBe((125n * 10n ** 19n).toString());
    const deposit = run("near_deposit", { attachedDeposit: NEAR });
    expect(deposit.logs).toEqual([`Deposit ${NEAR - 125n * 10n ** 19n} NEAR to alice.localnet`]);
    // alice's record: 40 bytes overhead, key "a" + borsh("alice.localnet"), a u128 balance
    expect(deposit.storageUsage - 1000n).toBe(40n + 1n + 4n + 14n + 16n);
    const balance = run("ft_balance_of", { isView: true, input: args({ account_id: "alice.localnet" }) });
    expect(JSON.parse(text(balance))).toBe((NEAR - 125n * 10n ** 19n).toString());
    expect(run("near_deposit").failure?.message).toContain("Requires positive attached deposit");
  });
});
