import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { KeyPair } from "near-api-js";
import { FakeNearcore, codeHashOf } from "../../../test/support/fake-nearcore.js";
import { contractWasm } from "../../../test/support/contracts.js";
import { reservedAccountNames } from "../../accounts.js";
import { startTestFaucet } from "../../../test/support/faucet.js";
import { layer2Chain } from "../../../test/support/layer2.js";
import { startFaucet, type FaucetHandle } from "../ops/faucet.js";
import { KeyResolver } from "../../../platform/near/keys.js";
import { OpsError } from "../../../platform/near/errors.js";

const NEAR = 10n ** 24n;
let chain: FakeNearcore;
let faucet: FaucetHandle;

async function post(path: string, body: unknown, raw = false) {
  const res = await fetch(`${faucet.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const newKey = () => KeyPair.fromRandom("ed25519").getPublicKey().toString();

// the chain as Layer 2 leaves it (its contracts and the faucet's funded account), the faucet as Layer 2 starts it
let l2: Awaited<ReturnType<typeof layer2Chain>>;
beforeEach(async () => {
  l2 = await layer2Chain();
  chain = l2.chain;
  faucet = await startTestFaucet(l2, { maxBodyBytes: 512 });
});
afterEach(async () => {
  await faucet.close();
  await chain.close();
});

describe("near-cli-rs sponsor-by-faucet-service", () => {
  it("creates <name>.localnet through the root's linkdrop, signed and paid by the faucet's own account", async () => {
    const key = newKey();
    const rootBefore = chain.account("localnet")!.amount;
    const faucetBefore = chain.account("faucet.localnet")!.amount;
    const r = await post("/account", { newAccountId: "alice.localnet", newAccountPublicKey: key });
    expect(r.status).toBe(200);
    // what near-cli-rs deserialises: nearcore's final execution outcome plus final_execution_status;
    // the value is linkdrop's on_account_created result (base64 of "true")
    expect(r.body.status).toEqual({ SuccessValue: Buffer.from("true").toString("base64") });
    expect(r.body.final_execution_status).toBe("FINAL");
    expect(r.body.transaction).toMatchObject({ signer_id: "faucet.localnet", receiver_id: "localnet" });
    expect(r.body.transaction_outcome.id).toBe(r.body.transaction.hash);
    expect(r.body.receipts_outcome.length).toBeGreaterThan(0);
    expect(chain.account("alice.localnet")).toMatchObject({ amount: 10n * NEAR, publicKeys: [key], storageUsage: 182 });
    expect(faucet.funded().get("alice.localnet")).toBe(10n * NEAR);
    // the one transaction: faucet.localnet's own key calls the root's create_account with 10 NEAR
    const faucetKey = l2.faucet.getPublicKey().toString();
    expect(chain.appliedTransactions.map((t) => [t.signerId, t.publicKey, t.receiverId, t.actions])).toEqual([
      ["faucet.localnet", faucetKey, "localnet", ["FunctionCall:create_account"]],
    ]);
    // the faucet paid the 10 NEAR (and gas); the root paid nothing (it earns a share of the gas)
    expect(faucetBefore - chain.account("faucet.localnet")!.amount).toBeGreaterThanOrEqual(10n * NEAR);
    expect(chain.account("localnet")!.amount).toBeGreaterThanOrEqual(rootBefore);
  });

  it("no request makes the faucet sign as the root, whatever it asks for", async () => {
    const rootKey = l2.root.getPublicKey().toString();
    await post("/account", { newAccountId: "r1.localnet", newAccountPublicKey: newKey() });
    await post("/account", { newAccountId: "r1.localnet", newAccountPublicKey: newKey() });
    chain.addAccount("u.localnet", { amount: NEAR });
    await post("/fund", { accountId: "u.localnet", amount: "2 NEAR" });
    await post("/fund", { accountId: "localnet", amount: "2 NEAR" });
    expect(chain.sentTransactions.length).toBeGreaterThanOrEqual(3);
    for (const t of chain.sentTransactions) {
      expect([t.signerId, t.publicKey]).toEqual(["faucet.localnet", l2.faucet.getPublicKey().toString()]);
      expect(t.publicKey).not.toBe(rootKey);
    }
  });

  it("an account that linkdrop could not create (it appeared meanwhile) is a 409 and costs the faucet only gas", async () => {
    // taken between the faucet's check and the receipt: linkdrop's callback refunds the deposit and returns false
    const unsubscribe = chain.onFunctionCall((e) => {
      if (e.methodName === "create_account" && !chain.account("late.localnet")) chain.addAccount("late.localnet");
    });
    const before = chain.account("faucet.localnet")!.amount;
    const r = await post("/account", { newAccountId: "late.localnet", newAccountPublicKey: newKey() });
    unsubscribe();
    expect(r).toEqual({ status: 409, body: { error: "account late.localnet already exists" } });
    expect(before - chain.account("faucet.localnet")!.amount).toBeLessThan(NEAR / 10n);
    expect(faucet.funded().get("late.localnet") ?? 0n).toBe(0n);
  });

  it("accepts the request at / too (a faucet URL without a path)", async () => {
    const r = await post("/", { newAccountId: "bob.localnet", newAccountPublicKey: newKey() });
    expect(r.status).toBe(200);
    expect(chain.account("bob.localnet")).toBeDefined();
  });

  it("403 for the stack's own account names, sending nothing: whoever created one first would break its layer", async () => {
    await faucet.close();
    faucet = await startTestFaucet(l2, { reservedNames: reservedAccountNames(["wrap", "whitelist", "poolv1"]) });
    for (const name of [
      "wrap",
      "whitelist",
      "poolv1",
      "faucet",
      "signer",
      "mpc-node-0",
      "mpc-node-12",
      "sign-tester",
    ]) {
      const r = await post("/account", { newAccountId: `${name}.localnet`, newAccountPublicKey: newKey() });
      expect([name, r.status, r.body.error]).toEqual([
        name,
        403,
        `${name}.localnet is one of the stack's own accounts; choose another name`,
      ]);
    }
    expect(chain.txCount).toBe(0);
    // a name that merely starts like one is fine
    const ok = await post("/account", { newAccountId: "signer2.localnet", newAccountPublicKey: newKey() });
    expect(ok.status).toBe(200);
  });

  it("409 for an existing account, sending nothing", async () => {
    const r = await post("/account", { newAccountId: "localnet", newAccountPublicKey: newKey() });
    expect(r.status).toBe(400); // the parent itself is not <name>.localnet
    chain.addAccount("taken.localnet");
    const t = await post("/account", { newAccountId: "taken.localnet", newAccountPublicKey: newKey() });
    expect(t.status).toBe(409);
    expect(t.body.error).toBe("account taken.localnet already exists");
    expect(chain.txCount).toBe(0);
  });

  it.each([
    "bob.testnet",
    "a.b.localnet",
    "Bob.localnet",
    "-x.localnet",
    "xlocalnet",
    ".localnet",
    `${"a".repeat(60)}.localnet`,
  ])("400 for a name outside the parent: %s", async (name) => {
    const r = await post("/account", { newAccountId: name, newAccountPublicKey: newKey() });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/newAccountId must be <name>\.localnet/);
    expect(chain.txCount).toBe(0);
  });

  it.each([
    ["ed25519:abc"],
    ["secp256k1:" + "1".repeat(60)],
    ["not-a-key"],
    [42],
    [undefined],
    [`ed25519:${"0OIl".repeat(11)}`],
  ])("400 for a malformed public key: %p", async (key) => {
    const r = await post("/account", { newAccountId: "carol.localnet", newAccountPublicKey: key });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('newAccountPublicKey must be "ed25519:<base58 of 32 bytes>"');
    expect(chain.txCount).toBe(0);
  });

  it("400 for malformed JSON and non-object bodies; 413 for oversize bodies", async () => {
    expect(await post("/account", "{not json", true)).toEqual({ status: 400, body: { error: "malformed JSON body" } });
    expect((await post("/account", [1, 2])).status).toBe(400);
    const big = await post("/account", {
      newAccountId: "dave.localnet",
      newAccountPublicKey: newKey(),
      pad: "x".repeat(2000),
    });
    expect(big.status).toBe(413);
    expect(chain.txCount).toBe(0);
  });

  it("serialises concurrent requests (distinct nonces, all created)", async () => {
    const names = ["p1", "p2", "p3", "p4"].map((n) => `${n}.localnet`);
    const rs = await Promise.all(
      names.map((n) => post("/account", { newAccountId: n, newAccountPublicKey: newKey() })),
    );
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    for (const n of names) expect(chain.account(n)).toBeDefined();
    const nonces = chain.appliedTransactions.map((t) => t.nonce);
    expect(new Set(nonces).size).toBe(4);
  });
});

