// genesis-patch.jq and config-patch.jq run with the real jq against nearcore 2.13 fixtures.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, LIB, balanceSum, rootAccountRecords } from "./harness.js";

const ROOT_KEY = "ed25519:5BGSaf6YjVm7565VzWQHNxoyEjwr3jUpRJSGjREvU9dB";
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const GENESIS = fixture("genesis.json");
const CONFIG = fixture("config.json");

function jq(args: string[], input: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("jq", args, { input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function patchGenesis(
  input: string | object,
  amount = "1000000000000000000000000000000000",
  account = "localnet",
  key = ROOT_KEY,
) {
  const text = typeof input === "string" ? input : JSON.stringify(input);
  return jq(
    [
      "--arg",
      "account",
      account,
      "--arg",
      "public_key",
      key,
      "--arg",
      "amount",
      amount,
      "-f",
      join(LIB, "genesis-patch.jq"),
    ],
    text,
  );
}

function ok(r: { status: number | null; stdout: string; stderr: string }): any {
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

describe("genesis-patch.jq", () => {
  const original = JSON.parse(GENESIS);

  test("the fixture is a consistent nearcore genesis to begin with", () => {
    expect(BigInt(original.total_supply)).toBe(balanceSum(original));
    expect(original.records.map((r: any) => Object.keys(r)[0])).toEqual([
      "Account",
      "AccessKey",
      "Account",
      "AccessKey",
    ]);
  });

  test("appends the root account and its full-access key, leaving everything else alone", () => {
    const out = ok(patchGenesis(GENESIS));
    expect(out.records.slice(0, 4)).toEqual(original.records);
    expect(out.records.slice(4)).toEqual(rootAccountRecords(ROOT_KEY));
    const { records: _r, total_supply: _t, ...rest } = out;
    const { records: _r0, total_supply: _t0, ...rest0 } = original;
    expect(rest).toEqual(rest0);
    // Key order and the untouched values survive byte for byte (big numbers are not rounded).
    expect(Object.keys(out)).toEqual(Object.keys(original));
    expect(out.gas_limit).toBe(1000000000000000);
  });

  test("raises total_supply by the amount, so it equals the sum of amount + locked", () => {
    const out = ok(patchGenesis(GENESIS));
    expect(out.total_supply).toBe("3050000000000000000000000000000000");
    expect(BigInt(out.total_supply)).toBe(balanceSum(out));
  });

  test.each([
    ["1"],
    ["999999999999999999999999999999999999999"],
    ["8950000000000000000000000000000000"],
    ["123456789012345678901234567890123456789"],
  ])("adds %s exactly, with carries beyond 2^53", (amount) => {
    const out = ok(patchGenesis(GENESIS, amount));
    expect(BigInt(out.total_supply)).toBe(BigInt(original.total_supply) + BigInt(amount));
    expect(BigInt(out.total_supply)).toBe(balanceSum(out));
    expect(out.total_supply).toMatch(/^[1-9][0-9]*$/);
  });

  test("is idempotent: applied to its own output it changes no byte", () => {
    const once = patchGenesis(GENESIS);
    const twice = patchGenesis(once.stdout);
    expect(twice.status).toBe(0);
    expect(twice.stdout).toBe(once.stdout);
  });

  test("the result has no duplicate accounts or keys", () => {
    const out = ok(patchGenesis(ok(patchGenesis(GENESIS))));
    const accounts = out.records.filter((r: any) => r.Account).map((r: any) => r.Account.account_id);
    expect(new Set(accounts).size).toBe(accounts.length);
    const keys = out.records
      .filter((r: any) => r.AccessKey)
      .map((r: any) => `${r.AccessKey.account_id} ${r.AccessKey.public_key}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Every access key belongs to an account in the genesis.
    for (const k of out.records.filter((r: any) => r.AccessKey)) expect(accounts).toContain(k.AccessKey.account_id);
  });

  test("rejects an existing root account with another balance", () => {
    const patched = ok(patchGenesis(GENESIS));
    const r = patchGenesis(patched, "5");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      "genesis already has records for localnet that differ from this patch; refusing to change them",
    );
  });

  test("rejects an existing root account with another key", () => {
    const patched = ok(patchGenesis(GENESIS));
    const r = patchGenesis(patched, undefined, "localnet", "ed25519:HRMfmr5NRGQkhR77YzB8dco3snCDjA3KKAbFKUTh9DsW");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("genesis already has records for localnet that differ");
  });

  test("rejects a root account that collides with an account nearcore created (the validator)", () => {
    const r = patchGenesis(GENESIS, undefined, "node0");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("genesis already has records for node0 that differ");
  });

  test("refuses a genesis with duplicate Account records", () => {
    const dup = { ...original, records: [...original.records, original.records[2]] };
    const r = patchGenesis(dup);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("genesis has duplicate Account records for near");
  });

  test("refuses a genesis with duplicate AccessKey records", () => {
    const dup = { ...original, records: [...original.records, original.records[1]] };
    const r = patchGenesis(dup);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      `genesis has duplicate AccessKey records: node0 ${original.records[1].AccessKey.public_key}`,
    );
  });

  test("refuses a genesis whose total_supply is not the sum of balances", () => {
    const r = patchGenesis({ ...original, total_supply: "2050000000000000000000000000000001" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      "genesis total_supply 2050000000000000000000000000000001 is not the sum of amount + locked (2050000000000000000000000000000000)",
    );
  });

  test("refuses a non-decimal amount", () => {
    for (const amount of ["", "1e24", "-5", "12.5"]) {
      const r = patchGenesis(GENESIS, amount);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`amount must be a decimal string, got ${JSON.stringify(amount)}`);
    }
  });

  test("ignores records that belong to no account and still counts only Account balances", () => {
    const extra = {
      ...original,
      records: [
        ...original.records,
        { Contract: { account_id: "near", code: "AGFzbQEAAAA=" } },
        {
          PostponedReceipt: {
            predecessor_id: "near",
            receiver_id: "node0",
            receipt_id: "11111111111111111111111111111111",
            receipt: {},
          },
        },
      ],
    };
    const out = ok(patchGenesis(extra));
    expect(out.records).toHaveLength(8);
    expect(BigInt(out.total_supply)).toBe(balanceSum(out));
  });
});

describe("config-patch.jq", () => {
  const original = JSON.parse(CONFIG);
  const patch = (input: string, gc = "10000") => jq(["--argjson", "gc", gc, "-f", join(LIB, "config-patch.jq")], input);
  const CHANGED = [
    "rpc",
    "network",
    "gc_num_epochs_to_keep",
    "tracked_shards_config",
    "log_summary_style",
    "telemetry",
  ];

  test("sets the listen addresses, history, shard tracking and plain logs", () => {
    const out = ok(patch(CONFIG));
    expect(out.rpc).toEqual({ ...original.rpc, addr: "0.0.0.0:3030" });
    const unlimited = { maximum_size: 1000000, refill_rate: 1000000, initial_size: 1000000 };
    const overrides = original.network.experimental.network_config_overrides;
    expect(out.network).toEqual({
      ...original.network,
      addr: "0.0.0.0:24567",
      skip_sync_wait: true,
      experimental: {
        ...original.network.experimental,
        network_config_overrides: {
          ...overrides,
          received_messages_rate_limits: {
            rate_limits: { Block: unlimited, OptimisticBlock: unlimited, BlockRequest: unlimited },
          },
        },
      },
    });
    expect(out.gc_num_epochs_to_keep).toBe(10000);
    expect(out.tracked_shards_config).toBe("AllShards");
    expect(out.log_summary_style).toBe("plain");
    expect(out.telemetry).toEqual({ ...original.telemetry, endpoints: [] });
    const strip = (c: any) => Object.fromEntries(Object.entries(c).filter(([k]) => !CHANGED.includes(k)));
    expect(strip(out)).toEqual(strip(original));
    expect(Object.keys(out)).toEqual(Object.keys(original));
  });

  test("opens a loopback-bound config (what made joiners sit at 0 peers) and drops legacy tracking keys", () => {
    const loopback = {
      ...original,
      rpc: { ...original.rpc, addr: "127.0.0.1:3030" },
      network: { ...original.network, addr: "127.0.0.1:24566", skip_sync_wait: false },
      tracked_shards: [],
      tracked_accounts: [],
      telemetry: { ...original.telemetry, endpoints: ["https://explorer.example/api/nodes"] },
    };
    const out = ok(patch(JSON.stringify(loopback), "42"));
    expect(out.rpc.addr).toBe("0.0.0.0:3030");
    expect(out.network.addr).toBe("0.0.0.0:24567");
    expect(out.network.skip_sync_wait).toBe(true);
    expect(out.gc_num_epochs_to_keep).toBe(42);
    expect(out).not.toHaveProperty("tracked_shards");
    expect(out).not.toHaveProperty("tracked_accounts");
    expect(out.telemetry.endpoints).toEqual([]);
  });

  test("is idempotent", () => {
    const once = patch(CONFIG);
    expect(patch(once.stdout).stdout).toBe(once.stdout);
  });

  test("refuses a gc value that is not a positive integer", () => {
    for (const gc of ["0", "1.5", '"10"']) {
      const r = patch(CONFIG, gc);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain("gc must be a positive integer");
    }
  });
});
