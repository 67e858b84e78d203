import { createHash } from "node:crypto";
import { harness, valueOf, type Harness } from "../../../test/support/pulumi-harness.js";
import { NearBase } from "../../base/component.js";
import { NearServices } from "../../services/component.js";
import { ChainSignatures, mpcSizing } from "../component.js";
import { ed25519FromSeedBase64 } from "../../../platform/near/key-pairs.js";
import { MOCK_ACCOUNT } from "../../../automation/mocks.js";
import { gunzipped } from "../../../platform/host/render.js";

const mockSeed = (name: string, bytes = 32) =>
  createHash("sha256").update(`mock-random:${name}`).digest().subarray(0, bytes);
const mockKey = (name: string) => ed25519FromSeedBase64(mockSeed(name).toString("base64"));
const ROOT_KEYS = [
  { scheme: "secp256k1", domainId: 0, publicKey: "secp256k1:root0" },
  { scheme: "ed25519", domainId: 1, publicKey: "ed25519:root1" },
];

let h: Harness;
let mpc: ChainSignatures;

beforeAll(async () => {
  h = harness({}, "localnet", (operation) =>
    operation === "mpc-wait-keygen" ? { contractId: "v1.signer.localnet", phase: "Running", domains: ROOT_KEYS } : {},
  );
  const base = new NearBase("base", { config: h.cfg });
  const services = new NearServices("services", { config: h.cfg, base });
  mpc = new ChainSignatures("mpc", { config: h.cfg, base, services });
  await h.settle();
});

const mpcRecords = (type: string) =>
  h.byType(type).filter((r) => r.urn.includes("ChainSignatures") || r.name.startsWith("mpc-"));
const envOf = (name: string) =>
  (h.one("command:local:Command", `${name}-run`).inputs as any).environment as Record<string, string>;
const payloadOf = (name: string) => JSON.parse(Buffer.from(envOf(name).SSM_RUN_PAYLOAD, "base64").toString("utf8"));

test("three hardened MPC hosts with their own volumes and fixed interfaces", () => {
  const instances = mpcRecords("aws:ec2/instance:Instance");
  expect(instances.map((i) => i.name)).toEqual(["mpc-node-0-instance", "mpc-node-1-instance", "mpc-node-2-instance"]);
  for (const i of instances) {
    const x = i.inputs as any;
    expect(x.metadataOptions.httpTokens).toBe("required");
    expect(x.rootBlockDevice.encrypted).toBe(true);
    expect(x.keyName).toBeUndefined();
  }
  const volumes = mpcRecords("aws:ebs/volume:Volume");
  expect(volumes.map((v) => [(v.inputs as any).encrypted, (v.inputs as any).size])).toEqual([
    [true, 50],
    [true, 50],
    [true, 50],
  ]);
  expect(mpcRecords("aws:ec2/networkInterface:NetworkInterface")).toHaveLength(3);
});

