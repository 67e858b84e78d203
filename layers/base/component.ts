// Layer 1, NEAR Base: the network, one neard node (localnet validator, RPC :3030, P2P :24567),
// the genesis with the root account, the keys, and the bucket that carries the exact genesis
// bytes (and later the operations bundle) to every other host.
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { LocalnetConfig } from "../config.js";
import { arnContext, s3ObjectArn, ssmParameterArn } from "../../platform/host/aws-arns.js";
import { nearKeyPair } from "../../platform/host/keys.js";
import { FAUCET_KEY_LEAF, nameTags, physicalName, rootKeyLeaf, ssmName } from "../../platform/host/naming.js";
import { containerLogGroupName, shipContainerLogsStatement } from "../../platform/host/container-logs.js";
import { createNetwork } from "./network.js";
import { NodeHost } from "../../platform/host/node-host.js";
import { OpsChannel, type OpsBundleRef } from "../../platform/ssm/ops-channel.js";
import { renderUserData } from "../../platform/host/render.js";
import { HOST_SCRIPTS } from "../../platform/host/scripts.js";
import { BASE_SCRIPTS } from "./scripts.js";
import type { GenesisLocation } from "./outputs.js";
import { NEAR_P2P_PORT, NEAR_RPC_PORT } from "../../platform/near/ports.js";

export const GENESIS_KEY = "genesis/genesis.json";
/** How long `up` waits for the first boot to publish the genesis. */
const GENESIS_WAIT_SECONDS = 900;

export interface NearBaseArgs {
  config: LocalnetConfig;
}

export class NearBase extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly vpcCidr: pulumi.Output<string>;
  public readonly subnetId: pulumi.Output<string>;
  public readonly subnetIds: pulumi.Output<string[]>;
  public readonly availabilityZone: pulumi.Output<string>;
  /** Whether hosts need a public IP for egress (egress mode "public"). */
  public readonly publicEgress: boolean;
  /** What a host's public IP must wait for (egress "public" in a created VPC). */
  public readonly publicIpDependsOn: pulumi.Resource[] | undefined;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly instanceId: pulumi.Output<string>;
  public readonly privateIp: pulumi.Output<string>;
  public readonly roleName: pulumi.Output<string>;
  public readonly rpcUrl: pulumi.Output<string>;
  public readonly chainId: pulumi.Output<string>;
  public readonly nodePublicKey: pulumi.Output<string>;
  public readonly validatorPublicKey: pulumi.Output<string>;
  public readonly bootNodes: pulumi.Output<string>;
  public readonly artifactsBucket: pulumi.Output<string>;
  public readonly genesis: pulumi.Output<GenesisLocation>;
  /**
   * Where the genesis is published, known before it is: hosts that join the chain wait for the
   * object themselves (its metadata names the data volume below), so they need not wait for `genesis`.
   */
  public readonly genesisObject: { bucket: pulumi.Output<string>; key: string };
  /** The base node's data volume: the genesis published from it is the current chain's. */
  public readonly dataVolumeId: pulumi.Output<string>;
  public readonly rootAccountId: pulumi.Output<string>;
  public readonly rootPublicKey: pulumi.Output<string>;
  public readonly rootAccountKeyParameter: pulumi.Output<string>;
  public readonly rootAccountIdParameter: pulumi.Output<string>;
  /** The in-VPC operations channel: SSM documents and the NEAR operations bundle. */
  public readonly ops: OpsChannel;
  public readonly opsDocument: pulumi.Output<string>;
  public readonly diagnosticsDocument: pulumi.Output<string>;
  public readonly opsBundle: OpsBundleRef;
  /** The stack's CloudWatch Logs group of container logs (every layer's hosts write to it). */
  public readonly logGroupName: pulumi.Output<string>;
  public readonly logGroupArn: pulumi.Output<string>;

  constructor(name: string, args: NearBaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("near-localnet:index:NearBase", name, {}, opts);
    const cfg = args.config;
    const base = cfg.base;
    const p = { parent: this };
    const network = createNetwork(cfg, this);
    const sg = securityGroup(cfg, network, p);
    const keys = nodeKeys(cfg, p);
    const bucket = artifactsBucket(cfg, p);
    const ops = new OpsChannel(
      "ops",
      {
        namePrefix: physicalName(cfg, "ops"),
        bucket: bucket.bucket,
        tags: nameTags(cfg, "ops", "base"),
        nodeImage: base.opsImage,
      },
      p,
    );
    const logs = containerLogGroup(cfg, p);
    const host = baseHost(cfg, { network, sg, keys, bucket, ops, logs, arns: arnContext(this) }, p);
    const genesisWait = genesisPublished(cfg, bucket, host, p);

    this.vpcId = network.vpcId;
    this.vpcCidr = network.vpcCidr;
    this.subnetId = network.subnetId;
    this.subnetIds = network.subnetIds;
    this.availabilityZone = network.availabilityZone;
    this.publicEgress = network.publicIp;
    this.publicIpDependsOn = network.internetGateway ? [network.internetGateway] : undefined;
    this.securityGroupId = sg.id;
    this.instanceId = host.instanceId;
    this.privateIp = host.privateIp;
    this.roleName = host.roleName;
    this.rpcUrl = pulumi.interpolate`http://${host.privateIp}:${NEAR_RPC_PORT}`;
    this.chainId = pulumi.output(base.chainId);
    this.nodePublicKey = keys.node.publicKey;
    this.validatorPublicKey = keys.validator.publicKey;
    // From program-held values, never read back from a file on the node.
    this.bootNodes = pulumi.interpolate`${keys.node.publicKey}@${host.privateIp}:${NEAR_P2P_PORT}`;
    this.artifactsBucket = bucket.bucket;
    this.genesis = pulumi.all([bucket.bucket, genesisWait.stdout]).apply(([b, stdout]) => ({
      bucket: b,
      key: GENESIS_KEY,
      uri: `s3://${b}/${GENESIS_KEY}`,
      sha256: parseGenesisWait(stdout).sha256,
    }));
    this.genesisObject = { bucket: bucket.bucket, key: GENESIS_KEY };
    this.dataVolumeId = host.dataVolumeId;
    this.rootAccountId = pulumi.output(base.rootAccountId);
    this.rootPublicKey = keys.root.publicKey;
    this.rootAccountKeyParameter = keys.rootParam.name;
    this.rootAccountIdParameter = keys.rootIdParam.name;
    this.ops = ops;
    this.opsDocument = ops.runOpDocument;
    this.diagnosticsDocument = ops.diagnosticsDocument;
    this.opsBundle = ops.bundle;
    this.logGroupName = logs.name;
    this.logGroupArn = logs.arn;

    this.registerOutputs({
      instanceId: this.instanceId,
      privateIp: this.privateIp,
      rpcUrl: this.rpcUrl,
      chainId: this.chainId,
      bootNodes: this.bootNodes,
      genesis: this.genesis,
    });
  }
}

