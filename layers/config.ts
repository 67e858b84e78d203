// The one typed view of a stack's configuration. Each layer owns its section (layers/*/config.ts);
// this module reads the stack-wide keys, composes the sections and checks what spans them. Every
// key is validated before any resource exists; a bad value fails with the key, the value and the
// command that fixes it, and one run reports every problem.
// Pure: it reads through a getter, so the Pulumi program, `synth` and tests share it.
import {
  MPC_MIGRATION_PORT,
  MPC_PPROF_PORT,
  MPC_WEB_PORT,
  NEAR_P2P_PORT,
  NEAR_RPC_PORT,
} from "../platform/near/ports.js";
import { ConfigReader, NAMESPACE, VERSION, fullKey, type ConfigGetter } from "../platform/config/reader.js";
import { checkUnknownKeys } from "../platform/config/unknown-keys.js";
import { checkTags } from "../platform/config/tags.js";
import { ACCOUNT_ID_MAX_LEN } from "../platform/near/account-id.js";
import { nameTags } from "../platform/host/naming.js";
import { MPC_NODE_ACCOUNT_PREFIX, SIGNER_PARENT_ACCOUNT, reservedAccountNames } from "./accounts.js";
import { readSchedule, type ScheduleConfig } from "../platform/config/schedule.js";
import {
  BASE_DEFAULTS,
  CHAIN_ID,
  REGION_NAME,
  readBaseConfig,
  readNetwork,
  type BaseConfig,
  type NetworkConfig,
} from "./base/config.js";
import { SERVICES_DEFAULTS, readServicesConfig, type ServicesConfig } from "./services/config.js";
import {
  MPC_DEFAULTS,
  MPC_LOCALNET_CHAIN_IDS,
  readMpcConfig,
  readMpcRelease,
  type MpcConfig,
  type MpcReleaseChoice,
} from "./mpc/config.js";
import { DEFAULT_MPC_RELEASE } from "./mpc/releases.js";

export { ConfigError, type ConfigGetter } from "../platform/config/reader.js";
export { parseCidr } from "./base/config.js";
/** The stack whose names are unprefixed (SSM `/near-localnet/localnet-account-key`, ...). */
const DEFAULT_STACK = "localnet";

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
  /** When EventBridge Scheduler stops and starts the hosts (unset: never). */
  schedule?: ScheduleConfig;
}

const STACK_DEFAULTS = {
  namePrefix: "near-localnet",
  amiParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
};

/** Every section's defaults, by config key; the base node's nearcore is the one the default MPC release embeds. */
export const DEFAULTS = {
  ...STACK_DEFAULTS,
  ...BASE_DEFAULTS,
  nearcoreVersion: DEFAULT_MPC_RELEASE.nearcoreVersion,
  ...SERVICES_DEFAULTS,
  ...MPC_DEFAULTS,
};

const NAME_PREFIX = /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/;
/**
 * Name starts AWS reserves for itself in names namePrefix begins: SSM documents (not aws, amazon, amzn: SSM API
 * reference, CreateDocument Name) and S3 buckets (not xn--, sthree-, amzn-s3-demo-: S3 user guide, bucket naming
 * rules). Its other limits (lowercase letters, digits, dashes; 24 characters) already fit every name it begins.
 */
const RESERVED_NAME_STARTS = ["aws", "amazon", "amzn", "xn--", "sthree-"];
/**
 * The stack name goes into physical names too; the tightest is a DNS label: the Cloud Map namespace
 * <stack>.<namePrefix>.internal (at most 63 characters per label, letters, digits and inner dashes), lowercase
 * because it also begins the artifacts bucket's name. With it and namePrefix's 24 characters the others fit: the
 * SSM documents <prefix>-<stack>-ops-diagnostics (at most 128), the log group /<prefix>/<stack>/containers (512),
 * the bucket prefix (cut to 37 characters, platform-random suffix), Name tags (256); IAM roles, instance profiles
 * and security groups get names Pulumi generates, and SSM parameters and secrets start with the fixed namespace.
 */
