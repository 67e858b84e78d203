// Existing-VPC mode: nothing network-wide is created; ingress is limited to that VPC's CIDR.
import { harness, valueOf, type Harness } from "../../../test/support/pulumi-harness.js";
import { NearBase } from "../component.js";

let h: Harness;
let base: NearBase;
beforeAll(async () => {
  h = harness({
    "near-localnet:vpcId": "vpc-0123456789abcdef0",
    "near-localnet:subnetIds": '["subnet-0123456789abcdef0","subnet-0123456789abcdef1"]',
  });
  base = new NearBase("base", { config: h.cfg });
  await h.settle();
});

test("creates no VPC, subnet, gateway or route table", () => {
  for (const t of [
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/eip:Eip",
  ]) {
    expect(h.byType(t)).toEqual([]);
  }
});

test("the node lives in the first given subnet, in that subnet's zone; ingress from the VPC's CIDR", async () => {
  expect((h.one("aws:ec2/networkInterface:NetworkInterface").inputs as any).subnetId).toBe("subnet-0123456789abcdef0");
  // the mock's getSubnet answers us-east-1b for any subnet
  expect((h.one("aws:ebs/volume:Volume").inputs as any).availabilityZone).toBe("us-east-1b");
  const ingress = h
    .byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    .map((r) => (r.inputs as any).cidrIpv4);
  expect(ingress).toEqual(["10.0.0.0/16", "10.0.0.0/16"]);
  expect((h.one("aws:ec2/securityGroup:SecurityGroup").inputs as any).vpcId).toBe("vpc-0123456789abcdef0");
  expect(await valueOf(base.subnetIds)).toEqual(["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]);
});