describe("POST /fund", () => {
  beforeEach(() => {
    chain.addAccount("user.localnet", { amount: NEAR });
  });

  it("funds an existing account within the per-request and per-account limits", async () => {
    const a = await post("/fund", { accountId: "user.localnet", amount: "5 NEAR" });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({
      accountId: "user.localnet",
      amount: (5n * NEAR).toString(),
      totalFunded: (5n * NEAR).toString(),
    });
    expect(a.body.txHash).toMatch(/^[1-9A-HJ-NP-Za-km-z]+$/);
    expect(chain.account("user.localnet")!.amount).toBe(6n * NEAR);

    const b = await post("/fund", { accountId: "user.localnet", amount: 20 }); // a number is NEAR
    expect(b.status).toBe(200);
    expect(b.body.totalFunded).toBe((25n * NEAR).toString());

    const c = await post("/fund", { accountId: "user.localnet", amount: "1 NEAR" });
    expect(c.status).toBe(429);
    expect(c.body.error).toContain("over the per-account limit of 25 NEAR");
    expect(chain.account("user.localnet")!.amount).toBe(26n * NEAR);
  });

  it("defaults the amount to the initial balance", async () => {
    const r = await post("/fund", { accountId: "user.localnet" });
    expect(r.body.amount).toBe((10n * NEAR).toString());
  });

  it("400 over the per-request maximum or for a bad amount; 404 for a missing account", async () => {
    const big = await post("/fund", { accountId: "user.localnet", amount: "21 NEAR" });
    expect(big.status).toBe(400);
    expect(big.body.error).toContain("over the per-request maximum of 20 NEAR");
    expect((await post("/fund", { accountId: "user.localnet", amount: "lots" })).status).toBe(400);
    expect((await post("/fund", { accountId: "user.localnet", amount: -1 })).status).toBe(400);
    const missing = await post("/fund", { accountId: "ghost.localnet", amount: "1 NEAR" });
    expect(missing).toEqual({ status: 404, body: { error: "account ghost.localnet does not exist" } });
    expect(chain.txCount).toBe(0);
    expect(faucet.funded().size).toBe(0);
  });

  it("does not count a failed transfer against the limit", async () => {
    chain.injectInvalidNonce(10); // more than the toolkit's nonce retries
    const r = await post("/fund", { accountId: "user.localnet", amount: "5 NEAR" });
    expect(r.status).toBe(502);
    expect(r.body).toMatchObject({ code: "TX_FAILED" });
    expect(faucet.funded().get("user.localnet") ?? 0n).toBe(0n);
    expect(chain.appliedTransactions).toHaveLength(0);
  });

  it("rides out RPC 503s: the transfer lands exactly once", async () => {
    chain.failNext(6, "http503", { method: "send_tx" });
    const r = await post("/fund", { accountId: "user.localnet", amount: "5 NEAR" });
    expect(r.status).toBe(200);
    expect(chain.appliedTransactions).toHaveLength(1);
    expect(chain.account("user.localnet")!.amount).toBe(6n * NEAR);
  });
});

