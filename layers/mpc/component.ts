// Layer 3, Chain Signatures: n MPC nodes (default 3, threshold 2) joined to the base chain, the
// signer contract (v1.signer.<root>) initialised with them as participants, the signature
// domains voted by EVERY node with its own key (on its own instance, so no key leaves it), and
// the wait for distributed key generation. Keys are made by the program and kept in its state,
// so on-chain access keys, participant keys and node secrets can never drift apart.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SIGNER_CONTRACT_ACCOUNT, SIGNER_WASM } from "./ops/constants.js";
import { arnContext, s3ObjectArn } from "../../platform/host/aws-arns.js";
import type { LocalnetConfig } from "../config.js";
import { SCHEMES, type SignatureScheme } from "../../platform/chainsig/schemes.js";
import { hexSecret, nearKeyPair, type NearKeyPair } from "../../platform/host/keys.js";
import { nameTags, physicalName, secretName } from "../../platform/host/naming.js";
import type { NearBase } from "../base/component.js";
import { NodeHost } from "../../platform/host/node-host.js";
import { renderUserData } from "../../platform/host/render.js";
import { HOST_SCRIPTS } from "../../platform/host/scripts.js";
import { shipContainerLogsStatement } from "../../platform/host/container-logs.js";
import { MPC_SCRIPTS } from "./scripts.js";
import type { NearServices } from "../services/component.js";
import { LOCAL_RPC_URL, MPC_WEB_PORT, NEAR_P2P_PORT } from "../../platform/near/ports.js";
import { SsmOperation } from "../../platform/ssm/operation.js";
import { MPC_NODE_ACCOUNT_PREFIX } from "../accounts.js";
import { mpcRestart, RESTART_DOCUMENT_TIMEOUT_SECONDS } from "./restart.js";

/** How long `up` waits for distributed key generation, seconds. */
const KEYGEN_TIMEOUT_SECONDS = 1800;

/**
 * Buffers and cores sized to the instance: small hosts need near/mpc's small localnet buffers
 * (128 triples, 64 presignatures) or they spend their CPU pre-computing.
 */
export function mpcSizing(instanceType: string): { cores: number; triples: number; presignatures: number } {
  const size = instanceType.split(".")[1] ?? "";
  const vcpus =
    size === "large"
      ? 2
      : size === "xlarge"
        ? 4
        : /^(\d+)xlarge$/.test(size)
          ? 4 * Number(size.replace("xlarge", ""))
          : 2;
  const cores = Math.max(1, Math.min(vcpus, 16));
  if (vcpus <= 4) return { cores, triples: 128, presignatures: 64 };
  if (vcpus <= 8) return { cores, triples: 512, presignatures: 256 };
  return { cores, triples: 1024, presignatures: 512 };
}

export interface ChainSignaturesArgs {
  config: LocalnetConfig;
  base: NearBase;
  /**
   * Layer 2 comes first on chain: its operations and the signer set-up both sign as the root
   * account from the base host, and one access key's transactions must not race for nonces.
   */
  services: NearServices;
}

/** One MPC node of the component: its host's outputs and its on-chain identity. */
export interface MpcNode {
  index: number;
  instanceId: pulumi.Output<string>;
  privateIp: pulumi.Output<string>;
  address: pulumi.Output<string>;
  url: pulumi.Output<string>;
  accountId: string;
  /** Secrets Manager name of the node's account key (read only by that node). */
  accountSecret: string;
  accountPublicKey: pulumi.Output<string>;
  p2pPublicKey: pulumi.Output<string>;
}

interface NodeSecrets {
  accountKey: NearKeyPair;
  p2pKey: NearKeyPair;
  names: { account: string; p2p: string; store: string };
  arns: pulumi.Output<string>[];
  versions: aws.secretsmanager.SecretVersion[];
}

export class ChainSignatures extends pulumi.ComponentResource {
  public readonly nodes: MpcNode[];
  /** Undefined until the signer set-up ran: a skipped operation must not read as a deployed contract. */
  public readonly contractId: pulumi.Output<string | undefined>;
  public readonly codeHash: pulumi.Output<string>;
  public readonly threshold: pulumi.Output<number>;
  public readonly domains: pulumi.Output<
    Array<{ id: number; scheme: SignatureScheme; protocol: string; purpose: string }>
  >;
  /** Each domain's root public key, once keygen completed. */
  public readonly rootKeys: pulumi.Output<Array<{ domainId: number; scheme: string; publicKey: string }>>;
  public readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: ChainSignaturesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("near-localnet:index:ChainSignatures", name, {}, opts);
    const { config: cfg, base, services } = args;
    const mpc = cfg.mpc;
    const p = { parent: this };
    const root = cfg.base.rootAccountId;
    const contractId = `v1.signer.${root}`;
    if (root === "localnet" && contractId !== SIGNER_CONTRACT_ACCOUNT)
      throw new Error("signer contract account drifted from ops/mpc");
    const ctx: NodeContext = { cfg, base, contractId, arns: arnContext(this), p };

