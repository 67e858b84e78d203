// `fund`: the ops operation against the real faucet (layers/services/ops/faucet.ts) on loopback over fake
// nearcore, then the command and the CLI through an SSM client whose "base instance" runs the
// ops CLI for real (test/support/fake-ssm-instance.ts, as run-op would; the faucet answers on
// 127.0.0.1:<port> here as it does there), so the whole path is exercised offline.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { KeyPair } from "near-api-js";
import { main } from "../cli.js";
import type { CliContext } from "../cli/context.js";
import { checkFundArgs, formatYocto, fundPayload, normalizeAmount, runFund } from "../commands/fund.js";
import { parseStackOutputs } from "../stack-outputs.js";
import type { StackOutputs } from "../../layers/outputs.js";
import type { FaucetHandle } from "../../layers/services/ops/faucet.js";
import { run } from "../../ops/main.js";
import type { FakeNearcore } from "../../test/support/fake-nearcore.js";
import { startTestFaucet } from "../../test/support/faucet.js";
import { layer2Chain } from "../../test/support/layer2.js";
import { fakeSsmInstance } from "../../test/support/fake-ssm-instance.js";
import { FakeEngine, FakeProbes, MemoryOut, rawOutputs } from "./fakes.js";
import { ed25519FromSeed } from "../../platform/near/key-pairs.js";
// A secret key made here (never a committed literal), for the redaction checks.
const TEST_SECRET_KEY = ed25519FromSeed(new Uint8Array(32).fill(7)).secretKey;

const NEAR = 10n ** 24n;
let chain: FakeNearcore;
let faucet: FaucetHandle;
let port: number;

// the chain as Layer 2 leaves it, the faucet as Layer 2 starts it
beforeEach(async () => {
  const l2 = await layer2Chain();
  chain = l2.chain;
  chain.addAccount("bob.localnet", { amount: 1n * NEAR });
  faucet = await startTestFaucet(l2);
  port = Number(new URL(faucet.url).port);
});
afterEach(async () => {
  await faucet.close();
  await chain.close();
});

