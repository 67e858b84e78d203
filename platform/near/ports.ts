// The ports of neard and the MPC node. Dependency-free: the Pulumi program (security groups, URLs),
// the CLI and the ops bundle share them. The shell scripts and jq filters that bind these ports
// (layers/*/scripts) keep their own literals: they run on the instance and cannot import.

/** neard's JSON-RPC (nearcore chain/jsonrpc/src/lib.rs, RpcConfig default addr 0.0.0.0:3030). */
export const NEAR_RPC_PORT = 3030;
/** neard's peer-to-peer network (nearcore chain/network/src/config_json.rs, default addr 0.0.0.0:24567). */
export const NEAR_P2P_PORT = 24567;
/** The MPC node's web UI: /health, /metrics, /public_data (web_ui 0.0.0.0:8080 in near/mpc deployment/start.sh). */
export const MPC_WEB_PORT = 8080;

/** The neard RPC on the same host: where the operations on an instance send their requests. */
export const LOCAL_RPC_URL = `http://127.0.0.1:${NEAR_RPC_PORT}`;

/**
 * Ports the MPC node binds on loopback besides its web UI (near/mpc 3.14.1 crates/node/src/config.rs:
 * `migration_web_ui`, `pprof_bind_address`); the numbers are the ones layers/mpc/scripts/bootstrap.sh writes.
 */
export const MPC_MIGRATION_PORT = 8079;
export const MPC_PPROF_PORT = 34001;
