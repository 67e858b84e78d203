// Layer 2's destination chain under Pulumi's mock runtime: the dev key generated into an SSM
// SecureString and readable by the base role only for that parameter, the RPC port open to the
// VPC only, the start document with its pinned artifact and no secret, run by an association on
// the base instance; the stack output.
import { createHash } from "node:crypto";
import { privateKeyToAddress } from "viem/accounts";
import { harness, valueOf, type Harness } from "../../../../test/support/pulumi-harness.js";
import { NearBase } from "../../../base/component.js";
import { NearServices } from "../../component.js";
import { MOCK_ACCOUNT } from "../../../../automation/mocks.js";

let h: Harness;
let services: NearServices;
let base: NearBase;

beforeAll(async () => {
  h = harness({ "near-localnet:evmChainId": "4242", "near-localnet:evmBlockTimeSeconds": "3" });
  base = new NearBase("base", { config: h.cfg });
  services = new NearServices("services", { config: h.cfg, base });
  await h.settle();
});

const inputs = (type: string, name: string) => h.one(type, name).inputs as Record<string, any>;

test("the dev key: 32 random bytes in an SSM SecureString, its address in the output, the key nowhere else", async () => {
  expect(inputs("random:index/randomBytes:RandomBytes", "evm-dev-key")).toEqual({ length: 32 });
  const param = inputs("aws:ssm/parameter:Parameter", "evm-dev-key");
  expect(param).toEqual(
    expect.objectContaining({ name: "/near-localnet/evm-dev-key", type: "SecureString", value: "[secret]" }),
  );
  // the mock runtime's random bytes (automation/mocks.ts): the key the parameter holds
  const key = `0x${createHash("sha256").update("mock-random:evm-dev-key").digest("hex")}` as const;
  const evm = await valueOf(services.evm);
  expect(evm).toEqual({
    rpcUrl: `http://${await valueOf(base.privateIp)}:8545`,
    chainId: 4242,
    devAddress: privateKeyToAddress(key),
    devKeyParameter: "/near-localnet/evm-dev-key",
  });
  const doc = inputs("aws:ssm/document:Document", "evm-start");
  expect(doc.content).toContain(privateKeyToAddress(key));
  expect(doc.content).not.toContain(key.slice(2, 40));
  expect(JSON.stringify(h.records.map((r) => r.inputs))).not.toContain(key.slice(2, 40));
});

test("the base role may read the dev key and nothing more", () => {
  const policy = JSON.parse(inputs("aws:iam/rolePolicy:RolePolicy", "base-evm-access").policy);
  expect(policy.Statement).toEqual([
    {
      Sid: "ReadEvmDevKey",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: [`arn:aws:ssm:us-east-1:${MOCK_ACCOUNT}:parameter/near-localnet/evm-dev-key`],
    },
  ]);
});

test("the RPC port is open to the VPC's CIDR only", () => {
  expect(inputs("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "evm-from-vpc")).toMatchObject({
    ipProtocol: "tcp",
    fromPort: 8545,
    toPort: 8545,
    cidrIpv4: "10.42.0.0/16",
  });
});

test("the start document: the pinned anvil tarball and its sha512, the chain's settings, no parameter", async () => {
  const doc = inputs("aws:ssm/document:Document", "evm-start");
  expect(doc).toMatchObject({ name: "near-localnet-localnet-ops-evm-start", documentType: "Command" });
  const content = JSON.parse(doc.content);
  expect(content.parameters).toEqual({});
  const lines: string[] = content.mainSteps[0].inputs.runCommand;
  const evm = await valueOf(services.evm);
  expect(lines.filter((l) => l.startsWith("export "))).toEqual([
    "export ANVIL_ENTRY='package/bin/anvil'",
    // npm view @foundry-rs/anvil-linux-amd64@1.7.1 dist.integrity, as hex
    "export ANVIL_SHA512='f979928726c46b17c2aebd0e514670604cb63a7619b79a471fd4f306d2efdfe56b2b43bf00db8d49511a86a3612879605fb191279f77f37a1f361c644562184e'",
    "export ANVIL_TARBALL='https://registry.npmjs.org/@foundry-rs/anvil-linux-amd64/-/anvil-linux-amd64-1.7.1.tgz'",
    "export ANVIL_VERSION='1.7.1'",
    `export DEV_ADDRESS='${evm!.devAddress}'`,
    "export DEV_BALANCE_HEX='0xd3c21bcecceda1000000'", // 1,000,000 ether
    "export EVM_BLOCK_TIME='3'",
    "export EVM_CHAIN_ID='4242'",
    "export EVM_PORT='8545'",
    "export LIB_DIR='/opt/near-localnet'",
  ]);
  expect(lines.join("\n")).not.toContain("{{");
});

test("an association runs the document's latest version on the base instance, after the base layer", async () => {
  const a = h.one("aws:ssm/association:Association", "evm-start");
  expect(a.inputs).toMatchObject({
    associationName: "near-localnet-localnet-evm-start",
    name: "near-localnet-localnet-ops-evm-start",
    documentVersion: "1",
    targets: [{ key: "InstanceIds", values: [await valueOf(base.instanceId)] }],
    waitForSuccessTimeoutSeconds: 900,
  });
  expect(a.dependencies).toContain(h.one("aws:ec2/instance:Instance", "base-instance").urn);
});
