// The one typed view of a stack's configuration. Each layer owns its section (layers/*/config.ts);
// this module reads the stack-wide keys, composes the sections and checks what spans them. Every
// key is validated before any resource exists; a bad value fails with the key, the value and the
// command that fixes it, and one run reports every problem.
// Pure: it reads through a getter, so the Pulumi program, `synth` and tests share it.
import { MPC_WEB_PORT, NEAR_P2P_PORT, NEAR_RPC_PORT } from "../platform/near/ports.js";
import { ConfigReader, NAMESPACE, VERSION, fullKey, type ConfigGetter } from "../platform/config/reader.js";
import {
  BASE_DEFAULTS,
  CHAIN_ID,
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
const AMI_ID = /^ami-[0-9a-f]{8,17}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const TAGS_EXAMPLE = `--path 'tags.team' platform`;
/** Ports on the MPC hosts the MPC P2P port must not take: RPC, NEAR P2P, the MPC web UI. */
const RESERVED_PORTS = [NEAR_RPC_PORT, NEAR_P2P_PORT, MPC_WEB_PORT];

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
        `credentials and aws:profile. Fix: pulumi config rm ${key}, then use a profile (pulumi config set ` +
        "aws:profile <name>) or AWS_* environment variables",
    );
  }
}

function readStackKeys(r: ConfigReader): StackKeys {
  refuseIdentityKeys(r);
  const region = r.str("aws:region", undefined, REGION, "is not an AWS region name", "us-east-1");
  const awsProfile = r.optional("aws:profile", /^[A-Za-z0-9_.@+-]{1,128}$/, "is not an AWS profile name", "default");
  const namePrefix = r.str(
    "namePrefix",
    DEFAULTS.namePrefix,
    NAME_PREFIX,
    "must be 3-24 lowercase letters, digits or dashes, starting with a letter",
    DEFAULTS.namePrefix,
  );
  return { region, ...(awsProfile ? { awsProfile } : {}), namePrefix, tags: readTags(r) };
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
  for (const k of Object.keys(tags)) {
    if (k.toLowerCase().startsWith("aws:") || k.length > 128) {
      r.bad("tags", raw, `tag key ${JSON.stringify(k)} is reserved or too long`, TAGS_EXAMPLE);
    }
  }
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
  for (const reserved of [...RESERVED_PORTS, services.faucetPort]) {
    if (mpc.p2pPort === reserved) {
      const why = `collides with port ${reserved} (RPC ${NEAR_RPC_PORT}, NEAR P2P ${NEAR_P2P_PORT}, MPC web UI ${MPC_WEB_PORT}, faucet)`;
      r.bad("mpcP2pPort", mpc.p2pPort, why, "3000");
    }
  }
}

/**
 * Loads and validates the whole configuration. Collects every problem before failing, so one
 * run shows them all.
 */
export function loadConfig(get: ConfigGetter, stack: string): LocalnetConfig {
  const r = new ConfigReader(get);
  const stackKeys = readStackKeys(r);
  const network = readNetwork(r);
  const ami = readAmi(r);
  // the MPC release comes first: it pins the nearcore the base node runs by default
  const choice = readMpcRelease(r);
  const base = readBaseConfig(r, (choice.release ?? DEFAULT_MPC_RELEASE).nearcoreVersion);
  const services = readServicesConfig(r);
  const mpc = readMpcConfig(r, choice);
  checkAcrossSections(r, { base, services, mpc, choice });
  r.throwIfProblems();

  const isDefault = stack === DEFAULT_STACK;
  return {
    stack,
    ...stackKeys,
    network,
    ...ami,
    base,
    services,
    mpc,
    ssmPrefix: isDefault ? `/${NAMESPACE}` : `/${NAMESPACE}/${stack}`,
    secretsPrefix: isDefault ? "" : `${NAMESPACE}/${stack}/`,
  };
}
