// The one typed view of a stack's configuration. Every key is read and validated here, before
// any resource exists; a bad value fails with the key, the value and the command that fixes it.
// Pure: it reads through a getter, so the Pulumi program, `synth` and tests share it.

import { isValidAccountId } from "../near/account-id.js";
import { nearToYocto } from "../near/amounts.js";
import { MPC_WEB_PORT, NEAR_P2P_PORT, NEAR_RPC_PORT } from "../near/ports.js";

export const NAMESPACE = "near-localnet";
/** The stack whose names are unprefixed (SSM `/near-localnet/localnet-account-key`, ...). */
export const DEFAULT_STACK = "localnet";

export type Egress = "nat" | "public";
export type SignatureScheme = "secp256k1" | "ed25519";

export type NetworkConfig =
  | { mode: "create"; cidr: string; egress: Egress; availabilityZone?: string }
  | { mode: "existing"; vpcId: string; subnetIds: string[] };

export interface BaseConfig {
  instanceType: string;
  dataVolumeGiB: number;
  nearcoreVersion: string;
  nearcoreImage: string;
  chainId: string;
  rootAccountId: string;
  /** Decimal NEAR, as configured. */
  rootBalanceNear: string;
  /** The same in yoctoNEAR (10^-24 NEAR), as genesis wants it. */
  rootBalanceYocto: string;
  validatorAccountId: string;
  gcNumEpochsToKeep: number;
}

export interface ServicesConfig {
  faucetPort: number;
  faucetBalanceNear: string;
  faucetMaxPerRequestNear: string;
  faucetMaxPerAccountNear: string;
}

export interface MpcConfig {
  nodes: number;
  threshold: number;
  version: string;
  image: string;
  instanceType: string;
  dataVolumeGiB: number;
  p2pPort: number;
  domains: SignatureScheme[];
}

export interface LocalnetConfig {
  stack: string;
  region: string;
  /** aws:profile, passed on to the commands the program runs on the operator's machine. */
  awsProfile?: string;
  namePrefix: string;
  tags: Record<string, string>;
  network: NetworkConfig;
  /** SSM public parameter that names the Amazon Linux 2023 AMI, resolved once. */
  amiParameter: string;
  /** An explicit AMI: changing it is a deliberate node replacement. */
  amiId?: string;
  base: BaseConfig;
  services: ServicesConfig;
  mpc: MpcConfig;
  /** SSM parameter path prefix for this stack's keys. */
  ssmPrefix: string;
  /** Secrets Manager name prefix for this stack's secrets ("" for the default stack). */
  secretsPrefix: string;
}

/** Reads one raw value: a string, or an object/array already parsed from YAML/JSON. */
export type ConfigGetter = (key: string) => unknown;

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

export const DEFAULTS = {
  namePrefix: "near-localnet",
  vpcCidr: "10.42.0.0/16",
  egress: "nat" as Egress,
  amiParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
  baseInstanceType: "m6i.large",
  baseDataVolumeGiB: 100,
  nearcoreVersion: "2.13.3",
  // near/mpc only treats `mpc-localnet` and `sandbox` as localnets (crates/node-config/src/start.rs, is_localnet).
  chainId: "mpc-localnet",
  rootAccountId: "localnet",
  rootBalanceNear: "1000000000",
  validatorAccountId: "node0",
  gcNumEpochsToKeep: 10000,
  faucetPort: 3031,
  faucetBalanceNear: "100000",
  faucetMaxPerRequestNear: "100",
  faucetMaxPerAccountNear: "1000",
  mpcNodes: 3,
  mpcThreshold: 2,
  mpcVersion: "3.14.1",
  mpcInstanceType: "m6i.large",
  mpcDataVolumeGiB: 50,
  mpcP2pPort: 3000,
  mpcDomains: ["secp256k1", "ed25519"] as SignatureScheme[],
};

