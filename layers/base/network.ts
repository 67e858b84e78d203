// The network every layer's instances live in: a new single-AZ VPC (EBS volumes are zonal, so
// all nodes share one AZ) with outbound internet for image pulls, or an existing VPC.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LocalnetConfig } from "../config.js";
import { nameTags } from "../../platform/host/naming.js";
import { chooseZone, instanceTypeKeys, movedZoneProblem, zoneOfferingProblem, type Offerings } from "./zone.js";

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

/** Splits a /16../27 CIDR into its two halves (nodes, and the NAT's public subnet): /17../28 subnets. */
function halves(cidr: string): [string, string] {
  const [ip, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  const base = ip.split(".").reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const size = 2 ** (32 - bits - 1);
  const fmt = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
  return [`${fmt(base)}/${bits + 1}`, `${fmt(base + size)}/${bits + 1}`];
}

/**
 * The zone the nodes' subnet really is in, checked: it offers every instance type, and (when configured) it is the
 * configured one. A problem fails the program, in `pulumi preview` and the preview that starts a `pulumi up` too
 * (the values are known there), so before anything changes. Its volumes and hosts use this zone.
 */
function checkedZone(o: {
  cfg: LocalnetConfig;
  zone: pulumi.Output<string>;
  offerings: pulumi.Output<Offerings>;
  source: string;
  configured?: string;
  subnetIds?: string[];
}): pulumi.Output<string> {
  const { cfg } = o;
  return pulumi.all([o.zone, o.offerings]).apply(([zone, offerings]) => {
    if (o.configured && o.configured !== zone) {
      throw new Error(movedZoneProblem({ configured: o.configured, kept: zone, stack: cfg.stack }));
    }
    const types = instanceTypeKeys(cfg);
    const problem = zoneOfferingProblem({
      zone,
      source: o.source,
      offerings,
      types,
      region: cfg.region,
      stack: cfg.stack,
      subnetIds: o.subnetIds,
    });
    if (problem) throw new Error(problem);
    return zone;
  });
}

function offeringsOf(cfg: LocalnetConfig, opts: pulumi.InvokeOutputOptions): pulumi.Output<Offerings> {
  const types = [...instanceTypeKeys(cfg).keys()];
  return aws.ec2.getInstanceTypeOfferingsOutput(
    { locationType: "availability-zone", filters: [{ name: "instance-type", values: types }] },
    opts,
  );
}

export function createNetwork(cfg: LocalnetConfig, parent: pulumi.Resource): NetworkOutputs {
  const opts = { parent };
  const net = cfg.network;
  const offerings = offeringsOf(cfg, opts);
  if (net.mode === "existing") {
    const vpc = aws.ec2.getVpcOutput({ id: net.vpcId }, opts);
    const subnet = aws.ec2.getSubnetOutput({ id: net.subnetIds[0] }, opts);
    const source = `the zone of ${net.subnetIds[0]}, the first of near-localnet:subnetIds`;
    return {
      vpcId: pulumi.output(net.vpcId),
      vpcCidr: vpc.cidrBlock,
      subnetId: pulumi.output(net.subnetIds[0]),
      subnetIds: pulumi.output(net.subnetIds),
      availabilityZone: checkedZone({
        cfg,
        zone: subnet.availabilityZone,
        offerings,
        source,
        subnetIds: net.subnetIds,
      }),
      publicIp: false,
    };
  }

  // The zone for a subnet that does not exist yet: the configured one, or the lookup's choice (a stack deployed by
  // the driver always has it configured). An existing subnet keeps its zone (ignoreChanges below), whatever a later
  // lookup says; everything zonal then follows the subnet's zone.
  const types = [...instanceTypeKeys(cfg).keys()];
  const az = net.availabilityZone
    ? pulumi.output(net.availabilityZone)
    : offerings.apply((o) => chooseZone(o, types, cfg.region));
  const keepZone = { ...opts, ignoreChanges: ["availabilityZone"] };
  const zoneOf = (subnet: aws.ec2.Subnet) =>
    checkedZone({
      cfg,
      zone: subnet.availabilityZone,
      offerings,
      source: "the stack's subnets",
      configured: net.availabilityZone,
    });
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
      keepZone,
    );
    new aws.ec2.RouteTableAssociation("nodes-routes", { subnetId: subnet.id, routeTableId: publicRoutes.id }, opts);
    return {
      vpcId: vpc.id,
      vpcCidr: vpc.cidrBlock,
      subnetId: subnet.id,
      subnetIds: subnet.id.apply((id) => [id]),
      availabilityZone: zoneOf(subnet),
      publicIp: true,
      internetGateway: igw,
    };
  }

  // Default: nodes in a private subnet, outbound through one NAT gateway (not addressable at all).
  const edge = new aws.ec2.Subnet(
    "edge",
    { vpcId: vpc.id, cidrBlock: edgeCidr, availabilityZone: az, tags: tags("edge") },
    keepZone,
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
    keepZone,
  );
  new aws.ec2.RouteTableAssociation("nodes-routes", { subnetId: subnet.id, routeTableId: privateRoutes.id }, opts);
  return {
    vpcId: vpc.id,
    vpcCidr: vpc.cidrBlock,
    subnetId: subnet.id,
    subnetIds: subnet.id.apply((id) => [id]),
    availabilityZone: zoneOf(subnet),
    publicIp: false,
  };
}
