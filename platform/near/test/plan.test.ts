import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { FakeNearcore, codeHashOf } from "../../../test/support/fake-nearcore.js";
import { CoreContractFiles } from "../../../test/support/core-contract-files.js";
import { contractWasm } from "../../../test/support/contracts.js";
import {
  CORE_CONTRACTS_COMMIT,
  apply,
  check,
  coreContractsExpectations,
  coreContractsPlan,
  validatePlan,
  type StepLine,
} from "../plan.js";
import { KeyResolver } from "../keys.js";
import { fails } from "../../../test/support/ops.js";
import { actions, KeyPair } from "near-api-js";
import { callMethod, connect, sendTransaction, view } from "../client.js";

const NEAR = 10n ** 24n;

describe("coreContractsPlan", () => {
  it("pins the core contracts, funds them as the recipe, guards add_factory, runs linkdrop on the root, adds the faucet", () => {
    const plan = coreContractsPlan();
    const raw = `https://raw.githubusercontent.com/near/core-contracts/${CORE_CONTRACTS_COMMIT}`;
    expect(CORE_CONTRACTS_COMMIT).toBe("1c58c1f54121c3344750db636d4946d5edfb7267");
    const isFactory = {
      method: "is_factory_whitelisted",
      args: { factory_account_id: "poolv1.localnet" },
      equals: true,
    };
    expect(plan).toEqual({
      keys: { localnet: "ssm:/near-localnet/localnet-account-key" },
      steps: [
        {
          kind: "deploy",
          accountId: "whitelist.localnet",
          creator: "localnet",
          balance: "15 NEAR",
          wasm: {
            url: `${raw}/whitelist/res/whitelist.wasm`,
            size: 125918,
            sha256: "847299b110d4e4d7b71911b3f4d70d523ce2c267785857244ebf6cdac27cbd2c",
          },
          init: { method: "new", args: { foundation_account_id: "localnet" } },
        },
        {
          kind: "deploy",
          accountId: "poolv1.localnet",
          creator: "localnet",
          balance: "50 NEAR",
          wasm: {
            url: `${raw}/staking-pool-factory/res/staking_pool_factory.wasm`,
            size: 442301,
            sha256: "9e148269936cdb86e10908098f6b4a6f777a17c1a7481ebf3a545e03d09da18c",
          },
          init: { method: "new", args: { staking_pool_whitelist_account_id: "whitelist.localnet" } },
        },
        {
          kind: "deploy",
          accountId: "wrap.localnet",
          creator: "localnet",
          balance: "5 NEAR",
          wasm: {
            url: `${raw}/w-near/res/w_near.wasm`,
            size: 185251,
            sha256: "bf42d41cfe1ee902c117f198f39456c7c5aec37969ee0fd52057cee52a357f55",
          },
          init: { method: "new", args: {} },
        },
        {
          kind: "call",
          signer: "localnet",
          contractId: "whitelist.localnet",
          method: "add_factory",
          args: { factory_account_id: "poolv1.localnet" },
          unless: isFactory,
          expect: isFactory,
        },
        {
          kind: "deploy",
          accountId: "localnet",
          wasm: {
            url: "https://raw.githubusercontent.com/near/near-linkdrop/c91581ec860bbfb70eee394d793233e8a1947825/res/linkdrop.wasm",
            size: 140676,
            sha256: "cb3bf3e84aedb784f2a3d300a88f26366c9d97fcf2abdca1dda0cd89a8762912",
          },
          init: { method: "new", args: {} },
        },
        { kind: "account", accountId: "faucet.localnet", creator: "localnet", balance: "1000 NEAR", topUp: true },
      ],
    });
    expect(validatePlan(plan)).toBe(plan);
  });

  it("takes the root, key, chain, faucet key and balances as options", () => {
    const plan = coreContractsPlan({
      rootAccountId: "test",
      rootKey: "secretsmanager:root",
      chainId: "test-chain",
      rpcUrl: "http://10.0.0.5:3030",
      balances: { wrap: "7 NEAR" },
      faucet: { key: "ssm:/x/faucet", balance: "20000 NEAR" },
    });
    expect(plan.keys).toEqual({ test: "secretsmanager:root", "faucet.test": "ssm:/x/faucet" });
    expect(plan.chainId).toBe("test-chain");
    expect(plan.rpcUrl).toBe("http://10.0.0.5:3030");
    expect(plan.steps.map((s) => ("accountId" in s ? s.accountId : s.contractId))).toEqual([
      "whitelist.test",
      "poolv1.test",
      "wrap.test",
      "whitelist.test",
      "test",
      "faucet.test",
    ]);
    expect(plan.steps[2]).toMatchObject({ balance: "7 NEAR" });
    expect(plan.steps[5]).toEqual({
      kind: "account",
      accountId: "faucet.test",
      creator: "test",
      balance: "20000 NEAR",
      topUp: true,
    });
    expect(coreContractsPlan({ faucet: false }).steps).toHaveLength(5);
  });

  it("expectations are the on-chain code hashes of the pinned wasm", () => {
    expect(coreContractsExpectations().map((e) => e.accountId)).toEqual([
      "wrap.localnet",
      "whitelist.localnet",
      "poolv1.localnet",
      "localnet",
    ]);
    for (const e of coreContractsExpectations()) expect(e.codeHash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/);
  });
});

