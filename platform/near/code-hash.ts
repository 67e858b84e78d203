// Dependency-free, so the automation can compare code hashes without loading the toolkit.

/**
 * view_account's code_hash of an account without a contract: CryptoHash::default() (32 zero bytes) in
 * base58 (nearcore core/primitives/src/views.rs, AccountView).
 */
export const EMPTY_CODE_HASH = "11111111111111111111111111111111";