/** Chain ids the MPC node runs as a localnet (near/mpc crates/node-config/src/start.rs, ChainId::is_localnet). */
export const MPC_LOCALNET_CHAIN_IDS = ["mpc-localnet", "sandbox"];

const CHAIN_ID = /^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\d[a-z0-9-]*\.(nano|micro|small|medium|large|metal|\d*xlarge|metal-\d+xl)$/;
// Graviton families (t4g, m7g, c7gn, ...): the nearcore and MPC images are amd64-only.
const ARM_FAMILY = /^[a-z]+\d+[a-z]*g[a-z]*\./;
// Xen (pre-Nitro) families: their EBS volumes are not NVMe devices named by volume id, which the
// bootstraps use to find the data volume.
const XEN_FAMILY = /^(t1|t2|m1|m2|m3|m4|c1|c3|c4|r3|r4|i2|i3|d2|g2|g3|g3s|p2|p3|x1|x1e|h1|f1|cc2|cr1|hs1)\./;
const NAME_PREFIX = /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/;
const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const IMAGE = /^[a-z0-9]+([._/-][a-z0-9]+)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/** An IPv4 CIDR with a /16../28 mask and no host bits set. */
export function parseCidr(cidr: string): { base: number; bits: number } | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 16 || bits > 28) return null;
  const base = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  if ((base & mask) >>> 0 !== base) return null;
  return { base, bits };
}

export function configSetCommand(key: string, example: string): string {
  return `pulumi config set ${key.includes(":") ? key : `${NAMESPACE}:${key}`} ${example}`;
}

/**
 * Loads and validates the whole configuration. Collects every problem before failing, so one
 * run shows them all.
 */
