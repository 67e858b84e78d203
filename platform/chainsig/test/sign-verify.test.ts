// Own vectors from known private keys: derive the child private key, sign, format exactly as
// the contract does, parse and verify; then every way a response must be rejected.
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  ChainSigError,
  SIGN_DEPOSIT_YOCTO,
  SIGN_GAS,
  SIGN_MIN_GAS,
  SignResponseError,
  buildSignArgs,
  checkSignResponse,
  deriveKey,
  derivedPublicKeyViewArgs,
  formatPublicKey,
  formatSignResponse,
  parseSignResponse,
  parseSignSuccessValue,
  publicKeyFromBytes,
  publicKeyViewArgs,
  toHex,
  toSignResponseJson,
  verifySignResponse,
  type ChainSigPublicKey,
  type Curve,
  type EcdsaSignResponse,
} from "../index.js";
import {
  deriveChildPrivateKey,
  ed25519ScalarFromSeed,
  publicKeyFromPrivate,
  signEcdsaLikeContract,
  signEd25519LikeContract,
  signLikeContract,
} from "../testkit.js";

const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const N = secp256k1.Point.Fn.ORDER;

// Fixed root private keys (test-only), secp256k1 big-endian and ed25519 little-endian scalars.
const ROOT: Record<Curve, Uint8Array> = {
  secp256k1: hex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"),
  ed25519: ed25519ScalarFromSeed(hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")),
};
const PREDECESSOR = "tester.localnet";
const PATH = "sign-test,1";
const PAYLOAD = hex("4f1c2b6a0d9e8b7c6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa01");

function setup(curve: Curve) {
  const rootPub = publicKeyFromPrivate(curve, ROOT[curve]);
  const derived = deriveKey(rootPub, PREDECESSOR, PATH);
  const child = deriveChildPrivateKey(curve, ROOT[curve], PREDECESSOR, PATH);
  return { rootPub, derived, child };
}

function payloadN(i: number): Uint8Array {
  const p = new Uint8Array(32);
  p[0] = 0xa5;
  p[31] = i;
  return p;
}

describe("child private keys", () => {
  it.each(["secp256k1", "ed25519"] as const)("%s: child key's public key equals the derived public key", (curve) => {
    const { derived, child } = setup(curve);
    expect(formatPublicKey(publicKeyFromPrivate(curve, child))).toBe(formatPublicKey(derived));
  });

  it("secp256k1 child = root + tweak is what noble computes from the child scalar", () => {
    const { derived, child } = setup("secp256k1");
    const pub = secp256k1.getPublicKey(child, false);
    expect(toHex(pub.slice(1))).toBe(toHex(derived.bytes));
  });

  it("ed25519 scalar from a seed has the seed's RFC 8032 public key", () => {
    const seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    expect(toHex(publicKeyFromPrivate("ed25519", ed25519ScalarFromSeed(seed)).bytes)).toBe(
      toHex(ed25519.getPublicKey(seed)),
    );
  });
});

describe("sign like the contract, then verify", () => {
  it("ECDSA: response has the contract's exact shape and lower-case hex, and verifies", () => {
    const { derived, child } = setup("secp256k1");
    const text = formatSignResponse(signEcdsaLikeContract(child, PAYLOAD));
    expect(text).toMatch(
      /^\{"scheme":"Secp256k1","big_r":\{"affine_point":"0[23][0-9a-f]{64}"\},"s":\{"scalar":"[0-9a-f]{64}"\},"recovery_id":[01]\}$/,
    );
    const verdict = verifySignResponse(derived, PAYLOAD, parseSignResponse(text));
    expect(verdict).toEqual({
      ok: true,
      code: "ok",
      scheme: "Secp256k1",
      reason: `Secp256k1 signature verifies for ${formatPublicKey(derived)}`,
    });
  });

  it("ECDSA: the signature is a standard one over the raw 32-byte hash (no second hashing)", () => {
    const { derived, child } = setup("secp256k1");
    const resp = signEcdsaLikeContract(child, PAYLOAD);
    const compact = new Uint8Array([...resp.bigR.slice(1), ...resp.s]);
    const pub = new Uint8Array([4, ...derived.bytes]);
    expect(secp256k1.verify(compact, PAYLOAD, pub, { prehash: false })).toBe(true);
    expect(secp256k1.verify(compact, PAYLOAD, pub, { prehash: true })).toBe(false);
  });

  it("ECDSA: uses recovery_id, not big_r's parity (they differ when s was normalised)", () => {
    const { derived, child } = setup("secp256k1");
    let differing = 0;
    let matching = 0;
    for (let i = 0; i < 16; i++) {
      const resp = signEcdsaLikeContract(child, payloadN(i));
      const parity = resp.bigR[0] === 0x03 ? 1 : 0;
      if (parity !== resp.recoveryId) differing++;
      else matching++;
      expect(verifySignResponse(derived, payloadN(i), resp).ok).toBe(true);
    }
    // 16 deterministic signatures: both cases occur (fixed keys and payloads, so this is stable)
    expect(differing).toBeGreaterThan(0);
    expect(matching).toBeGreaterThan(0);
  });

  it("ECDSA: a signature made directly with noble (low-s, recovered) verifies too", () => {
    const { derived, child } = setup("secp256k1");
    const rec = secp256k1.sign(PAYLOAD, child, { prehash: false, format: "recovered" });
    const sig = secp256k1.Signature.fromBytes(rec, "recovered");
    const R = sig.recovery! & 1 ? "03" : "02";
    const json = {
      scheme: "Secp256k1",
      big_r: { affine_point: R + toHex(rec.slice(1, 33)) },
      s: { scalar: toHex(rec.slice(33)) },
      recovery_id: sig.recovery,
    };
    expect(checkSignResponse(derived, PAYLOAD, JSON.stringify(json)).ok).toBe(true);
  });

  it("Ed25519: response has the contract's exact shape and verifies", () => {
    const { derived, child } = setup("ed25519");
    const text = formatSignResponse(signEd25519LikeContract(child, PAYLOAD));
    const parsed = JSON.parse(text);
    expect(Object.keys(parsed)).toEqual(["scheme", "signature"]);
    expect(parsed.scheme).toBe("Ed25519");
    expect(parsed.signature).toHaveLength(64);
    expect(verifySignResponse(derived, PAYLOAD, parseSignResponse(text))).toEqual({
      ok: true,
      code: "ok",
      scheme: "Ed25519",
      reason: `Ed25519 signature verifies for ${formatPublicKey(derived)}`,
    });
    // an independent verifier agrees
    expect(ed25519.verify(Uint8Array.from(parsed.signature), PAYLOAD, derived.bytes)).toBe(true);
  });

  it("Ed25519: a 0-byte and a 16-byte payload sign and verify (the contract takes 0..1232 bytes)", () => {
    const { derived, child } = setup("ed25519");
    for (const size of [0, 16]) {
      const payload = new Uint8Array(size).fill(0x2a);
      buildSignArgs({ path: "p", domainId: 1, kind: "Eddsa", payload });
      const text = formatSignResponse(signEd25519LikeContract(child, payload));
      expect(verifySignResponse(derived, payload, parseSignResponse(text)).ok).toBe(true);
    }
  });

  it("Ed25519: longer payloads (up to 1232 bytes) verify; a noble seed signature verifies against its key", () => {
    const { derived, child } = setup("ed25519");
    const long = new Uint8Array(1232).fill(0x5c);
    expect(verifySignResponse(derived, long, signEd25519LikeContract(child, long)).ok).toBe(true);
    const seed = new Uint8Array(32).fill(3);
    const key = publicKeyFromBytes("ed25519", ed25519.getPublicKey(seed));
    const resp = { scheme: "Ed25519" as const, signature: ed25519.sign(PAYLOAD, seed) };
    expect(verifySignResponse(key, PAYLOAD, resp).ok).toBe(true);
  });
});

describe("rejections", () => {
  const ecdsa = () => {
    const s = setup("secp256k1");
    return { ...s, resp: signEcdsaLikeContract(s.child, PAYLOAD) };
  };
  const eddsa = () => {
    const s = setup("ed25519");
    return { ...s, resp: signEd25519LikeContract(s.child, PAYLOAD) };
  };
  const otherKey = (curve: Curve): ChainSigPublicKey => deriveKey(setup(curve).rootPub, PREDECESSOR, PATH + "-other");

  it.each(["secp256k1", "ed25519"] as const)("%s: wrong key", (curve) => {
    const { child } = setup(curve);
    const v = verifySignResponse(otherKey(curve), PAYLOAD, signLikeContract(curve, child, PAYLOAD));
    expect(v.ok).toBe(false);
    expect(v.code).toBe("bad-signature");
    expect(v.reason).toContain(formatPublicKey(otherKey(curve)));
  });

  it.each(["secp256k1", "ed25519"] as const)("%s: wrong payload", (curve) => {
    const { derived, child } = setup(curve);
    const other = Uint8Array.from(PAYLOAD);
    other[0] ^= 1;
    const v = verifySignResponse(derived, other, signLikeContract(curve, child, PAYLOAD));
    expect(v).toMatchObject({ ok: false, code: "bad-signature" });
  });

  it("ECDSA: high-s (the malleable twin, with the recovery id adjusted to match)", () => {
    const { derived, resp } = ecdsa();
    const s = BigInt("0x" + toHex(resp.s));
    const twin: EcdsaSignResponse = {
      ...resp,
      s: hex((N - s).toString(16).padStart(64, "0")),
      recoveryId: resp.recoveryId ^ 1,
    };
    // the twin is a mathematically valid signature: only the low-s rule rejects it
    const compact = new Uint8Array([...twin.bigR.slice(1), ...twin.s]);
    expect(
      secp256k1.verify(compact, PAYLOAD, new Uint8Array([4, ...derived.bytes]), { prehash: false, lowS: false }),
    ).toBe(true);
    expect(verifySignResponse(derived, PAYLOAD, twin)).toMatchObject({ ok: false, code: "high-s" });
  });

  it("ECDSA: wrong recovery id", () => {
    const { derived, resp } = ecdsa();
    const v = verifySignResponse(derived, PAYLOAD, { ...resp, recoveryId: resp.recoveryId ^ 1 });
    expect(v).toMatchObject({ ok: false, code: "wrong-recovery-id" });
    expect(v.reason).toBe(`recovery_id ${resp.recoveryId ^ 1} does not recover ${formatPublicKey(derived)}`);
    // ids 2 and 3 mean r overflowed n, which does not hold here
    expect(verifySignResponse(derived, PAYLOAD, { ...resp, recoveryId: 2 + resp.recoveryId })).toMatchObject({
      ok: false,
      code: "wrong-recovery-id",
    });
  });

  it("ECDSA: truncated big_r is malformed", () => {
    const { derived, resp } = ecdsa();
    const json = toSignResponseJson(resp) as { big_r: { affine_point: string } };
    json.big_r.affine_point = json.big_r.affine_point.slice(0, 64);
    expect(() => parseSignResponse(JSON.stringify(json))).toThrow(SignResponseError);
    expect(() => parseSignResponse(JSON.stringify(json))).toThrow(
      "big_r.affine_point must be 33 bytes (66 hex digits), got 64 hex digits",
    );
    expect(checkSignResponse(derived, PAYLOAD, JSON.stringify(json))).toMatchObject({ ok: false, code: "malformed" });
  });

  it("ECDSA: big_r without its prefix byte (r only) or with an uncompressed prefix is malformed", () => {
    const { resp } = ecdsa();
    const json = toSignResponseJson(resp) as { big_r: { affine_point: string } };
    const r = json.big_r.affine_point.slice(2);
    expect(() => parseSignResponse({ ...json, big_r: { affine_point: r } })).toThrow(SignResponseError);
    expect(() => parseSignResponse({ ...json, big_r: { affine_point: "04" + r } })).toThrow(
      "big_r.affine_point must be a compressed point (prefix 02 or 03), got prefix 04",
    );
  });

  it("ECDSA: big_r not on the curve, s zero or >= n are invalid signatures", () => {
    const { derived, resp } = ecdsa();
    let x = BigInt("0x" + toHex(resp.bigR.slice(1)));
    // find an x with no curve point (about half of all x)
    const notOnCurve = (() => {
      for (;;) {
        x += 1n;
        const cand = hex("02" + x.toString(16).padStart(64, "0"));
        try {
          secp256k1.Point.fromBytes(cand);
        } catch {
          return cand;
        }
      }
    })();
    expect(verifySignResponse(derived, PAYLOAD, { ...resp, bigR: notOnCurve })).toMatchObject({
      ok: false,
      code: "invalid-signature",
    });
    expect(verifySignResponse(derived, PAYLOAD, { ...resp, s: new Uint8Array(32) })).toMatchObject({
      ok: false,
      code: "invalid-signature",
    });
    expect(verifySignResponse(derived, PAYLOAD, { ...resp, s: hex(N.toString(16)) })).toMatchObject({
      ok: false,
      code: "invalid-signature",
    });
  });

  it("Ed25519: a flipped bit in R or S fails", () => {
    const { derived, resp } = eddsa();
    for (const i of [0, 40]) {
      const sig = Uint8Array.from(resp.signature);
      sig[i] ^= 0x01;
      expect(verifySignResponse(derived, PAYLOAD, { scheme: "Ed25519", signature: sig }).ok).toBe(false);
    }
  });

  it("wrong scheme for the key", () => {
    const { resp: e } = ecdsa();
    const { resp: d } = eddsa();
    expect(verifySignResponse(setup("ed25519").derived, PAYLOAD, e)).toMatchObject({
      ok: false,
      code: "scheme-mismatch",
    });
    expect(verifySignResponse(setup("secp256k1").derived, PAYLOAD, d)).toMatchObject({
      ok: false,
      code: "scheme-mismatch",
    });
  });

  it("payload sizes outside the contract's bounds are malformed input", () => {
    const { derived, resp } = ecdsa();
    expect(() => verifySignResponse(derived, PAYLOAD.slice(0, 31), resp)).toThrow(ChainSigError);
    const ed = eddsa();
    expect(() => verifySignResponse(ed.derived, new Uint8Array(1233), ed.resp)).toThrow(
      "an EdDSA payload is 0..1232 bytes, got 1233",
    );
    expect(checkSignResponse(derived, new Uint8Array(33), formatSignResponse(resp))).toMatchObject({
      ok: false,
      code: "malformed",
    });
  });
});

describe("strict response parsing", () => {
  const valid = () =>
    toSignResponseJson(signEcdsaLikeContract(setup("secp256k1").child, PAYLOAD)) as Record<string, unknown>;

  it("round-trips and accepts lower-case hex", () => {
    const json = valid();
    const lower = JSON.parse(JSON.stringify(json).toLowerCase().replace('"secp256k1"', '"Secp256k1"'));
    expect(formatSignResponse(parseSignResponse(lower))).toBe(JSON.stringify(json));
  });

  it("reads a transaction's base64 SuccessValue", () => {
    const text = JSON.stringify(valid());
    expect(formatSignResponse(parseSignSuccessValue(Buffer.from(text).toString("base64")))).toBe(text);
    expect(() => parseSignSuccessValue("not base64!")).toThrow("SuccessValue is not base64");
    expect(() => parseSignSuccessValue(Buffer.from('"Request has timed out."').toString("base64"))).toThrow(
      "sign response must be a JSON object",
    );
  });

  it.each<[string, unknown, string]>([
    ["malformed JSON", '{"scheme":"Secp256k1",', "signature is not valid JSON"],
    ["an array", "[]", "sign response must be a JSON object"],
    ["no scheme", '{"signature":[]}', 'sign response has no "scheme"'],
    ["an unknown scheme", '{"scheme":"Bls12381"}', 'unknown scheme "Bls12381"'],
    [
      "a legacy response without scheme",
      '{"big_r":{"affine_point":"02"},"s":{"scalar":"00"},"recovery_id":0}',
      'no "scheme"',
    ],
    [
      "an Ed25519 signature of 63 bytes",
      JSON.stringify({ scheme: "Ed25519", signature: new Array(63).fill(1) }),
      "must be 64 bytes, got 63",
    ],
    [
      "an Ed25519 signature with 256",
      JSON.stringify({ scheme: "Ed25519", signature: [...new Array(63).fill(1), 256] }),
      "integers 0..255",
    ],
    [
      "an Ed25519 signature as hex",
      JSON.stringify({ scheme: "Ed25519", signature: "ab".repeat(64) }),
      "array of 64 integers",
    ],
  ])("rejects %s", (_what, input, message) => {
    expect(() => parseSignResponse(input)).toThrow(SignResponseError);
    expect(() => parseSignResponse(input)).toThrow(message);
  });

  it.each<[string, (j: Record<string, unknown>) => void, string]>([
    ["a missing s", (j) => delete j.s, 'missing "s"'],
    ["an extra key", (j) => (j.extra = 1), 'unexpected "extra"'],
    ["s as a bare string", (j) => (j.s = "00"), "s must be a JSON object"],
    ["a 0x-prefixed scalar", (j) => (j.s = { scalar: "0x" + "11".repeat(31) }), "s.scalar is not hex"],
    ["a short scalar", (j) => (j.s = { scalar: "11".repeat(31) }), "s.scalar must be 32 bytes"],
    ["recovery_id 4", (j) => (j.recovery_id = 4), "recovery_id must be an integer 0..3"],
    ["recovery_id as a string", (j) => (j.recovery_id = "1"), "recovery_id must be an integer"],
  ])("rejects an ECDSA response with %s", (_what, mutate, message) => {
    const json = valid();
    mutate(json);
    expect(() => parseSignResponse(JSON.stringify(json))).toThrow(message);
  });
});

describe("sign call arguments", () => {
  it("builds the exact ECDSA and EdDSA request JSON", () => {
    expect(JSON.stringify(buildSignArgs({ path: "eth,1", domainId: 0, kind: "Ecdsa", payload: PAYLOAD }))).toBe(
      `{"request":{"path":"eth,1","domain_id":0,"payload_v2":{"Ecdsa":"${toHex(PAYLOAD)}"}}}`,
    );
    expect(
      JSON.stringify(buildSignArgs({ path: "", domainId: 1, kind: "Eddsa", payload: new Uint8Array(40).fill(0xab) })),
    ).toBe(`{"request":{"path":"","domain_id":1,"payload_v2":{"Eddsa":"${"ab".repeat(40)}"}}}`);
  });

  it("rejects payloads the contract would reject", () => {
    expect(() => buildSignArgs({ path: "p", domainId: 0, kind: "Ecdsa", payload: new Uint8Array(33) })).toThrow(
      "an ECDSA payload is the 32-byte message hash, got 33 bytes",
    );
    expect(() => buildSignArgs({ path: "p", domainId: 1, kind: "Eddsa", payload: new Uint8Array(1233) })).toThrow(
      ChainSigError,
    );
    expect(() => buildSignArgs({ path: "p", domainId: -1, kind: "Ecdsa", payload: PAYLOAD })).toThrow(ChainSigError);
  });

  it("has the deposit, gas and view args", () => {
    expect(SIGN_DEPOSIT_YOCTO).toBe(1n);
    expect(SIGN_GAS).toBe(300n * 10n ** 12n);
    expect(SIGN_MIN_GAS).toBe(15n * 10n ** 12n);
    expect(publicKeyViewArgs(1)).toEqual({ domain_id: 1 });
    expect(JSON.stringify(derivedPublicKeyViewArgs({ path: "p", predecessor: "a.localnet", domainId: 0 }))).toBe(
      '{"path":"p","predecessor":"a.localnet","domain_id":0}',
    );
  });
});
