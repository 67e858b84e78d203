import { nearestKey } from "../unknown-keys.js";

const KNOWN = ["mpcNodes", "mpcThreshold", "faucetPort", "availabilityZone", "vpcCidr"];

test("the nearest known key, when it is near enough to be a typo", () => {
  expect(nearestKey("mpcNode", KNOWN)).toBe("mpcNodes");
  expect(nearestKey("mpcnodes", KNOWN)).toBe("mpcNodes");
  expect(nearestKey("availabiltyZone", KNOWN)).toBe("availabilityZone");
  expect(nearestKey("faucetport", KNOWN)).toBe("faucetPort");
  expect(nearestKey("instanceSize", KNOWN)).toBeUndefined();
});