    const discovery = createDiscovery(ctx);
    discovery.register("rpc", base.privateIp);
    const sg = securityGroup(ctx);
    const hosts: NodeHost[] = [];
    const nodes: MpcNode[] = [];
    for (let i = 0; i < mpc.nodes; i++) {
      const leaf = `mpc-node-${i}`;
      const secrets = this.nodeSecrets(cfg, i, nameTags(cfg, leaf, "mpc"));
      const host = mpcHost(ctx, i, sg, secrets);
      hosts.push(host);
      // The participant URL names the node by DNS, so it survives even a new network interface.
      const address = discovery.register(leaf, host.privateIp);
      nodes.push({
        index: i,
        instanceId: host.instanceId,
        privateIp: host.privateIp,
        address,
        url: pulumi.interpolate`http://${address}:${mpc.p2pPort}`,
        accountId: `${leaf}.${root}`,
        accountSecret: secrets.names.account,
        accountPublicKey: secrets.accountKey.publicKey,
        p2pPublicKey: secrets.p2pKey.publicKey,
      });
    }
    const setup = signerSetup(ctx, nodes, { ...p, dependsOn: [services] });
    const attestation = attestationGuard(ctx, nodes);
    const attested = attestationCheck(ctx, attestation, { ...p, dependsOn: [setup, ...hosts] });
    const votes = nodes.map((n, i) => domainVote(ctx, n, { ...p, dependsOn: [setup, attested, hosts[i]] }));
    const keygen = keygenWait(ctx, attestation, { ...p, dependsOn: votes });

    this.nodes = nodes;
    this.contractId = setup.result.apply((r) => (r === undefined ? undefined : contractId));
    this.codeHash = pulumi.output(mpc.signer.codeHash);
    this.threshold = pulumi.output(mpc.threshold);
    // Domain ids are the contract's (its registry, as the keygen wait read it), not list positions: a keygen
    // cancelled and voted again gets new ids (vote_cancel_keygen never reuses one). Before keygen has run,
    // the ids the domains will get on a fresh contract.
    this.domains = keygen.result.apply((r) => {
      const ids = new Map(((r as KeygenDomains | undefined)?.domains ?? []).map((d) => [d.scheme, d.domainId]));
      return mpc.domains.map((scheme, i) => {
        const { protocol, purpose } = SCHEMES[scheme];
        return { id: ids.get(scheme) ?? i, scheme, protocol, purpose };
      });
    });
    this.rootKeys = keygen.result.apply((r) =>
      ((r as KeygenDomains | undefined)?.domains ?? []).map((d) => ({
        domainId: d.domainId,
        scheme: d.scheme,
        publicKey: d.publicKey,
      })),
    );
    this.namespace = discovery.namespace.name;
    this.registerOutputs({
      contractId: this.contractId,
      threshold: this.threshold,
      domains: this.domains,
      rootKeys: this.rootKeys,
    });
  }

  private nodeSecrets(cfg: LocalnetConfig, i: number, tags: Record<string, string>): NodeSecrets {
    const p = { parent: this };
    const leaf = `mpc-node-${i}`;
    const accountKey = nearKeyPair(`${leaf}-account-key`, p);
    const p2pKey = nearKeyPair(`${leaf}-p2p-key`, p);
    // MPC_SECRET_STORE_KEY: exactly 32 hex characters (16 bytes).
    const storeKey = hexSecret(`${leaf}-store-key`, 16, p);
    const names = {
      account: secretName(cfg, `${leaf}-mpc_account_sk`),
      p2p: secretName(cfg, `${leaf}-mpc_p2p_private_key`),
      store: secretName(cfg, `${leaf}-mpc_secret_store_key`),
    };
    const arns: pulumi.Output<string>[] = [];
    const versions: aws.secretsmanager.SecretVersion[] = [];
    for (const [kind, secretValue] of [
      ["account", accountKey.secretKey],
      ["p2p", p2pKey.secretKey],
      ["store", storeKey],
    ] as const) {
      const secret = new aws.secretsmanager.Secret(
        `${leaf}-${kind}-secret`,
        // No recovery window: a destroyed stack can be re-created under the same names at once.
        { name: names[kind], description: `${physicalName(cfg, leaf)} ${kind} key`, recoveryWindowInDays: 0, tags },
        p,
      );
      versions.push(
        new aws.secretsmanager.SecretVersion(
          `${leaf}-${kind}-secret-value`,
          { secretId: secret.id, secretString: secretValue },
          p,
        ),
      );
      arns.push(secret.arn);
    }
    return { accountKey, p2pKey, names, arns, versions };
  }
}

