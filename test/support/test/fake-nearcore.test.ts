// fake-nearcore's chain: receipts in later blocks with their dependencies' results, atomic receipts,
// storage staking, yields resumed or timed out, and a transaction's outcome only once all of its
// receipts ran (hand-assembled contracts, through the toolkit's client).
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { Account, JsonRpcProvider, KeyPair, KeyPairSigner, actions } from "near-api-js";
import { connect, sendTransaction, type NearConnection, type Signer } from "../../../platform/near/client.js";
import { FakeNearcore, YIELD_TIMEOUT_BLOCKS, type FunctionCallEvent } from "../fake-nearcore.js";
import { fails } from "../ops.js";
import { call, drop, i32, i64, ifOne, wasm } from "../near-vm/test/wasm.js";

const NEAR = 10n ** 24n;
const TGAS = 10n ** 12n;
const U64_MAX = 2n ** 64n - 1n;
const I64 = "i64" as const;
const sig = (n: number, result = false): [(typeof I64)[], (typeof I64)[]] => [Array(n).fill(I64), result ? [I64] : []];

/** ask: yields to `done`, keeping the data id under "id"; answer: resumes it; done: the payload, or a panic. */
const YIELDER = wasm({
  imports: {
    promise_yield_create: sig(7, true),
    promise_yield_resume: [Array(4).fill(I64), ["i32"]],
    promise_return: sig(1),
    promise_result: sig(2, true),
    storage_write: sig(5, true),
    storage_read: sig(3, true),
    value_return: sig(2),
    panic_utf8: sig(2),
  },
  data: [
    [100, "done"],
    [110, "{}"],
    [120, "id"],
    [130, "answer"],
    [140, "timed out"],
  ],
  methods: {
    ask: [
      [...i64(4), ...i64(100), ...i64(2), ...i64(110), ...i64(10n * TGAS), ...i64(0), ...i64(0)],
      [...call("promise_yield_create"), ...i64(2), ...i64(120), ...i64(U64_MAX), ...i64(0), ...i64(5)],
      [...call("storage_write"), ...drop, ...call("promise_return")],
    ],
    // returns what promise_yield_resume returned, as JSON ("0" or "1")
    answer: [
      [...i64(2), ...i64(120), ...i64(1), ...call("storage_read"), ...drop, ...i32(0)],
      [...i64(U64_MAX), ...i64(1), ...i64(6), ...i64(130), ...call("promise_yield_resume")],
      [...i32(48), 0x6a, 0x3a, 0x00, 0x00], // + '0', i32.store8
      [...i64(1), ...i64(0), ...call("value_return")],
    ],
    done: [
      i64(0),
      i64(2),
      call("promise_result"),
      ifOne([i64(U64_MAX), i64(2), call("value_return")], [i64(9), i64(140), call("panic_utf8")]),
    ],
  },
});

/** start: writes "a", then fail (5 yocto attached) and check after it; fail: writes "b" and panics. */
const CHAINER = wasm({
  imports: {
    storage_write: sig(5, true),
    promise_create: sig(8, true),
    promise_then: sig(9, true),
    promise_return: sig(1),
    promise_result: sig(2, true),
    value_return: sig(2),
    panic_utf8: sig(2),
  },
  data: [
    [100, "k.localnet"],
    [120, "fail"],
    [130, "check"],
    [140, "{}"],
    [150, "ab1"],
    [160, "ok"],
    [170, "failed"],
    [180, "no"],
    [200, Uint8Array.from([5, ...new Array(15).fill(0)])],
  ],
  methods: {
    start: [
      [...i64(1), ...i64(150), ...i64(1), ...i64(152), ...i64(0), ...call("storage_write"), ...drop],
      [...i64(10), ...i64(100), ...i64(4), ...i64(120), ...i64(2), ...i64(140), ...i64(200), ...i64(5n * TGAS)],
      [...call("promise_create"), ...i64(10), ...i64(100), ...i64(5), ...i64(130), ...i64(2), ...i64(140)],
      [...i64(216), ...i64(5n * TGAS), ...call("promise_then"), ...call("promise_return")],
    ],
    fail: [
      i64(1),
      i64(151),
      i64(1),
      i64(152),
      i64(0),
      call("storage_write"),
      drop,
      i64(2),
      i64(180),
      call("panic_utf8"),
    ],
    check: [
      i64(0),
      i64(3),
      call("promise_result"),
      ifOne([i64(2), i64(160), call("value_return")], [i64(6), i64(170), call("value_return")]),
    ],
    // 3000 bytes under "a"
    big: [i64(1), i64(150), i64(3000), i64(1000), i64(0), call("storage_write"), drop],
  },
});

let chain: FakeNearcore;
let conn: NearConnection;
let alice: Signer;
let events: FunctionCallEvent[];