describe("validatePlan", () => {
  it.each([
    [{ steps: [] }, /plan keys/],
    [{ keys: { localnet: "plain-secret" }, steps: [] }, /keys.localnet: must be ssm:/],
    [{ keys: {}, steps: [{ kind: "nope" }] }, /steps\[0\].kind: unknown kind "nope"/],
    [
      { keys: {}, steps: [{ kind: "account", accountId: "a.localnet", creator: "localnet", balance: "1 NEAR" }] },
      /no key for localnet/,
    ],
    [
      {
        keys: { localnet: "env:K" },
        steps: [{ kind: "account", accountId: "A B", creator: "localnet", balance: "1 NEAR" }],
      },
      /"A B" is not a valid account id/,
    ],
    [
      {
        keys: { localnet: "env:K" },
        steps: [{ kind: "account", accountId: "a.localnet", creator: "localnet", balance: "lots" }],
      },
      /neither yoctoNEAR/,
    ],
    [
      {
        keys: { localnet: "env:K" },
        steps: [
          {
            kind: "deploy",
            accountId: "w.localnet",
            creator: "localnet",
            balance: "1 NEAR",
            wasm: { url: "x", sha256: "zz", size: 1 },
          },
        ],
      },
      /steps\[0\].wasm: needs url, sha256/,
    ],
  ])("rejects %j", (plan, message) => {
    expect(() => validatePlan(plan)).toThrow(message);
  });
});

