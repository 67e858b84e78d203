import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { KeyPair } from "near-api-js";
import { buildOpsBundle, type BuiltBundle } from "../build.js";
import { run } from "../main.js";
import { FakeNearcore } from "../../test/support/fake-nearcore.js";
import { CoreContractFiles } from "../../test/support/core-contract-files.js";
import { layer2Chain } from "../../test/support/layer2.js";

const NEAR = 10n ** 24n;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64");

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  lines: Record<string, any>[];
}

let dir: string;
let bundle: BuiltBundle;

function node(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bundle.path, ...args],
      { env: { PATH: process.env.PATH ?? "", ...env }, cwd: dir },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? -1) : 0;
        resolve({
          code,
          stdout,
          stderr,
          lines: stdout
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l)),
        });
      },
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ops-bundle-"));
  bundle = await buildOpsBundle(path.join(dir, "ops.mjs"));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the bundle", () => {
  it("is one ESM file whose sha256 is reported", async () => {
    const bytes = await readFile(bundle.path);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(bundle.sha256);
    expect(bundle.bytes).toBe(bytes.length);
    expect(bytes.toString("utf8", 0, 200)).toContain('from "node:module"');
  });

  it("malformed payload -> exit 2 with one result line", async () => {
    const r = await node(["apply", "not base64!"]);
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([
      {
        event: "result",
        ok: false,
        operation: "apply",
        error: { code: "INVALID_INPUT", message: "the payload is not base64 (standard alphabet, padded)" },
      },
    ]);
  });

  it("payload that is not a JSON object -> exit 2", async () => {
    const r = await node(["check", Buffer.from("[1]").toString("base64")]);
    expect(r.code).toBe(2);
    expect(r.lines[0].error.message).toBe("the payload must be a JSON object");
  });

  it("malformed or unknown operation -> exit 2", async () => {
    const bad = await node(["Apply!", b64({})]);
    expect(bad.code).toBe(2);
    expect(bad.lines).toEqual([
      {
        event: "result",
        ok: false,
        operation: "",
        error: { code: "INVALID_INPUT", message: "operation must match /^[a-z][a-z0-9-]{0,63}$/" },
      },
    ]);
    const unknown = await node(["deploy-everything", b64({})]);
    expect(unknown.code).toBe(2);
    expect(unknown.lines[0]).toMatchObject({
      ok: false,
      operation: "deploy-everything",
      error: { code: "UNKNOWN_OPERATION" },
    });
    // the one bundle carries every layer's operations
    expect(unknown.lines[0].error.message).toBe(
      'unknown operation "deploy-everything" (known: apply, check, view, call, faucet, fund, evm-status, mpc-setup-signer, mpc-vote-domains, mpc-wait-keygen, mpc-ensure-attested, mpc-root-keys, sign-test)',
    );
  });

  describe("against fake nearcore", () => {
    let chain: FakeNearcore;
    // the real whitelist wasm, served at its pinned path
    let files: CoreContractFiles;
    let rootKey: string;
    beforeAll(async () => {
      files = await CoreContractFiles.start();
    });
    afterAll(async () => files.close());
    beforeEach(async () => {
      chain = await FakeNearcore.start({ chainId: "localnet" });
      rootKey = chain.addAccount("localnet", { amount: 10_000n * NEAR }).toString();
    });
    afterEach(async () => chain.close());

    const plan = () => ({
      rpcUrl: chain.url,
      chainId: "localnet",
      keys: { localnet: "env:ROOT_KEY" },
      steps: [
        {
          kind: "deploy",
          accountId: "whitelist.localnet",
          creator: "localnet",
          balance: "15 NEAR",
          wasm: files.source("whitelist"),
          init: { method: "new", args: { foundation_account_id: "localnet" } },
        },
        {
          kind: "call",
          signer: "localnet",
          contractId: "whitelist.localnet",
          method: "add_factory",
          args: { factory_account_id: "poolv1.localnet" },
          unless: { method: "is_factory_whitelisted", args: { factory_account_id: "poolv1.localnet" }, equals: true },
        },
      ],
    });

    it("apply -> exit 0, step lines then one result line, progress on stderr, no secret anywhere", async () => {
      const r = await node(["apply", b64(plan())], { ROOT_KEY: rootKey, AWS_REGION: "us-east-1" });
      expect(r.code).toBe(0);
      expect(r.lines.map((l) => [l.event, l.index, l.action])).toEqual([
        ["step", 0, "created"],
        ["step", 1, "called"],
        ["result", undefined, undefined],
      ]);
      expect(r.lines[2]).toMatchObject({
        event: "result",
        ok: true,
        operation: "apply",
        result: { chainId: "localnet", transactions: 2 },
      });
      expect(r.stderr).toContain("[apply] localnet -> whitelist.localnet");
      const secretBody = rootKey.slice("ed25519:".length);
      expect(r.stdout).not.toContain(secretBody);
      expect(r.stderr).not.toContain(secretBody);

      const again = await node(["apply", b64(plan())], { ROOT_KEY: rootKey });
      expect(again.code).toBe(0);
      expect(again.lines.map((l) => l.action ?? l.event)).toEqual(["unchanged", "skipped", "result"]);
      expect(chain.appliedTransactions).toHaveLength(2);
    }, 30_000);

    it("a failing step -> exit 1 with the error code", async () => {
      chain.addAccount("whitelist.localnet");
      const r = await node(["apply", b64(plan())], { ROOT_KEY: rootKey });
      expect(r.code).toBe(1);
      expect(r.lines.at(-1)).toMatchObject({
        event: "result",
        ok: false,
        operation: "apply",
        error: { code: "ACCOUNT_KEY_MISMATCH" },
      });
    }, 30_000);

    it("view and check", async () => {
      await node(["apply", b64(plan())], { ROOT_KEY: rootKey });
      const v = await node([
        "view",
        b64({
          rpcUrl: chain.url,
          contractId: "whitelist.localnet",
          method: "is_factory_whitelisted",
          args: { factory_account_id: "poolv1.localnet" },
        }),
      ]);
      expect(v.code).toBe(0);
      expect(v.lines).toEqual([
        {
          event: "result",
          ok: true,
          operation: "view",
          result: { contractId: "whitelist.localnet", method: "is_factory_whitelisted", value: true },
        },
      ]);

      chain.advanceOnStatus = true;
      const c = await node([
        "check",
        b64({
          rpcUrl: chain.url,
          chainId: "localnet",
          accounts: [{ accountId: "whitelist.localnet", sha256: files.source("whitelist").sha256 }],
        }),
      ]);
      expect(c.code).toBe(0);
      expect(c.lines.map((l) => l.check ?? l.event)).toEqual([
        "rpc",
        "chain-id",
        "blocks-advance",
        "account",
        "result",
      ]);
    }, 30_000);
  });
});

