/**
 * The real contract wasm for tests, byte-identical to the pins the program deploys: the signer
 * (layers/mpc/releases.ts, the default release), w_near / whitelist / staking_pool_factory / linkdrop
 * (platform/near/plan.ts CORE_CONTRACTS), and one test-only pin kept here: staking_pool (what the
 * factory deploys for each pool).
 *
 *   contractWasm("whitelist")          // Uint8Array, checked against its size and sha256
 *   contractSource("whitelist")        // { url, sha256, size }: the pin
 *
 * Files come from NEAR_LOCALNET_CONTRACTS_DIR when it is set (CI sets it; a path relative to the
 * repository root resolves against it), else from a cache directory (node_modules/.cache/
 * near-localnet-contracts) that is filled from the pinned URL on first use. A missing or mismatched
 * file fails with a message naming the file, its sha256 and where to get it; never a silent skip.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { WasmSource } from "../../platform/near/client.js";
import { CORE_CONTRACTS_COMMIT, coreContractSource } from "../../platform/near/plan.js";
import { DEFAULT_MPC_RELEASE } from "../../layers/mpc/releases.js";

export type ContractName = "signer" | "w_near" | "whitelist" | "staking_pool_factory" | "staking_pool" | "linkdrop";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CACHE_DIR = path.join(REPO_ROOT, "node_modules/.cache/near-localnet-contracts");

const RAW = "https://raw.githubusercontent.com";
// near/core-contracts at the commit the core contracts are pinned to: the pool the factory embeds
const STAKING_POOL: WasmSource = {
  url: `${RAW}/near/core-contracts/${CORE_CONTRACTS_COMMIT}/staking-pool/res/staking_pool.wasm`,
  sha256: "454cf4a54ff49a1b144e2591eb4ec833bf3ab5fa4792128beb6d9d0cc8d76e58",
  size: 255_556,
};

/** The pin of a contract: its upstream URL, sha256 and size. */
export function contractSource(name: ContractName): WasmSource {
  switch (name) {
    case "signer":
      return DEFAULT_MPC_RELEASE.signer.wasm;
    case "w_near":
      return coreContractSource("wrap");
    case "whitelist":
      return coreContractSource("whitelist");
    case "staking_pool_factory":
      return coreContractSource("poolv1");
    case "linkdrop":
      return coreContractSource("linkdrop");
    default:
      return STAKING_POOL;
  }
}

/** The file name a contract has in the contracts directory: the last segment of its URL. */
function fileName(src: WasmSource): string {
  return src.url.slice(src.url.lastIndexOf("/") + 1);
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const loaded = new Map<string, Uint8Array>();

/** The pinned wasm of `name`, read (or first downloaded) and checked; cached for the process. */
export function contractWasm(name: ContractName): Uint8Array {
  const src = contractSource(name);
  const fromEnv = process.env.NEAR_LOCALNET_CONTRACTS_DIR;
  const dir = fromEnv ? path.resolve(REPO_ROOT, fromEnv) : CACHE_DIR;
  const file = path.join(dir, fileName(src));
  const hit = loaded.get(file);
  if (hit) return hit;
  if (!existsSync(file)) {
    if (fromEnv) throw new Error(problem(src, file, "is missing"));
    download(src, file);
  }
  const bytes = new Uint8Array(readFileSync(file));
  const got = sha256Hex(bytes);
  if (got !== src.sha256 || bytes.length !== src.size) {
    throw new Error(problem(src, file, `has sha256 ${got} (${bytes.length} bytes)`));
  }
  loaded.set(file, bytes);
  return bytes;
}

function problem(src: WasmSource, file: string, what: string): string {
  return (
    `contract wasm ${file} ${what}; expected sha256 ${src.sha256} (${src.size} bytes), ` +
    `from ${src.url} (set NEAR_LOCALNET_CONTRACTS_DIR to a directory holding the pinned files)`
  );
}

// Synchronous so that suites can load contracts at module level: a child node fetches the file.
const FETCH_SCRIPT = `
const [url, dest] = process.argv.slice(1);
try {
  const res = await fetch(url);
  if (!res.ok) throw new Error(\`HTTP \${res.status}\`);
  (await import("node:fs")).writeFileSync(dest, Buffer.from(await res.arrayBuffer()));
} catch (e) {
  console.error(String(e.cause ?? e));
  process.exit(1);
}
`;

function download(src: WasmSource, file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.part`;
  try {
    execFileSync(process.execPath, ["--input-type=module", "-e", FETCH_SCRIPT, src.url, partial], {
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 120_000,
    });
  } catch (e) {
    const detail = (e as { stderr?: Buffer }).stderr?.toString().trim() || String(e);
    throw new Error(problem(src, file, `is missing and the download failed (${detail})`));
  }
  renameSync(partial, file);
}
