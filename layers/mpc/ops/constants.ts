// Facts about the MPC signer contract (near/mpc) and its accounts on the localnet.
import { YOCTO_PER_NEAR } from "../../../platform/near/amounts.js";
import type { WasmSource } from "../../../platform/near/client.js";
import { DEFAULT_MPC_RELEASE } from "../releases.js";

/** The contract the set-up deploys when its payload names no wasm: the default release's (../releases.ts). */
export const SIGNER_WASM: WasmSource = DEFAULT_MPC_RELEASE.signer.wasm;
export const SIGNER_CODE_HASH = DEFAULT_MPC_RELEASE.signer.codeHash;

export const SIGNER_CONTRACT_ACCOUNT = "v1.signer.localnet";

const NEAR = YOCTO_PER_NEAR;
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
