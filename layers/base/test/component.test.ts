import { createHash } from "node:crypto";
import { harness, valueOf, type Harness } from "../../../test/support/pulumi-harness.js";
import { NearBase, GENESIS_KEY } from "../component.js";
import { ed25519FromSeedBase64 } from "../../../platform/near/key-pairs.js";
import { MOCK_ACCOUNT, MOCK_AMI } from "../../../automation/mocks.js";
import { gunzipped } from "../../../platform/host/render.js";

// The mock runtime's RandomBytes are sha256("mock-random:<name>"): the keys the program makes.
const mockKey = (name: string) =>
  ed25519FromSeedBase64(createHash("sha256").update(`mock-random:${name}`).digest().toString("base64"));

let h: Harness;
let base: NearBase;

beforeAll(async () => {
  h = harness({ "near-localnet:tags": '{"team":"chain"}' });
  base = new NearBase("base", { config: h.cfg });
  await h.settle();
});

test("the instance: IMDSv2 only, encrypted root, no key pair, fixed ENI, AMI resolved once", () => {
  const inst = h.one("aws:ec2/instance:Instance");
  const i = inst.inputs as any;
  expect(i.metadataOptions).toEqual({
    httpTokens: "required",
    httpEndpoint: "enabled",
    httpPutResponseHopLimit: 2,
    instanceMetadataTags: "disabled",
  });
  expect(i.rootBlockDevice).toMatchObject({ encrypted: true, volumeType: "gp3" });
  expect(i.keyName).toBeUndefined();
  expect(i.ami).toBe(MOCK_AMI);
  expect(i.instanceType).toBe("m6i.large");
  expect(i.userDataReplaceOnChange).toBe(true);
  expect(i.primaryNetworkInterface.networkInterfaceId).toMatch(/^eni-/);
  expect(i.tags).toMatchObject({ Name: "near-localnet-localnet-base", team: "chain", "near-localnet:layer": "base" });
  // Tags on the root device, not volumeTags (which would fight the data volume's own tags).
  expect(i.volumeTags).toBeUndefined();
  expect(i.rootBlockDevice.tags).toMatchObject({ Name: "near-localnet-localnet-base-root" });
});

test("chain data on its own encrypted volume, attached to the instance", () => {
  const vol = h.one("aws:ebs/volume:Volume");
  // The mock region's zone "a" offers none of the types: the first zone that offers them all is chosen.
  expect(vol.inputs).toMatchObject({ encrypted: true, type: "gp3", size: 100, availabilityZone: "us-east-1b" });
  const att = h.one("aws:ec2/volumeAttachment:VolumeAttachment");
  expect(att.inputs).toMatchObject({ deviceName: "/dev/sdf", stopInstanceBeforeDetaching: true });
});

test("security group: 3030 and 24567 from the VPC only, nothing else inbound", () => {
  const ingress = h.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs as any);
  expect(ingress.map((r) => [r.fromPort, r.toPort, r.ipProtocol, r.cidrIpv4]).sort()).toEqual([
    [24567, 24567, "tcp", "10.42.0.0/16"],
    [3030, 3030, "tcp", "10.42.0.0/16"],
  ]);
  for (const sg of h.byType("aws:ec2/securityGroup:SecurityGroup"))
    expect((sg.inputs as any).ingress ?? []).toEqual([]);
});

test("network: private subnet behind one NAT gateway by default", () => {
  expect(h.byType("aws:ec2/natGateway:NatGateway")).toHaveLength(1);
  const subnets = h.byType("aws:ec2/subnet:Subnet").map((s) => [s.name, (s.inputs as any).cidrBlock]);
  expect(subnets.sort()).toEqual([
    ["edge", "10.42.128.0/17"],
    ["nodes", "10.42.0.0/17"],
  ]);
  expect(h.byType("aws:ec2/eip:Eip").map((e) => e.name)).toEqual(["nat-ip"]);
});

