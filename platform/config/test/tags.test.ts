import { checkTags } from "../tags.js";

const OWN = ["near-localnet:stack", "Name", "near-localnet:layer"];
const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));

test("up to 50 tags on a resource, the stack's own counted once", () => {
  expect(checkTags(tags(47), OWN)).toEqual([]);
  expect(checkTags(tags(48), OWN)).toEqual([
    "is 48 tags; with the stack's own 3 (near-localnet:stack, Name, near-localnet:layer) a resource would carry 51, " +
      "and AWS allows at most 50",
  ]);
});

test("key and value lengths count characters, not bytes", () => {
  expect(checkTags({ ["ä".repeat(128)]: "é".repeat(256) }, OWN)).toEqual([]);
  expect(checkTags({ ["k".repeat(129)]: "" }, OWN)).toEqual([
    `tag key "${"k".repeat(129)}" has 129 characters (1-128)`,
  ]);
  expect(checkTags({ "": "x" }, OWN)).toEqual(['tag key "" has 0 characters (1-128)']);
});
