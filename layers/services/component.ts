// Layer 2, NEAR Services: the core contracts (wrap, whitelist, staking-pool factory, with the
// factory whitelisted so pools can be created) and a faucet on the base instance. Everything
// on chain runs inside the VPC through the operations channel; keys are read on the instance.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { coreContractsExpectations, coreContractsPlan } from "../../platform/near/plan.js";
import { arnContext, ssmParameterArn } from "../../platform/host/aws-arns.js";
import type { LocalnetConfig } from "../config.js";
import { nearKeyPair } from "../../platform/host/keys.js";
import { FAUCET_KEY_LEAF, nameTags, ssmName } from "../../platform/host/naming.js";
import { FAUCET_ACCOUNT, reservedAccountNames } from "../accounts.js";
import type { NearBase } from "../base/component.js";
import { SsmOperation } from "../../platform/ssm/operation.js";
import { LOCAL_RPC_URL } from "../../platform/near/ports.js";
import { destinationChain } from "./evm/resources.js";
import type { EvmExport } from "./evm/outputs.js";
import { faucetLimitSettings } from "./config.js";

/** The faucet's ledger in its container: run-op.sh mounts the base data volume's /srv/near/faucet there. */
const FAUCET_LEDGER_FILE = "/var/lib/near-faucet/ledger.json";

export interface NearServicesArgs {
  config: LocalnetConfig;
  base: NearBase;
}

export class NearServices extends pulumi.ComponentResource {
  /** accountId -> on-chain code hash (base58 sha256 of the pinned wasm), once deployed. */
  /** Undefined until the contracts operation ran: a skipped operation must not read as a deployed layer. */
  public readonly contracts: pulumi.Output<Record<string, string> | undefined>;
  public readonly faucetUrl: pulumi.Output<string | undefined>;
  public readonly faucetAccountId: pulumi.Output<string>;
  public readonly transactions: pulumi.Output<number>;
  /** The destination EVM chain; undefined with destinationChain "none" or before it started. */
  public readonly evm: pulumi.Output<EvmExport | undefined>;

  constructor(name: string, args: NearServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("near-localnet:index:NearServices", name, {}, opts);
    const { config: cfg, base } = args;
    const p = { parent: this };
    const tags = (leaf: string) => nameTags(cfg, leaf, "services");
    const arns = arnContext(this);
    const root = cfg.base.rootAccountId;
    const faucetAccountId = `${FAUCET_ACCOUNT}.${root}`;

    const faucetKey = nearKeyPair("faucet-key", p);
    const faucetKeyParam = new aws.ssm.Parameter(
      "faucet-key",
      {
        name: ssmName(cfg, FAUCET_KEY_LEAF),
        type: "SecureString",
        value: faucetKey.secretKey,
        description: `full-access secret key of ${faucetAccountId}`,
        tags: tags("faucet-key"),
      },
      p,
    );

    // The operations on the base instance sign as the faucet account (everything the faucet sends); the
    // root key (contract accounts, linkdrop on the root, the faucet account's funding) is readable by
    // the base host from Layer 1.
    const access = new aws.iam.RolePolicy(
      "base-services-access",
      {
        role: base.roleName,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "ReadServiceKeys",
              Effect: "Allow",
              Action: ["ssm:GetParameter"],
              Resource: [ssmParameterArn(arns, faucetKeyParam.name)],
            },
          ],
        }),
      },
      p,
    );

    new aws.vpc.SecurityGroupIngressRule(
      "faucet-from-vpc",
      {
        securityGroupId: base.securityGroupId,
        ipProtocol: "tcp",
        fromPort: cfg.services.faucetPort,
        toPort: cfg.services.faucetPort,
        cidrIpv4: base.vpcCidr,
        description: "faucet from inside the VPC",
        tags: tags("faucet-ingress"),
      },
      p,
    );

    const rootKeyRef = pulumi.interpolate`ssm:${base.rootAccountKeyParameter}`;
    const faucetKeyRef = pulumi.interpolate`ssm:${faucetKeyParam.name}`;
    const channel = {
      instanceId: base.instanceId,
      documentName: base.opsDocument,
      bundle: base.opsBundle,
      region: cfg.region,
      awsProfile: cfg.awsProfile,
    };

    // accountId -> the pinned code hash it must run (linkdrop's on the root)
    const expected = Object.fromEntries(
      coreContractsExpectations({ rootAccountId: root }).map((c) => [c.accountId, c.codeHash]),
    );

    const contracts = new SsmOperation(
      "core-contracts",
      {
        ...channel,
        operation: "apply",
        payload: pulumi
          .all([rootKeyRef, faucetKeyRef, faucetKey.publicKey])
          .apply(([rootKey, faucetRef, faucetPub]) => ({
            ...coreContractsPlan({
              rootAccountId: root,
              rootKey,
              chainId: cfg.base.chainId,
              rpcUrl: LOCAL_RPC_URL,
              faucet: {
                accountId: faucetAccountId,
                balance: `${cfg.services.faucetBalanceNear} NEAR`,
                key: faucetRef,
                publicKey: faucetPub,
              },
            }),
          })),
        timeoutSeconds: 900,
      },
      // After the whole base layer: the node is up and the genesis published.
      { ...p, dependsOn: [base, access] },
    );

    const faucet = new SsmOperation(
      "faucet",
      {
        ...channel,
        operation: "faucet-start",
        // A destroyed layer leaves no faucet paying out of an account nobody manages any more.
        deleteOperation: "faucet-stop",
        payload: faucetKeyRef.apply((faucetRef) => ({
          rpcUrl: LOCAL_RPC_URL,
          chainId: cfg.base.chainId,
          listen: { host: "0.0.0.0", port: cfg.services.faucetPort },
          // The root runs linkdrop, so the faucet creates "<name>.<root>" with its own account and
          // funds: the root key stays with the core-contracts operation.
          parentAccountId: root,
          parentCodeHash: expected[root],
          reservedNames: reservedAccountNames(
            coreContractsExpectations({ rootAccountId: root })
              .filter((c) => c.accountId !== root)
              .map((c) => c.accountId.slice(0, -(root.length + 1))),
          ),
          accountId: faucetAccountId,
          key: faucetRef,
          ...faucetLimitSettings(cfg.services),
          ledgerFile: FAUCET_LEDGER_FILE,
        })),
        timeoutSeconds: 300,
      },
      { ...p, dependsOn: [contracts] },
    );

    this.contracts = contracts.result.apply((r) => (r === undefined ? undefined : expected));
    this.transactions = contracts.result.apply((r) =>
      Number((r as { transactions?: unknown } | undefined)?.transactions ?? 0),
    );
    this.faucetUrl = pulumi
      .all([faucet.result, base.privateIp])
      .apply(([started, ip]) => (started === undefined || !ip ? undefined : `http://${ip}:${cfg.services.faucetPort}`));
    this.faucetAccountId = pulumi.output(faucetAccountId);
    this.evm =
      cfg.services.evm.destinationChain === "evm" ? destinationChain(cfg, base, this) : pulumi.output(undefined);
    this.registerOutputs({
      evm: this.evm,
      contracts: this.contracts,
      faucetUrl: this.faucetUrl,
      faucetAccountId: this.faucetAccountId,
    });
  }
}
