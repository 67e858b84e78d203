// The destination chain's resources in Layer 2 (NearServices creates them when
// destinationChain is "evm"): the dev account's key (generated, kept in SSM as a SecureString,
// readable by the base host's role for the sign test), the chain's port open to the VPC only, and
// the SSM document with its State Manager association that installs and starts anvil on the base
// host. Starting it through SSM (as the faucet is) leaves the base host's user data, and so the
// host, untouched.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { LocalnetConfig } from "../../config.js";
import type { NearBase } from "../../base/component.js";
import { arnContext, ssmParameterArn } from "../../../platform/host/aws-arns.js";
import { nameTags, physicalName, ssmName } from "../../../platform/host/naming.js";
import { documentName } from "../../../platform/ssm/documents.js";
import { devAddress } from "../../../platform/evm/chain.js";
import { evmStartDocumentContent } from "./document.js";
import type { EvmExport } from "./outputs.js";

/** SSM parameter leaf of the dev account's private key (0x + 64 hex digits). */
const EVM_DEV_KEY_LEAF = "evm-dev-key";
/** How long `up` waits for the association's first run (download, start, first answer). */
const START_TIMEOUT_SECONDS = 900;

export function destinationChain(
  cfg: LocalnetConfig,
  base: NearBase,
  parent: pulumi.ComponentResource,
): pulumi.Output<EvmExport | undefined> {
  const evm = cfg.services.evm;
  const p = { parent };
  const tags = (leaf: string) => nameTags(cfg, leaf, "services");
  // 32 random bytes are a valid secp256k1 key unless they are 0 or >= the group order (odds ~2^-128)
  const seed = new random.RandomBytes(EVM_DEV_KEY_LEAF, { length: 32 }, p);
  const key = pulumi.secret(seed.hex.apply((h) => (h === undefined ? undefined : `0x${h}`)));
  const address = pulumi.unsecret(key.apply((k) => (k === undefined ? undefined : devAddress(k as `0x${string}`))));
  const keyParam = new aws.ssm.Parameter(
    EVM_DEV_KEY_LEAF,
    {
      name: ssmName(cfg, EVM_DEV_KEY_LEAF),
      type: "SecureString",
      value: key.apply((k) => k ?? ""),
      description: "private key of the destination EVM chain's dev account (funds the sign test's derived address)",
      tags: tags(EVM_DEV_KEY_LEAF),
    },
    p,
  );
  new aws.iam.RolePolicy(
    "base-evm-access",
    {
      role: base.roleName,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ReadEvmDevKey",
            Effect: "Allow",
            Action: ["ssm:GetParameter"],
            Resource: [ssmParameterArn(arnContext(parent), keyParam.name)],
          },
        ],
      }),
    },
    p,
  );
  new aws.vpc.SecurityGroupIngressRule(
    "evm-from-vpc",
    {
      securityGroupId: base.securityGroupId,
      ipProtocol: "tcp",
      fromPort: evm.port,
      toPort: evm.port,
      cidrIpv4: base.vpcCidr,
      description: "destination EVM chain RPC from inside the VPC",
      tags: tags("evm-ingress"),
    },
    p,
  );
  const doc = new aws.ssm.Document(
    "evm-start",
    {
      name: documentName(physicalName(cfg, "ops"), "evm-start"),
      documentType: "Command",
      documentFormat: "JSON",
      targetType: "/AWS::EC2::Instance",
      content: address.apply((a) => JSON.stringify(evmStartDocumentContent(evm, a ?? "0x" + "0".repeat(40)))),
      tags: tags("evm-start"),
    },
    p,
  );
  // Runs on creation and whenever the document (its settings) or the instance changes.
  const started = new aws.ssm.Association(
    "evm-start",
    {
      associationName: physicalName(cfg, "evm-start"),
      name: doc.name,
      documentVersion: doc.latestVersion,
      targets: [{ key: "InstanceIds", values: [base.instanceId] }],
      waitForSuccessTimeoutSeconds: START_TIMEOUT_SECONDS,
      tags: tags("evm-start"),
    },
    { ...p, dependsOn: [base] },
  );
  return pulumi.all([started.associationId, base.privateIp, address, keyParam.name]).apply(([id, ip, addr, param]) =>
    id === undefined || !ip || !addr
      ? undefined
      : {
          rpcUrl: `http://${ip}:${evm.port}`,
          chainId: evm.chainId,
          devAddress: addr,
          devKeyParameter: param,
        },
  );
}
