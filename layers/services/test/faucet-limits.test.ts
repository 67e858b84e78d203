// The faucet's limits and its ledger on the real contracts (linkdrop on the root): a flood with the
// services layer's defaults cannot drain it, each limit answers 429 / 503 / 408 or drops the
// connection, and the ledger carries the limits and the payments in flight across a restart.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { actions, KeyPair } from "near-api-js";
import { connect, sendTransaction, settleTransaction } from "../../../platform/near/client.js";
import { OpsError } from "../../../platform/near/errors.js";
import type { FakeNearcore } from "../../../test/support/fake-nearcore.js";
import { startTestFaucet } from "../../../test/support/faucet.js";
import { layer2Chain, type Layer2Chain } from "../../../test/support/layer2.js";
import { faucetLimitSettings, SERVICES_DEFAULTS } from "../config.js";
import { FaucetLedger } from "../ops/faucet-ledger.js";
import type { FaucetHandle } from "../ops/faucet.js";

const NEAR = 10n ** 24n;
const HOUR = 3600_000;
let l2: Layer2Chain;
let chain: FakeNearcore;
let faucet: FaucetHandle | undefined;

beforeEach(async () => {
  l2 = await layer2Chain();
  chain = l2.chain;
});
afterEach(async () => {
  await faucet?.close();
  faucet = undefined;
  await chain.close();
});

interface Answer {
  status: number;
  retryAfter?: string;
  body: Record<string, any>;
}

/** POST from a given loopback source address (one "client" each); a dropped connection is status 0. */
function post(pathName: string, body: unknown, from = "127.0.0.1"): Promise<Answer> {
  const u = new URL(pathName, faucet!.url);
  const data = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        localAddress: from,
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) },
      },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, retryAfter: res.headers["retry-after"], body: JSON.parse(text) }),
        );
      },
    );
    req.on("error", () => resolve({ status: 0, body: {} }));
    req.end(data);
  });
}
const newKey = () => KeyPair.fromRandom("ed25519").getPublicKey().toString();
const paidTo = (prefix: string) =>
  [...faucet!.funded()].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0n);

describe("with the services layer's defaults", () => {
  it("40 clients creating and topping up 40 accounts get 429/503, and the faucet pays at most its hourly limit", async () => {
    const defaults = faucetLimitSettings({ ...SERVICES_DEFAULTS });
    faucet = await startTestFaucet(l2, defaults);
    const before = chain.account("faucet.localnet")!.amount;
    const clients = Array.from({ length: 40 }, (_, i) => ({ from: `127.0.0.${i + 2}`, account: `drain${i}.localnet` }));
    const answers = await Promise.all(
      clients.map(async (c) => {
        const created = await post("/account", { newAccountId: c.account, newAccountPublicKey: newKey() }, c.from);
        const funds = await Promise.all(
          Array.from({ length: 3 }, () => post("/fund", { accountId: c.account, amount: "99 NEAR" }, c.from)),
        );
        return [created, ...funds];
      }),
    );
    const statuses = answers.flat().map((a) => a.status);
    // accepted, no such account (its creation was refused), over a limit, queue full, or the connection
    // dropped past maxConnections: nothing else
    expect(new Set(statuses.filter((s) => ![200, 404, 429, 503, 0].includes(s)))).toEqual(new Set());
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    for (const a of answers.flat().filter((x) => x.status === 429 || x.status === 503))
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
    // 40 x (10 + 297) NEAR asked; the hourly limit (1000 NEAR) bounds what left the faucet's account
    const paid = paidTo("drain");
    expect(paid).toBeLessThanOrEqual(1000n * NEAR);
    expect(paid).toBeGreaterThan(0n);
    const spent = before - chain.account("faucet.localnet")!.amount;
    expect(spent).toBeGreaterThanOrEqual(paid);
    expect(spent).toBeLessThan(paid + NEAR); // gas only beyond the payments
    const onChain = clients.reduce((s, c) => s + (chain.account(c.account)?.amount ?? 0n), 0n);
    expect(onChain).toBe(paid);
  });
});