/** The keygen wait's result: each configured scheme's domain id and root key, as the contract holds them. */
type KeygenDomains = { domains?: Array<{ scheme: string; domainId: number; publicKey: string }> };

/** What the parts of Layer 3 share: the configuration, Layer 1, the contract, ARNs, the parent. */
interface NodeContext {
  cfg: LocalnetConfig;
  base: NearBase;
  contractId: string;
  arns: ReturnType<typeof arnContext>;
  p: { parent: pulumi.Resource };
}

const mpcTags = (cfg: LocalnetConfig, leaf: string) => nameTags(cfg, leaf, "mpc");

/** Discovery: the program registers every record itself, so no instance needs discovery rights. */
function createDiscovery({ cfg, base, p }: NodeContext) {
  const namespace = new aws.servicediscovery.PrivateDnsNamespace(
    "discovery",
    {
      name: `${cfg.stack}.${cfg.namePrefix}.internal`,
      vpc: base.vpcId,
      description: "near-localnet node addresses",
      tags: mpcTags(cfg, "discovery"),
    },
    p,
  );
  const register = (leaf: string, ip: pulumi.Input<string>) => {
    const service = new aws.servicediscovery.Service(
      `${leaf}-dns`,
      {
        name: leaf,
        namespaceId: namespace.id,
        dnsConfig: { namespaceId: namespace.id, routingPolicy: "MULTIVALUE", dnsRecords: [{ type: "A", ttl: 10 }] },
        forceDestroy: true,
        tags: mpcTags(cfg, `${leaf}-dns`),
      },
      p,
    );
    new aws.servicediscovery.Instance(
      `${leaf}-dns-record`,
      { instanceId: leaf, serviceId: service.id, attributes: { AWS_INSTANCE_IPV4: ip } },
      p,
    );
    return pulumi.interpolate`${leaf}.${namespace.name}`;
  };
  return { namespace, register };
}

/**
 * P2P only between MPC nodes; the embedded neard's P2P with the base node and each other;
 * the web UI (health, metrics) from the VPC. Nothing from outside.
 */
function securityGroup({ cfg, base, p }: NodeContext): aws.ec2.SecurityGroup {
  const sg = new aws.ec2.SecurityGroup(
    "mpc-sg",
    {
      vpcId: base.vpcId,
      description: "MPC nodes: P2P among nodes, NEAR P2P, web UI from the VPC",
      tags: mpcTags(cfg, "mpc-sg"),
    },
    p,
  );
  const ingress = (
    leaf: string,
    port: number,
    from: { cidrIpv4?: pulumi.Input<string>; referencedSecurityGroupId?: pulumi.Input<string> },
    description: string,
  ) =>
    new aws.vpc.SecurityGroupIngressRule(
      leaf,
      {
        securityGroupId: sg.id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        description,
        tags: mpcTags(cfg, leaf),
        ...from,
      },
      p,
    );
  ingress("mpc-p2p-from-mpc", cfg.mpc.p2pPort, { referencedSecurityGroupId: sg.id }, "MPC P2P between MPC nodes");
  ingress("mpc-near-p2p-from-mpc", NEAR_P2P_PORT, { referencedSecurityGroupId: sg.id }, "NEAR P2P among MPC nodes");
  ingress(
    "mpc-near-p2p-from-base",
    NEAR_P2P_PORT,
    { referencedSecurityGroupId: base.securityGroupId },
    "NEAR P2P from the base node",
  );
  ingress("mpc-web-from-vpc", MPC_WEB_PORT, { cidrIpv4: base.vpcCidr }, "health and metrics from inside the VPC");
  new aws.vpc.SecurityGroupEgressRule(
    "mpc-egress",
    {
      securityGroupId: sg.id,
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
      description: "image pulls, AWS APIs, the base node",
      tags: mpcTags(cfg, "mpc-egress"),
    },
    p,
  );
  return sg;
}

