import { describe, expect, it } from "@jest/globals";
import { formatNear, nearToYocto, parseAmount, YOCTO_PER_NEAR } from "../amounts.js";

const ONE_NEAR = 1_000_000_000_000_000_000_000_000n;

describe("nearToYocto", () => {
  it("converts decimal NEAR, down to one yoctoNEAR", () => {
    expect(YOCTO_PER_NEAR).toBe(ONE_NEAR);
    expect(nearToYocto("1")).toBe(ONE_NEAR);
    expect(nearToYocto(" 2.5 ")).toBe((5n * ONE_NEAR) / 2n);
    expect(nearToYocto("0")).toBe(0n);
    expect(nearToYocto("0.000000000000000000000001")).toBe(1n);
  });

  it.each(["1.0000000000000000000000001", "1e3", "-1", "1.", ".5", "1,5", "", "5 NEAR", "0x10"])("rejects %j", (v) =>
    expect(nearToYocto(v)).toBeNull(),
  );
});

describe("parseAmount", () => {
  it('reads "<n> NEAR" in any case and with or without a space, and plain yoctoNEAR digits', () => {
    expect(parseAmount("15 NEAR")).toBe(15n * ONE_NEAR);
    expect(parseAmount("0.5near")).toBe(ONE_NEAR / 2n);
    expect(parseAmount(" 3 Near ")).toBe(3n * ONE_NEAR);
    expect(parseAmount("123")).toBe(123n);
  });

  it.each(["ten NEAR", "NEAR", "1.5", "-1 NEAR", "1 yocto", "1e24", "1.0000000000000000000000001 NEAR", ""])(
    "rejects %j",
    (v) => expect(parseAmount(v)).toBeNull(),
  );
});

describe("formatNear", () => {
  it("writes whole and fractional NEAR without trailing zeros", () => {
    expect(formatNear(0n)).toBe("0 NEAR");
    expect(formatNear(60n * ONE_NEAR)).toBe("60 NEAR");
    expect(formatNear(ONE_NEAR / 2n)).toBe("0.5 NEAR");
    expect(formatNear(1n)).toBe("0.000000000000000000000001 NEAR");
  });

  it("round-trips through parseAmount", () => {
    for (const yocto of [0n, 1n, ONE_NEAR, ONE_NEAR / 2n, 123_456_789n * ONE_NEAR + 987n, 10n ** 30n + 1n]) {
      expect(parseAmount(formatNear(yocto))).toBe(yocto);
    }
  });
});
