import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { contractSource, contractWasm, type ContractName } from "../contracts.js";

const NAMES: ContractName[] = ["signer", "w_near", "whitelist", "staking_pool_factory", "staking_pool", "linkdrop"];
const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");

describe("contractWasm", () => {
  const saved = process.env.NEAR_LOCALNET_CONTRACTS_DIR;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "contracts-"));
  });
  afterEach(() => {
    process.env.NEAR_LOCALNET_CONTRACTS_DIR = saved;
    if (saved === undefined) delete process.env.NEAR_LOCALNET_CONTRACTS_DIR;
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads every pinned contract, byte-identical to its pin", () => {
    for (const name of NAMES) {
      const bytes = contractWasm(name);
      const src = contractSource(name);
      expect(bytes.length).toBe(src.size);
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(src.sha256);
      expect(WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name)).toContain("memory");
    }
    expect(new Set(NAMES.map((n) => contractSource(n).url)).size).toBe(NAMES.length);
  });

  it("a missing file names the file, its sha256 and its source URL", () => {
    process.env.NEAR_LOCALNET_CONTRACTS_DIR = path.relative(REPO_ROOT, dir);
    const src = contractSource("whitelist");
    expect(() => contractWasm("whitelist")).toThrow(
      `contract wasm ${path.join(dir, "whitelist.wasm")} is missing; ` +
        `expected sha256 ${src.sha256} (125918 bytes), from ${src.url}`,
    );
  });

  it("a file with another sha256 names both hashes and the source URL", () => {
    process.env.NEAR_LOCALNET_CONTRACTS_DIR = dir;
    writeFileSync(path.join(dir, "signer-3_14_1.wasm"), "not the signer");
    const src = contractSource("signer");
    const got = createHash("sha256").update("not the signer").digest("hex");
    expect(() => contractWasm("signer")).toThrow(
      `contract wasm ${path.join(dir, "signer-3_14_1.wasm")} has sha256 ${got} (14 bytes); ` +
        `expected sha256 ${src.sha256} (1182130 bytes), from ${src.url}`,
    );
  });
});
