// The one availability zone every node of a stack lives in (EBS volumes are zonal: a data volume and its instance
// share a zone). It is chosen once, on the first deploy, and then kept: the driver writes it into the stack's
// configuration (near-localnet:availabilityZone), and the program reads it from the subnets once they exist, so a
// later lookup (other instance types, a zone AWS stopped offering a type in) can never move the subnets and leave
// new, empty volumes behind. What is checked instead is that the kept zone offers the instance types.
// Pure: the program (layers/base/network.ts) and the driver (automation/zone.ts) share it.
import { configSetCommand, fullKey } from "../../platform/config/reader.js";
import type { LocalnetConfig } from "../config.js";

export const ZONE_KEY = fullKey("availabilityZone");

/** EC2 DescribeInstanceTypeOfferings for location type availability-zone: parallel lists, one entry per offer. */
export interface Offerings {
  locations: string[];
  instanceTypes: string[];
}

/** The instance types the stack's hosts use, each with the key that sets it. */
export function instanceTypeKeys(cfg: Pick<LocalnetConfig, "base" | "mpc">): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  const add = (type: string, key: string) => keys.set(type, [...(keys.get(type) ?? []), fullKey(key)]);
  add(cfg.base.instanceType, "baseInstanceType");
  add(cfg.mpc.instanceType, "mpcInstanceType");
  return keys;
}

function offered(offerings: Offerings, zone: string, type: string): boolean {
  return offerings.locations.some((l, i) => l === zone && offerings.instanceTypes[i] === type);
}

/** The zone for a stack's first deploy: the first (by name) that offers every instance type the stack uses. */
export function chooseZone(offerings: Offerings, types: string[], region: string): string {
  const zones = [...new Set(offerings.locations)].sort();
  const zone = zones.find((z) => types.every((t) => offered(offerings, z, t)));
  if (!zone) {
    throw new Error(
      `no availability zone of ${region} offers all of ${types.join(", ")}: choose other instance types ` +
        `(${fullKey("baseInstanceType")}, ${fullKey("mpcInstanceType")}) or set ${ZONE_KEY}`,
    );
  }
  return zone;
}

export interface ZoneCheck {
  zone: string;
  /** Where the zone comes from, for the message: "the stack's subnets", "the existing subnet subnet-...". */
  source: string;
  offerings: Offerings;
  /** instanceTypeKeys(cfg) */
  types: Map<string, string[]>;
  region: string;
  stack: string;
  /** The existing VPC's subnets (existing-VPC mode): the zone is theirs, so another subnet is a way out too. */
  subnetIds?: string[];
}

/** null when the zone offers every type; else the message, naming the keys and the fix. */
export function zoneOfferingProblem(c: ZoneCheck): string | null {
  const missing = [...c.types].filter(([type]) => !offered(c.offerings, c.zone, type));
  if (missing.length === 0) return null;
  const what = missing.map(([type, keys]) => `${type} (${keys.join(", ")})`).join(" and ");
  const example = missing[0][1][0];
  return (
    `availability zone ${c.zone} (${c.source}) does not offer ${what}. The zone is kept: the stack's subnets and ` +
    "data volumes live there, and EBS volumes cannot move. Fix: choose an instance type that zone offers " +
    `(aws ec2 describe-instance-type-offerings --region ${c.region} --location-type availability-zone ` +
    `--filters Name=location,Values=${c.zone}), e.g. ${configSetCommand(example, "<type>", c.stack)}` +
    (c.subnetIds
      ? `; or, before the first deploy, list first a subnet in a zone that offers them: ` +
        configSetCommand("subnetIds", `'${JSON.stringify(["<subnet>", ...c.subnetIds.slice(1)])}'`, c.stack)
      : "")
  );
}

/** The zone as configured differs from the one the stack's subnets (and data volumes) are in. */
export function movedZoneProblem(o: { configured: string; kept: string; stack: string }): string {
  return (
    `${ZONE_KEY} = "${o.configured}", but the stack's subnets and data volumes are in ${o.kept}; they cannot move ` +
    `(EBS volumes are zonal). Fix: ${configSetCommand("availabilityZone", o.kept, o.stack)} (another zone means a ` +
    "new stack, or destroying this one first)"
  );
}
