// The derive and verify-signature commands: exit codes and output, text and --json.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { jest } from "@jest/globals";
import { runDerive } from "../commands/derive.js";
import { deriveCommand } from "../cli/derive.js";
import { runVerifySignature } from "../commands/verify-signature.js";
import { verifySignatureCommand } from "../cli/verify-signature.js";
import {
  deriveKey,
  ethereumAddress,
  formatPublicKey,
  formatSignResponse,
  parsePublicKey,
  secp256k1UncompressedHex,
  toHex,
  toSignResponseJson,
} from "../../platform/chainsig/index.js";
import { deriveChildPrivateKey, publicKeyFromPrivate, signLikeContract } from "../../platform/chainsig/testkit.js";
import { DERIVATION_VECTORS } from "../../test/support/derivation-vectors.js";

const here = dirname(fileURLToPath(import.meta.url));
const secpVector = DERIVATION_VECTORS.find((v) => v.domain === "secp256k1")!;
const edVector = DERIVATION_VECTORS.find((v) => v.domain === "ed25519")!;

function sink() {
  const out = { stdout: [] as string[], stderr: [] as string[] };
  return { out, sink: { stdout: (l: string) => out.stdout.push(l), stderr: (l: string) => out.stderr.push(l) } };
}

describe("derive", () => {
  it("prints the secp256k1 derived key, SEC1 hex and Ethereum address", async () => {
    const { out, sink: s } = sink();
    const code = await runDerive(
      { root: secpVector.root, predecessor: secpVector.predecessor, path: secpVector.path },
      s,
    );
    expect(code).toBe(0);
    expect(out.stderr).toEqual([]);
    expect(out.stdout).toHaveLength(4);
    expect(out.stdout[0]).toBe("curve:              secp256k1");
    expect(out.stdout[1]).toBe(`derived public key: ${secpVector.derived}`);
    expect(out.stdout[2]).toMatch(/^uncompressed SEC1: {2}04[0-9a-f]{128}$/);
    expect(out.stdout[3]).toMatch(/^Ethereum address: {3}0x[0-9a-fA-F]{40}$/);
  });

  it("--json gives one object with every field", async () => {
    const { out, sink: s } = sink();
    const code = await runDerive(
      { root: secpVector.root, predecessor: secpVector.predecessor, path: secpVector.path, json: true },
      s,
    );
    expect(code).toBe(0);
    expect(out.stdout).toHaveLength(1);
    const json = JSON.parse(out.stdout[0]);
    expect(Object.keys(json)).toEqual([
      "curve",
      "root",
      "predecessor",
      "path",
      "tweak",
      "derived_public_key",
      "sec1_uncompressed",
      "ethereum_address",
    ]);
    expect(json).toMatchObject({ curve: "secp256k1", root: secpVector.root, derived_public_key: secpVector.derived });
    const derived = parsePublicKey(secpVector.derived);
    expect(json.sec1_uncompressed).toBe(secp256k1UncompressedHex(derived));
    expect(json.ethereum_address).toBe(ethereumAddress(derived));
    expect(json.tweak).toMatch(/^[0-9a-f]{64}$/);
  });

  it("ed25519: the derived key only", async () => {
    const { out, sink: s } = sink();
    expect(await runDerive({ root: edVector.root, predecessor: edVector.predecessor, path: edVector.path }, s)).toBe(0);
    expect(out.stdout).toEqual(["curve:              ed25519", `derived public key: ${edVector.derived}`]);
    const j = sink();
    expect(
      await runDerive(
        { root: edVector.root, predecessor: edVector.predecessor, path: edVector.path, json: true },
        j.sink,
      ),
    ).toBe(0);
    const json = JSON.parse(j.out.stdout[0]);
    expect(json.derived_public_key).toBe(edVector.derived);
    expect(json).not.toHaveProperty("ethereum_address");
  });

  it.each([
    [
      "a malformed root",
      { root: "secp256k1:xyz0", predecessor: "a.testnet", path: "p" },
      'secp256k1 public key: invalid base58 character "0"',
    ],
    ["an unknown key type", { root: "rsa:abc", predecessor: "a.testnet", path: "p" }, 'unsupported key type "rsa"'],
    [
      "an invalid predecessor",
      { root: secpVector.root, predecessor: "UPPER.testnet", path: "p" },
      "predecessor is not a valid NEAR account id",
    ],
  ])("exits 2 on %s", async (_what, args, message) => {
    const { out, sink: s } = sink();
    expect(await runDerive(args, s)).toBe(2);
    expect(out.stdout).toEqual([]);
    expect(out.stderr).toHaveLength(1);
    expect(out.stderr[0]).toContain(message);
    expect(out.stderr[0].startsWith("derive: ")).toBe(true);
    const j = sink();
    expect(await runDerive({ ...args, json: true }, j.sink)).toBe(2);
    expect(JSON.parse(j.out.stdout[0]).error).toContain(message);
  });
});

