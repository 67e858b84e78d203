// ESM throughout: ts-jest transforms TypeScript as ES modules; run with
// NODE_OPTIONS=--experimental-vm-modules (the npm scripts set it).
/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, diagnostics: false }],
  },
  testMatch: ["<rootDir>/**/test/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/live/", "<rootDir>/dist/"],
  testTimeout: 30000,
};