test("security group: MPC P2P among nodes, NEAR P2P from base and nodes, 8080 from the VPC; nothing else", () => {
  const sg = h.one("aws:ec2/securityGroup:SecurityGroup", "mpc-sg").urn;
  const sgId = (r: any) => r.securityGroupId;
  const rules = mpcRecords("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs as any);
  expect(
    rules.map((r) => [r.fromPort, r.toPort, r.cidrIpv4 ?? null, r.referencedSecurityGroupId ? "sg" : null]).sort(),
  ).toEqual([
    [24567, 24567, null, "sg"],
    [24567, 24567, null, "sg"],
    [3000, 3000, null, "sg"],
    [8080, 8080, "10.42.0.0/16", null],
  ]);
  const self = rules.find((r) => r.fromPort === 3000)!;
  expect(self.referencedSecurityGroupId).toBe(sgId(self));
  expect(rules.some((r) => r.cidrIpv4 === "0.0.0.0/0")).toBe(false);
  expect(sg).toBeTruthy();
});

test("secrets: three per node, namespaced, values secret, no recovery window", () => {
  const secrets = h.byType("aws:secretsmanager/secret:Secret").map((s) => s.inputs as any);
  expect(secrets.map((s) => s.name)).toEqual(
    [0, 1, 2].flatMap((i) => [
      `mpc-node-${i}-mpc_account_sk`,
      `mpc-node-${i}-mpc_p2p_private_key`,
      `mpc-node-${i}-mpc_secret_store_key`,
    ]),
  );
  for (const s of secrets) expect(s.recoveryWindowInDays).toBe(0);
  for (const v of h.byType("aws:secretsmanager/secretVersion:SecretVersion"))
    expect((v.inputs as any).secretString).toBe("[secret]");
});

test("IAM: node i reads only its own secrets, never node j's", () => {
  const policies = mpcRecords("aws:iam/rolePolicy:RolePolicy")
    .filter((p) => p.name.startsWith("mpc-node-"))
    .map((p) => ({
      name: p.name,
      doc: JSON.parse((p.inputs as any).policy),
    }));
  expect(policies.map((p) => p.name)).toEqual(["mpc-node-0-access", "mpc-node-1-access", "mpc-node-2-access"]);
  policies.forEach(({ doc }, i) => {
    const own = doc.Statement.find((s: any) => s.Sid === "ReadOwnSecrets");
    expect(own.Action).toEqual(["secretsmanager:GetSecretValue"]);
    expect(own.Resource).toEqual(
      ["mpc_account_sk", "mpc_p2p_private_key", "mpc_secret_store_key"].map(
        (k) => `arn:aws:secretsmanager:us-east-1:${MOCK_ACCOUNT}:secret:mpc-node-${i}-${k}-AbCdEf`,
      ),
    );
    const all = JSON.stringify(doc);
    for (const j of [0, 1, 2].filter((j) => j !== i)) expect(all).not.toContain(`mpc-node-${j}`);
    expect(doc.Statement.map((s: any) => s.Sid)).toEqual([
      "ReadOwnSecrets",
      "ReadGenesis",
      "ReadOpsBundle",
      "ShipContainerLogs",
      "NoParameters",
    ]);
    // The SSM core policy allows every parameter: MPC hosts are denied all of them (the root key above all).
    expect(doc.Statement[3]).toEqual({
      Sid: "ShipContainerLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `arn:aws:logs:us-east-1:${MOCK_ACCOUNT}:log-group:/near-localnet/localnet/containers:*`,
    });
    expect(doc.Statement[4]).toEqual({
      Sid: "NoParameters",
      Effect: "Deny",
      Action: ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"],
      Resource: "*",
    });
  });
});

test("user data: settings only; the genesis by location and the base volume it must come from; base boot node; no secret", () => {
  const sent = (h.one("aws:ec2/instance:Instance", "mpc-node-1-instance").inputs as any).userDataBase64 as string;
  const userData = gunzipped(sent);
  expect(userData).toContain("export ACCOUNT_ID='mpc-node-1.localnet'");
  expect(userData).toContain("export CONTRACT_ID='v1.signer.localnet'");
  expect(userData).toContain("export MPC_IMAGE='nearone/mpc-node:3.14.1'");
  expect(userData).toContain("export CHAIN_ID='mpc-localnet'");
  // Not the published sha256: the host must not wait for the genesis command to be created.
  expect(userData).not.toContain("GENESIS_SHA256");
  expect(userData).toContain("export GENESIS_KEY='genesis/genesis.json'");
  expect(userData).toContain(
    `export BASE_DATA_VOLUME_ID='${(h.one("aws:ec2/volumeAttachment:VolumeAttachment", "base-data-attachment").inputs as any).volumeId}'`,
  );
  expect(userData).toContain(`export BOOT_NODES='${mockKey("base-node-key").publicKey}@`);
  expect(userData).toContain("export ACCOUNT_SK_SECRET='mpc-node-1-mpc_account_sk'");
  expect(userData).toContain("export P2P_PORT='3000'");
  expect(userData).toContain("export TRIPLES_TO_BUFFER='128'");
  for (const k of ["mpc-node-1-account-key", "mpc-node-1-p2p-key"])
    expect(userData).not.toContain(mockKey(k).secretKey.slice(8));
  expect(userData).not.toContain(mockSeed("mpc-node-1-store-key", 16).toString("hex"));
  // EC2's 16 KiB limit applies to the user data as sent: gzip (platform/host/render.ts).
  expect(Buffer.from(sent, "base64").length).toBeLessThan(16384);
  expect(userData).toContain(`cat > "$LIB_DIR/image-pin.sh"`);
});

test("signer set-up on the base instance: participants with P2P keys and DNS URLs, threshold, keys by reference", () => {
  expect(envOf("signer-setup").SSM_RUN_OPERATION).toBe("mpc-setup-signer");
  const payload = payloadOf("signer-setup");
  expect(payload).toMatchObject({
    rootAccountId: "localnet",
    rootKey: "ssm:/near-localnet/localnet-account-key",
    contractId: "v1.signer.localnet",
    threshold: 2,
    chainId: "mpc-localnet",
  });
  expect(payload.nodes).toEqual(
    [0, 1, 2].map((i) => ({
      accountId: `mpc-node-${i}.localnet`,
      accountPublicKey: mockKey(`mpc-node-${i}-account-key`).publicKey,
      p2pPublicKey: mockKey(`mpc-node-${i}-p2p-key`).publicKey,
      url: `http://mpc-node-${i}.localnet.near-localnet.internal:3000`,
    })),
  );
  expect(JSON.stringify(payload)).not.toMatch(/ed25519:[1-9A-HJ-NP-Za-km-z]{80,}/);
  // the default release's contract is the one the set-up deploys when the payload names none
  expect(payload.wasm).toBeUndefined();
});

test("every node votes for the domains with its own key on its own instance", () => {
  const instances = mpcRecords("aws:ec2/instance:Instance");
  [0, 1, 2].forEach((i) => {
    const env = envOf(`mpc-node-${i}-vote-domains`);
    expect(env.SSM_RUN_OPERATION).toBe("mpc-vote-domains");
    expect(env.SSM_RUN_INSTANCE_ID).toMatch(/^i-/);
    expect(env.SSM_RUN_INSTANCE_ID).not.toBe(envOf("signer-setup").SSM_RUN_INSTANCE_ID);
    expect(payloadOf(`mpc-node-${i}-vote-domains`)).toEqual({
      contractId: "v1.signer.localnet",
      accountId: `mpc-node-${i}.localnet`,
      key: `secretsmanager:mpc-node-${i}-mpc_account_sk`,
      schemes: ["secp256k1", "ed25519"],
      reconstructionThreshold: 2,
      rpcUrl: expect.stringMatching(/^http:\/\/10\.42\.\d+\.\d+:3030$/),
      chainId: "mpc-localnet",
    });
    const vote = h.one("near-localnet:index:SsmOperation", `mpc-node-${i}-vote-domains`);
    expect(vote.dependencies).toContain(h.one("command:local:Command", "signer-setup-run").urn);
    expect(instances).toHaveLength(3);
  });
});

test("keygen wait follows every vote; root keys become outputs", async () => {
  const wait = h.one("near-localnet:index:SsmOperation", "keygen");
  for (const i of [0, 1, 2])
    expect(wait.dependencies).toContain(h.one("command:local:Command", `mpc-node-${i}-vote-domains-run`).urn);
  expect(payloadOf("keygen")).toMatchObject({
    contractId: "v1.signer.localnet",
    schemes: ["secp256k1", "ed25519"],
    timeoutMs: 1800000,
  });
  expect(await valueOf(mpc.rootKeys)).toEqual(ROOT_KEYS);
  expect(await valueOf(mpc.domains)).toEqual([
    { id: 0, scheme: "secp256k1", protocol: "CaitSith", purpose: "Sign" },
    { id: 1, scheme: "ed25519", protocol: "Frost", purpose: "Sign" },
  ]);
  expect(await valueOf(mpc.codeHash)).toBe("F8NqkFhF97BxjYrweg3hFFhdH57k4qgqoPdLDwP6H9dL");
});

test("discovery: records for rpc and each node in a private namespace", () => {
  expect((h.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").inputs as any).name).toBe(
    "localnet.near-localnet.internal",
  );
  expect(h.byType("aws:servicediscovery/service:Service").map((s) => (s.inputs as any).name)).toEqual([
    "rpc",
    "mpc-node-0",
    "mpc-node-1",
    "mpc-node-2",
  ]);
  for (const r of h.byType("aws:servicediscovery/instance:Instance"))
    expect((r.inputs as any).attributes.AWS_INSTANCE_IPV4).toMatch(/^10\.42\./);
});

test("sizing follows the instance type", () => {
  expect(mpcSizing("m6i.large")).toEqual({ cores: 2, triples: 128, presignatures: 64 });
  expect(mpcSizing("m6i.2xlarge")).toEqual({ cores: 8, triples: 512, presignatures: 256 });
  expect(mpcSizing("c6i.8xlarge")).toEqual({ cores: 16, triples: 1024, presignatures: 512 });
});
