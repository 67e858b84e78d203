// The client configuration of a stack (`env`): what near-cli-rs, a near-api-js app or a script
// needs to talk to the localnet, from the stack outputs and, while `connect` runs, its tunnel.
//
// near-cli-rs reads connections from its config.toml, `[network_connection.<name>]` entries of
// NetworkConfig (near/near-cli-rs src/config/mod.rs): network_name, rpc_url, wallet_url and
// explorer_transaction_url are required in every entry (a missing one makes it ignore the whole
// file and fall back to its defaults); linkdrop_account_id, faucet_url,
// staking_pools_factory_account_id and mpc_contract_account_id are optional. Its
// `account create-account sponsor-by-faucet-service` POSTs {newAccountId, newAccountPublicKey}
// to faucet_url itself (src/commands/account/create_account/sponsor_by_faucet_service/mod.rs),
// which the stack's faucet answers on /account.
import type { StackOutputs } from "../layers/outputs.js";

/** The local URLs of a running `connect` (tunnel/state.ts). */
export interface TunnelUrls {
  rpcUrl: string;
  faucetUrl?: string;
  /** The destination EVM chain's JSON-RPC. */
  evmRpcUrl?: string;
}

interface ClientDomain {
  id: number;
  scheme?: string;
  protocol?: string;
  purpose?: string;
  /** The domain's root public key, once key generation completed. */
  publicKey?: string;
}

export interface ClientConfig {
  stack: string;
  chainId: string;
  /** "tunnel": through a running `connect`; "vpc": the in-VPC addresses (reachable from inside the VPC only). */
  via: "tunnel" | "vpc";
  rpcUrl: string;
  /** The faucet in near-cli-rs's sponsor-by-faucet form (POST here creates an account). */
  faucetUrl?: string;
  rootAccountId: string;
  linkdropAccountId: string;
  stakingPoolsFactoryAccountId: string;
  mpcContractId?: string;
  domains: ClientDomain[];
  /** The destination EVM chain (Layer 2's anvil), when the stack runs one. */
  evm?: { rpcUrl: string; chainId: number };
}

/** The faucet's account-creation endpoint under a faucet base URL. */
function sponsorUrl(faucetBase: string): string {
  return `${faucetBase.replace(/\/+$/, "")}/account`;
}

/** The configuration from the stack outputs; the tunnel's URLs replace the in-VPC ones when given. */
export function clientConfig(stack: string, outputs: StackOutputs, tunnel?: TunnelUrls): ClientConfig {
  const base = outputs.base;
  if (!base) throw new Error(`stack "${stack}" has no base layer outputs: deploy it first (npm run automate -- up)`);
  const root = base.rootAccountId;
  const faucet = tunnel ? tunnel.faucetUrl : outputs.services?.faucetUrl;
  const evm = outputs.services?.evm;
  const evmRpcUrl = tunnel ? tunnel.evmRpcUrl : evm?.rpcUrl;
  const keys = new Map((outputs.mpc?.rootKeys ?? []).map((k) => [k.domainId, k.publicKey]));
  const domains: ClientDomain[] = (outputs.mpc?.domains ?? []).map((d) => ({
    id: d.id,
    ...(typeof d.scheme === "string" ? { scheme: d.scheme } : {}),
    ...(typeof d.protocol === "string" ? { protocol: d.protocol } : {}),
    ...(typeof d.purpose === "string" ? { purpose: d.purpose } : {}),
    ...(keys.has(d.id) ? { publicKey: keys.get(d.id) } : {}),
  }));
  return {
    stack,
    chainId: base.chainId,
    via: tunnel ? "tunnel" : "vpc",
    rpcUrl: tunnel ? tunnel.rpcUrl : base.rpcUrl,
    ...(faucet ? { faucetUrl: sponsorUrl(faucet) } : {}),
    rootAccountId: root,
    // The root account is the network's top-level account, as `near` is mainnet's and `testnet` testnet's,
    // and like them it runs linkdrop (Layer 2), which near-cli-rs's fund-myself calls.
    linkdropAccountId: root,
    stakingPoolsFactoryAccountId: `poolv1.${root}`,
    ...(outputs.mpc?.contractId ? { mpcContractId: outputs.mpc.contractId } : {}),
    domains,
    ...(evm && evmRpcUrl ? { evm: { rpcUrl: evmRpcUrl, chainId: evm.chainId } } : {}),
  };
}

