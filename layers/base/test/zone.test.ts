// The availability zone is chosen once and kept: an existing subnet keeps its zone whatever a later lookup says,
// everything zonal follows the subnet, and a zone that no longer fits (a configured other zone, an instance type the
// kept zone does not offer) fails the program with the key and the fix.
import * as pulumi from "@pulumi/pulumi";
import { harness } from "../../../test/support/pulumi-harness.js";
import { createNetwork } from "../network.js";
import { chooseZone } from "../zone.js";

const SUBNET = "aws:ec2/subnet:Subnet";

/** The network of a stack whose subnets the state already holds in `keptZone` (undefined: a first deploy). */
function network(config: Record<string, string>, keptZone?: string, stack = "localnet") {
  const h = harness(config, stack, undefined, {
    existing: (args) => (keptZone && args.type === SUBNET ? { availabilityZone: keptZone } : undefined),
  });
  const parent = new pulumi.ComponentResource("test:index:Network", "net");
  return { h, net: createNetwork(h.cfg, parent) };
}

type OutputInternals = {
  promise(): Promise<string>;
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
  allResources(): Promise<unknown>;
};

/**
 * The zone's value. A failing apply rejects the Output's other internal promises too, which nothing awaits here (a
 * real run's language host reports the error as the program's): handled, so that the test sees the value's error.
 */
function zoneOf(o: pulumi.Output<string>): Promise<string> {
  const inner = o as unknown as OutputInternals;
  for (const p of [inner.isKnown, inner.isSecret, inner.allResources()]) p.catch(() => undefined);
  return inner.promise();
}

test("first deploy without a configured zone: the first zone offering both types; subnets keep their zone", async () => {
  const { h, net } = network({});
  // the mock's zone a offers nothing, b and c everything
  expect(await zoneOf(net.availabilityZone)).toBe("us-east-1b");
  await h.settle();
  const subnets = h.byType(SUBNET);
  expect(subnets.map((s) => [s.name, (s.inputs as any).availabilityZone])).toEqual([
    ["edge", "us-east-1b"],
    ["nodes", "us-east-1b"],
  ]);
  for (const s of subnets) expect(s.ignoreChanges).toEqual(["availabilityZone"]);
});

test("an existing subnet keeps its zone although the lookup would now choose another", async () => {
  const { net } = network({}, "us-east-1c");
  expect(await zoneOf(net.availabilityZone)).toBe("us-east-1c");
});

test("a configured zone other than the subnets' fails with the key and the fix", async () => {
  const { net } = network({ "near-localnet:availabilityZone": "us-east-1b" }, "us-east-1c", "staging");
  await expect(zoneOf(net.availabilityZone)).rejects.toThrow(
    'near-localnet:availabilityZone = "us-east-1b", but the stack\'s subnets and data volumes are in us-east-1c; ' +
      "they cannot move (EBS volumes are zonal). Fix: pulumi config set near-localnet:availabilityZone us-east-1c " +
      "--stack staging (another zone means a new stack, or destroying this one first)",
  );
});

test("a kept zone that does not offer the instance types fails, naming the types' keys", async () => {
  const { net } = network({ "near-localnet:mpcInstanceType": "c7i.large" }, "us-east-1a");
  await expect(zoneOf(net.availabilityZone)).rejects.toThrow(
    "availability zone us-east-1a (the stack's subnets) does not offer m6i.large (near-localnet:baseInstanceType) " +
      "and c7i.large (near-localnet:mpcInstanceType). The zone is kept: the stack's subnets and data volumes live " +
      "there, and EBS volumes cannot move. Fix: choose an instance type that zone offers (aws ec2 " +
      "describe-instance-type-offerings --region us-east-1 --location-type availability-zone " +
      "--filters Name=location,Values=us-east-1a), e.g. pulumi config set near-localnet:baseInstanceType <type> " +
      "--stack localnet",
  );
});

describe("chooseZone", () => {
  const offerings = {
    locations: ["us-east-1a", "us-east-1b", "us-east-1b", "us-east-1c", "us-east-1c"],
    instanceTypes: ["m6i.large", "m6i.large", "c6i.xlarge", "c6i.xlarge", "m6i.large"],
  };
  test("the first zone (by name) offering every type", () => {
    expect(chooseZone(offerings, ["m6i.large", "c6i.xlarge"], "us-east-1")).toBe("us-east-1b");
    expect(chooseZone(offerings, ["m6i.large"], "us-east-1")).toBe("us-east-1a");
  });
  test("no zone offers them all: a clear error naming the keys", () => {
    expect(() => chooseZone(offerings, ["m6i.large", "m7i.large"], "us-east-1")).toThrow(
      "no availability zone of us-east-1 offers all of m6i.large, m7i.large: choose other instance types " +
        "(near-localnet:baseInstanceType, near-localnet:mpcInstanceType) or set near-localnet:availabilityZone",
    );
  });
});

test("existing-VPC mode: the first subnet's zone, checked, with the subnetIds way out", async () => {
  const h = harness({
    "near-localnet:vpcId": "vpc-0123456789abcdef0",
    "near-localnet:subnetIds": '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
  });
  const parent = new pulumi.ComponentResource("test:index:Network", "net-existing");
  // the mock's getSubnet answers us-east-1b, which offers every type
  expect(await zoneOf(createNetwork(h.cfg, parent).availabilityZone)).toBe("us-east-1b");
  const h2 = harness(
    {
      "near-localnet:vpcId": "vpc-0123456789abcdef0",
      "near-localnet:subnetIds": '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
    },
    "localnet",
    undefined,
    {
      calls: (args) =>
        args.token === "aws:ec2/getSubnet:getSubnet"
          ? { id: args.inputs.id, availabilityZone: "us-east-1a" }
          : undefined,
    },
  );
  const parent2 = new pulumi.ComponentResource("test:index:Network", "net-existing-a");
  await expect(zoneOf(createNetwork(h2.cfg, parent2).availabilityZone)).rejects.toThrow(
    "availability zone us-east-1a (the zone of subnet-0123456789abcdef0, the first of near-localnet:subnetIds) does " +
      "not offer m6i.large (near-localnet:baseInstanceType, near-localnet:mpcInstanceType).",
  );
  await expect(zoneOf(createNetwork(h2.cfg, parent2).availabilityZone)).rejects.toThrow(
    "or, before the first deploy, list first a subnet in a zone that offers them: pulumi config set " +
      `near-localnet:subnetIds '["<subnet>","subnet-0123456789abcdef1"]' --stack localnet`,
  );
});