const STACK_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const TAGS_EXAMPLE = `--path 'tags.team' platform`;
/**
 * What binds a port on the MPC hosts (all on the host network): the embedded neard's RPC and P2P, the MPC node's web
 * UI, migration web UI and pprof server. The MPC P2P port must be none of them.
 */
const MPC_HOST_PORTS: Record<number, string> = {
  [NEAR_RPC_PORT]: "neard RPC",
  [NEAR_P2P_PORT]: "NEAR P2P",
  [MPC_WEB_PORT]: "MPC web UI",
  [MPC_MIGRATION_PORT]: "MPC migration web UI",
  [MPC_PPROF_PORT]: "MPC pprof",
};
/** What binds a port on the base host besides the faucet and the destination chain: neard. */
const BASE_HOST_PORTS: Record<number, string> = { [NEAR_RPC_PORT]: "neard RPC", [NEAR_P2P_PORT]: "NEAR P2P" };

type StackKeys = Pick<LocalnetConfig, "region" | "awsProfile" | "namePrefix" | "tags">;

/**
 * AWS provider keys that give the deployment an identity of its own. The program's local commands (the genesis
 * wait, every SSM operation) and the driver's own AWS calls get only the environment and aws:profile, so with one
 * of these set they would act as someone else than the deployment: refused, with the way that works for both.
 */
const IDENTITY_KEYS = [
  "aws:accessKey",
  "aws:secretKey",
  "aws:token",
  "aws:assumeRole",
  "aws:assumeRoles",
  "aws:assumeRoleWithWebIdentity",
  "aws:sharedCredentialsFiles",
  "aws:sharedConfigFiles",
];

function refuseIdentityKeys(r: ConfigReader): void {
  for (const key of IDENTITY_KEYS) {
    if (!r.isSet(key)) continue;
    r.problem(
      `${key} is set, but the program's local commands and the driver use only the environment's AWS ` +
        `credentials and aws:profile. Fix: ${r.rmCommand(key)}, then use a profile (` +
        `${r.setCommand("aws:profile", "<name>")}) or AWS_* environment variables`,
    );
  }
}

function readStackKeys(r: ConfigReader): StackKeys {
  refuseIdentityKeys(r);
  const region = r.str("aws:region", undefined, REGION_NAME, "is not an AWS region name", "us-east-1");
  const awsProfile = r.optional("aws:profile", /^[A-Za-z0-9_.@+-]{1,128}$/, "is not an AWS profile name", "default");
  const namePrefix = readNamePrefix(r);
  checkStackName(r);
  return { region, ...(awsProfile ? { awsProfile } : {}), namePrefix, tags: readTags(r) };
}

function readNamePrefix(r: ConfigReader): string {
  const d = DEFAULTS.namePrefix;
  const rule =
    "must be 3-24 lowercase letters, digits or dashes, starting with a letter and ending with one or a digit";
  const namePrefix = r.str("namePrefix", d, NAME_PREFIX, rule, d);
  const reserved = RESERVED_NAME_STARTS.find((start) => namePrefix.startsWith(start));
  if (reserved && NAME_PREFIX.test(namePrefix)) {
    const why = `begins the stack's SSM document and S3 bucket names, which AWS refuses when they start with "${reserved}"`;
    r.bad("namePrefix", namePrefix, why, d);
  }
  return namePrefix;
}

function checkStackName(r: ConfigReader): void {
  if (STACK_LABEL.test(r.stack)) return;
  r.problem(
    `stack name "${r.stack}": it goes into the stack's physical names (Cloud Map namespace ` +
      `<stack>.<namePrefix>.internal, S3 bucket, SSM documents), so it must be 1-63 lowercase letters, digits or ` +
      "inner dashes. Fix: use such a name for the stack (pulumi stack rename <name>, or a new stack and " +
      "Pulumi.<name>.yaml)",
  );
}