describe("routes and health", () => {
  it("GET /health is 200 with the chain, 503 when the RPC fails", async () => {
    const ok = await fetch(`${faucet.url}/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "ok", parent: "localnet", chainId: "localnet" });
    chain.failNext(1, "network", { method: "status" });
    const down = await fetch(`${faucet.url}/health`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: "unavailable" });
  });

  it("404 for unknown paths, 405 for wrong methods, GET / describes the limits", async () => {
    expect((await fetch(`${faucet.url}/nope`)).status).toBe(404);
    expect((await fetch(`${faucet.url}/fund`)).status).toBe(405);
    const info = await (await fetch(`${faucet.url}/`)).json();
    expect(info).toEqual({
      parent: "localnet",
      account: "faucet.localnet",
      initialBalance: (10n * NEAR).toString(),
      maxPerRequest: (20n * NEAR).toString(),
      maxPerAccount: (25n * NEAR).toString(),
      nearPerHour: (1000n * NEAR).toString(),
      clientNearPerHour: (200n * NEAR).toString(),
    });
  });

  it("refuses to start without linkdrop on the parent, with other code there, or signing as the parent itself", async () => {
    const bare = await FakeNearcore.start({ chainId: "localnet" });
    try {
      bare.addAccount("localnet");
      const own = bare.addAccount("faucet.localnet");
      const keys = new KeyResolver({ env: { OWN: own.toString() } });
      const config = { rpcUrl: bare.url, accountId: "faucet.localnet", key: "env:OWN", listen: { port: 0 } };
      await expect(startFaucet(config, { keys })).rejects.toThrow(
        "faucet parent localnet runs no contract: it needs linkdrop to create accounts",
      );
      bare.addAccount("other", { code: contractWasm("whitelist") });
      const linkdrop = codeHashOf(contractWasm("linkdrop"));
      await expect(
        startFaucet({ ...config, parentAccountId: "other", parentCodeHash: linkdrop }, { keys }),
      ).rejects.toThrow(
        `faucet parent other runs code ${codeHashOf(contractWasm("whitelist"))}, not the pinned linkdrop ${linkdrop}`,
      );
      await expect(startFaucet({ ...config, accountId: "localnet" }, { keys })).rejects.toThrow(
        "the faucet must not sign as the parent localnet: give it its own account",
      );
    } finally {
      await bare.close();
    }
  });

  it("refuses to start with a key that is not a NEAR secret key, without echoing it", async () => {
    const bad = "ed25519:notasecret";
    try {
      await startFaucet(
        { rpcUrl: chain.url, accountId: "faucet.localnet", key: "env:BAD", listen: { port: 0, host: "127.0.0.1" } },
        { keys: new KeyResolver({ env: { BAD: bad } }) },
      );
      throw new Error("expected a failure");
    } catch (e) {
      expect(e).toBeInstanceOf(OpsError);
      expect((e as OpsError).code).toBe("KEY_INVALID");
      expect((e as OpsError).message).not.toContain("notasecret");
    }
  });
});
