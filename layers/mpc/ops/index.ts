// The MPC signer contract operations: argument builders, state parsing, the set-up plan and the
// operation handlers Layer 3 adds to the ops bundle (layers/mpc/ops/operations-table.ts).
export * from "./args.js";
export * from "./constants.js";
export * from "./state.js";
export * from "./signer.js";
export { mpcOperations } from "./operations.js";