describe("limits", () => {
  it("per client address: 429 with Retry-After once a client's hour is used up; others go on; an hour later it is paid again", async () => {
    let now = 1_000_000;
    faucet = await startTestFaucet(
      l2,
      { clientNearPerHour: "40 NEAR", nearPerHour: "1000 NEAR", maxPerAccount: "1000 NEAR" },
      { now: () => now },
    );
    for (const n of ["a", "b"]) chain.addAccount(`${n}.localnet`, { amount: NEAR });
    expect((await post("/fund", { accountId: "a.localnet", amount: "20 NEAR" }, "127.0.0.2")).status).toBe(200);
    now += 60_000;
    expect((await post("/fund", { accountId: "b.localnet", amount: "20 NEAR" }, "127.0.0.2")).status).toBe(200);
    const over = await post("/fund", { accountId: "b.localnet", amount: "1 NEAR" }, "127.0.0.2");
    expect(over.status).toBe(429);
    expect(over.body.error).toBe("this client has received 40 NEAR in the last hour; its limit is 40 NEAR an hour");
    expect(over.retryAfter).toBe(String((HOUR - 60_000) / 1000)); // when the first payment leaves the hour
    expect((await post("/fund", { accountId: "b.localnet", amount: "1 NEAR" }, "127.0.0.3")).status).toBe(200);
    now += HOUR - 60_000;
    expect((await post("/fund", { accountId: "a.localnet", amount: "20 NEAR" }, "127.0.0.2")).status).toBe(200);
  });

  it("global: 429 once the faucet has paid its hourly limit, whoever asks", async () => {
    faucet = await startTestFaucet(l2, {
      clientNearPerHour: "20 NEAR",
      nearPerHour: "40 NEAR",
      maxPerAccount: "1000 NEAR",
    });
    chain.addAccount("c.localnet", { amount: NEAR });
    for (const from of ["127.0.0.2", "127.0.0.3"])
      expect((await post("/fund", { accountId: "c.localnet", amount: "20 NEAR" }, from)).status).toBe(200);
    chain.resetCounters();
    const r = await post("/account", { newAccountId: "late.localnet", newAccountPublicKey: newKey() }, "127.0.0.4");
    expect(r.status).toBe(429);
    expect(r.body.error).toBe("the faucet has paid out 40 NEAR in the last hour; its limit is 40 NEAR an hour");
    expect(chain.txCount).toBe(0);
  });

  it("a full queue answers 503 with Retry-After at once, sending nothing for those requests", async () => {
    faucet = await startTestFaucet(l2, { queueLength: 1, maxPerAccount: "1000 NEAR" });
    chain.addAccount("q.localnet", { amount: NEAR });
    const rs = await Promise.all(
      Array.from({ length: 6 }, () => post("/fund", { accountId: "q.localnet", amount: "1 NEAR" })),
    );
    const busy = rs.filter((r) => r.status === 503);
    expect(rs.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    expect(busy[0]).toMatchObject({
      retryAfter: "5",
      body: { error: "the faucet is busy (1 requests waiting for a transaction); retry shortly" },
    });
    expect(chain.appliedTransactions.length).toBe(rs.filter((r) => r.status === 200).length);
  });

  it("a client that never finishes its headers gets 408 and is disconnected", async () => {
    faucet = await startTestFaucet(l2, { headersTimeoutMs: 200, requestTimeoutMs: 200 });
    const u = new URL(faucet.url);
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect(Number(u.port), u.hostname, () => s.write("POST /fund HTTP/1.1\r\nHost: x\r\n"));
      let text = "";
      s.on("data", (c) => (text += c));
      s.on("close", () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("connections over maxConnections are closed without an answer; below it requests are served", async () => {
    faucet = await startTestFaucet(l2, { maxConnections: 2 });
    const u = new URL(faucet.url);
    const open = () =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(Number(u.port), u.hostname, () => resolve(s));
      });
    const held = [await open(), await open()];
    const third = await open();
    const got = await new Promise<string>((resolve) => {
      let text = "";
      third.on("data", (c) => (text += c));
      third.on("close", () => resolve(text));
      third.on("error", () => undefined);
      third.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    });
    expect(got).toBe("");
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect((await fetch(`${faucet.url}/health`)).status).toBe(200);
  });
});

describe("the ledger across restarts", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "faucet-ledger-"));
    file = path.join(dir, "faucet", "ledger.json");
    chain.addAccount("user.localnet", { amount: NEAR });
  });
  const restart = async () => {
    await faucet?.close();
    faucet = await startTestFaucet(l2, { ledgerFile: file });
  };

  it("keeps the per-account totals and answers a repeated requestId with the first payment, paying once", async () => {
    await restart();
    const first = await post("/fund", { accountId: "user.localnet", amount: "20 NEAR", requestId: "r-1" });
    expect(first.status).toBe(200);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    expect(saved.totals).toEqual({ "user.localnet": (20n * NEAR).toString() });
    expect(saved.grants).toEqual([expect.objectContaining({ id: "fund:r-1", state: "done", client: "127.0.0.1" })]);
    expect(saved.grants[0].signedTx).toBeUndefined();

    await restart();
    const again = await post("/fund", { accountId: "user.localnet", amount: "20 NEAR", requestId: "r-1" });
    expect(again).toMatchObject({ status: 200, body: { ...first.body, replayed: true } });
    expect(chain.appliedTransactions.filter((t) => t.receiverId === "user.localnet")).toHaveLength(1);
    // 20 of its 25 NEAR are still counted after the restart
    const over = await post("/fund", { accountId: "user.localnet", amount: "10 NEAR" });
    expect(over.status).toBe(429);
    expect(over.body.error).toContain("would receive 30 NEAR in total, over the per-account limit of 25 NEAR");
    const other = await post("/fund", { accountId: "faucet.localnet", amount: "1 NEAR", requestId: "r-1" });
    expect(other).toMatchObject({ status: 409, body: { error: "requestId r-1 was used for another request" } });
  });

  /** A payment as the faucet leaves it when it dies between broadcasting and hearing the answer. */
  async function pendingPayment(opts: { broadcast: boolean }) {
    const conn = await connect(chain.url, { pollMs: 10 });
    let signed = "";
    let txHash = "";
    const stop = new OpsError("INVALID_INPUT", "stopped before the broadcast");
    await sendTransaction(
      conn,
      { accountId: "faucet.localnet", keyPair: l2.faucet },
      "user.localnet",
      [actions.transfer(5n * NEAR)],
      {
        beforeSend: (h, s) => {
          txHash = h;
          signed = Buffer.from(s.encode()).toString("base64");
          throw stop;
        },
      },
    ).catch((e) => expect(e).toBe(stop));
    const ledger = FaucetLedger.open(file);
    ledger.book({
      id: "fund:crash-1",
      accountId: "user.localnet",
      client: "127.0.0.1",
      amount: (5n * NEAR).toString(),
    });
    ledger.signed("fund:crash-1", txHash, signed);
    if (opts.broadcast) await settleTransaction(conn, signed);
    return txHash;
  }

  it.each([
    ["landed before the crash", true],
    ["never reached the chain", false],
  ])(
    "a payment pending at a restart (%s) is settled from its signed bytes: executed exactly once",
    async (_, broadcast) => {
      const txHash = await pendingPayment({ broadcast });
      await restart();
      const transfers = () => chain.appliedTransactions.filter((t) => t.receiverId === "user.localnet");
      expect(transfers().map((t) => t.hash)).toEqual([txHash]);
      expect(chain.account("user.localnet")!.amount).toBe(6n * NEAR);
      const retry = await post("/fund", { accountId: "user.localnet", amount: "5 NEAR", requestId: "crash-1" });
      expect(retry).toMatchObject({ status: 200, body: { txHash, replayed: true, amount: (5n * NEAR).toString() } });
      expect(transfers()).toHaveLength(1);
      expect(JSON.parse(readFileSync(file, "utf8")).grants[0]).toMatchObject({ state: "done", txHash });
    },
  );

  it("a payment booked but never signed is dropped at the restart and no longer counts", async () => {
    FaucetLedger.open(file).book({
      id: "fund:x",
      accountId: "user.localnet",
      client: "127.0.0.1",
      amount: (25n * NEAR).toString(),
    });
    await restart();
    expect(faucet!.funded().size).toBe(0);
    expect((await post("/fund", { accountId: "user.localnet", amount: "20 NEAR" })).status).toBe(200);
  });

  it("refuses to start over a file that is not its ledger, rather than forgetting what it paid", async () => {
    await restart();
    await faucet!.close();
    faucet = undefined;
    writeFileSync(file, "{not json");
    await expect(startTestFaucet(l2, { ledgerFile: file })).rejects.toThrow(
      `the faucet ledger ${file} is not a ledger this faucet wrote; move it away to start a new one`,
    );
  });
});
