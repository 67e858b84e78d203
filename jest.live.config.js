// The live suite: runs against a real AWS account when credentials are present (and, for the
// deployed-stack checks, NEAR_LOCALNET_LIVE_STACK names a deployed stack). Skipped otherwise,
// with a message saying why. Run: npm run test:live
import base from "./jest.config.js";

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: ["<rootDir>/test/live/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  testTimeout: 45 * 60 * 1000,
};
