// Egress "public": no NAT gateway; the node's interface gets an Elastic IP; still no inbound from outside.
import { harness, type Harness } from "../../../test/support/pulumi-harness.js";
import { NearBase } from "../component.js";

let h: Harness;
beforeAll(async () => {
  h = harness({ "near-localnet:egress": "public", "near-localnet:vpcCidr": "10.7.0.0/20" });
  new NearBase("base", { config: h.cfg });
  await h.settle();
});

test("one public subnet routed to the internet gateway, no NAT", () => {
  expect(h.byType("aws:ec2/natGateway:NatGateway")).toEqual([]);
  expect(
    h
      .byType("aws:ec2/subnet:Subnet")
      .map((s) => [s.name, (s.inputs as any).cidrBlock, (s.inputs as any).mapPublicIpOnLaunch]),
  ).toEqual([["nodes", "10.7.0.0/21", false]]);
  expect(h.byType("aws:ec2/routeTable:RouteTable").map((r) => (r.inputs as any).routes)).toEqual([
    [{ cidrBlock: "0.0.0.0/0", gatewayId: expect.stringMatching(/igw/) }],
  ]);
});

test("the node's fixed interface carries an Elastic IP; ingress stays inside the VPC", () => {
  const eip = h.one("aws:ec2/eip:Eip").inputs as any;
  expect(eip.networkInterface).toMatch(/^eni-/);
  expect(eip.domain).toBe("vpc");
  // Associating a public address needs the gateway attached first.
  expect(h.one("aws:ec2/eip:Eip").dependencies).toContain(h.one("aws:ec2/internetGateway:InternetGateway").urn);
  for (const r of h.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"))
    expect((r.inputs as any).cidrIpv4).toBe("10.7.0.0/20");
});