beforeEach(async () => {
  chain = await FakeNearcore.start({ chainId: "localnet" });
  alice = { accountId: "alice.localnet", keyPair: chain.addAccount("alice.localnet", { amount: 100n * NEAR }) };
  chain.addAccount("y.localnet", { amount: NEAR, code: YIELDER });
  chain.addAccount("k.localnet", { amount: NEAR, code: CHAINER });
  events = [];
  chain.onFunctionCall((e) => events.push(e));
  conn = await connect(chain.url, { pollMs: 10 });
});
afterEach(async () => chain.close());

const fc = (method: string, deposit = 0n) => actions.functionCall(method, {}, 100n * TGAS, deposit);
const text = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

async function rpc(method: string, params: unknown): Promise<any> {
  const res = await fetch(chain.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return res.json();
}

/** The hash of the first transaction calling `method`, once the chain received it. */
async function sent(method: string): Promise<string> {
  for (;;) {
    const t = chain.sentTransactions.find((x) => x.actions.includes(`FunctionCall:${method}`));
    if (t) return t.hash;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("receipts", () => {
  it("promises run in later blocks; a failed receipt rolls back only itself; the callback sees it", async () => {
    const before = chain.account("k.localnet")!.amount;
    const r = await sendTransaction(conn, alice, "k.localnet", [fc("start")]);
    expect(r.value).toBe("failed");
    expect(events.map((e) => [e.methodName, e.ok, e.error])).toEqual([
      ["start", true, undefined],
      ["fail", false, "Smart contract panicked: no"],
      ["check", true, undefined],
    ]);
    const [start, fail, check] = events.map((e) => e.blockHeight);
    expect([fail - start, check - fail]).toEqual([1, 1]);
    const state = chain.contractState("k.localnet");
    expect([...state.keys()]).toEqual(["a"]);
    // the 5 yocto fail carried came back to its predecessor
    expect(chain.account("k.localnet")!.amount).toBe(before);
    const statuses = r.outcome.receipts_outcome.map((o: any) => [
      o.outcome.executor_id,
      Object.keys(o.outcome.status)[0],
    ]);
    expect(statuses).toContainEqual(["k.localnet", "Failure"]);
    expect(r.outcome.status).toEqual({ SuccessValue: Buffer.from("failed").toString("base64") });
  });

  it("a receipt leaving its account short of storage stake fails with LackBalanceForState, unapplied", async () => {
    const usage = BigInt(chain.account("k.localnet")!.storageUsage);
    chain.addAccount("poor.localnet", { amount: (usage + 100n) * 10n ** 19n, code: CHAINER, publicKeys: [] });
    const e = await fails(sendTransaction(conn, alice, "poor.localnet", [fc("big")]));
    expect(e.code).toBe("INSUFFICIENT_BALANCE");
    expect(e.message).toMatch(/poor\.localnet does not have enough balance to cover its storage/);
    expect(chain.contractState("poor.localnet").size).toBe(0);
    expect(events.map((x) => [x.methodName, x.ok])).toEqual([["big", false]]);
  });

  it("a function-call access key signs only calls of its methods to its receiver, without deposit", async () => {
    const limited = KeyPair.fromRandom("ed25519");
    await sendTransaction(conn, alice, "alice.localnet", [
      actions.addFunctionCallAccessKey(limited.getPublicKey(), "k.localnet", ["big"]),
    ]);
    const signer = { accountId: "alice.localnet", keyPair: limited };
    await sendTransaction(conn, signer, "k.localnet", [fc("big")]);
    expect(chain.contractState("k.localnet").get("a")).toHaveLength(3000);
    // near-api-js reads nearcore's InvalidAccessKeyError variants
    const wrongMethod = await fails(sendTransaction(conn, signer, "k.localnet", [fc("start")]));
    expect(wrongMethod.message).toContain("Access key does not allow method start");
    const wrongReceiver = await fails(sendTransaction(conn, signer, "y.localnet", [fc("big")]));
    expect(wrongReceiver.message).toContain(
      "Access key receiver k.localnet does not match transaction receiver y.localnet",
    );
    const deposit = await fails(sendTransaction(conn, signer, "k.localnet", [fc("big", 1n)]));
    expect(deposit.message).toContain("Deposit is not allowed with function call");
    expect(chain.appliedTransactions.map((t) => t.actions)).toEqual([["AddKey"], ["FunctionCall:big"]]);
  });
});

describe("yields", () => {
  it("the transaction stays pending until a later receipt resumes the yield, then returns the payload", async () => {
    const asking = sendTransaction(conn, alice, "y.localnet", [fc("ask")]);
    const hash = await sent("ask");
    const pending = await rpc("tx", {
      tx_hash: hash,
      sender_account_id: "alice.localnet",
      wait_until: "INCLUDED_FINAL",
    });
    expect(pending.result).toMatchObject({ status: "Started", final_execution_status: "INCLUDED_FINAL" });
    expect(events.map((e) => e.methodName)).toEqual(["ask"]);

    const answered = await sendTransaction(conn, alice, "y.localnet", [fc("answer")]);
    expect(answered.value).toBe(1); // promise_yield_resume found the yield
    const r = await asking;
    expect(r.value).toBe("answer");
    const answer = events.find((e) => e.methodName === "answer")!;
    const done = events.find((e) => e.methodName === "done")!;
    expect(done).toMatchObject({
      ok: true,
      receiverId: "y.localnet",
      predecessorId: "y.localnet",
      signerId: "alice.localnet",
    });
    expect(done.blockHeight).toBe(answer.blockHeight + 1);
    expect(done.txHash).toBe(hash);
    const final = await rpc("tx", { tx_hash: hash, sender_account_id: "alice.localnet", wait_until: "FINAL" });
    expect(final.result.final_execution_status).toBe("FINAL");
    expect(text(final.result.status.SuccessValue)).toBe("answer");
  });

  it("unresumed, the callback fails at the yield's height + 200, only as blocks advance", async () => {
    const asking = sendTransaction(conn, alice, "y.localnet", [fc("ask")]);
    const hash = await sent("ask");
    while (!events.some((e) => e.methodName === "ask")) await new Promise((r) => setTimeout(r, 5));
    const created = events[0].blockHeight;
    expect(YIELD_TIMEOUT_BLOCKS).toBe(200);
    chain.advanceBlocks(created + YIELD_TIMEOUT_BLOCKS - 1 - chain.blockHeight);
    expect(events.map((e) => e.methodName)).toEqual(["ask"]);
    chain.advanceBlocks(1);
    expect(events.map((e) => [e.methodName, e.ok, e.blockHeight])).toEqual([
      ["ask", true, created],
      ["done", false, created + YIELD_TIMEOUT_BLOCKS],
    ]);
    const e = await fails(asking);
    expect(e.code).toBe("CONTRACT_PANIC");
    expect(e.message).toContain("contract panicked: timed out");
    // resuming after the timeout finds nothing
    expect((await sendTransaction(conn, alice, "y.localnet", [fc("answer")])).value).toBe(0);
    expect(
      (await rpc("tx", { tx_hash: hash, sender_account_id: "alice.localnet" })).result.status.Failure,
    ).toBeDefined();
  });

  it("send_tx for FINAL gives up with TIMEOUT_ERROR after rpcWaitMs; NONE answers at once", async () => {
    chain.rpcWaitMs = 100;
    const signed = await signedCall("ask");
    const none = await rpc("send_tx", { signed_tx_base64: signed, wait_until: "NONE" });
    expect(none.result).toEqual({ final_execution_status: "NONE" });
    const waited = await rpc("send_tx", { signed_tx_base64: signed, wait_until: "FINAL" });
    expect(waited.error).toMatchObject({ name: "HANDLER_ERROR", cause: { name: "TIMEOUT_ERROR" } });
    expect(chain.appliedTransactions).toHaveLength(1);
  });
});

/** A signed `method` call from alice, base64 (as send_tx takes it). */
async function signedCall(method: string): Promise<string> {
  const account = new Account(
    "alice.localnet",
    new JsonRpcProvider({ url: chain.url }),
    new KeyPairSigner(alice.keyPair),
  );
  const tx = await account.createSignedTransaction({ receiverId: "y.localnet", actions: [fc(method)] } as never);
  return Buffer.from(tx.encode()).toString("base64");
}

describe("snapshots", () => {
  it("a chain started from a snapshot has copies of the accounts, state and blocks; the two then diverge", async () => {
    await sendTransaction(conn, alice, "k.localnet", [fc("big")]);
    const copy = await FakeNearcore.start({ from: chain.snapshot() });
    try {
      expect(copy.chainId).toBe("localnet");
      expect(copy.blockHeight).toBe(chain.blockHeight);
      expect(copy.account("k.localnet")).toEqual(chain.account("k.localnet"));
      copy.contractState("k.localnet").delete("a");
      expect(chain.contractState("k.localnet").has("a")).toBe(true);
      // the copy runs transactions of its own (alice's key and nonce came along)
      const onCopy = await connect(copy.url, { pollMs: 10 });
      await sendTransaction(onCopy, alice, "k.localnet", [fc("big")]);
      expect(copy.contractState("k.localnet").has("a")).toBe(true);
      expect(copy.appliedTransactions).toHaveLength(1);
    } finally {
      await copy.close();
    }
  });
});