export function loadConfig(get: ConfigGetter, stack: string): LocalnetConfig {
  const problems: string[] = [];
  const full = (key: string) => (key.includes(":") ? key : `${NAMESPACE}:${key}`);
  const bad = (key: string, value: unknown, why: string, example: string) =>
    problems.push(`${full(key)} = ${JSON.stringify(value)}: ${why}. Fix: ${configSetCommand(key, example)}`);

  const str = (key: string, def: string | undefined, pattern: RegExp | ((v: string) => boolean), why: string, example: string): string => {
    const raw = get(full(key));
    if (raw === undefined || raw === null || raw === "") {
      if (def === undefined) {
        problems.push(`${full(key)} is required. Fix: ${configSetCommand(key, example)}`);
        return "";
      }
      return def;
    }
    const value = typeof raw === "string" ? raw.trim() : String(raw);
    const ok = typeof pattern === "function" ? pattern(value) : pattern.test(value);
    if (typeof raw !== "string" && typeof raw !== "number") bad(key, raw, `must be a string (${why})`, example);
    else if (!ok) bad(key, raw, why, example);
    return value;
  };
  const int = (key: string, def: number, min: number, max: number, example: string): number => {
    const raw = get(full(key));
    if (raw === undefined || raw === null || raw === "") return def;
    const n = typeof raw === "number" ? raw : /^-?\d+$/.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      bad(key, raw, `must be a whole number from ${min} to ${max}`, example);
      return def;
    }
    return n;
  };
  const near = (key: string, def: string, example: string): [string, string] => {
    const value = str(key, def, (v) => nearToYocto(v) !== null, "must be a non-negative decimal amount of NEAR (up to 24 decimals), without unit", example);
    const yocto = nearToYocto(value);
    return [value, (yocto ?? 0n).toString()];
  };
  const list = (key: string): string[] | undefined => {
    const raw = get(full(key));
    if (raw === undefined || raw === null || raw === "") return undefined;
    if (Array.isArray(raw)) return raw.map(String);
    if (typeof raw === "string") {
      const text = raw.trim();
      if (text.startsWith("[")) {
        try {
          const parsed = JSON.parse(text);
          if (Array.isArray(parsed)) return parsed.map(String);
        } catch {
          /* reported below */
        }
        bad(key, raw, "must be a list", `'["a","b"]'`);
        return [];
      }
      return text.split(",").map((s) => s.trim()).filter(Boolean);
    }
    bad(key, raw, "must be a list", `'["a","b"]'`);
    return [];
  };

  // AWS
  const region = str("aws:region", undefined, REGION, "is not an AWS region name", "us-east-1");
  const profileRaw = get("aws:profile");
  const awsProfile =
    profileRaw === undefined || profileRaw === null || profileRaw === ""
      ? undefined
      : str("aws:profile", undefined, /^[A-Za-z0-9_.@+-]{1,128}$/, "is not an AWS profile name", "default");
  const namePrefix = str("namePrefix", DEFAULTS.namePrefix, NAME_PREFIX, "must be 3-24 lowercase letters, digits or dashes, starting with a letter", DEFAULTS.namePrefix);

  const tagsRaw = get(full("tags"));
  let tags: Record<string, string> = {};
  if (tagsRaw !== undefined && tagsRaw !== null && tagsRaw !== "") {
    let parsed: unknown = tagsRaw;
    if (typeof tagsRaw === "string") {
      try {
        parsed = JSON.parse(tagsRaw);
      } catch {
        parsed = undefined;
      }
    }
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === "string")) {
      tags = parsed as Record<string, string>;
      for (const k of Object.keys(tags)) {
        if (k.toLowerCase().startsWith("aws:") || k.length > 128) bad("tags", tagsRaw, `tag key ${JSON.stringify(k)} is reserved or too long`, `--path 'tags.team' platform`);
      }
    } else {
      bad("tags", tagsRaw, "must be a map of string keys to string values", `--path 'tags.team' platform`);
    }
  }

  // Network
  const vpcId = get(full("vpcId"));
  let network: NetworkConfig;
  if (vpcId !== undefined && vpcId !== null && vpcId !== "") {
    const id = str("vpcId", undefined, VPC_ID, "is not a VPC id (vpc-...)", "vpc-0123456789abcdef0");
    const subnetIds = list("subnetIds") ?? [];
    if (subnetIds.length === 0) {
      problems.push(
        `${full("subnetIds")} is required when ${full("vpcId")} is set (existing-VPC mode): name at least one private subnet with outbound internet (NAT) in that VPC. Fix: ${configSetCommand("subnetIds", `'["subnet-0123456789abcdef0"]'`)}`,
      );
    }
    for (const s of subnetIds) if (!SUBNET_ID.test(s)) bad("subnetIds", s, "is not a subnet id (subnet-...)", `'["subnet-0123456789abcdef0"]'`);
    for (const k of ["vpcCidr", "egress"]) {
      const v = get(full(k));
      if (v !== undefined && v !== null && v !== "") bad(k, v, `only applies when the stack creates its VPC; remove it or remove ${full("vpcId")}`, `(pulumi config rm ${full(k)})`);
    }
    network = { mode: "existing", vpcId: id, subnetIds };
  } else {
    const cidr = str("vpcCidr", DEFAULTS.vpcCidr, (v) => parseCidr(v) !== null, "must be an IPv4 CIDR with a /16 to /28 mask and no host bits, e.g. 10.42.0.0/16", DEFAULTS.vpcCidr);
    const egress = str("egress", DEFAULTS.egress, /^(nat|public)$/, 'must be "nat" (private subnet behind a NAT gateway) or "public" (public subnet, public IPs, no inbound rules)', "nat") as Egress;
    const az = get(full("availabilityZone"));
    network = { mode: "create", cidr, egress };
    if (az !== undefined && az !== null && az !== "") {
      network.availabilityZone = str("availabilityZone", undefined, /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "is not an availability zone name", "us-east-1a");
    }
  }

  const amiParameter = str("amiParameter", DEFAULTS.amiParameter, /^\/aws\/service\/[\w./-]+$/, "must be an SSM public parameter path under /aws/service/", DEFAULTS.amiParameter);
  const amiRaw = get(full("amiId"));
  const amiId = amiRaw === undefined || amiRaw === null || amiRaw === "" ? undefined : str("amiId", undefined, AMI_ID, "is not an AMI id (ami-...)", "ami-0123456789abcdef0");

  const instanceType = (key: string, def: string) => {
    const v = str(key, def, INSTANCE_TYPE, "is not an EC2 instance type (family.size, e.g. m6i.large)", def);
    if (INSTANCE_TYPE.test(v) && ARM_FAMILY.test(v)) bad(key, v, "is an Arm (Graviton) type; the nearcore and MPC images are amd64-only: use an x86_64 type", def);
    else if (XEN_FAMILY.test(v)) bad(key, v, "is a pre-Nitro (Xen) type, whose data volume the bootstrap cannot find by id: use a Nitro type such as m6i, m7i, c6i or t3", def);
    return v;
  };

  // Layer 1
  const nearcoreVersion = str("nearcoreVersion", DEFAULTS.nearcoreVersion, VERSION, "must be a nearcore release version like 2.13.3", DEFAULTS.nearcoreVersion);
  const nearcoreImage = str("nearcoreImage", `nearprotocol/nearcore:${nearcoreVersion}`, IMAGE, "is not a container image reference", `nearprotocol/nearcore:${DEFAULTS.nearcoreVersion}`);
  const chainId = str("chainId", DEFAULTS.chainId, CHAIN_ID, "may contain only lowercase letters, digits and dashes (2-64 characters, starting and ending with a letter or digit)", DEFAULTS.chainId);
  const rootAccountId = str("rootAccountId", DEFAULTS.rootAccountId, isValidAccountId, "is not a valid NEAR account id (2-64 characters: lowercase letters, digits, and - _ . separators)", DEFAULTS.rootAccountId);
  const [rootBalanceNear, rootBalanceYocto] = near("rootAccountBalance", DEFAULTS.rootBalanceNear, DEFAULTS.rootBalanceNear);
  if (rootBalanceYocto === "0") bad("rootAccountBalance", rootBalanceNear, "must be more than 0: the root account funds every other account", DEFAULTS.rootBalanceNear);
  const validatorAccountId = str("validatorAccountId", DEFAULTS.validatorAccountId, isValidAccountId, "is not a valid NEAR account id", DEFAULTS.validatorAccountId);
  if (validatorAccountId === rootAccountId) bad("validatorAccountId", validatorAccountId, `must differ from ${full("rootAccountId")}`, DEFAULTS.validatorAccountId);

  const base: BaseConfig = {
    instanceType: instanceType("baseInstanceType", DEFAULTS.baseInstanceType),
    dataVolumeGiB: int("baseDataVolumeGiB", DEFAULTS.baseDataVolumeGiB, 20, 16384, "100"),
    nearcoreVersion,
    nearcoreImage,
    chainId,
    rootAccountId,
    rootBalanceNear,
    rootBalanceYocto,
    validatorAccountId,
    gcNumEpochsToKeep: int("gcNumEpochsToKeep", DEFAULTS.gcNumEpochsToKeep, 3, 1_000_000, "10000"),
  };

  // Layer 2
  const [faucetBalanceNear] = near("faucetBalance", DEFAULTS.faucetBalanceNear, DEFAULTS.faucetBalanceNear);
  const [faucetMaxPerRequestNear, perRequestYocto] = near("faucetMaxPerRequest", DEFAULTS.faucetMaxPerRequestNear, DEFAULTS.faucetMaxPerRequestNear);
  const [faucetMaxPerAccountNear, perAccountYocto] = near("faucetMaxPerAccount", DEFAULTS.faucetMaxPerAccountNear, DEFAULTS.faucetMaxPerAccountNear);
  if (BigInt(perAccountYocto) < BigInt(perRequestYocto)) {
    bad("faucetMaxPerAccount", faucetMaxPerAccountNear, `must be at least ${full("faucetMaxPerRequest")} (${faucetMaxPerRequestNear})`, faucetMaxPerRequestNear);
  }
  const services: ServicesConfig = {
    faucetPort: int("faucetPort", DEFAULTS.faucetPort, 1024, 65535, "3031"),
    faucetBalanceNear,
    faucetMaxPerRequestNear,
    faucetMaxPerAccountNear,
  };

  // Layer 3
  const nodes = int("mpcNodes", DEFAULTS.mpcNodes, 2, 10, "3");
  const threshold = int("mpcThreshold", DEFAULTS.mpcThreshold, 2, 10, "2");
  if (threshold > nodes) bad("mpcThreshold", threshold, `must not exceed ${full("mpcNodes")} (${nodes})`, String(Math.min(nodes, DEFAULTS.mpcThreshold)));
  else if (threshold * 5 < nodes * 3) bad("mpcThreshold", threshold, `must be at least 60% of ${full("mpcNodes")} (${nodes}), i.e. at least ${Math.ceil((nodes * 3) / 5)}`, String(Math.ceil((nodes * 3) / 5)));
  const mpcVersion = str("mpcVersion", DEFAULTS.mpcVersion, VERSION, "must be an MPC node release version like 3.14.1", DEFAULTS.mpcVersion);
  const domainsRaw = list("mpcDomains") ?? DEFAULTS.mpcDomains;
  const domains: SignatureScheme[] = [];
  for (const d of domainsRaw) {
    const v = d.toLowerCase();
    if (v !== "secp256k1" && v !== "ed25519") bad("mpcDomains", d, 'each domain must be "secp256k1" (ECDSA) or "ed25519" (EdDSA)', `'["secp256k1","ed25519"]'`);
    else if (domains.includes(v)) bad("mpcDomains", d, "is listed twice", `'["secp256k1","ed25519"]'`);
    else domains.push(v);
  }
  if (domainsRaw.length === 0) bad("mpcDomains", domainsRaw, "must name at least one domain", `'["secp256k1","ed25519"]'`);
  if (!MPC_LOCALNET_CHAIN_IDS.includes(chainId) && CHAIN_ID.test(chainId)) {
    bad("chainId", chainId, `the MPC node runs as a localnet only on chain id ${MPC_LOCALNET_CHAIN_IDS.map((c) => `"${c}"`).join(" or ")}`, DEFAULTS.chainId);
  }
  const mpc: MpcConfig = {
    nodes,
    threshold,
    version: mpcVersion,
    image: str("mpcImage", `nearone/mpc-node:${mpcVersion}`, IMAGE, "is not a container image reference", `nearone/mpc-node:${DEFAULTS.mpcVersion}`),
    instanceType: instanceType("mpcInstanceType", DEFAULTS.mpcInstanceType),
    dataVolumeGiB: int("mpcDataVolumeGiB", DEFAULTS.mpcDataVolumeGiB, 20, 16384, "50"),
    p2pPort: int("mpcP2pPort", DEFAULTS.mpcP2pPort, 1024, 65535, "3000"),
    domains,
  };
  const ports = `RPC ${NEAR_RPC_PORT}, NEAR P2P ${NEAR_P2P_PORT}, MPC web UI ${MPC_WEB_PORT}, faucet`;
  for (const reserved of [NEAR_RPC_PORT, NEAR_P2P_PORT, MPC_WEB_PORT, services.faucetPort]) {
    if (mpc.p2pPort === reserved) bad("mpcP2pPort", mpc.p2pPort, `collides with port ${reserved} (${ports})`, "3000");
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const isDefault = stack === DEFAULT_STACK;
  return {
    stack,
    region,
    ...(awsProfile ? { awsProfile } : {}),
    namePrefix,
    tags,
    network,
    amiParameter,
    amiId,
    base,
    services,
    mpc,
    ssmPrefix: isDefault ? `/${NAMESPACE}` : `/${NAMESPACE}/${stack}`,
    secretsPrefix: isDefault ? "" : `${NAMESPACE}/${stack}/`,
  };
}