/** The node's bootstrap settings: no secret, only secret names, the genesis location and public values. */
function nodeUserData(
  { cfg, base, contractId }: NodeContext,
  i: number,
  s: NodeSecrets,
  volumeId: pulumi.Output<string>,
) {
  const mpc = cfg.mpc;
  const sizing = mpcSizing(mpc.instanceType);
  // The genesis location, not its published sha256: the host boots, pulls its image and prepares
  // its volume while the base is still coming up, and waits for the genesis itself.
  const g = base.genesisObject;
  return pulumi
    .all([volumeId, g.bucket, base.dataVolumeId, base.bootNodes, base.logGroupName])
    .apply(([vol, bucket, baseVolume, bootNodes, logs]) =>
      renderUserData({
        script: MPC_SCRIPTS.bootstrap,
        files: [MPC_SCRIPTS.nearConfig, HOST_SCRIPTS.imagePin],
        env: {
          AWS_REGION: cfg.region,
          NODE_INDEX: i,
          ACCOUNT_ID: `${MPC_NODE_ACCOUNT_PREFIX}${i}.${cfg.base.rootAccountId}`,
          CONTRACT_ID: contractId,
          MPC_IMAGE: mpc.image,
          CHAIN_ID: cfg.base.chainId,
          BOOT_NODES: bootNodes,
          RUST_LOG: "info",
          P2P_PORT: mpc.p2pPort,
          WEB_PORT: MPC_WEB_PORT,
          CORES: sizing.cores,
          TRIPLES_TO_BUFFER: sizing.triples,
          PRESIGNATURES_TO_BUFFER: sizing.presignatures,
          GENESIS_BUCKET: bucket,
          GENESIS_KEY: g.key,
          BASE_DATA_VOLUME_ID: baseVolume,
          DATA_VOLUME_ID: vol,
          ACCOUNT_SK_SECRET: s.names.account,
          P2P_KEY_SECRET: s.names.p2p,
          STORE_KEY_SECRET: s.names.store,
          LOG_GROUP: logs,
        },
      }),
    );
}