describe("run (in process)", () => {
  it("faucet: a listening step line, then a result line when stopped", async () => {
    // the chain as Layer 2 leaves it: linkdrop on the root, the faucet's own funded account
    const l2 = await layer2Chain();
    const chain = l2.chain;
    let stop!: () => void;
    const stopSignal = new Promise<void>((r) => (stop = r));
    const out: string[] = [];
    const running = run(
      [
        "faucet",
        b64({
          rpcUrl: chain.url,
          accountId: "faucet.localnet",
          key: "env:FAUCET_KEY",
          listen: { host: "127.0.0.1", port: 0 },
        }),
      ],
      {
        stdout: (l) => out.push(l),
        stderr: () => {},
        keyClients: { env: { FAUCET_KEY: l2.faucet.toString() } },
        stopSignal,
      },
    );
    while (out.length === 0) await new Promise((r) => setTimeout(r, 10));
    const listening = JSON.parse(out[0]);
    expect(listening).toMatchObject({ event: "step", action: "listening" });
    const res = await fetch(`${listening.url}/account`, {
      method: "POST",
      body: JSON.stringify({
        newAccountId: "zed.localnet",
        newAccountPublicKey: KeyPair.fromRandom("ed25519").getPublicKey().toString(),
      }),
    });
    expect(res.status).toBe(200);
    stop();
    expect(await running).toBe(0);
    expect(JSON.parse(out[1])).toEqual({
      event: "result",
      ok: true,
      operation: "faucet",
      result: { stopped: true, funded: { "zed.localnet": (10n * NEAR).toString() } },
    });
    await chain.close();
  });

  it("check against an unreachable RPC -> exit 1, RPC_UNREACHABLE", async () => {
    const out: string[] = [];
    const code = await run(["check", b64({ rpcUrl: "http://127.0.0.1:9" })], {
      stdout: (l) => out.push(l),
      stderr: () => {},
    });
    expect(code).toBe(1);
    expect(JSON.parse(out[0])).toMatchObject({ ok: false, operation: "check", error: { code: "RPC_UNREACHABLE" } });
  });
});