type Parent = { parent: pulumi.Resource };

/** Only the VPC may reach the node; nothing else comes in. */
function securityGroup(
  cfg: LocalnetConfig,
  network: ReturnType<typeof createNetwork>,
  p: Parent,
): aws.ec2.SecurityGroup {
  const tags = (leaf: string) => nameTags(cfg, leaf, "base");
  const sg = new aws.ec2.SecurityGroup(
    "base-sg",
    {
      vpcId: network.vpcId,
      description: "NEAR base node: RPC and P2P from inside the VPC only",
      tags: tags("base-sg"),
    },
    p,
  );
  for (const [rule, port] of [
    ["rpc", NEAR_RPC_PORT],
    ["p2p", NEAR_P2P_PORT],
  ] as const) {
    new aws.vpc.SecurityGroupIngressRule(
      `base-${rule}-from-vpc`,
      {
        securityGroupId: sg.id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: network.vpcCidr,
        description: `${rule} from inside the VPC`,
        tags: tags(`base-${rule}`),
      },
      p,
    );
  }
  new aws.vpc.SecurityGroupEgressRule(
    "base-egress",
    {
      securityGroupId: sg.id,
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
      description: "image pulls, AWS APIs",
      tags: tags("base-egress"),
    },
    p,
  );
  return sg;
}

