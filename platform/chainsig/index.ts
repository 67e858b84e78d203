// Chain-signature client: keys, derivation, sign-call args, response parsing and verification.
// (testkit.ts, for tests and fakes, is deliberately not re-exported.)
export * from "./errors.js";
export * from "./base58.js";
export * from "./hex.js";
export * from "./keys.js";
export * from "./derive.js";
export * from "./response.js";
export * from "./sign-args.js";
export * from "./verify.js";