/** Runs the ops CLI in-process; returns the exit code and the parsed stdout lines. */
async function op(operation: string, payload: unknown) {
  const stdout: string[] = [];
  let stderr = "";
  const code = await run([operation, Buffer.from(JSON.stringify(payload)).toString("base64")], {
    stdout: (l) => stdout.push(l),
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, lines: stdout.map((l) => JSON.parse(l)), stderr };
}

describe("ops fund operation", () => {
  it("funds an existing account through POST /fund and reports the faucet's figures", async () => {
    const r = await op("fund", { port, accountId: "bob.localnet", amount: "5 NEAR" });
    expect(r.code).toBe(0);
    const res = r.lines.at(-1);
    expect(res).toMatchObject({
      event: "result",
      ok: true,
      operation: "fund",
      result: {
        action: "funded",
        accountId: "bob.localnet",
        faucet: `http://127.0.0.1:${port}`,
        amount: (5n * NEAR).toString(),
        totalFunded: (5n * NEAR).toString(),
      },
    });
    expect(res.result.txHash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    expect(chain.account("bob.localnet")?.amount).toBe(6n * NEAR);
  });

  it("creates an account through POST /account with the given public key", async () => {
    const key = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    const r = await op("fund", { port, accountId: "carol.localnet", publicKey: key });
    expect(r.code).toBe(0);
    expect(r.lines.at(-1).result).toMatchObject({ action: "created", accountId: "carol.localnet" });
    expect(r.lines.at(-1).result.txHash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    expect(chain.account("carol.localnet")).toMatchObject({ amount: 10n * NEAR, publicKeys: [key] });
  });

  it("a repeated requestId is paid once: the second run reports the first payment as replayed", async () => {
    const first = await op("fund", { port, accountId: "bob.localnet", amount: "3 NEAR", requestId: "job-42" });
    const again = await op("fund", { port, accountId: "bob.localnet", amount: "3 NEAR", requestId: "job-42" });
    expect(again.code).toBe(0);
    expect(again.lines.at(-1).result).toEqual({ ...first.lines.at(-1).result, replayed: true });
    expect(chain.account("bob.localnet")!.amount).toBe(4n * NEAR);
    const bad = await op("fund", { port, accountId: "bob.localnet", requestId: "no spaces" });
    expect(bad.lines.at(-1).error).toEqual({
      code: "INVALID_INPUT",
      message: "payload.requestId must be 1 to 64 letters, digits, _ . : or -",
    });
  });

  it("maps the faucet's refusals to codes with its own text: limit 429, unknown 404, exists 409, rejected 400", async () => {
    expect((await op("fund", { port, accountId: "bob.localnet", amount: "20 NEAR" })).code).toBe(0);
    const limit = await op("fund", { port, accountId: "bob.localnet", amount: "10 NEAR" });
    expect(limit.code).toBe(1);
    expect(limit.lines.at(-1).error).toEqual({
      code: "FAUCET_LIMIT",
      message:
        "faucet answered HTTP 429: bob.localnet would receive 30 NEAR in total, over the per-account limit of 25 NEAR",
    });
    const unknown = await op("fund", { port, accountId: "nobody.localnet" });
    expect(unknown.lines.at(-1).error).toEqual({
      code: "ACCOUNT_NOT_FOUND",
      message: "faucet answered HTTP 404: account nobody.localnet does not exist",
    });
    const exists = await op("fund", {
      port,
      accountId: "bob.localnet",
      publicKey: KeyPair.fromRandom("ed25519").getPublicKey().toString(),
    });
    expect(exists.lines.at(-1).error).toEqual({
      code: "ACCOUNT_EXISTS",
      message: "faucet answered HTTP 409: account bob.localnet already exists",
    });
    const over = await op("fund", { port, accountId: "bob.localnet", amount: "21 NEAR" });
    expect(over.lines.at(-1).error.code).toBe("FAUCET_REJECTED");
    expect(over.lines.at(-1).error.message).toBe(
      "faucet answered HTTP 400: amount 21 NEAR is over the per-request maximum of 20 NEAR",
    );
  });

  it("no faucet on the port: FAUCET_UNAVAILABLE naming the port; malformed payloads exit 2 before any request", async () => {
    await faucet.close();
    const r = await op("fund", { port, accountId: "bob.localnet" });
    expect(r.code).toBe(1);
    expect(r.lines.at(-1).error.code).toBe("FAUCET_UNAVAILABLE");
    expect(r.lines.at(-1).error.message).toContain(`the faucet on http://127.0.0.1:${port} does not answer`);
    faucet = { close: async () => undefined } as FaucetHandle;
    for (const [payload, message] of [
      [{ port, accountId: "Bob!" }, "payload.accountId must be a NEAR account id"],
      [{ port: 70000, accountId: "bob.localnet" }, "payload.port must be a TCP port number"],
      [{ port, accountId: "bob.localnet", amount: "lots" }, 'payload.amount must be "<n> NEAR" or yoctoNEAR digits'],
      [
        {
          port,
          accountId: "x.localnet",
          amount: "1 NEAR",
          publicKey: "ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp",
        },
        "payload.amount cannot be combined with publicKey",
      ],
    ] as const) {
      const bad = await op("fund", payload);
      expect(bad.code).toBe(2);
      expect(bad.lines.at(-1).error.code).toBe("INVALID_INPUT");
      expect(bad.lines.at(-1).error.message).toContain(message);
    }
  });
});

function stackOutputs(): StackOutputs {
  const raw = rawOutputs(["base", "services"]);
  (raw.services.value as Record<string, unknown>).faucetUrl = `http://10.0.1.10:${port}`;
  return parseStackOutputs(raw);
}

describe("fund command", () => {
  it("sends the fund operation to the base instance with the faucet's port, prints what happened", async () => {
    const inst = fakeSsmInstance();
    const out = new MemoryOut();
    const code = await runFund({ account: "bob.localnet", amount: "2.5" }, out, {
      stack: "localnet",
      outputs: stackOutputs(),
      client: inst.client,
      sleep: async () => {},
      pollIntervalMs: 1,
    });
    expect(code).toBe(0);
    expect(inst.sent).toHaveLength(1);
    expect(inst.sent[0]).toMatchObject({
      instanceId: "i-0base",
      document: "near-localnet-localnet-run-op",
      operation: "fund",
      bundleUri: "s3://near-localnet-localnet-artifacts/ops/abc.mjs",
      bundleSha256: "a".repeat(64),
    });
    expect(JSON.parse(Buffer.from(inst.sent[0].payload, "base64").toString("utf8"))).toEqual({
      port,
      accountId: "bob.localnet",
      amount: "2.5 NEAR",
    });
    expect(out.out).toHaveLength(1);
    expect(out.out[0]).toMatch(/^funded bob\.localnet with 2\.5 NEAR \(tx \w+\); 2\.5 NEAR from the faucet in total$/);
    expect(out.err).toEqual([`fund: funding bob.localnet through the faucet on i-0base (port ${port})`]);
  });

  it("a limit is a clear refusal (exit 1) with the faucet's 429 text; --json carries the code", async () => {
    const deps = {
      stack: "localnet",
      outputs: stackOutputs(),
      client: fakeSsmInstance().client,
      sleep: async () => {},
      pollIntervalMs: 1,
    };
    expect(await runFund({ account: "bob.localnet", amount: "20" }, new MemoryOut(), deps)).toBe(0);
    const out = new MemoryOut();
    expect(await runFund({ account: "bob.localnet", amount: "10 NEAR" }, out, deps)).toBe(1);
    expect(out.err.at(-1)).toBe(
      "fund: over the faucet's limit (HTTP 429): faucet answered HTTP 429: bob.localnet would receive 30 NEAR in total, over the per-account limit of 25 NEAR",
    );
    const json = new MemoryOut();
    expect(await runFund({ account: "nobody.localnet", json: true }, json, deps)).toBe(1);
    expect(JSON.parse(json.out[0])).toEqual({
      stack: "localnet",
      ok: false,
      error: {
        code: "ACCOUNT_NOT_FOUND",
        kind: "operation",
        message: "faucet answered HTTP 404: account nobody.localnet does not exist",
      },
    });
    expect(json.err.at(-1)).toContain("the account does not exist (create it with --public-key <ed25519 public key>)");
  });

  it("creates <name>.<root> with --public-key; --json prints the result", async () => {
    const key = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    const out = new MemoryOut();
    const code = await runFund({ account: "dave.localnet", publicKey: key, json: true }, out, {
      stack: "localnet",
      outputs: stackOutputs(),
      client: fakeSsmInstance().client,
      sleep: async () => {},
      pollIntervalMs: 1,
    });
    expect(code).toBe(0);
    expect(JSON.parse(out.out[0])).toMatchObject({
      stack: "localnet",
      ok: true,
      instanceId: "i-0base",
      commandId: "cmd-1",
      action: "created",
      accountId: "dave.localnet",
    });
    expect(chain.account("dave.localnet")?.publicKeys).toEqual([key]);
  });

  it("checks arguments and the stack before sending anything", () => {
    expect(normalizeAmount("5")).toBe("5 NEAR");
    expect(normalizeAmount(" 0.5 near")).toBe("0.5 NEAR");
    expect(normalizeAmount("7NEAR")).toBe("7 NEAR");
    expect(normalizeAmount("1000yocto")).toBe("1000");
    for (const bad of ["0", "-1", "five", "1e3", "0yocto"])
      expect(() => normalizeAmount(bad)).toThrow(/must be a positive number of NEAR/);
    expect(formatYocto((25n * NEAR + NEAR / 2n).toString())).toBe("25.5 NEAR");
    expect(() => checkFundArgs({ account: "Bob" })).toThrow('"Bob" is not a NEAR account id');
    expect(() => checkFundArgs({ account: "a.localnet", publicKey: TEST_SECRET_KEY })).toThrow(
      "--public-key must be a public key",
    );
    const o = stackOutputs();
    expect(() =>
      fundPayload(o, { account: "x.y.localnet", publicKey: "ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp" }),
    ).toThrow('the faucet creates <name>.localnet accounts only; "x.y.localnet" is not one');
    expect(() => fundPayload(parseStackOutputs(rawOutputs(["base"])), { account: "bob.localnet" })).toThrow(
      "deploy Layer 2 first",
    );
  });
});

describe("fund and sign-test in the CLI", () => {
  function cli(engine: FakeEngine, channel: CliContext["channel"]) {
    const out = new MemoryOut();
    const made: boolean[] = [];
    const c: CliContext = {
      out,
      env: {},
      workDir: "/nonexistent",
      async makeEngine(_s, create) {
        made.push(create);
        return engine;
      },
      makeProbes: async () => new FakeProbes(),
      channel,
    };
    return { c, out, made };
  }

  it("fund <account> [amount] --json runs through the channel on a read-only engine", async () => {
    const engine = new FakeEngine(["base", "services"]);
    const outputs = rawOutputs(["base", "services"]);
    (outputs.services.value as Record<string, unknown>).faucetUrl = `http://10.0.1.10:${port}`;
    engine.outputs = async () => outputs;
    const inst = fakeSsmInstance();
    const { c, out, made } = cli(engine, { client: inst.client, sleep: async () => {}, pollIntervalMs: 1 });
    expect(await main(["fund", "bob.localnet", "3", "--json"], c)).toBe(0);
    expect(made).toEqual([false]);
    expect(JSON.parse(out.out[0])).toMatchObject({
      ok: true,
      action: "funded",
      accountId: "bob.localnet",
      amount: (3n * NEAR).toString(),
    });
    expect(engine.calls).toEqual([]);
  });

  it("argument errors exit 2 before any engine: bad amount, amount with --public-key, a secret key as --funder-key-ref", async () => {
    const { c, out, made } = cli(new FakeEngine(), {});
    expect(await main(["fund", "bob.localnet", "lots"], c)).toBe(2);
    expect(out.err[0]).toBe(
      'error: amount "lots" must be a positive number of NEAR ("5", "0.5 NEAR") or "<digits>yocto"',
    );
    expect(
      await main(
        ["fund", "x.localnet", "1", "--public-key", "ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp"],
        c,
      ),
    ).toBe(2);
    const secret = TEST_SECRET_KEY;
    expect(await main(["sign-test", "--funder-key-ref", secret], c)).toBe(2);
    expect(out.err.join("\n")).toContain("--funder-key-ref must be a key reference");
    expect(out.err.join("\n")).not.toContain(secret);
    expect(made).toEqual([]);
  });

  it("sign-test on a stack without Layer 3: exit 1 with the deploy hint, nothing sent", async () => {
    const inst = fakeSsmInstance();
    const { c, out } = cli(new FakeEngine(["base", "services"]), { client: inst.client });
    expect(await main(["sign-test", "--json"], c)).toBe(1);
    expect(JSON.parse(out.out[0]).error).toMatchObject({ code: "NOT_DEPLOYED" });
    expect(inst.sent).toEqual([]);
  });
});