function mpcHost(ctx: NodeContext, i: number, sg: aws.ec2.SecurityGroup, s: NodeSecrets): NodeHost {
  const { cfg, base, arns, p } = ctx;
  const leaf = `mpc-node-${i}`;
  return new NodeHost(
    leaf,
    {
      subnetId: base.subnetId,
      availabilityZone: base.availabilityZone,
      securityGroupIds: [sg.id],
      instanceType: cfg.mpc.instanceType,
      amiParameter: cfg.amiParameter,
      amiId: cfg.amiId,
      dataVolumeGiB: cfg.mpc.dataVolumeGiB,
      publicIp: base.publicEgress,
      publicIpDependsOn: base.publicIpDependsOn,
      // MPC hosts read no SSM parameter: their keys are in Secrets Manager.
      readableParameters: [],
      tags: mpcTags(cfg, leaf),
      userData: (volumeId) => nodeUserData(ctx, i, s, volumeId),
      policy: [
        // Its own three secrets and nothing else.
        { Sid: "ReadOwnSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: s.arns },
        {
          Sid: "ReadGenesis",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: s3ObjectArn(arns, base.genesisObject.bucket, base.genesisObject.key),
        },
        base.ops.bundleReadStatement(arns),
        shipContainerLogsStatement(base.logGroupArn),
      ],
    },
    { ...p, dependsOn: s.versions },
  );
}

/** The stack's operations channel (run on an instance through SSM). */
function channelOf({ cfg, base }: NodeContext) {
  return { documentName: base.opsDocument, bundle: base.opsBundle, region: cfg.region, awsProfile: cfg.awsProfile };
}

/** On chain, from the base instance: accounts, the pinned signer contract, guarded init. */
function signerSetup(ctx: NodeContext, nodes: MpcNode[], opts: pulumi.ComponentResourceOptions): SsmOperation {
  const { cfg, base, contractId } = ctx;
  const mpc = cfg.mpc;
  const nodeValues = pulumi.all(nodes.map((n) => pulumi.all([n.accountPublicKey, n.p2pPublicKey, n.url])));
  return new SsmOperation(
    "signer-setup",
    {
      ...channelOf(ctx),
      instanceId: base.instanceId,
      operation: "mpc-setup-signer",
      payload: pulumi.all([base.rootAccountKeyParameter, nodeValues]).apply(([rootKeyParam, values]) => ({
        rootAccountId: cfg.base.rootAccountId,
        rootKey: `ssm:${rootKeyParam}`,
        contractId,
        threshold: mpc.threshold,
        rpcUrl: LOCAL_RPC_URL,
        chainId: cfg.base.chainId,
        nodes: values.map(([accountPublicKey, p2pPublicKey, url], i) => ({
          accountId: nodes[i].accountId,
          accountPublicKey,
          p2pPublicKey,
          url,
        })),
        // Without a wasm the set-up deploys the default release's contract, so the default
        // release's payload stays as it was; another release names its own.
        ...(mpc.signer.wasm.sha256 === SIGNER_WASM.sha256 ? {} : { wasm: mpc.signer.wasm }),
      })),
      timeoutSeconds: 900,
    },
    opts,
  );
}

/** A participant votes for the domains with its own key, on its own instance. */
function domainVote(ctx: NodeContext, n: MpcNode, opts: pulumi.ComponentResourceOptions): SsmOperation {
  const { cfg, base, contractId } = ctx;
  return new SsmOperation(
    `mpc-node-${n.index}-vote-domains`,
    {
      ...channelOf(ctx),
      instanceId: n.instanceId,
      operation: "mpc-vote-domains",
      payload: pulumi.all([base.rpcUrl]).apply(([rpcUrl]) => ({
        contractId,
        accountId: n.accountId,
        key: `secretsmanager:${n.accountSecret}`,
        schemes: cfg.mpc.domains,
        reconstructionThreshold: cfg.mpc.threshold,
        rpcUrl,
        chainId: cfg.base.chainId,
      })),
      // Room for a fresh node's bootstrap (Docker, the MPC image) that run-op waits out first.
      timeoutSeconds: 1800,
    },
    opts,
  );
}

/** Waits, from the base instance, until distributed key generation gave every domain its key. */
function keygenWait(
  ctx: NodeContext,
  attestation: pulumi.Output<Record<string, unknown>>,
  opts: pulumi.ComponentResourceOptions,
): SsmOperation {
  const { cfg, base, contractId } = ctx;
  return new SsmOperation(
    "keygen",
    {
      ...channelOf(ctx),
      instanceId: base.instanceId,
      operation: "mpc-wait-keygen",
      payload: attestation.apply((a) => ({
        contractId,
        schemes: cfg.mpc.domains,
        rpcUrl: LOCAL_RPC_URL,
        chainId: cfg.base.chainId,
        timeoutMs: KEYGEN_TIMEOUT_SECONDS * 1000,
        pollMs: 5000,
        heartbeatMs: 60000,
        // a participant that stays unattested during the wait has its container restarted
        attestation: a,
      })),
      timeoutSeconds: KEYGEN_TIMEOUT_SECONDS + 120,
    },
    opts,
  );
}

/**
 * What the attestation check and the keygen wait need to restart a node: the restart document, each node's
 * account (public) key and instance. Public values only.
 */
function attestationGuard(ctx: NodeContext, nodes: MpcNode[]): pulumi.Output<Record<string, unknown>> {
  const { cfg, base, arns, p } = ctx;
  const restartDocument = mpcRestart(
    {
      namePrefix: physicalName(cfg, "mpc"),
      senderRoleName: base.roleName,
      instanceIds: nodes.map((n) => n.instanceId),
      arns,
      tags: mpcTags(cfg, "mpc-restart"),
    },
    p,
  );
  const values = pulumi.all(nodes.map((n) => pulumi.all([n.accountPublicKey, n.instanceId])));
  return pulumi.all([restartDocument, values]).apply(([doc, v]): Record<string, unknown> => ({
    restartDocument: doc,
    nodes: v.map(([accountPublicKey, instanceId], i) => ({
      accountId: nodes[i].accountId,
      accountPublicKey,
      instanceId,
    })),
    restartTimeoutSeconds: RESTART_DOCUMENT_TIMEOUT_SECONDS + 60,
  }));
}

/** Before the votes, from the base instance: every participant attested; a node that is not is restarted. */
function attestationCheck(
  ctx: NodeContext,
  attestation: pulumi.Output<Record<string, unknown>>,
  opts: pulumi.ComponentResourceOptions,
): SsmOperation {
  const { cfg, contractId, base } = ctx;
  return new SsmOperation(
    "attestation",
    {
      ...channelOf(ctx),
      instanceId: base.instanceId,
      operation: "mpc-ensure-attested",
      payload: attestation.apply((a) => ({
        contractId,
        rpcUrl: LOCAL_RPC_URL,
        chainId: cfg.base.chainId,
        attestation: a,
      })),
      // a node's own attempts (120 s), its restart (up to the document's bound), its attestation afterwards (900 s)
      timeoutSeconds: 120 + RESTART_DOCUMENT_TIMEOUT_SECONDS + 60 + 900 + 120,
    },
    opts,
  );
}
