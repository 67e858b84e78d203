// Layer 3's configuration: the MPC release (mpcVersion selects an entry of ./releases.ts), the
// MPC nodes (count, threshold, hosts, P2P port) and the signature domains they hold keys for.
// Read through the shared ConfigReader.
import { VERSION, fullKey, type ConfigReader } from "../../platform/config/reader.js";
import {
  DEFAULT_SCHEMES,
  describeSignatureSchemes,
  isSignatureScheme,
  type SignatureScheme,
} from "../../platform/chainsig/schemes.js";
import {
  DEFAULT_MPC_RELEASE,
  DEFAULT_MPC_VERSION,
  MPC_RELEASES,
  mpcRelease,
  type MpcRelease,
  type SignerContract,
} from "./releases.js";

export interface MpcConfig {
  nodes: number;
  threshold: number;
  version: string;
  image: string;
  instanceType: string;
  dataVolumeGiB: number;
  p2pPort: number;
  domains: SignatureScheme[];
  /** The selected release's signer contract. */
  signer: SignerContract;
}

/** The configured mpcVersion and the release it selects (none: reported as a problem). */
export interface MpcReleaseChoice {
  version: string;
  release?: MpcRelease;
}

export const MPC_DEFAULTS = {
  mpcNodes: 3,
  mpcThreshold: 2,
  mpcVersion: DEFAULT_MPC_VERSION,
  mpcInstanceType: "m6i.large",
  mpcDataVolumeGiB: 50,
  mpcP2pPort: 3000,
  mpcDomains: [...DEFAULT_SCHEMES],
};

/** Chain ids the MPC node runs as a localnet (near/mpc crates/node-config/src/start.rs `ChainId`). */
export const MPC_LOCALNET_CHAIN_IDS = ["mpc-localnet", "sandbox"];

const DOMAINS_EXAMPLE = `'${JSON.stringify(DEFAULT_SCHEMES)}'`;

/** mpcVersion: a release the table holds. The base section takes its nearcore default from it. */
export function readMpcRelease(r: ConfigReader): MpcReleaseChoice {
  const versionRule = `must be an MPC node release version like ${DEFAULT_MPC_VERSION}`;
  const version = r.str("mpcVersion", DEFAULT_MPC_VERSION, VERSION, versionRule, DEFAULT_MPC_VERSION);
  const release = mpcRelease(version);
  if (!release && VERSION.test(version)) {
    const known = Object.keys(MPC_RELEASES).join(", ");
    const why = `names no MPC release this program pins (known: ${known}; a release is added in layers/mpc/releases.ts)`;
    r.bad("mpcVersion", version, why, DEFAULT_MPC_VERSION);
  }
  return { version, release };
}

export function readMpcConfig(r: ConfigReader, choice: MpcReleaseChoice): MpcConfig {
  const d = MPC_DEFAULTS;
  const { nodes, threshold } = readThreshold(r);
  const domains = readDomains(r);
  // an unknown version is already a problem; the default release only stands in for it
  const release = choice.release ?? DEFAULT_MPC_RELEASE;
  return {
    nodes,
    threshold,
    version: choice.version,
    image: r.image("mpcImage", release.image, DEFAULT_MPC_RELEASE.image),
    instanceType: r.instanceType("mpcInstanceType", d.mpcInstanceType),
    dataVolumeGiB: r.int("mpcDataVolumeGiB", d.mpcDataVolumeGiB, 20, 16384, "50"),
    p2pPort: r.int("mpcP2pPort", d.mpcP2pPort, 1024, 65535, "3000"),
    domains,
    signer: release.signer,
  };
}

/** n nodes and the threshold the signer contract accepts for them: 2 <= t <= n, t >= 60% of n. */
function readThreshold(r: ConfigReader): { nodes: number; threshold: number } {
  const nodes = r.int("mpcNodes", MPC_DEFAULTS.mpcNodes, 2, 10, "3");
  const threshold = r.int("mpcThreshold", MPC_DEFAULTS.mpcThreshold, 2, 10, "2");
  const least = Math.ceil((nodes * 3) / 5);
  const n = `${fullKey("mpcNodes")} (${nodes})`;
  if (threshold > nodes) {
    r.bad("mpcThreshold", threshold, `must not exceed ${n}`, String(Math.min(nodes, MPC_DEFAULTS.mpcThreshold)));
  } else if (threshold * 5 < nodes * 3) {
    r.bad("mpcThreshold", threshold, `must be at least 60% of ${n}, i.e. at least ${least}`, String(least));
  }
  return { nodes, threshold };
}

function readDomains(r: ConfigReader): SignatureScheme[] {
  const listed = r.list("mpcDomains") ?? MPC_DEFAULTS.mpcDomains;
  const domains: SignatureScheme[] = [];
  for (const d of listed) {
    const v = d.toLowerCase();
    if (!isSignatureScheme(v)) {
      r.bad("mpcDomains", d, `each domain must be ${describeSignatureSchemes((s) => s)}`, DOMAINS_EXAMPLE);
    } else if (domains.includes(v)) {
      r.bad("mpcDomains", d, "is listed twice", DOMAINS_EXAMPLE);
    } else {
      domains.push(v);
    }
  }
  if (listed.length === 0) r.bad("mpcDomains", listed, "must name at least one domain", DOMAINS_EXAMPLE);
  return domains;
}
