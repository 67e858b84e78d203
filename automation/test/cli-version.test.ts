import { cliTooOld } from "../pulumi-engine.js";

test("the driver refuses a Pulumi CLI without --exclude, with the fix", () => {
  expect(cliTooOld("3.150.0")).toBe(
    "The Pulumi CLI is 3.150.0; the driver needs 3.188.0 or newer (per-layer deploys use --exclude). Update it: https://www.pulumi.com/docs/install/",
  );
  expect(cliTooOld("3.159.9")).toMatch(/needs 3\.188\.0 or newer/);
  expect(cliTooOld("3.187.2")).toMatch(/needs 3\.188\.0/);
  expect(cliTooOld("3.188.0")).toBeUndefined();
  expect(cliTooOld("3.248.1")).toBeUndefined();
  expect(cliTooOld("4.0.0")).toBeUndefined();
  expect(cliTooOld(undefined)).toBeUndefined();
});
