import { cliTooOld } from "../pulumi-engine.js";

test("the driver refuses a Pulumi CLI older than 3.225.0, with the fix", () => {
  expect(cliTooOld("3.150.0")).toBe(
    "The Pulumi CLI is 3.150.0; the driver needs 3.225.0 or newer (per-layer deploys exclude new components, " +
      "which older CLIs mishandle under journaling). Update it: curl -fsSL https://get.pulumi.com | sh",
  );
  expect(cliTooOld("3.188.0")).toMatch(/needs 3\.225\.0 or newer/);
  expect(cliTooOld("3.224.9")).toMatch(/needs 3\.225\.0/);
  expect(cliTooOld("3.225.0")).toBeUndefined();
  expect(cliTooOld("3.248.1")).toBeUndefined();
  expect(cliTooOld("4.0.0")).toBeUndefined();
  expect(cliTooOld(undefined)).toBeUndefined();
});
