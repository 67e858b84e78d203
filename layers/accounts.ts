// The accounts the stack itself creates under its root account, by name (`<name>.<root>`): what the faucet
// must never hand out, since whoever creates one of them first would break the layer that needs it.
/** Layer 2's faucet account, which pays the top-ups. */
export const FAUCET_ACCOUNT = "faucet";
/** Layer 3: the signer contract's parent (the contract is v1.signer.<root>), and the MPC nodes' accounts. */
export const SIGNER_PARENT_ACCOUNT = "signer";
export const MPC_NODE_ACCOUNT_PREFIX = "mpc-node-";
/** The end-to-end sign test's caller. */
export const SIGN_TESTER_ACCOUNT = "sign-tester";

/**
 * Names under the root the stack reserves, with Layer 2's core-contract accounts (the caller's, from its plan:
 * this module stays free of the NEAR client, the CLI imports it); a trailing "*" reserves a prefix.
 */
export function reservedAccountNames(coreContracts: readonly string[]): string[] {
  return [...coreContracts, FAUCET_ACCOUNT, SIGNER_PARENT_ACCOUNT, `${MPC_NODE_ACCOUNT_PREFIX}*`, SIGN_TESTER_ACCOUNT];
}
