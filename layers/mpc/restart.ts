// Layer 3's remedy for a participant that is not attested: an SSM Command document that restarts the
// MPC node container on the host it runs on and does nothing else (no parameter, no command chosen by a
// caller), and the base instance's right to send exactly that document to exactly the stack's MPC node
// instances: the attestation check before the votes and the keygen wait run there, in the ops bundle
// (layers/mpc/ops/attestation.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ArnContext } from "../../platform/host/aws-arns.js";
import type { PolicyStatement } from "../../platform/host/node-host.js";
import { documentName, fixedScriptDocumentContent, type CommandDocumentContent } from "../../platform/ssm/documents.js";
import { MPC_SCRIPTS } from "./scripts.js";

/** The document's step bound: up to 600 s for a first boot's cloud-init, then the restart itself. */
export const RESTART_DOCUMENT_TIMEOUT_SECONDS = 900;

export function restartDocumentContent(): CommandDocumentContent {
  return fixedScriptDocumentContent({
    title: "mpc-restart",
    description:
      "near-localnet: restart the MPC node container (mpc-node) on this host, so that the node submits its attestation again. Nothing else.",
    stepName: "restartMpcNode",
    script: MPC_SCRIPTS.restart,
    timeoutSeconds: RESTART_DOCUMENT_TIMEOUT_SECONDS,
  });
}

const instanceArn = (arns: ArnContext, id: pulumi.Input<string>) =>
  pulumi.interpolate`arn:${arns.partition}:ec2:${arns.region}:${arns.accountId}:instance/${id}`;

/**
 * SendCommand is authorised against the document AND each target instance, so one statement naming the
 * restart document and the node instances allows that document on those instances only. GetCommandInvocation
 * supports no resource-level permission (AWS Service Authorization Reference, Systems Manager).
 */
function restartStatements(
  arns: ArnContext,
  documentArn: pulumi.Input<string>,
  instanceIds: pulumi.Input<string>[],
): PolicyStatement[] {
  return [
    {
      Sid: "SendMpcRestart",
      Effect: "Allow",
      Action: ["ssm:SendCommand"],
      Resource: [documentArn, ...instanceIds.map((id) => instanceArn(arns, id))],
    },
    { Sid: "ReadMpcRestartResult", Effect: "Allow", Action: ["ssm:GetCommandInvocation"], Resource: "*" },
  ];
}

export interface MpcRestartArgs {
  /** Physical name prefix of the document ("<namePrefix>-<stack>-mpc" gives "...-mpc-restart"). */
  namePrefix: string;
  /** The role of the instance the operations run on (the base host). */
  senderRoleName: pulumi.Input<string>;
  instanceIds: pulumi.Input<string>[];
  arns: ArnContext;
  tags: Record<string, string>;
}

/** The restart document and the sender's right to use it; returns the document's name. */
export function mpcRestart(args: MpcRestartArgs, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
  const doc = new aws.ssm.Document(
    "mpc-restart",
    {
      name: documentName(args.namePrefix, "restart"),
      documentType: "Command",
      documentFormat: "JSON",
      targetType: "/AWS::EC2::Instance",
      content: JSON.stringify(restartDocumentContent()),
      tags: args.tags,
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    "base-mpc-restart",
    {
      role: args.senderRoleName,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: restartStatements(args.arns, doc.arn, args.instanceIds),
      }),
    },
    opts,
  );
  // Whoever uses the name must wait for the right to send it.
  return pulumi.all([doc.name, policy.id]).apply(([name]) => name);
}
