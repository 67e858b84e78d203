// The driver's part in keeping a stack's availability zone (layers/base/zone.ts): before `up` changes anything, it
// reads the stack's configuration (Pulumi.<stack>.yaml, checked as the program checks it), finds the zone the
// stack is in (its subnets in the state, an existing VPC's first subnet, the configured key, or on the first deploy
// the first zone offering the instance types), checks that the zone offers the (possibly new) instance types, and
// writes the zone into near-localnet:availabilityZone when the key does not say it yet. Any problem stops `up`
// with the key and the fix before the first Pulumi operation. The EC2 look-ups go through `ZoneLookups`; the SDK
// loads lazily.
import { ConfigError } from "../platform/config/reader.js";
import { projectName, readStackFile } from "../platform/config/stack-file.js";
import { loadConfig, type LocalnetConfig } from "../layers/config.js";
import {
  ZONE_KEY,
  chooseZone,
  instanceTypeKeys,
  movedZoneProblem,
  zoneOfferingProblem,
  type Offerings,
} from "../layers/base/zone.js";
import { EngineError, classifyEngineError, type Engine } from "./engine.js";
import type { AwsTarget } from "./aws-target.js";

/** What the driver asks EC2. */
export interface ZoneLookups {
  /** DescribeInstanceTypeOfferings (location type availability-zone) for these types, every page. */
  offerings(types: string[]): Promise<Offerings>;
  /** The zone of one subnet (DescribeSubnets). */
  subnetZone(subnetId: string): Promise<string>;
}

/** ZoneLookups through the EC2 API in the stack's region and profile; `clientConfig` for tests (an endpoint). */
export async function ec2ZoneLookups(aws: AwsTarget, clientConfig: object = {}): Promise<ZoneLookups> {
  const ec2 = await import("@aws-sdk/client-ec2");
  const client = new ec2.EC2Client({
    region: aws.region,
    ...(aws.profile ? { profile: aws.profile } : {}),
    ...clientConfig,
  });
  return {
    async offerings(types) {
      const found: Offerings = { locations: [], instanceTypes: [] };
      let NextToken: string | undefined;
      do {
        const page = await client.send(
          new ec2.DescribeInstanceTypeOfferingsCommand({
            LocationType: "availability-zone",
            Filters: [{ Name: "instance-type", Values: types }],
            NextToken,
          }),
        );
        for (const o of page.InstanceTypeOfferings ?? []) {
          if (!o.Location || !o.InstanceType) continue;
          found.locations.push(o.Location);
          found.instanceTypes.push(o.InstanceType);
        }
        NextToken = page.NextToken;
      } while (NextToken);
      return found;
    },
    async subnetZone(subnetId) {
      const { Subnets } = await client.send(new ec2.DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
      const zone = Subnets?.[0]?.AvailabilityZone;
      if (!zone) throw new EngineError("failed", `EC2 does not know the subnet ${subnetId} (near-localnet:subnetIds)`);
      return zone;
    },
  };
}

export interface KeepZoneOptions {
  engine: Engine;
  stack: string;
  /** The project directory: Pulumi.yaml and Pulumi.<stack>.yaml. */
  workDir: string;
  lookups: ZoneLookups;
  log: (line: string) => void;
}

/** The stack's configuration as the program will read it; a problem is an EngineError with every message. */
function stackConfig(workDir: string, stack: string): LocalnetConfig {
  try {
    const { config } = readStackFile(workDir, projectName(workDir), stack);
    return loadConfig((k) => config[k], stack, Object.keys(config));
  } catch (err) {
    if (err instanceof ConfigError) throw new EngineError("failed", err.message);
    throw err;
  }
}

/** The zone of the stack's subnets as the state records them (undefined before the first deploy). */
async function zoneInState(engine: Engine): Promise<string | undefined> {
  if (!engine.resources) return undefined;
  try {
    const subnet = (await engine.resources()).find((r) => r.type === "aws:ec2/subnet:Subnet");
    const zone = subnet?.outputs?.availabilityZone;
    return typeof zone === "string" && zone ? zone : undefined;
  } catch (err) {
    if (classifyEngineError(err).kind === "stack-not-found") return undefined;
    throw err;
  }
}

/** Checks the stack's zone and keeps it in the configuration. Returns the zone. */
export async function keepZone(o: KeepZoneOptions): Promise<string> {
  const cfg = stackConfig(o.workDir, o.stack);
  const types = instanceTypeKeys(cfg);
  const offerings = await o.lookups.offerings([...types.keys()]);
  const subnetIds = cfg.network.mode === "existing" ? cfg.network.subnetIds : undefined;
  const check = (zone: string, source: string) => {
    const region = cfg.region;
    const problem = zoneOfferingProblem({ zone, source, offerings, types, region, stack: o.stack, subnetIds });
    if (problem) throw new EngineError("failed", problem);
  };
  if (cfg.network.mode === "existing") {
    const subnetId = cfg.network.subnetIds[0];
    const zone = await o.lookups.subnetZone(subnetId);
    check(zone, `the zone of ${subnetId}, the first of near-localnet:subnetIds`);
    return zone;
  }
  const configured = cfg.network.availabilityZone;
  const kept = await zoneInState(o.engine);
  if (kept && configured && kept !== configured) {
    throw new EngineError("failed", movedZoneProblem({ configured, kept, stack: o.stack }));
  }
  let zone: string;
  try {
    zone = kept ?? configured ?? chooseZone(offerings, [...types.keys()], cfg.region);
  } catch (err) {
    throw new EngineError("failed", (err as Error).message);
  }
  check(zone, kept ? "the stack's subnets" : configured ? ZONE_KEY : "chosen for the first deploy");
  if (configured !== zone) {
    if (!o.engine.setConfig) throw new EngineError("failed", `cannot write ${ZONE_KEY}: the engine sets no config`);
    await o.engine.setConfig(ZONE_KEY, zone);
    o.log(
      `availability zone: ${zone}, kept in ${ZONE_KEY} (Pulumi.${o.stack}.yaml): commit it with the stack's config`,
    );
  }
  return zone;
}