describe("verify-signature", () => {
  const ROOT = Uint8Array.from(Buffer.from("0f".repeat(32), "hex"));
  const PRED = "tester.localnet";
  const PATH = "p1";
  const payload = Uint8Array.from(
    Buffer.from("11223344556677889900aabbccddeeff00112233445566778899aabbccddeeff", "hex"),
  );
  const fixture = (curve: "secp256k1" | "ed25519") => {
    const derived = deriveKey(publicKeyFromPrivate(curve, ROOT), PRED, PATH);
    const response = signLikeContract(curve, deriveChildPrivateKey(curve, ROOT, PRED, PATH), payload);
    return { key: formatPublicKey(derived), signature: formatSignResponse(response), response };
  };

  it.each(["secp256k1", "ed25519"] as const)("%s: exits 0 and says OK", async (curve) => {
    const f = fixture(curve);
    const { out, sink: s } = sink();
    expect(await runVerifySignature({ publicKey: f.key, payload: toHex(payload), signature: f.signature }, s)).toBe(0);
    const scheme = curve === "secp256k1" ? "Secp256k1" : "Ed25519";
    expect(out.stdout).toEqual([`OK: ${scheme} signature verifies for ${f.key}`]);
    expect(out.stderr).toEqual([]);
  });

  it("--json on success; accepts a 0x payload", async () => {
    const f = fixture("secp256k1");
    const { out, sink: s } = sink();
    expect(
      await runVerifySignature(
        { publicKey: f.key, payload: "0x" + toHex(payload), signature: f.signature, json: true },
        s,
      ),
    ).toBe(0);
    expect(JSON.parse(out.stdout[0])).toEqual({
      valid: true,
      code: "ok",
      scheme: "Secp256k1",
      reason: `Secp256k1 signature verifies for ${f.key}`,
    });
  });

  it("exits 1 with the reason for a wrong payload", async () => {
    const f = fixture("secp256k1");
    const other = Uint8Array.from(payload);
    other[5] ^= 0x80;
    const { out, sink: s } = sink();
    expect(await runVerifySignature({ publicKey: f.key, payload: toHex(other), signature: f.signature }, s)).toBe(1);
    expect(out.stdout).toEqual([`FAIL (bad-signature): signature does not verify for ${f.key} and this payload`]);
  });

  it("exits 1 for high-s and for a wrong recovery id (--json)", async () => {
    const f = fixture("secp256k1");
    const json = toSignResponseJson(f.response) as { s: { scalar: string }; recovery_id: number };
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const high = {
      ...json,
      s: { scalar: (n - BigInt("0x" + json.s.scalar)).toString(16).toUpperCase().padStart(64, "0") },
      recovery_id: json.recovery_id ^ 1,
    };
    let r = sink();
    expect(
      await runVerifySignature(
        { publicKey: f.key, payload: toHex(payload), signature: JSON.stringify(high), json: true },
        r.sink,
      ),
    ).toBe(1);
    expect(JSON.parse(r.out.stdout[0])).toMatchObject({ valid: false, code: "high-s" });
    r = sink();
    const wrongId = { ...json, recovery_id: json.recovery_id ^ 1 };
    expect(
      await runVerifySignature(
        { publicKey: f.key, payload: toHex(payload), signature: JSON.stringify(wrongId), json: true },
        r.sink,
      ),
    ).toBe(1);
    expect(JSON.parse(r.out.stdout[0])).toMatchObject({ valid: false, code: "wrong-recovery-id" });
  });

  it("exits 1 when the scheme does not fit the key", async () => {
    const ed = fixture("ed25519");
    const secp = fixture("secp256k1");
    const { out, sink: s } = sink();
    expect(await runVerifySignature({ publicKey: secp.key, payload: toHex(payload), signature: ed.signature }, s)).toBe(
      1,
    );
    expect(out.stdout).toEqual([
      "FAIL (scheme-mismatch): an Ed25519 signature cannot be checked against a secp256k1 key",
    ]);
  });

  it.each<
    [string, (f: ReturnType<typeof fixture>) => { publicKey: string; payload: string; signature: string }, string]
  >([
    [
      "malformed JSON",
      (f) => ({ publicKey: f.key, payload: toHex(payload), signature: "{not json" }),
      "signature is not valid JSON",
    ],
    [
      "a truncated big_r",
      (f) => ({
        publicKey: f.key,
        payload: toHex(payload),
        signature: f.signature.replace(/("affine_point":"[0-9a-f]{60})[0-9a-f]{6}"/, '$1"'),
      }),
      "big_r.affine_point must be 33 bytes",
    ],
    ["a non-hex payload", (f) => ({ publicKey: f.key, payload: "zz", signature: f.signature }), "payload is not hex"],
    [
      "an odd-length payload",
      (f) => ({ publicKey: f.key, payload: "abc", signature: f.signature }),
      "odd number of hex digits",
    ],
    [
      "a 31-byte ECDSA payload",
      (f) => ({ publicKey: f.key, payload: toHex(payload.slice(1)), signature: f.signature }),
      "32-byte message hash, got 31",
    ],
    [
      "a malformed key",
      (f) => ({ publicKey: "secp256k1:111", payload: toHex(payload), signature: f.signature }),
      "a secp256k1 public key is 64 bytes",
    ],
  ])("exits 2 on %s", async (_what, make, message) => {
    const args = make(fixture("secp256k1"));
    const { out, sink: s } = sink();
    expect(await runVerifySignature(args, s)).toBe(2);
    expect(out.stdout).toEqual([]);
    expect(out.stderr).toHaveLength(1);
    expect(out.stderr[0]).toContain(message);
    const j = sink();
    expect(await runVerifySignature({ ...args, json: true }, j.sink)).toBe(2);
    expect(JSON.parse(j.out.stdout[0])).toMatchObject({ valid: false, code: "malformed" });
  });
});

describe("command registration", () => {
  it("describes the commands and their options for yargs", () => {
    expect(deriveCommand.command).toBe("derive");
    expect(Object.keys(deriveCommand.builder)).toEqual([
      "root",
      "predecessor",
      "path",
      "domain",
      "scheme",
      "outputs-file",
      "json",
    ]);
    // The root key is --root or the stack's (derive --domain/--scheme, test/synth/env.test.ts).
    const optional = ["root", "domain", "scheme", "outputs-file", "json"];
    expect(verifySignatureCommand.command).toBe("verify-signature");
    expect(Object.keys(verifySignatureCommand.builder)).toEqual(["public-key", "payload", "signature", "json"]);
    for (const b of [deriveCommand.builder, verifySignatureCommand.builder]) {
      for (const [name, opt] of Object.entries(b)) {
        expect(opt.type).toBe(name === "json" ? "boolean" : name === "domain" ? "number" : "string");
        expect((opt as { demandOption?: boolean }).demandOption).toBe(optional.includes(name) ? undefined : true);
      }
    }
  });

  it("the handler sets process.exitCode and writes to stdout/stderr", async () => {
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const saved = process.exitCode;
    try {
      await verifySignatureCommand.handler({
        _: [],
        $0: "automate",
        publicKey: "nope",
        payload: "00",
        signature: "{}",
      });
      expect(process.exitCode).toBe(2);
      expect(String(write.mock.calls[0][0])).toMatch(/^verify-signature: public key has no curve prefix/);
    } finally {
      process.exitCode = saved;
      write.mockRestore();
    }
  });

  it.each(["derive.ts", "verify-signature.ts"])("%s has no eager runtime imports (fast --help)", (file) => {
    const src = readFileSync(resolve(here, "../../automation/commands", file), "utf8");
    const staticImports = src.split("\n").filter((l) => /^import\s/.test(l));
    expect(staticImports.length).toBeGreaterThan(0);
    for (const line of staticImports) expect(line).toMatch(/^import type /);
  });
});
