import { describe, expect, it } from "@jest/globals";
import { isAccountIdPart, isValidAccountId } from "../account-id.js";

describe("isValidAccountId", () => {
  const valid = ["ab", "localnet", "alice.near", "mpc-node-0.localnet", "v1.signer.localnet", "1_4m_n0t-al1c3.near"];
  it.each([...valid, "a".repeat(64)])("accepts %s", (id) => expect(isValidAccountId(id)).toBe(true));

  it.each([
    ["too short", "a"],
    ["too long", "a".repeat(65)],
    ["upper case", "Alice.near"],
    ["leading separator", "_alice.near"],
    ["trailing separator", "bob.near-"],
    ["doubled dot", "alice..near"],
    ["adjacent separators", "not-_alice.near"],
    ["space", "a b"],
    ["other characters", "Local_Net!"],
    ["empty", ""],
  ])("rejects %s", (_why, id) => expect(isValidAccountId(id)).toBe(false));

  it("rejects what is not a string", () => {
    for (const v of [undefined, null, 42, ["ab"], { id: "ab" }]) expect(isValidAccountId(v)).toBe(false);
  });
});

describe("isAccountIdPart", () => {
  it("accepts one part and rejects dotted ids and stray separators", () => {
    expect(isAccountIdPart("alice")).toBe(true);
    expect(isAccountIdPart("a-b_c")).toBe(true);
    expect(isAccountIdPart("alice.near")).toBe(false);
    expect(isAccountIdPart("-alice")).toBe(false);
    expect(isAccountIdPart("a__b")).toBe(false);
    expect(isAccountIdPart(7)).toBe(false);
  });
});
