// The network every layer's instances live in: a new single-AZ VPC (EBS volumes are zonal, so
// all nodes share one AZ) with outbound internet for image pulls, or an existing VPC.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LocalnetConfig } from "../config.js";
import { nameTags } from "../../platform/host/naming.js";

export interface NetworkOutputs {
  vpcId: pulumi.Output<string>;
  vpcCidr: pulumi.Output<string>;
  /** The subnet the nodes live in. */
  subnetId: pulumi.Output<string>;
  subnetIds: pulumi.Output<string[]>;
  availabilityZone: pulumi.Output<string>;
  /** Whether instances get a public IP (egress "public"); inbound is still closed by security groups. */
  publicIp: boolean;
  /** The internet gateway a public IP needs attached first (created VPCs only). */
  internetGateway?: pulumi.Resource;
}

/**
 * The availability zone: the configured one, or the first (by name) that offers every instance
 * type the stack uses; not every zone offers every type.
 */
export function chooseZone(
  offerings: { locations: string[]; instanceTypes: string[] },
  types: string[],
  region: string,
): string {
  const zones = [...new Set(offerings.locations)].sort();
  const offered = (zone: string, type: string) =>
    offerings.locations.some((l, i) => l === zone && offerings.instanceTypes[i] === type);
  const zone = zones.find((z) => types.every((t) => offered(z, t)));
  if (!zone) {
    throw new Error(
      `no availability zone of ${region} offers all of ${types.join(", ")}: choose other instance types ` +
        "(near-localnet:baseInstanceType, near-localnet:mpcInstanceType) or set near-localnet:availabilityZone",
    );
  }
  return zone;
}

/** Splits a /16../27 CIDR into its two halves (nodes, and the NAT's public subnet): /17../28 subnets. */
function halves(cidr: string): [string, string] {
  const [ip, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  const base = ip.split(".").reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const size = 2 ** (32 - bits - 1);
  const fmt = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
  return [`${fmt(base)}/${bits + 1}`, `${fmt(base + size)}/${bits + 1}`];
}

export function createNetwork(cfg: LocalnetConfig, parent: pulumi.Resource): NetworkOutputs {
  const opts = { parent };
  const net = cfg.network;
  if (net.mode === "existing") {
    const vpc = aws.ec2.getVpcOutput({ id: net.vpcId }, opts);
    const subnet = aws.ec2.getSubnetOutput({ id: net.subnetIds[0] }, opts);
    return {
      vpcId: pulumi.output(net.vpcId),
      vpcCidr: vpc.cidrBlock,
      subnetId: pulumi.output(net.subnetIds[0]),
      subnetIds: pulumi.output(net.subnetIds),
      availabilityZone: subnet.availabilityZone,
      publicIp: false,
    };
  }

  const types = [...new Set([cfg.base.instanceType, cfg.mpc.instanceType])];
  const az = net.availabilityZone
    ? pulumi.output(net.availabilityZone)
    : aws.ec2
        .getInstanceTypeOfferingsOutput(
          { locationType: "availability-zone", filters: [{ name: "instance-type", values: types }] },
          opts,
        )
        .apply((o) => chooseZone(o, types, cfg.region));
  const tags = (leaf: string) => nameTags(cfg, leaf, "base");
  const vpc = new aws.ec2.Vpc(
    "vpc",
    { cidrBlock: net.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tags("vpc") },
    opts,
  );
  const [nodesCidr, edgeCidr] = halves(net.cidr);
  const igw = new aws.ec2.InternetGateway("igw", { vpcId: vpc.id, tags: tags("igw") }, opts);
  const publicRoutes = new aws.ec2.RouteTable(
    "public-routes",
    { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: tags("public-routes") },
    opts,
  );

  if (net.egress === "public") {
    // Cheapest egress: nodes in a public subnet with public IPs; security groups admit nothing
    // from outside the VPC.
    const subnet = new aws.ec2.Subnet(
      "nodes",
      { vpcId: vpc.id, cidrBlock: nodesCidr, availabilityZone: az, mapPublicIpOnLaunch: false, tags: tags("nodes") },
      opts,
    );
    new aws.ec2.RouteTableAssociation("nodes-routes", { subnetId: subnet.id, routeTableId: publicRoutes.id }, opts);
    return {
      vpcId: vpc.id,
      vpcCidr: vpc.cidrBlock,
      subnetId: subnet.id,
      subnetIds: subnet.id.apply((id) => [id]),
      availabilityZone: az,
      publicIp: true,
      internetGateway: igw,
    };
  }

  // Default: nodes in a private subnet, outbound through one NAT gateway (not addressable at all).
  const edge = new aws.ec2.Subnet(
    "edge",
    { vpcId: vpc.id, cidrBlock: edgeCidr, availabilityZone: az, tags: tags("edge") },
    opts,
  );
  new aws.ec2.RouteTableAssociation("edge-routes", { subnetId: edge.id, routeTableId: publicRoutes.id }, opts);
  const eip = new aws.ec2.Eip("nat-ip", { domain: "vpc", tags: tags("nat-ip") }, opts);
  const nat = new aws.ec2.NatGateway(
    "nat",
    { subnetId: edge.id, allocationId: eip.id, tags: tags("nat") },
    { ...opts, dependsOn: [igw] },
  );
  const privateRoutes = new aws.ec2.RouteTable(
    "private-routes",
    { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: tags("private-routes") },
    opts,
  );
  const subnet = new aws.ec2.Subnet(
    "nodes",
    { vpcId: vpc.id, cidrBlock: nodesCidr, availabilityZone: az, tags: tags("nodes") },
    opts,
  );
  new aws.ec2.RouteTableAssociation("nodes-routes", { subnetId: subnet.id, routeTableId: privateRoutes.id }, opts);
  return {
    vpcId: vpc.id,
    vpcCidr: vpc.cidrBlock,
    subnetId: subnet.id,
    subnetIds: subnet.id.apply((id) => [id]),
    availabilityZone: az,
    publicIp: false,
  };
}
