// The destination chain's start script (layers/services/evm/scripts/evm-start.sh) run for real:
// stub systemctl starts the unit's own ExecStart line, so the chain that answers is a REAL anvil
// (the pinned devDependency's binary, packed into a tarball the stub curl serves as the registry's).
// Checked: the download is refused unless its sha512 is the pinned one; the unit; the dev account
// funded once on a fresh chain; a re-run changes nothing; the state survives a restart.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { request } from "node:http";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { logLines, runScript, tempDir } from "../../../../test/support/script-sandbox.js";
import { EVM_START_SCRIPT } from "../../evm/document.js";
import { ANVIL_ARTIFACT } from "../../evm/artifact.js";

const STUBS = join(dirname(fileURLToPath(import.meta.url)), "stubs");
const DEV_ADDRESS = "0x00000000000000000000000000000000000d0e0f";

let dir: string;
let tarball: string;
let sha512: string;
let port: number;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function settings(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: dir,
    ROOT: join(dir, "root"),
    REAL_PATH: process.env.PATH!,
    FAKE_TARBALL: tarball,
    ANVIL_VERSION: ANVIL_ARTIFACT.version,
    ANVIL_TARBALL: ANVIL_ARTIFACT.tarball,
    ANVIL_SHA512: sha512,
    ANVIL_ENTRY: ANVIL_ARTIFACT.entry,
    EVM_CHAIN_ID: "4242",
    EVM_PORT: String(port),
    EVM_BLOCK_TIME: "1",
    DEV_ADDRESS,
    DEV_BALANCE_HEX: "0x3635c9adc5dea00000",
    EVM_WAIT_SECONDS: "10",
    ...extra,
  };
}

/** Runs the script; calls.log then holds this run's calls only. */
function run(extra?: Record<string, string>) {
  rmSync(join(dir, "calls.log"), { force: true });
  return runScript(EVM_START_SCRIPT.path, STUBS, settings(extra), 30_000);
}

/** JSON-RPC on a fresh connection each time (a pooled one would outlive a restarted chain). */
function rpc(method: string, params: unknown[]): Promise<any> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method: "POST", agent: false, headers: { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString("utf8")));
        res.on("end", () => resolve((JSON.parse(text) as { result: unknown }).result));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const result = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!);

beforeAll(async () => {
  dir = tempDir("evm-start-");
  port = await freePort();
  // the platform package's layout: package/bin/anvil
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve(`@foundry-rs/anvil-${process.platform}-amd64/package.json`));
  mkdirSync(join(dir, "pack", "package", "bin"), { recursive: true });
  copyFileSync(join(pkg, "bin", "anvil"), join(dir, "pack", "package", "bin", "anvil"));
  tarball = join(dir, "anvil.tgz");
  execFileSync("tar", ["-I", "gzip -1", "-cf", tarball, "-C", join(dir, "pack"), "package"]);
  sha512 = createHash("sha512").update(readFileSync(tarball)).digest("hex");
});

afterAll(() => {
  const pid = join(dir, "anvil.pid");
  if (existsSync(pid)) {
    try {
      process.kill(Number(readFileSync(pid, "utf8")), "SIGKILL");
    } catch {
      /* already gone */
    }
  }
});

test("a tarball with another sha512 is refused and nothing is installed", () => {
  const r = run({ ANVIL_SHA512: "0".repeat(128) });
  expect(r.status).toBe(1);
  expect(result(r.stdout)).toEqual({
    event: "result",
    ok: false,
    operation: "evm-start",
    error: { message: `${ANVIL_ARTIFACT.tarball} has sha512 ${sha512}, expected ${"0".repeat(128)}; refusing it` },
  });
  expect(existsSync(join(dir, "root/opt/near-localnet/evm/anvil-1.7.1/anvil"))).toBe(false);
});

test("first run: installs the verified binary, writes the unit, starts the chain, funds the dev account", async () => {
  const r = run();
  expect(r.stderr).toContain("anvil 1.7.1 installed (sha512 verified)");
  expect(r.status).toBe(0);
  expect(result(r.stdout)).toEqual({
    event: "result",
    ok: true,
    operation: "evm-start",
    result: { action: "started", chainId: 4242, port, block: expect.stringMatching(/^0x/), devFunded: true },
  });
  const root = join(dir, "root");
  const unit = readFileSync(join(root, "etc/systemd/system/near-localnet-evm.service"), "utf8");
  expect(unit).toContain(
    `ExecStart=${root}/opt/near-localnet/evm/anvil-1.7.1/anvil --host 0.0.0.0 --port ${port} --chain-id 4242 ` +
      `--accounts 0 --block-time 1 --state ${root}/srv/near/evm/state.json --state-interval 30\n`,
  );
  expect(unit).toContain("User=near-evm\n");
  expect(unit).toContain(`Environment=HOME=${root}/srv/near/evm\n`);
  expect(unit).toContain(`RequiresMountsFor=${root}/srv/near\n`);
  expect(await rpc("eth_chainId", [])).toBe("0x1092");
  expect(await rpc("eth_accounts", [])).toEqual([]); // nothing unlocked
  expect(await rpc("eth_getBalance", [DEV_ADDRESS, "latest"])).toBe("0x3635c9adc5dea00000");
  expect(logLines(join(dir, "calls.log"))).toEqual([
    `curl download ${ANVIL_ARTIFACT.tarball}`,
    "useradd --system --no-create-home --shell /sbin/nologin near-evm",
    `chown near-evm: ${root}/srv/near/evm`,
    "systemctl daemon-reload",
    "systemctl enable near-localnet-evm",
    "systemctl restart near-localnet-evm",
  ]);
});

test("a re-run changes nothing: no download, no restart, no second funding", async () => {
  await rpc("anvil_setBalance", [DEV_ADDRESS, "0x1"]); // as if spent: a re-run must not refill it
  mkdirSync(join(dir, "root/run/cloud-init"), { recursive: true }); // a boot whose bootstrap it waits for
  const r = run();
  expect(r.status).toBe(0);
  expect(result(r.stdout).result).toMatchObject({ action: "unchanged", devFunded: false });
  expect(r.stderr).toContain("anvil 1.7.1 already installed");
  expect(logLines(join(dir, "calls.log"))).toEqual([
    "cloud-init status --wait",
    "chown near-evm: " + join(dir, "root/srv/near/evm"),
    "systemctl enable near-localnet-evm",
    "systemctl is-active --quiet near-localnet-evm",
  ]);
  expect(await rpc("eth_getBalance", [DEV_ADDRESS, "latest"])).toBe("0x1");
});

test("a changed setting restarts the chain, which keeps its state (blocks and balances)", async () => {
  await rpc("evm_mine", []); // at least one block, whatever the clock did
  const before = BigInt(await rpc("eth_blockNumber", []));
  expect(before).toBeGreaterThan(0n);
  const r = run({ EVM_BLOCK_TIME: "2" });
  expect(r.status).toBe(0);
  expect(result(r.stdout).result).toMatchObject({ action: "started", devFunded: false });
  expect(logLines(join(dir, "calls.log"))).toContain("systemctl restart near-localnet-evm");
  expect(BigInt(await rpc("eth_blockNumber", []))).toBeGreaterThanOrEqual(before);
  expect(await rpc("eth_getBalance", [DEV_ADDRESS, "latest"])).toBe("0x1");
  expect(existsSync(join(dir, "root/srv/near/evm/state.json"))).toBe(true);
});