describe("apply the Layer 2 plan against fake nearcore", () => {
  // the real wasm, at the pinned paths on a loopback server: the download and checksum run as deployed
  let files: CoreContractFiles;
  let chain: FakeNearcore;
  let env: NodeJS.ProcessEnv;
  let lines: StepLine[];

  beforeAll(async () => {
    files = await CoreContractFiles.start();
  });
  afterAll(async () => files.close());
  beforeEach(async () => {
    chain = await FakeNearcore.start({ chainId: "localnet" });
    const root = chain.addAccount("localnet", { amount: 1_000_000n * NEAR });
    env = { ROOT_KEY: root.toString() };
    lines = [];
  });
  afterEach(async () => chain.close());

  const plan = () =>
    coreContractsPlan({
      rootKey: "env:ROOT_KEY",
      rpcUrl: chain.url,
      chainId: "localnet",
      wasm: {
        whitelist: files.source("whitelist"),
        poolv1: files.source("poolv1"),
        wrap: files.source("wrap"),
        linkdrop: files.source("linkdrop"),
      },
    });
  const run = () => apply(plan(), { keys: new KeyResolver({ env }), emit: (l) => lines.push(l) });

  it("creates everything with one transaction per step; the re-run sends nothing", async () => {
    const first = await run();
    expect(first.transactions).toBe(6);
    expect(lines.map((l) => [l.index, l.kind, l.target, l.action])).toEqual([
      [0, "deploy", "whitelist.localnet", "created"],
      [1, "deploy", "poolv1.localnet", "created"],
      [2, "deploy", "wrap.localnet", "created"],
      [3, "call", "whitelist.localnet.add_factory", "called"],
      [4, "deploy", "localnet", "deployed"],
      [5, "account", "faucet.localnet", "created"],
    ]);
    expect(chain.appliedTransactions.map((t) => [t.signerId, t.receiverId, t.actions])).toEqual([
      ["localnet", "whitelist.localnet", ["CreateAccount", "Transfer", "AddKey", "DeployContract", "FunctionCall:new"]],
      ["localnet", "poolv1.localnet", ["CreateAccount", "Transfer", "AddKey", "DeployContract", "FunctionCall:new"]],
      ["localnet", "wrap.localnet", ["CreateAccount", "Transfer", "AddKey", "DeployContract", "FunctionCall:new"]],
      ["localnet", "whitelist.localnet", ["FunctionCall:add_factory"]],
      ["localnet", "localnet", ["DeployContract", "FunctionCall:new"]],
      ["localnet", "faucet.localnet", ["CreateAccount", "Transfer", "AddKey"]],
    ]);
    expect(chain.account("localnet")!.codeHash).toBe(codeHashOf(contractWasm("linkdrop")));
    const rootPk = chain.account("localnet")!.publicKeys[0];
    expect(chain.account("whitelist.localnet")).toMatchObject({
      publicKeys: [rootPk],
      codeHash: codeHashOf(contractWasm("whitelist")),
    });
    expect(chain.account("poolv1.localnet")!.codeHash).toBe(codeHashOf(contractWasm("staking_pool_factory")));
    expect(chain.account("wrap.localnet")!.codeHash).toBe(codeHashOf(contractWasm("w_near")));
    expect(chain.account("poolv1.localnet")!.amount).toBe(50n * NEAR);
    expect(chain.account("whitelist.localnet")!.amount).toBe(15n * NEAR);
    expect(chain.account("wrap.localnet")!.amount).toBe(5n * NEAR);
    expect(chain.account("faucet.localnet")!.amount).toBe(1000n * NEAR);
    for (const l of lines.slice(0, 3)) expect(l.codeHash).toMatch(/^[1-9A-HJ-NP-Za-km-z]+$/);
    expect([files.hits("whitelist"), files.hits("poolv1"), files.hits("wrap"), files.hits("linkdrop")]).toEqual([
      1, 1, 1, 1,
    ]);

    chain.resetCounters();
    lines = [];
    const again = await run();
    expect(again.transactions).toBe(0);
    expect(lines.map((l) => l.action)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
      "skipped",
      "unchanged",
      "unchanged",
    ]);
    expect(lines.every((l) => l.txHash === undefined)).toBe(true);
    expect(chain.txCount).toBe(0);
  });

  it("the contracts work: the factory creates a pool the whitelist accepts, wNEAR wraps", async () => {
    await run();
    const conn = await connect(chain.url, { pollMs: 10 });
    const alice = { accountId: "alice.localnet", keyPair: chain.addAccount("alice.localnet", { amount: 100n * NEAR }) };
    const stakeKey = alice.keyPair.getPublicKey().toString();
    const pool = await callMethod(conn, {
      signer: alice,
      contractId: "poolv1.localnet",
      method: "create_staking_pool",
      args: {
        staking_pool_id: "alice",
        owner_id: "alice.localnet",
        stake_public_key: stakeKey,
        reward_fee_fraction: { numerator: 10, denominator: 100 },
      },
      deposit: 30n * NEAR,
      gas: 300n * 10n ** 12n,
    });
    // the factory's callback returns the whitelist's add_staking_pool result
    expect(pool).toMatchObject({ action: "called", value: true });
    expect(
      await view(conn, "whitelist.localnet", "is_whitelisted", { staking_pool_account_id: "alice.poolv1.localnet" }),
    ).toBe(true);
    // the pool runs the staking_pool code the factory carries, initialised with alice's arguments
    expect(chain.account("alice.poolv1.localnet")!.codeHash).toBe(codeHashOf(contractWasm("staking_pool")));
    expect(await view(conn, "alice.poolv1.localnet", "get_owner_id")).toBe("alice.localnet");
    expect(await view(conn, "alice.poolv1.localnet", "get_staking_key")).toBe(stakeKey);
    expect(await view(conn, "poolv1.localnet", "get_number_of_staking_pools_created")).toBe(1);

    // a pool id with a dot is refused by the factory and its deposit comes back
    const before = chain.account("alice.localnet")!.amount;
    const e = await fails(
      callMethod(conn, {
        signer: alice,
        contractId: "poolv1.localnet",
        method: "create_staking_pool",
        args: {
          staking_pool_id: "a.b",
          owner_id: "alice.localnet",
          stake_public_key: stakeKey,
          reward_fee_fraction: { numerator: 10, denominator: 100 },
        },
        deposit: 30n * NEAR,
        gas: 300n * 10n ** 12n,
      }),
    );
    expect(e.code).toBe("CONTRACT_PANIC");
    expect(e.message).toContain("The staking pool ID can't contain `.`");
    expect(before - chain.account("alice.localnet")!.amount).toBeLessThan(NEAR / 10n);

    // wNEAR registers alice out of her first deposit: 125 bytes of storage (its measured account record)
    const { min } = (await view(conn, "wrap.localnet", "storage_balance_bounds")) as { min: string };
    expect(min).toBe((125n * 10n ** 19n).toString());
    await callMethod(conn, { signer: alice, contractId: "wrap.localnet", method: "near_deposit", deposit: 2n * NEAR });
    expect(await view(conn, "wrap.localnet", "ft_balance_of", { account_id: "alice.localnet" })).toBe(
      (2n * NEAR - BigInt(min)).toString(),
    );
  });

  it("resumes after a failure in the middle, reporting the failed step", async () => {
    const broken = plan();
    (broken.steps[1] as { wasm: { sha256: string } }).wasm.sha256 = "ab".repeat(32);
    const e = await fails(apply(broken, { keys: new KeyResolver({ env }), emit: (l) => lines.push(l) }));
    expect(e.code).toBe("WASM_CHECKSUM_MISMATCH");
    expect(e.message).toMatch(/^step 1 \(deploy poolv1\.localnet\): /);
    expect(lines.map((l) => l.action)).toEqual(["created"]);

    lines = [];
    const r = await run();
    expect(lines.map((l) => l.action)).toEqual(["unchanged", "created", "created", "called", "deployed", "created"]);
    expect(r.transactions).toBe(5);
  });

  it("tops the faucet account up to its balance from the root, once: a second run sends nothing", async () => {
    await run();
    const conn = await connect(chain.url, { pollMs: 10 });
    const faucetKey = KeyPair.fromRandom("ed25519");
    chain.addAccessKey("faucet.localnet", faucetKey.getPublicKey().toString());
    await sendTransaction(conn, { accountId: "faucet.localnet", keyPair: faucetKey }, "localnet", [
      actions.transfer(300n * NEAR),
    ]);
    expect(chain.account("faucet.localnet")!.amount).toBeLessThan(701n * NEAR);
    chain.resetCounters();
    lines = [];
    await run();
    expect(lines[5]).toMatchObject({ target: "faucet.localnet", action: "topped-up" });
    expect(chain.account("faucet.localnet")!.amount).toBe(1000n * NEAR);
    expect(chain.appliedTransactions.map((t) => [t.signerId, t.receiverId, t.actions])).toEqual([
      ["localnet", "faucet.localnet", ["Transfer"]],
    ]);
    chain.resetCounters();
    lines = [];
    await run();
    expect(lines[5]).toMatchObject({ action: "unchanged" });
    expect(chain.txCount).toBe(0);
  });

  // near-cli-rs `account create-account fund-myself <name>.<linkdrop_account_id>` sends exactly this call: create_account
  // {new_account_id, new_public_key} with 30 TGas and the initial balance attached, to linkdrop_account_id
  // (near/near-cli-rs src/commands/account/create_account/fund_myself_create_account/sign_as/mod.rs)
  it("linkdrop on the root creates <name>.localnet for anyone who pays (near-cli-rs fund-myself)", async () => {
    await run();
    const conn = await connect(chain.url, { pollMs: 10 });
    const bob = { accountId: "bob.other", keyPair: chain.addAccount("bob.other", { amount: 100n * NEAR }) };
    const key = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    const r = await callMethod(conn, {
      signer: bob,
      contractId: "localnet",
      method: "create_account",
      args: { new_account_id: "carol.localnet", new_public_key: key },
      deposit: 3n * NEAR,
      gas: 30n * 10n ** 12n,
    });
    expect(r).toMatchObject({ action: "called", value: true });
    expect(chain.account("carol.localnet")).toMatchObject({ amount: 3n * NEAR, publicKeys: [key] });
  });

  it("refuses another chain before sending anything", async () => {
    const e = await fails(apply({ ...plan(), chainId: "testnet" }, { keys: new KeyResolver({ env }), emit: () => {} }));
    expect(e.code).toBe("CHAIN_ID_MISMATCH");
    expect(chain.txCount).toBe(0);
  });

  it("ACCOUNT_KEY_MISMATCH when a core account exists with another key", async () => {
    chain.addAccount("whitelist.localnet");
    const e = await fails(run());
    expect(e.code).toBe("ACCOUNT_KEY_MISMATCH");
    expect(e.message).toContain("whitelist.localnet exists but does not have the expected key");
    expect(chain.txCount).toBe(0);
  });
});

