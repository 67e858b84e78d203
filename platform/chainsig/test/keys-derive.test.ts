// Keys, base58, tweak and derivation: the shared vectors (captured from the live testnet
// contract), plus independent checks of the encodings.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  ChainSigError,
  base58Decode,
  base58Encode,
  deriveKey,
  deriveTweak,
  ethereumAddress,
  formatPublicKey,
  parsePublicKey,
  publicKeyFromBytes,
  publicKeyFromViewResult,
  secp256k1UncompressedHex,
  toChecksumAddress,
  toHex,
  tweakScalar,
} from "../index.js";
import { DERIVATION_VECTORS, TWEAK_EXAMPLE } from "../../../test/support/derivation-vectors.js";

const vectors = { vectors: DERIVATION_VECTORS, tweak_example: TWEAK_EXAMPLE };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ChainSigError) return e.code;
    throw e;
  }
  throw new Error("expected a ChainSigError");
}

describe("shared derivation vectors", () => {
  it("has a vector for each curve", () => {
    expect(vectors.vectors.map((v) => v.domain).sort()).toEqual(["ed25519", "secp256k1"]);
  });

  it.each(vectors.vectors.map((v) => [v.domain, v] as const))("derives the contract's %s key", (_d, v) => {
    const derived = deriveKey(parsePublicKey(v.root), v.predecessor, v.path);
    expect(derived.curve).toBe(v.domain);
    expect(formatPublicKey(derived)).toBe(v.derived);
  });

  it("computes the tweak example", () => {
    const t = vectors.tweak_example;
    expect(toHex(deriveTweak(t.predecessor, t.path))).toBe(t.tweak_hex);
  });

  it("a different path or predecessor gives a different key", () => {
    const v = vectors.vectors[0];
    const root = parsePublicKey(v.root);
    expect(formatPublicKey(deriveKey(root, v.predecessor, v.path + "x"))).not.toBe(v.derived);
    expect(formatPublicKey(deriveKey(root, "other.testnet", v.path))).not.toBe(v.derived);
  });

  it("reads the tweak big-endian for secp256k1 and little-endian mod L for ed25519", () => {
    const tweak = new Uint8Array(32);
    tweak[31] = 1;
    expect(tweakScalar("secp256k1", tweak)).toBe(1n);
    expect(tweakScalar("ed25519", tweak)).toBe(1n << 248n);
    const all = new Uint8Array(32).fill(0xff);
    expect(codeOf(() => tweakScalar("secp256k1", all))).toBe("bad-tweak");
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    expect(tweakScalar("ed25519", all)).toBe((2n ** 256n - 1n) % L);
  });

  it("rejects an invalid predecessor", () => {
    const root = parsePublicKey(vectors.vectors[0].root);
    expect(codeOf(() => deriveKey(root, "Not An Account", "p"))).toBe("bad-account-id");
    expect(codeOf(() => deriveKey(root, "a", "p"))).toBe("bad-account-id");
    expect(codeOf(() => deriveKey(root, "x".repeat(65), "p"))).toBe("bad-account-id");
  });
});

describe("secp256k1 encodings", () => {
  const derived = () => {
    const v = vectors.vectors.find((x) => x.domain === "secp256k1")!;
    return deriveKey(parsePublicKey(v.root), v.predecessor, v.path);
  };

  it("SEC1 uncompressed is 04 || x || y of the NEAR key bytes", () => {
    const key = derived();
    const hex = secp256k1UncompressedHex(key);
    expect(hex).toMatch(/^04[0-9a-f]{128}$/);
    expect(hex.slice(2)).toBe(toHex(key.bytes));
    expect(secp256k1.Point.fromHex(hex).toHex(false)).toBe(hex);
  });

  it("gives the well-known address of private key 1", () => {
    const pub = secp256k1.getPublicKey(Uint8Array.from(Buffer.from("00".repeat(31) + "01", "hex")), false);
    const key = publicKeyFromBytes("secp256k1", pub.slice(1));
    expect(ethereumAddress(key)).toBe("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  });

  it.each([
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
  ])("EIP-55 checksums %s", (addr) => {
    expect(toChecksumAddress(addr.toLowerCase())).toBe(addr);
  });

  it("the derived vector key has a checksummed 20-byte address", () => {
    expect(ethereumAddress(derived())).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  it("refuses SEC1 and addresses for ed25519 keys", () => {
    const ed = parsePublicKey(vectors.vectors.find((x) => x.domain === "ed25519")!.root);
    expect(codeOf(() => ethereumAddress(ed))).toBe("bad-public-key");
    expect(codeOf(() => secp256k1UncompressedHex(ed))).toBe("bad-public-key");
  });
});

describe("base58 and NEAR key strings", () => {
  it("round-trips, keeping leading zero bytes as '1'", () => {
    const bytes = Uint8Array.from([0, 0, 1, 2, 255]);
    const text = base58Encode(bytes);
    expect(text.startsWith("11")).toBe(true);
    expect(Array.from(base58Decode(text))).toEqual([0, 0, 1, 2, 255]);
    expect(base58Encode(Uint8Array.from([0x61]))).toBe("2g");
    expect(toHex(base58Decode("2NEpo7TZRRrLZSi2U"))).toBe(toHex(new TextEncoder().encode("Hello World!")));
  });

  it("round-trips both vector roots", () => {
    for (const v of vectors.vectors) expect(formatPublicKey(parsePublicKey(v.root))).toBe(v.root);
  });

  it.each([
    ["no prefix", DERIVATION_VECTORS[0].root.split(":")[1]],
    ["unknown prefix", `rsa:${DERIVATION_VECTORS[0].root.split(":")[1]}`],
    ["bad base58 (0 is not in the alphabet)", "ed25519:0vSEtQxrQj6txUMh33WC4ERyCWmNMRTdufDWAaDY3Un2"],
    ["empty body", "ed25519:"],
    ["wrong length", "ed25519:" + base58Encode(new Uint8Array(31).fill(7))],
    ["secp256k1 with 32 bytes", "secp256k1:6vSEtQxrQj6txUMh33WC4ERyCWmNMRTdufDWAaDY3Un2"],
    ["secp256k1 point not on the curve", "secp256k1:" + base58Encode(new Uint8Array(64).fill(1))],
  ])("rejects %s", (_what, text) => {
    expect(codeOf(() => parsePublicKey(text))).toBe("bad-public-key");
  });

  it("reads the contract's view result from raw JSON bytes or a string", () => {
    const root = vectors.vectors[0].root;
    const bytes = Array.from(Buffer.from(JSON.stringify(root)));
    expect(formatPublicKey(publicKeyFromViewResult(bytes))).toBe(root);
    expect(formatPublicKey(publicKeyFromViewResult(Uint8Array.from(bytes)))).toBe(root);
    expect(formatPublicKey(publicKeyFromViewResult(root))).toBe(root);
  });

  it.each([
    ["non-JSON bytes", Array.from(Buffer.from("secp256k1:abc"))],
    ["a JSON object", Array.from(Buffer.from('{"key":"x"}'))],
    ["a number", 5],
    ["bytes out of range", [300, 1]],
    ["a malformed key", Array.from(Buffer.from('"ed25519:111"'))],
  ])("rejects a view result that is %s", (_what, value) => {
    expect(codeOf(() => publicKeyFromViewResult(value))).toBe("bad-view-result");
  });
});
