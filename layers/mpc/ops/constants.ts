// Pinned facts about the MPC signer contract (near/mpc), checked against the release sources.
//
// Release 3.14.1 (tag 3.14.1 = d76a82548ce6a7aea346aa6c56f4af914366abf8). The tag itself does
// not contain the wasm: near/mpc archives each release's contract afterwards, and
// crates/contract-history/archive/signer-3_14_1.wasm was added on main by commit
// e1ce929e0736a067262e253ecccdb3ca6c6ee9fa ("chore: add 3.14.1 contract to history (#4200)"),
// which no tag contains. The raw URL is therefore pinned to that commit, never to a branch.
// The file is 1,182,130 bytes; its sha256 and on-chain code hash (base58 of the sha256) below
// were computed from that blob.
import { YOCTO_PER_NEAR } from "../../../platform/near/amounts.js";
import type { WasmSource } from "../../../platform/near/client.js";

export const SIGNER_RELEASE = "3.14.1";
export const SIGNER_WASM_COMMIT = "e1ce929e0736a067262e253ecccdb3ca6c6ee9fa";
export const SIGNER_WASM_PATH = "crates/contract-history/archive/signer-3_14_1.wasm";
export const SIGNER_WASM: WasmSource = {
  url: `https://raw.githubusercontent.com/near/mpc/${SIGNER_WASM_COMMIT}/${SIGNER_WASM_PATH}`,
  sha256: "d1e760b1056232e3853d214b301c7d82d8e8911f9bf22078d3c8da00d61f636b",
  size: 1_182_130,
};
export const SIGNER_CODE_HASH = "F8NqkFhF97BxjYrweg3hFFhdH57k4qgqoPdLDwP6H9dL";

export const SIGNER_PARENT_ACCOUNT = "signer.localnet";
export const SIGNER_CONTRACT_ACCOUNT = "v1.signer.localnet";
export const nodeAccountId = (i: number, root = "localnet") => `mpc-node-${i}.${root}`;

const NEAR = YOCTO_PER_NEAR;
/** Storage costs 1e19 yoctoNEAR per byte (near/mpc deposits.rs STORAGE_BYTE_COST_YOCTONEAR). */
export const STORAGE_BYTE_COST = 10n ** 19n;
/**
 * The contract account's balance. The code alone locks 1,182,130 bytes = 11.82 NEAR; the
 * contract state grows with pending sign requests, votes and attestations (near/mpc's own
 * localnet script funds the contract with 1000 NEAR). 60 NEAR leaves about 48 NEAR for that state.
 */
export const DEFAULT_CONTRACT_BALANCE = 60n * NEAR;
/** signer.localnet only holds its own account plus what it hands to v1.signer.localnet. */
export const DEFAULT_PARENT_BALANCE = 5n * NEAR;
/**
 * Each node pays gas for respond / vote_pk / start_keygen_instance / submit_participant_info
 * (up to 300 Tgas each, 0.03 NEAR at the minimum gas price). near/mpc's localnet gives 100 NEAR.
 */
export const DEFAULT_NODE_BALANCE = 50n * NEAR;

/** Gas attached to init and vote_add_domains (near/mpc's localnet guide attaches 300 Tgas). */
export const SIGNER_CALL_GAS = 300n * 10n ** 12n;