describe("check", () => {
  let chain: FakeNearcore;
  beforeEach(async () => {
    chain = await FakeNearcore.start({ chainId: "localnet" });
    chain.addAccount("localnet");
  });
  afterEach(async () => chain.close());

  it("passes when the RPC answers, the chain id matches, blocks advance and accounts have their code", async () => {
    chain.advanceOnStatus = true;
    const code = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    chain.addAccount("wrap.localnet", { code });
    const lines: Record<string, unknown>[] = [];
    const r = await check(
      {
        rpcUrl: chain.url,
        chainId: "localnet",
        blocks: { min: 2, withinMs: 5000 },
        accounts: [{ accountId: "wrap.localnet", codeHash: codeHashOf(code) }, { accountId: "localnet" }],
      },
      { emit: (l) => lines.push(l), pollMs: 5 },
    );
    expect(r.chainId).toBe("localnet");
    expect(lines.map((l) => [l.check, l.ok])).toEqual([
      ["rpc", true],
      ["chain-id", true],
      ["blocks-advance", true],
      ["account", true],
      ["account", true],
    ]);
  });

  it("CHECK_FAILED lists every failed check", async () => {
    chain.addAccount("wrap.localnet", { code: new Uint8Array([1, 2, 3]) });
    const lines: Record<string, unknown>[] = [];
    const e = await fails(
      check(
        {
          rpcUrl: chain.url,
          chainId: "mpc-localnet",
          blocks: { min: 1, withinMs: 50 },
          accounts: [{ accountId: "wrap.localnet", sha256: "00".repeat(32) }, { accountId: "poolv1.localnet" }],
        },
        { emit: (l) => lines.push(l), pollMs: 5 },
      ),
    );
    expect(e.code).toBe("CHECK_FAILED");
    expect(e.message).toContain('chain id is "localnet", expected "mpc-localnet"');
    expect(e.message).toContain("head stayed at");
    expect(e.message).toContain("wrap.localnet has code hash");
    expect(e.message).toContain("account poolv1.localnet does not exist");
    expect(lines.filter((l) => !l.ok).map((l) => l.check)).toEqual([
      "chain-id",
      "blocks-advance",
      "account",
      "account",
    ]);
  });
});