/** A TOML key: bare when it can be ([A-Za-z0-9_-]+), else a quoted string. */
function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

/** url::Url, as near-cli-rs writes it, has a path: an origin gets "/". */
function withPath(url: string): string {
  return /^[a-z]+:\/\/[^/]+$/.test(url) ? `${url}/` : url;
}

/** The `[network_connection.<name>]` entry for near-cli-rs's config.toml. */
export function renderNearCli(cfg: ClientConfig, name: string): string {
  const rpc = withPath(cfg.rpcUrl);
  const entries: Array<[string, string | undefined]> = [
    ["network_name", cfg.chainId],
    ["rpc_url", rpc],
    // Required by near-cli-rs; the localnet has no wallet and no explorer, so both name the RPC node.
    ["wallet_url", rpc],
    ["explorer_transaction_url", rpc],
    ["linkdrop_account_id", cfg.linkdropAccountId],
    ["faucet_url", cfg.faucetUrl],
    ["staking_pools_factory_account_id", cfg.stakingPoolsFactoryAccountId],
    ["mpc_contract_account_id", cfg.mpcContractId],
  ];
  const where = cfg.via === "tunnel" ? "through `connect`" : "inside its VPC";
  return [
    `# near-localnet stack "${cfg.stack}" (${where}): add to near-cli-rs's config.toml`,
    `[network_connection.${tomlKey(name)}]`,
    ...entries.filter(([, v]) => v !== undefined).map(([k, v]) => `${k} = ${JSON.stringify(v)}`),
  ].join("\n");
}

/** The variables a near-api-js app (or any script) reads: NEAR_*, one MPC domain per id, EVM_* for the destination chain. */
function clientVariables(cfg: ClientConfig): Array<[string, string]> {
  const vars: Array<[string, string | undefined]> = [
    ["NEAR_NETWORK_ID", cfg.chainId],
    ["NEAR_RPC_URL", cfg.rpcUrl],
    ["NEAR_FAUCET_URL", cfg.faucetUrl],
    ["NEAR_ROOT_ACCOUNT_ID", cfg.rootAccountId],
    ["NEAR_LINKDROP_ACCOUNT_ID", cfg.linkdropAccountId],
    ["NEAR_STAKING_POOLS_FACTORY_ACCOUNT_ID", cfg.stakingPoolsFactoryAccountId],
    ["NEAR_MPC_CONTRACT_ID", cfg.mpcContractId],
    ["NEAR_MPC_DOMAIN_IDS", cfg.domains.map((d) => d.id).join(",")],
    ...cfg.domains.flatMap((d): Array<[string, string | undefined]> => [
      [`NEAR_MPC_DOMAIN_${d.id}_SCHEME`, d.scheme],
      [`NEAR_MPC_DOMAIN_${d.id}_PUBLIC_KEY`, d.publicKey],
    ]),
    ["EVM_RPC_URL", cfg.evm?.rpcUrl],
    ["EVM_CHAIN_ID", cfg.evm ? String(cfg.evm.chainId) : undefined],
  ];
  return vars.filter((v): v is [string, string] => v[1] !== undefined && v[1] !== "");
}

/** dotenv lines; values are URLs, account ids and base58 keys, double-quoted all the same. */
export function renderDotenv(cfg: ClientConfig): string {
  return clientVariables(cfg)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join("\n");
}

/** `export` lines for a shell (`eval "$(... connect --background)"`), single-quoted. */
export function renderExports(cfg: ClientConfig): string {
  return clientVariables(cfg)
    .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join("\n");
}
