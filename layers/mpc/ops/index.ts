// The MPC signer contract operations: argument builders, state parsing, the set-up plan and the
// operation handlers that ops/main.ts registers (`Object.assign(OPERATIONS, mpcOperations)` or a spread).
export * from "./args.js";
export * from "./constants.js";
export * from "./state.js";
export * from "./signer.js";
export { mpcOperations, proposalFor, rootKeys, voteDomains, waitForKeygen } from "./operations.js";
export type { KeygenResult, MpcOpContext, MpcOperation, RootKey, VoteResult, WaitOptions } from "./operations.js";