test("keys: SecureString parameters under the stack's prefix, values secret", () => {
  const params = Object.fromEntries(
    h.byType("aws:ssm/parameter:Parameter").map((p) => [(p.inputs as any).name, p.inputs as any]),
  );
  expect(Object.keys(params).sort()).toEqual([
    "/near-localnet/localnet-account-id",
    "/near-localnet/localnet-account-key",
    "/near-localnet/node-key",
    "/near-localnet/validator-key",
  ]);
  for (const name of [
    "/near-localnet/localnet-account-key",
    "/near-localnet/node-key",
    "/near-localnet/validator-key",
  ]) {
    expect(params[name].type).toBe("SecureString");
    expect(params[name].value).toBe("[secret]");
  }
  expect(params["/near-localnet/localnet-account-id"]).toMatchObject({ type: "String", insecureValue: "localnet" });
});

test("IAM: SSM core, its own keys and the root key and no other parameter, write only its genesis object", () => {
  const attach = h.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
  expect((attach.inputs as any).policyArn).toBe("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
  const policy = JSON.parse((h.one("aws:iam/rolePolicy:RolePolicy").inputs as any).policy);
  const bucket = (h.one("aws:s3/bucket:Bucket").inputs as any).bucketPrefix + "mock";
  expect(policy.Statement).toEqual([
    {
      Sid: "ReadOwnNodeKeys",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: [
        `arn:aws:ssm:us-east-1:${MOCK_ACCOUNT}:parameter/near-localnet/node-key`,
        `arn:aws:ssm:us-east-1:${MOCK_ACCOUNT}:parameter/near-localnet/validator-key`,
      ],
    },
    {
      // The root key is Layer 1's: whichever upper layer's operation signs as root on this host.
      Sid: "ReadRootAccountKey",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: `arn:aws:ssm:us-east-1:${MOCK_ACCOUNT}:parameter/near-localnet/localnet-account-key`,
    },
    {
      Sid: "WriteOwnGenesis",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject"],
      Resource: `arn:aws:s3:::${bucket}/${GENESIS_KEY}`,
    },
    { Sid: "ReadOpsBundle", Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::${bucket}/ops/*` },
    {
      // The awslogs driver's two actions, on this stack's log group (its streams) only.
      Sid: "ShipContainerLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `arn:aws:logs:us-east-1:${MOCK_ACCOUNT}:log-group:/near-localnet/localnet/containers:*`,
    },
    {
      // AmazonSSMManagedInstanceCore allows every parameter: everything but these four is denied.
      Sid: "NoOtherParameters",
      Effect: "Deny",
      Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"],
      NotResource: ["node-key", "validator-key", "localnet-account-key", "faucet-key"].map(
        (k) => `arn:aws:ssm:us-east-1:${MOCK_ACCOUNT}:parameter/near-localnet/${k}`,
      ),
    },
  ]);
  const assume = JSON.parse((h.one("aws:iam/role:Role").inputs as any).assumeRolePolicy);
  expect(assume.Statement).toEqual([
    { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
  ]);
});

test("container logs: one CloudWatch Logs group per stack, kept logRetentionDays, named in user data and outputs", async () => {
  const group = h.one("aws:cloudwatch/logGroup:LogGroup", "container-logs");
  expect(group.inputs).toMatchObject({
    name: "/near-localnet/localnet/containers",
    retentionInDays: 30,
    tags: { Name: "near-localnet-localnet-container-logs", "near-localnet:layer": "base" },
  });
  expect(gunzipped((h.one("aws:ec2/instance:Instance").inputs as any).userDataBase64)).toContain(
    "export LOG_GROUP='/near-localnet/localnet/containers'",
  );
  expect(await valueOf(base.logGroupName)).toBe("/near-localnet/localnet/containers");
});

test("artifacts bucket is private and encrypted", () => {
  expect(h.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  expect(
    (h.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs as any)
      .rules[0].applyServerSideEncryptionByDefault,
  ).toEqual({ sseAlgorithm: "AES256" });
});

test("user data: settings and public keys only, never a secret", () => {
  const sent = (h.one("aws:ec2/instance:Instance").inputs as any).userDataBase64 as string;
  const userData = gunzipped(sent);
  const node = mockKey("base-node-key");
  const validator = mockKey("base-validator-key");
  const root = mockKey("root-account-key");
  expect(userData.startsWith("#!/bin/bash\n")).toBe(true);
  expect(userData).toContain(`export NODE_PUBLIC_KEY='${node.publicKey}'`);
  expect(userData).toContain(`export VALIDATOR_PUBLIC_KEY='${validator.publicKey}'`);
  expect(userData).toContain(`export ROOT_PUBLIC_KEY='${root.publicKey}'`);
  expect(userData).toContain("export CHAIN_ID='mpc-localnet'");
  expect(userData).toContain("export NEAR_IMAGE='nearprotocol/nearcore:2.13.3'");
  expect(userData).toContain(`export ROOT_BALANCE_YOCTO='1000000000${"0".repeat(24)}'`);
  expect(userData).toContain("export NODE_KEY_PARAM='/near-localnet/node-key'");
  expect(userData).toMatch(/export DATA_VOLUME_ID='vol-[0-9a-f]{16}'/);
  for (const k of [node, validator, root]) expect(userData).not.toContain(k.secretKey.slice(8));
  // EC2's 16 KiB limit applies to the user data as sent: gzip (platform/host/render.ts).
  expect(Buffer.from(sent, "base64").length).toBeLessThan(16384);
  expect(userData).toContain(`cat > "$LIB_DIR/image-pin.sh"`);
});

test("the genesis wait runs locally, re-runs only for a new instance or volume", () => {
  const cmd = h.one("command:local:Command", "genesis-published");
  const i = cmd.inputs as any;
  expect(i.create).toBe("node --import tsx automation/await-genesis.ts");
  expect(i.environment).toMatchObject({
    AWS_REGION: "us-east-1",
    GENESIS_KEY,
    TIMEOUT_SECONDS: "900",
    DATA_VOLUME_ID: expect.stringMatching(/^vol-/),
  });
  expect(i.environment.AWS_PROFILE).toBeUndefined();
  expect(i.triggers).toHaveLength(2);
  expect(i.triggers[0]).toMatch(/^i-/);
  expect(i.triggers[1]).toMatch(/^vol-/);
  expect(cmd.dependencies.some((d) => d.includes("VolumeAttachment"))).toBe(true);
});

test("outputs: boot nodes from program-held values, RPC URL, chain id", async () => {
  const ip = await valueOf(base.privateIp);
  expect(ip).toMatch(/^10\.42\./);
  expect(await valueOf(base.bootNodes)).toBe(`${mockKey("base-node-key").publicKey}@${ip}:24567`);
  expect(await valueOf(base.rpcUrl)).toBe(`http://${ip}:3030`);
  expect(await valueOf(base.chainId)).toBe("mpc-localnet");
  expect(await valueOf(base.rootAccountKeyParameter)).toBe("/near-localnet/localnet-account-key");
});

test("the operations channel: two SSM documents and the bundle stored under its sha256", async () => {
  const docs = h
    .byType("aws:ssm/document:Document")
    .map((d) => (d.inputs as any).name)
    .sort();
  expect(docs).toEqual(["near-localnet-localnet-ops-diagnostics", "near-localnet-localnet-ops-run-op"]);
  const sha = await valueOf(base.opsBundle.sha256);
  expect(sha).toMatch(/^[0-9a-f]{64}$/);
  const obj = h.one("aws:s3/bucketObjectv2:BucketObjectv2");
  expect((obj.inputs as any).key).toBe(`ops/${sha}.mjs`);
  expect((obj.inputs as any).source).toBe("[file asset]");
  expect(await valueOf(base.opsBundle.uri)).toBe(`s3://${(obj.inputs as any).bucket}/ops/${sha}.mjs`);
  expect(await valueOf(base.opsDocument)).toBe("near-localnet-localnet-ops-run-op");
});

test("every child is parented inside the component", () => {
  const component = h.one("near-localnet:index:NearBase");
  const inner = ["NodeHost", "OpsChannel", "SsmDocuments"].map((t) => h.one(`near-localnet:index:${t}`).urn);
  for (const r of h.records) {
    if (r === component) continue;
    expect([component.urn, ...inner]).toContain(r.parent);
  }
});
