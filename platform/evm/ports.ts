// The destination chain's port. Dependency-free: the Pulumi program (config default, security
// group), the CLI (`connect`) and the ops bundle share it.

/** anvil's JSON-RPC port (foundry-rs/foundry crates/anvil/src/cmd.rs, --port default 8545), on the host and through `connect`. */
export const EVM_RPC_PORT = 8545;
