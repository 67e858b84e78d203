import { afterAll, afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { KeyPair } from "near-api-js";
import { FakeNearcore, codeHashOf } from "../../../test/support/fake-nearcore.js";
import { CoreContractFiles } from "../../../test/support/core-contract-files.js";
import { contractWasm } from "../../../test/support/contracts.js";
import {
  callMethod,
  codeHashFromSha256,
  connect,
  deployContract,
  ensureAccount,
  sendTransaction,
  toYocto,
  view,
  type NearConnection,
  type Signer,
} from "../client.js";
import { fails } from "../../../test/support/ops.js";
import { actions } from "near-api-js";

const NEAR = 10n ** 24n;
// the real wasm, served at its pinned paths
let files: CoreContractFiles;

let chain: FakeNearcore;
let conn: NearConnection;
let root: Signer;
const logs: string[] = [];

beforeEach(async () => {
  files ??= await CoreContractFiles.start();
  chain = await FakeNearcore.start({ chainId: "localnet" });
  root = { accountId: "localnet", keyPair: chain.addAccount("localnet", { amount: 1_000_000n * NEAR }) };
  logs.length = 0;
  conn = await connect(chain.url, { expectChainId: "localnet", pollMs: 10, log: (m) => logs.push(m) });
});
afterEach(async () => {
  await chain.close();
});
afterAll(async () => {
  await files?.close();
});

describe("connect", () => {
  it("reads the chain id and height", () => {
    expect(conn.chainId).toBe("localnet");
    expect(conn.latestHeight).toBe(chain.height);
  });

  it("RPC_UNREACHABLE when nothing listens", async () => {
    const url = chain.url;
    await chain.close();
    const e = await fails(connect(url, { requestTimeoutMs: 2000 }));
    expect(e.code).toBe("RPC_UNREACHABLE");
    expect(e.message).toContain(url);
    chain = await FakeNearcore.start(); // for afterEach
  });

  it("CHAIN_ID_MISMATCH names both chain ids", async () => {
    const e = await fails(connect(chain.url, { expectChainId: "mpc-localnet" }));
    expect(e.code).toBe("CHAIN_ID_MISMATCH");
    expect(e.message).toContain('"localnet"');
    expect(e.message).toContain('"mpc-localnet"');
  });

  it("TIMEOUT when the RPC does not answer", async () => {
    chain.failNext(1, "hang", { method: "status" });
    const e = await fails(connect(chain.url, { requestTimeoutMs: 150 }));
    expect(e.code).toBe("TIMEOUT");
  });
});

describe("amounts", () => {
  it("parses NEAR and yocto", () => {
    expect(toYocto("15 NEAR")).toBe(15n * NEAR);
    expect(toYocto("0.5 NEAR")).toBe(NEAR / 2n);
    expect(toYocto("123")).toBe(123n);
    expect(() => toYocto("15")).not.toThrow();
    expect(() => toYocto("ten NEAR")).toThrow(/neither/);
  });
});

describe("ensureAccount", () => {
  it("creates a missing account with the key and balance, then a re-run sends nothing", async () => {
    const key = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    const r = await ensureAccount(conn, {
      accountId: "alice.localnet",
      publicKey: key,
      balance: 10n * NEAR,
      creator: root,
    });
    expect(r.action).toBe("created");
    expect(r.txHash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/);
    expect(chain.appliedTransactions.map((t) => t.actions)).toEqual([["CreateAccount", "Transfer", "AddKey"]]);
    expect(chain.account("alice.localnet")).toMatchObject({ amount: 10n * NEAR, publicKeys: [key] });

    const before = chain.txCount;
    const again = await ensureAccount(conn, {
      accountId: "alice.localnet",
      publicKey: key,
      balance: 10n * NEAR,
      creator: root,
    });
    expect(again).toEqual({ action: "unchanged", accountId: "alice.localnet", balance: (10n * NEAR).toString() });
    expect(chain.txCount).toBe(before);
  });

  it("ACCOUNT_KEY_MISMATCH names the account and both keys, and sends nothing", async () => {
    const present = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    chain.addAccount("bob.localnet", { publicKeys: [present] });
    const wanted = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    const e = await fails(
      ensureAccount(conn, { accountId: "bob.localnet", publicKey: wanted, balance: NEAR, creator: root }),
    );
    expect(e.code).toBe("ACCOUNT_KEY_MISMATCH");
    expect(e.message).toContain("bob.localnet");
    expect(e.message).toContain(wanted);
    expect(e.message).toContain(present);
    expect(chain.txCount).toBe(0);
  });

  it("INSUFFICIENT_BALANCE when the creator cannot pay", async () => {
    const poor: Signer = {
      accountId: "poor.localnet",
      keyPair: chain.addAccount("poor.localnet", { amount: NEAR / 100n }),
    };
    const key = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    const e = await fails(
      ensureAccount(conn, { accountId: "x.poor.localnet", publicKey: key, balance: 5n * NEAR, creator: poor }),
    );
    expect(e.code).toBe("INSUFFICIENT_BALANCE");
    expect(e.message).toContain("poor.localnet");
  });

  it("INSUFFICIENT_BALANCE (LackBalanceForState) when the new account cannot pay for its storage", async () => {
    const key = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    const e = await fails(
      ensureAccount(conn, { accountId: "tiny.localnet", publicKey: key, balance: 1000n, creator: root }),
    );
    expect(e.code).toBe("INSUFFICIENT_BALANCE");
    expect(e.message).toMatch(/tiny\.localnet does not have enough balance to cover its storage/);
    expect(chain.account("tiny.localnet")).toBeUndefined();
  });

  it("retries with a fresh nonce after an InvalidNonce", async () => {
    chain.injectInvalidNonce(1);
    const key = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    const r = await ensureAccount(conn, { accountId: "carol.localnet", publicKey: key, balance: NEAR, creator: root });
    expect(r.action).toBe("created");
    expect(chain.sentTransactions).toHaveLength(2);
    expect(chain.appliedTransactions).toHaveLength(1);
    expect(chain.sentTransactions[1].nonce).toBeGreaterThan(chain.sentTransactions[0].nonce);
    expect(logs.join("\n")).toMatch(/invalid nonce/);
  });
});

describe("deployContract", () => {
  const src = () => files.source("whitelist");

  it("creates, funds, deploys and initialises in one transaction; a re-run downloads and sends nothing", async () => {
    const hitsBefore = files.hits("whitelist");
    const pk = root.keyPair.getPublicKey().toString();
    const params = {
      accountId: "whitelist.localnet",
      wasm: src(),
      create: { creator: root, balance: 15n * NEAR, publicKey: pk },
      init: { method: "new", args: { foundation_account_id: "localnet" } },
    };
    const r = await deployContract(conn, params);
    expect(r.action).toBe("created");
    expect(r.codeHash).toBe(codeHashOf(contractWasm("whitelist")));
    expect(r.codeHash).toBe(codeHashFromSha256(files.source("whitelist").sha256));
    expect(chain.appliedTransactions.map((t) => t.actions)).toEqual([
      ["CreateAccount", "Transfer", "AddKey", "DeployContract", "FunctionCall:new"],
    ]);
    expect(chain.account("whitelist.localnet")?.codeHash).toBe(r.codeHash);
    // the contract's borsh STATE: foundation_account_id "localnet", then the two LookupSet prefixes "w" and "f"
    const borshString = (t: string) => Buffer.concat([Buffer.from([t.length, 0, 0, 0]), Buffer.from(t)]);
    expect(Buffer.from(chain.contractState("whitelist.localnet").get("STATE") as Uint8Array)).toEqual(
      Buffer.concat([borshString("localnet"), borshString("w"), borshString("f")]),
    );
    expect(files.hits("whitelist")).toBe(hitsBefore + 1);

    const sent = chain.txCount;
    const again = await deployContract(conn, params);
    expect(again).toEqual({ action: "unchanged", accountId: "whitelist.localnet", codeHash: r.codeHash });
    expect(chain.txCount).toBe(sent);
    expect(files.hits("whitelist")).toBe(hitsBefore + 1);
  });

  it("deploys over an existing account without code and initialises it", async () => {
    const kp = chain.addAccount("wrap.localnet", { amount: 5n * NEAR });
    const r = await deployContract(conn, {
      accountId: "wrap.localnet",
      wasm: files.source("wrap"),
      signer: { accountId: "wrap.localnet", keyPair: kp },
      init: { method: "new", args: {} },
    });
    expect(r.action).toBe("deployed");
    expect(chain.appliedTransactions.map((t) => [t.signerId, t.actions])).toEqual([
      ["wrap.localnet", ["DeployContract", "FunctionCall:new"]],
    ]);
    expect(await view(conn, "wrap.localnet", "ft_metadata")).toMatchObject({ symbol: "wNEAR" });
  });

  it("initialises when the code is there but the contract is not initialised", async () => {
    const kp = chain.addAccount("wrap.localnet", { amount: 5n * NEAR, code: contractWasm("w_near") });
    const hits = files.hits("wrap");
    const r = await deployContract(conn, {
      accountId: "wrap.localnet",
      wasm: files.source("wrap"),
      signer: { accountId: "wrap.localnet", keyPair: kp },
      init: { method: "new", args: {} },
    });
    expect(r.action).toBe("initialised");
    expect(chain.appliedTransactions.map((t) => t.actions)).toEqual([["FunctionCall:new"]]);
    expect(files.hits("wrap")).toBe(hits);
  });

  it("treats a contract whose state is too large to view as initialised", async () => {
    const kp = chain.addAccount("wrap.localnet", { amount: 5n * NEAR, code: contractWasm("w_near") });
    chain.contractState("wrap.localnet").set("STATE", Uint8Array.from([0]));
    chain.stateSizeLimit = 0;
    const r = await deployContract(conn, {
      accountId: "wrap.localnet",
      wasm: files.source("wrap"),
      signer: { accountId: "wrap.localnet", keyPair: kp },
      init: { method: "new", args: {} },
    });
    expect(r.action).toBe("unchanged");
    expect(chain.requests).toContain("query");
    expect(chain.txCount).toBe(0);
  });

  it("WASM_CHECKSUM_MISMATCH sends nothing", async () => {
    const e = await fails(
      deployContract(conn, {
        accountId: "whitelist.localnet",
        wasm: { ...src(), sha256: "00".repeat(32) },
        create: { creator: root, balance: 15n * NEAR, publicKey: root.keyPair.getPublicKey().toString() },
      }),
    );
    expect(e.code).toBe("WASM_CHECKSUM_MISMATCH");
    expect(e.message).toContain(src().sha256);
    expect(e.message).toContain("00".repeat(32));
    expect(chain.txCount).toBe(0);
  });

  it("WASM_CHECKSUM_MISMATCH on a wrong size", async () => {
    const e = await fails(
      deployContract(conn, {
        accountId: "whitelist.localnet",
        wasm: { ...src(), size: 1 },
        create: { creator: root, balance: 15n * NEAR, publicKey: root.keyPair.getPublicKey().toString() },
      }),
    );
    expect(e.code).toBe("WASM_CHECKSUM_MISMATCH");
    expect(e.message).toContain("125918 bytes");
  });

  it("INSUFFICIENT_BALANCE when the balance does not cover the code's storage (atomic: no account left)", async () => {
    const e = await fails(
      deployContract(conn, {
        accountId: "whitelist.localnet",
        wasm: src(),
        // 125,918 bytes of code lock 1.26 NEAR
        create: { creator: root, balance: NEAR / 10n, publicKey: root.keyPair.getPublicKey().toString() },
        init: { method: "new", args: { foundation_account_id: "localnet" } },
      }),
    );
    expect(e.code).toBe("INSUFFICIENT_BALANCE");
    expect(e.details).toMatchObject({ accountId: "whitelist.localnet" });
    expect(chain.account("whitelist.localnet")).toBeUndefined();
  });

  it("CONTRACT_PANIC carries the panic message", async () => {
    const params = {
      accountId: "whitelist.localnet",
      wasm: src(),
      create: { creator: root, balance: 15n * NEAR, publicKey: root.keyPair.getPublicKey().toString() },
      init: { method: "new", args: { foundation_account_id: "localnet" } },
    };
    await deployContract(conn, params);
    // calling init again (as a plain call) panics: the whitelist asserts it is not initialised
    const e = await fails(
      callMethod(conn, {
        signer: root,
        contractId: "whitelist.localnet",
        method: "new",
        args: { foundation_account_id: "x" },
      }),
    );
    expect(e.code).toBe("CONTRACT_PANIC");
    // near-sdk 2's panic hook reports Rust's panic message and location
    expect(e.message).toContain("contract panicked: panicked at 'Already initialized', src/lib.rs:");
    expect(e.details).toMatchObject({ panic: expect.stringMatching(/^panicked at 'Already initialized'/) });
  });
});

describe("callMethod and view", () => {
  beforeEach(async () => {
    await deployContract(conn, {
      accountId: "whitelist.localnet",
      wasm: files.source("whitelist"),
      create: { creator: root, balance: 15n * NEAR, publicKey: root.keyPair.getPublicKey().toString() },
      init: { method: "new", args: { foundation_account_id: "localnet" } },
    });
    chain.resetCounters();
  });

  const addFactory = () => ({
    signer: root,
    contractId: "whitelist.localnet",
    method: "add_factory",
    args: { factory_account_id: "poolv1.localnet" },
    unless: { method: "is_factory_whitelisted", args: { factory_account_id: "poolv1.localnet" }, equals: true },
    expect: { method: "is_factory_whitelisted", args: { factory_account_id: "poolv1.localnet" }, equals: true },
  });

  it("calls when the precondition view says not done, skips afterwards", async () => {
    const r = await callMethod(conn, addFactory());
    expect(r).toMatchObject({ action: "called", value: true });
    expect(chain.appliedTransactions.map((t) => t.actions)).toEqual([["FunctionCall:add_factory"]]);
    const again = await callMethod(conn, addFactory());
    expect(again).toEqual({ action: "skipped", contractId: "whitelist.localnet", method: "add_factory" });
    expect(chain.txCount).toBe(1);
  });

  it("CONTRACT_PANIC from a call by the wrong account", async () => {
    const mallory: Signer = { accountId: "mallory.localnet", keyPair: chain.addAccount("mallory.localnet") };
    const e = await fails(callMethod(conn, { ...addFactory(), signer: mallory }));
    expect(e.code).toBe("CONTRACT_PANIC");
    expect(e.message).toContain("Can only be called by NEAR Foundation");
  });

  it("CONTRACT_PANIC from a view", async () => {
    chain.addAccount("fresh.localnet", { code: contractWasm("whitelist") });
    const e = await fails(view(conn, "fresh.localnet", "is_factory_whitelisted", { factory_account_id: "x" }));
    expect(e.code).toBe("CONTRACT_PANIC");
    expect(e.message).toContain("The contract should be initialized before usage");
  });

  it("survives a node TIMEOUT_ERROR on send_tx by polling the same transaction", async () => {
    chain.failNext(1, "timeout-error", { method: "send_tx" });
    const r = await callMethod(conn, addFactory());
    expect(r.action).toBe("called");
    expect(chain.appliedTransactions).toHaveLength(1);
    expect(chain.requests).toContain("tx");
  });

  it("re-broadcasts the same signed bytes after a lost connection, executing once", async () => {
    chain.failNext(1, "network", { method: "send_tx" });
    const r = await callMethod(conn, addFactory());
    expect(r.action).toBe("called");
    expect(chain.appliedTransactions).toHaveLength(1);
    expect(chain.sentTransactions).toHaveLength(1); // the dropped request never reached the chain
    expect(chain.sentTransactions[0].hash).toBe(r.txHash);
  });

  it("TIMEOUT when the transaction never becomes final", async () => {
    const slow = await connect(chain.url, { requestTimeoutMs: 100, txTimeoutMs: 400, pollMs: 20 });
    chain.failNext(1, "hang", { method: "send_tx" });
    chain.failNext(1000, "hang", { method: "tx" });
    const e = await fails(
      sendTransaction(slow, root, "whitelist.localnet", [
        actions.functionCall("add_factory", { factory_account_id: "p" }, 30n * 10n ** 12n, 0n),
      ]),
    );
    expect(e.code).toBe("TIMEOUT");
    expect(e.message).toMatch(/is not final after 400 ms/);
  });
});
