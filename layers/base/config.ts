// Layer 1's configuration: the network every node lives in (Layer 1 creates or adopts it) and the
// neard node (release, chain id, genesis accounts, disk). Read through the shared ConfigReader.
import { VERSION, fullKey, type ConfigReader } from "../../platform/config/reader.js";
import { DEFAULT_NODE_IMAGE } from "../../platform/ssm/patterns.js";
import { isValidAccountId } from "../../platform/near/account-id.js";

export type Egress = "nat" | "public";

export type NetworkConfig =
  | { mode: "create"; cidr: string; egress: Egress; availabilityZone?: string }
  | { mode: "existing"; vpcId: string; subnetIds: string[] };

export interface BaseConfig {
  instanceType: string;
  dataVolumeGiB: number;
  nearcoreVersion: string;
  nearcoreImage: string;
  /** The image run-op runs the ops bundle in (node), on every host. */
  opsImage: string;
  chainId: string;
  rootAccountId: string;
  /** Decimal NEAR, as configured. */
  rootBalanceNear: string;
  /** The same in yoctoNEAR (10^-24 NEAR), as genesis wants it. */
  rootBalanceYocto: string;
  validatorAccountId: string;
  gcNumEpochsToKeep: number;
  /** Days CloudWatch Logs keeps the containers' log lines (0: never expire). */
  logRetentionDays: number;
}

/** Layer 1's defaults; its nearcore release is the one the MPC release embeds (layers/mpc/releases.ts). */
export const BASE_DEFAULTS = {
  vpcCidr: "10.42.0.0/16",
  egress: "nat" as Egress,
  baseInstanceType: "m6i.large",
  baseDataVolumeGiB: 100,
  chainId: "mpc-localnet",
  rootAccountId: "localnet",
  rootBalanceNear: "1000000000",
  validatorAccountId: "node0",
  gcNumEpochsToKeep: 10000,
  logRetentionDays: 30,
};

/**
 * The retention periods CloudWatch Logs accepts (PutRetentionPolicy's retentionInDays; 0 is the
 * provider's "never expire"). Source: CloudWatch Logs API reference, PutRetentionPolicy.
 */
const LOG_RETENTION_DAYS = [
  0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const CHAIN_ID = /^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const AVAILABILITY_ZONE = /^[a-z]{2}(-[a-z]+)+-\d+(-[a-z0-9-]*)?[a-z]$/;
/** An AWS region name (us-east-1, us-gov-west-1, ...). */
export const REGION_NAME = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const SUBNET_EXAMPLE = `'["subnet-0123456789abcdef0"]'`;

/**
 * An IPv4 CIDR with a /16../27 mask and no host bits set. The VPC is split into two halves (nodes, and the NAT's
 * public subnet), and AWS's smallest subnet is a /28, so the VPC can be at most a /27.
 */
export function parseCidr(cidr: string): { base: number; bits: number } | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 16 || bits > 27) return null;
  const base = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  if ((base & mask) >>> 0 !== base) return null;
  return { base, bits };
}

/**
 * An existing VPC (vpcId set) or the one the stack creates. Both modes read every network key, so that a key of the
 * other mode is reported as not applying (rather than silently ignored).
 */
export function readNetwork(r: ConfigReader, region: string): NetworkConfig {
  const existing = r.isSet("vpcId");
  const network = existing ? readExistingVpc(r) : readCreatedVpc(r, region);
  const otherMode = existing ? CREATED_VPC_KEYS : EXISTING_VPC_KEYS;
  for (const k of otherMode) {
    if (!r.isSet(k)) continue;
    const why = existing
      ? `only applies when the stack creates its VPC (${fullKey("vpcId")} is set: the nodes live in that VPC's ` +
        "subnets, in the first subnet's zone)"
      : `only applies with ${fullKey("vpcId")} (existing-VPC mode)`;
    r.problem(`${fullKey(k)} = ${JSON.stringify(r.raw(k))}: ${why}. Fix: ${r.rmCommand(k)}`);
  }
  return network;
}

/** The keys of each network mode. */
const CREATED_VPC_KEYS = ["vpcCidr", "egress", "availabilityZone"];
const EXISTING_VPC_KEYS = ["subnetIds"];

function readExistingVpc(r: ConfigReader): NetworkConfig {
  const vpcId = r.str("vpcId", undefined, VPC_ID, "is not a VPC id (vpc-...)", "vpc-0123456789abcdef0");
  const subnetIds = r.list("subnetIds") ?? [];
  if (subnetIds.length === 0) {
    r.problem(
      `${fullKey("subnetIds")} is required when ${fullKey("vpcId")} is set (existing-VPC mode): name at least one ` +
        "private subnet with outbound internet (NAT) in that VPC. " +
        `Fix: ${r.setCommand("subnetIds", SUBNET_EXAMPLE)}`,
    );
  }
  for (const s of subnetIds) {
    if (!SUBNET_ID.test(s)) r.bad("subnetIds", s, "is not a subnet id (subnet-...)", SUBNET_EXAMPLE);
  }
  return { mode: "existing", vpcId, subnetIds };
}