/** Keys held by the program (the peer id is known before boot and never changes), kept as SecureStrings. */
function nodeKeys(cfg: LocalnetConfig, p: Parent) {
  const base = cfg.base;
  const tags = (leaf: string) => nameTags(cfg, leaf, "base");
  const node = nearKeyPair("base-node-key", p);
  const validator = nearKeyPair("base-validator-key", p);
  const root = nearKeyPair("root-account-key", p);
  const secureParam = (resName: string, leaf: string, value: pulumi.Output<string>, description: string) =>
    new aws.ssm.Parameter(
      resName,
      { name: ssmName(cfg, leaf), type: "SecureString", value, description, tags: tags(leaf) },
      p,
    );
  const nodeParam = secureParam("node-key", "node-key", node.secretKey, "neard node (peer) secret key");
  const validatorParam = secureParam(
    "validator-key",
    "validator-key",
    validator.secretKey,
    "neard validator secret key",
  );
  const rootParam = secureParam(
    "root-account-key",
    rootKeyLeaf(base.rootAccountId),
    root.secretKey,
    `full-access secret key of ${base.rootAccountId}`,
  );
  const rootIdParam = new aws.ssm.Parameter(
    "root-account-id",
    {
      name: ssmName(cfg, `${base.rootAccountId}-account-id`),
      type: "String",
      insecureValue: base.rootAccountId,
      description: "the localnet root account",
      tags: tags("root-account-id"),
    },
    p,
  );
  return { node, validator, root, nodeParam, validatorParam, rootParam, rootIdParam };
}

/** Carries the exact genesis bytes to joiners (and the operations bundle): private, encrypted. */
function artifactsBucket(cfg: LocalnetConfig, p: Parent): aws.s3.Bucket {
  const tags = nameTags(cfg, "artifacts", "base");
  const bucket = new aws.s3.Bucket(
    "artifacts",
    { bucketPrefix: `${physicalName(cfg, "artifacts")}-`.slice(0, 37), forceDestroy: true, tags },
    p,
  );
  new aws.s3.BucketPublicAccessBlock(
    "artifacts-private",
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    p,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    "artifacts-encryption",
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
    },
    p,
  );
  new aws.s3.BucketOwnershipControls(
    "artifacts-ownership",
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    p,
  );
  return bucket;
}

/** The containers' log lines, kept `logRetentionDays` days (0: never expire). */
function containerLogGroup(cfg: LocalnetConfig, p: Parent): aws.cloudwatch.LogGroup {
  return new aws.cloudwatch.LogGroup(
    "container-logs",
    {
      name: containerLogGroupName(cfg),
      retentionInDays: cfg.base.logRetentionDays,
      tags: nameTags(cfg, "container-logs", "base"),
    },
    p,
  );
}

interface HostParts {
  logs: aws.cloudwatch.LogGroup;
  network: ReturnType<typeof createNetwork>;
  sg: aws.ec2.SecurityGroup;
  keys: ReturnType<typeof nodeKeys>;
  bucket: aws.s3.Bucket;
  ops: OpsChannel;
  arns: ReturnType<typeof arnContext>;
}

/** The bootstrap's settings: no secret, only parameter names and public keys. */
function bootstrapUserData(
  cfg: LocalnetConfig,
  { keys, bucket, logs }: Pick<HostParts, "keys" | "bucket" | "logs">,
  volumeId: pulumi.Output<string>,
) {
  const base = cfg.base;
  return pulumi
    .all([volumeId, bucket.bucket, keys.node.publicKey, keys.validator.publicKey, keys.root.publicKey, logs.name])
    .apply(([vol, bucketName, nodePub, validatorPub, rootPub, logGroup]) =>
      renderUserData({
        script: BASE_SCRIPTS.bootstrap,
        files: [BASE_SCRIPTS.genesisPatch, BASE_SCRIPTS.configPatch, HOST_SCRIPTS.imagePin],
        env: {
          AWS_REGION: cfg.region,
          CHAIN_ID: base.chainId,
          NEAR_IMAGE: base.nearcoreImage,
          DATA_VOLUME_ID: vol,
          NODE_KEY_PARAM: ssmName(cfg, "node-key"),
          VALIDATOR_KEY_PARAM: ssmName(cfg, "validator-key"),
          NODE_PUBLIC_KEY: nodePub,
          VALIDATOR_PUBLIC_KEY: validatorPub,
          VALIDATOR_ACCOUNT_ID: base.validatorAccountId,
          ROOT_ACCOUNT_ID: base.rootAccountId,
          ROOT_PUBLIC_KEY: rootPub,
          ROOT_BALANCE_YOCTO: base.rootBalanceYocto,
          GENESIS_BUCKET: bucketName,
          GENESIS_KEY,
          GC_NUM_EPOCHS_TO_KEEP: base.gcNumEpochsToKeep,
          LOG_GROUP: logGroup,
        },
      }),
    );
}