function readTags(r: ConfigReader): Record<string, string> {
  if (!r.isSet("tags")) return {};
  const raw = r.raw("tags");
  let parsed: unknown = raw;
  if (typeof raw === "string") {
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
  }
  const isMap = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
  if (!isMap || !Object.values(parsed as object).every((v) => typeof v === "string")) {
    r.bad("tags", raw, "must be a map of string keys to string values", TAGS_EXAMPLE);
    return {};
  }
  const tags = parsed as Record<string, string>;
  // the tags the stack puts on everything itself (Name, the stack, the layer): one more each
  const own = Object.keys(
    nameTags({ stack: r.stack, namePrefix: "", tags: {}, ssmPrefix: "", secretsPrefix: "" }, "", ""),
  );
  for (const problem of checkTags(tags, own)) r.bad("tags", raw, problem, TAGS_EXAMPLE);
  return tags;
}

function readAmi(r: ConfigReader): Pick<LocalnetConfig, "amiParameter" | "amiId"> {
  const amiParameter = r.str(
    "amiParameter",
    DEFAULTS.amiParameter,
    /^\/aws\/service\/[\w./-]+$/,
    "must be an SSM public parameter path under /aws/service/",
    DEFAULTS.amiParameter,
  );
  const amiId = r.optional("amiId", AMI_ID, "is not an AMI id (ami-...)", "ami-0123456789abcdef0");
  return { amiParameter, amiId };
}

/** The MPC node embeds a nearcore node that joins the base node's chain: both run one nearcore release. */
function checkNearcore(r: ConfigReader, base: BaseConfig, choice: MpcReleaseChoice): void {
  const release = choice.release;
  if (!release || base.nearcoreVersion === release.nearcoreVersion || !VERSION.test(base.nearcoreVersion)) return;
  const why =
    `MPC release ${release.version} (${fullKey("mpcVersion")}) embeds nearcore ${release.nearcoreVersion}, ` +
    "and the base node must run the same nearcore release";
  r.bad("nearcoreVersion", base.nearcoreVersion, why, release.nearcoreVersion);
}

interface Sections {
  base: BaseConfig;
  services: ServicesConfig;
  mpc: MpcConfig;
  choice: MpcReleaseChoice;
}

/** What one section cannot check alone. */
function checkAcrossSections(r: ConfigReader, { base, services, mpc, choice }: Sections): void {
  checkNearcore(r, base, choice);
  const chainId = base.chainId;
  if (!MPC_LOCALNET_CHAIN_IDS.includes(chainId) && CHAIN_ID.test(chainId)) {
    const names = MPC_LOCALNET_CHAIN_IDS.map((c) => `"${c}"`).join(" or ");
    r.bad("chainId", chainId, `the MPC node runs as a localnet only on chain id ${names}`, DEFAULTS.chainId);
  }
  checkPorts(r, services, mpc);
  checkAccountIds(r, base, mpc);
}

function describePorts(ports: Record<number, string>): string {
  return Object.entries(ports)
    .map(([port, what]) => `${what} ${port}`)
    .join(", ");
}

/** Ports that would fail at bind time on the hosts, where they are only a crash loop. */
function checkPorts(r: ConfigReader, services: ServicesConfig, mpc: MpcConfig): void {
  const onMpc = MPC_HOST_PORTS[mpc.p2pPort];
  if (onMpc) {
    const why = `collides with the ${onMpc} port on the MPC hosts (in use there: ${describePorts(MPC_HOST_PORTS)})`;
    r.bad("mpcP2pPort", mpc.p2pPort, why, String(MPC_DEFAULTS.mpcP2pPort));
  }
  const onBase = BASE_HOST_PORTS[services.faucetPort];
  if (onBase) {
    const why = `collides with the ${onBase} port on the base host (in use there: ${describePorts(BASE_HOST_PORTS)})`;
    r.bad("faucetPort", services.faucetPort, why, String(SERVICES_DEFAULTS.faucetPort));
  }
  if (services.evm.destinationChain === "evm") {
    const taken: Record<number, string> = { ...BASE_HOST_PORTS, [services.faucetPort]: "faucet" };
    const on = taken[services.evm.port];
    if (on) {
      const why = `collides with the ${on} port on the base host (in use there: ${describePorts(taken)})`;
      r.bad("evmPort", services.evm.port, why, String(SERVICES_DEFAULTS.evmPort));
    }
  }
}