function readCreatedVpc(r: ConfigReader, region: string): NetworkConfig {
  const cidr = r.str(
    "vpcCidr",
    BASE_DEFAULTS.vpcCidr,
    (v) => parseCidr(v) !== null,
    "must be an IPv4 CIDR with a /16 to /27 mask (its two halves become subnets, and AWS's smallest subnet " +
      `is a /28) and no host bits, e.g. ${BASE_DEFAULTS.vpcCidr}`,
    BASE_DEFAULTS.vpcCidr,
  );
  const egress = r.str(
    "egress",
    BASE_DEFAULTS.egress,
    /^(nat|public)$/,
    'must be "nat" (private subnet behind a NAT gateway) or "public" (public subnet, public IPs, no inbound rules)',
    "nat",
  ) as Egress;
  const network: NetworkConfig = { mode: "create", cidr, egress };
  const az = readZone(r, region);
  if (az !== undefined) network.availabilityZone = az;
  return network;
}

/**
 * The zone, when set: a zone of the stack's region (`<region><letter>`, or a Local Zone `<region>-<zone>`). The
 * driver writes it on the first deploy (automation/zone.ts); once the stack exists it never moves.
 */
function readZone(r: ConfigReader, region: string): string | undefined {
  const example = `${REGION_NAME.test(region) ? region : "us-east-1"}a`;
  const az = r.optional("availabilityZone", AVAILABILITY_ZONE, "is not an availability zone name", example);
  if (az === undefined || !AVAILABILITY_ZONE.test(az) || !REGION_NAME.test(region)) return az;
  const rest = az.startsWith(region) ? az.slice(region.length) : undefined;
  if (rest === undefined || !/^([a-z]|-[a-z0-9-]*[a-z])$/.test(rest)) {
    r.bad("availabilityZone", az, `is not a zone of the stack's region ${region} (aws:region)`, example);
  }
  return az;
}

/** Layer 1's node; `nearcoreDefault` is the nearcore the selected MPC release embeds. */
export function readBaseConfig(r: ConfigReader, nearcoreDefault: string): BaseConfig {
  const d = BASE_DEFAULTS;
  const version = `must be a nearcore release version like ${nearcoreDefault}`;
  const nearcoreVersion = r.str("nearcoreVersion", nearcoreDefault, VERSION, version, nearcoreDefault);
  const nearcoreImage = r.image(
    "nearcoreImage",
    `nearprotocol/nearcore:${nearcoreVersion}`,
    `nearprotocol/nearcore:${nearcoreDefault}`,
  );
  const chainIdRule =
    "may contain only lowercase letters, digits and dashes " +
    "(2-64 characters, starting and ending with a letter or digit)";
  const chainId = r.str("chainId", d.chainId, CHAIN_ID, chainIdRule, d.chainId);
  const accountRule =
    "is not a valid NEAR account id (2-64 characters: lowercase letters, digits, and - _ . separators)";
  const rootAccountId = r.str("rootAccountId", d.rootAccountId, isValidAccountId, accountRule, d.rootAccountId);
  const [rootBalanceNear, rootBalanceYocto] = r.near("rootAccountBalance", d.rootBalanceNear, d.rootBalanceNear);
  if (rootBalanceYocto === "0") {
    const why = "must be more than 0: the root account funds every other account";
    r.bad("rootAccountBalance", rootBalanceNear, why, d.rootBalanceNear);
  }
  const validatorAccountId = r.str(
    "validatorAccountId",
    d.validatorAccountId,
    isValidAccountId,
    "is not a valid NEAR account id",
    d.validatorAccountId,
  );
  if (validatorAccountId === rootAccountId) {
    const why = `must differ from ${fullKey("rootAccountId")}`;
    r.bad("validatorAccountId", validatorAccountId, why, d.validatorAccountId);
  }
  return {
    instanceType: r.instanceType("baseInstanceType", d.baseInstanceType),
    dataVolumeGiB: r.int("baseDataVolumeGiB", d.baseDataVolumeGiB, 20, 16384, "100"),
    nearcoreVersion,
    nearcoreImage,
    opsImage: r.image("opsImage", DEFAULT_NODE_IMAGE, DEFAULT_NODE_IMAGE),
    chainId,
    rootAccountId,
    rootBalanceNear,
    rootBalanceYocto,
    validatorAccountId,
    gcNumEpochsToKeep: r.int("gcNumEpochsToKeep", d.gcNumEpochsToKeep, 3, 1_000_000, "10000"),
    logRetentionDays: readLogRetention(r),
  };
}

function readLogRetention(r: ConfigReader): number {
  const d = BASE_DEFAULTS.logRetentionDays;
  const days = r.int("logRetentionDays", d, 0, 3653, String(d));
  if ((LOG_RETENTION_DAYS as readonly number[]).includes(days)) return days;
  const periods = LOG_RETENTION_DAYS.join(", ");
  const why = `must be one of the periods CloudWatch Logs keeps logs for: ${periods} (0: never expire)`;
  r.bad("logRetentionDays", days, why, String(d));
  return d;
}