function baseHost(cfg: LocalnetConfig, parts: HostParts, p: Parent): NodeHost {
  const { network, sg, keys, bucket, ops, logs, arns } = parts;
  return new NodeHost(
    "base",
    {
      subnetId: network.subnetId,
      availabilityZone: network.availabilityZone,
      securityGroupIds: [sg.id],
      instanceType: cfg.base.instanceType,
      amiParameter: cfg.amiParameter,
      amiId: cfg.amiId,
      dataVolumeGiB: cfg.base.dataVolumeGiB,
      publicIp: network.publicIp,
      tags: nameTags(cfg, "base", "base"),
      userData: (volumeId) => bootstrapUserData(cfg, parts, volumeId),
      policy: [
        {
          Sid: "ReadOwnNodeKeys",
          Effect: "Allow",
          Action: ["ssm:GetParameter"],
          Resource: [ssmParameterArn(arns, keys.nodeParam.name), ssmParameterArn(arns, keys.validatorParam.name)],
        },
        // The root key is this layer's: the operations of the layers above that sign as the root
        // account run on this host, whichever layer deploys first.
        {
          Sid: "ReadRootAccountKey",
          Effect: "Allow",
          Action: ["ssm:GetParameter"],
          Resource: ssmParameterArn(arns, keys.rootParam.name),
        },
        {
          Sid: "WriteOwnGenesis",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject"],
          Resource: s3ObjectArn(arns, bucket.bucket, GENESIS_KEY),
        },
        ops.bundleReadStatement(arns),
        shipContainerLogsStatement(logs.arn),
      ],
      // Its node keys, and the root and faucet keys Layer 2's operations use on this host.
      readableParameters: [
        keys.nodeParam.name,
        keys.validatorParam.name,
        keys.rootParam.name,
        ssmName(cfg, FAUCET_KEY_LEAF),
      ].map((n) => ssmParameterArn(arns, n)),
      publicIpDependsOn: network.internetGateway ? [network.internetGateway] : undefined,
    },
    { ...p, dependsOn: [keys.nodeParam, keys.validatorParam] },
  );
}

/**
 * Waits for the first boot to publish the genesis; its sha256 pins what joiners accept.
 * Re-runs only for a new instance or volume (the bytes then stay the same unless re-initialised).
 */
function genesisPublished(
  cfg: LocalnetConfig,
  bucket: aws.s3.Bucket,
  host: NodeHost,
  p: Parent,
): command.local.Command {
  const timeout = `${GENESIS_WAIT_SECONDS + 60}s`;
  return new command.local.Command(
    "genesis-published",
    {
      create: "node --import tsx automation/await-genesis.ts",
      environment: {
        AWS_REGION: cfg.region,
        GENESIS_BUCKET: bucket.bucket,
        GENESIS_KEY,
        // The genesis of THIS data volume's chain: an object left by a replaced volume does not count.
        DATA_VOLUME_ID: host.dataVolumeId,
        TIMEOUT_SECONDS: String(GENESIS_WAIT_SECONDS),
        ...(cfg.awsProfile ? { AWS_PROFILE: cfg.awsProfile } : {}),
      },
      triggers: [host.instanceId, host.dataVolumeId],
      logging: "stderr",
    },
    { ...p, dependsOn: [host.ready], customTimeouts: { create: timeout, update: timeout } },
  );
}

/** The await-genesis command prints one JSON line {"sha256","bytes"} on stdout. */
function parseGenesisWait(stdout: string | undefined): { sha256: string; bytes: number } {
  if (!stdout) return { sha256: "", bytes: 0 };
  const line = stdout.trim().split("\n").pop() ?? "";
  const parsed = JSON.parse(line) as { sha256?: unknown; bytes?: unknown };
  if (typeof parsed.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(parsed.sha256)) {
    throw new Error(`await-genesis printed no sha256: ${line}`);
  }
  return { sha256: parsed.sha256, bytes: Number(parsed.bytes ?? 0) };
}