/**
 * The account ids the stack derives from the root account (its reserved names, the highest MPC node's, the signer
 * contract's) must be NEAR account ids, at most 64 characters: the root account's length bounds them all.
 */
function checkAccountIds(r: ConfigReader, base: BaseConfig, mpc: MpcConfig): void {
  const root = base.rootAccountId;
  // the core contracts' accounts (Layer 2's plan, not loaded here) have shorter names than sign-tester
  const names = [
    ...reservedAccountNames([]).filter((n) => !n.endsWith("*")),
    `${MPC_NODE_ACCOUNT_PREFIX}${mpc.nodes - 1}`,
    `v1.${SIGNER_PARENT_ACCOUNT}`,
  ];
  const longest = names.reduce((a, b) => (b.length > a.length ? b : a));
  const id = `${longest}.${root}`;
  if (id.length <= ACCOUNT_ID_MAX_LEN) return;
  const most = ACCOUNT_ID_MAX_LEN - longest.length - 1;
  const why =
    `makes the account id ${id} ${id.length} characters long; NEAR account ids have at most ${ACCOUNT_ID_MAX_LEN}, ` +
    `so the root account can have at most ${most}`;
  r.bad("rootAccountId", root, why, DEFAULTS.rootAccountId);
}

/**
 * Loads and validates the whole configuration. Collects every problem before failing, so one
 * run shows them all. `configuredKeys`, the stack's keys as configured, adds the check that each
 * near-localnet:* key is one a section reads.
 */
export function loadConfig(get: ConfigGetter, stack: string, configuredKeys?: Iterable<string>): LocalnetConfig {
  const { r, config } = readAll(get, stack);
  // last: by now every section has read all of its keys
  if (configuredKeys) checkUnknownKeys(r, configuredKeys);
  r.throwIfProblems();
  return config;
}

/** The project's configuration keys ("near-localnet:..."): the ones the sections read. */
export function knownConfigKeys(): string[] {
  const prefix = `${NAMESPACE}:`;
  return [...readAll(() => undefined, DEFAULT_STACK).r.read].filter((k) => k.startsWith(prefix));
}

/** Every section read through one reader, problems collected, nothing thrown. */
function readAll(get: ConfigGetter, stack: string): { r: ConfigReader; config: LocalnetConfig } {
  const r = new ConfigReader(get, stack);
  const stackKeys = readStackKeys(r);
  const network = readNetwork(r, stackKeys.region);
  const ami = readAmi(r);
  // the MPC release comes first: it pins the nearcore the base node runs by default
  const choice = readMpcRelease(r);
  const base = readBaseConfig(r, (choice.release ?? DEFAULT_MPC_RELEASE).nearcoreVersion);
  const services = readServicesConfig(r);
  const mpc = readMpcConfig(r, choice);
  checkAcrossSections(r, { base, services, mpc, choice });
  const schedule = readSchedule(r);
  const isDefault = stack === DEFAULT_STACK;
  const config: LocalnetConfig = {
    stack,
    ...stackKeys,
    network,
    ...ami,
    base,
    services,
    mpc,
    ssmPrefix: isDefault ? `/${NAMESPACE}` : `/${NAMESPACE}/${stack}`,
    secretsPrefix: isDefault ? "" : `${NAMESPACE}/${stack}/`,
    ...(schedule ? { schedule } : {}),
  };
  return { r, config };
}
