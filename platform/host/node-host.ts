// One hardened EC2 host for a NEAR or MPC node, shared by Layer 1 and Layer 3:
// - its own network interface (fixed private IP) and encrypted data volume, both separate
//   resources that outlive an instance replacement (chain data, node identity, on-chain URLs);
// - IMDSv2 only, encrypted root volume, no key pair, no inbound except what its security group
//   allows from inside the VPC; SSM managed-instance core plus the caller's least-privilege policy;
// - the AMI resolved once from the SSM public parameter: a newer AMI never replaces a running node.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DATA_DEVICE_NAME } from "./data-device.js";
import { gzipUserData } from "./render.js";

const SSM_CORE_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource?: pulumi.Input<string> | pulumi.Input<string>[];
  NotResource?: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

/** Every way to read an SSM parameter. */
const SSM_PARAMETER_READS = [
  "ssm:GetParameter",
  "ssm:GetParameters",
  "ssm:GetParametersByPath",
  "ssm:GetParameterHistory",
];

/**
 * AmazonSSMManagedInstanceCore allows ssm:GetParameter(s) on every parameter, and SecureStrings
 * under the AWS-managed key decrypt for anyone who may read them: without this Deny every host
 * could read every key in the account. The host keeps only the parameters it is given.
 */
function parameterFence(readable: pulumi.Input<string>[]): PolicyStatement {
  return readable.length === 0
    ? { Sid: "NoParameters", Effect: "Deny", Action: SSM_PARAMETER_READS, Resource: "*" }
    : { Sid: "NoOtherParameters", Effect: "Deny", Action: SSM_PARAMETER_READS, NotResource: readable };
}

export interface NodeHostArgs {
  subnetId: pulumi.Input<string>;
  availabilityZone: pulumi.Input<string>;
  securityGroupIds: pulumi.Input<string>[];
  instanceType: string;
  /** SSM public parameter naming the AMI (used when amiId is not set). */
  amiParameter: string;
  amiId?: string;
  dataVolumeGiB: number;
  /** Rendered bootstrap script; gets the data volume id so it can find its device. */
  userData: (dataVolumeId: pulumi.Output<string>) => pulumi.Input<string>;
  /** Statements of the host's inline policy (its own secrets, its own objects). */
  policy: PolicyStatement[];
  /** ARNs of the only SSM parameters the host may read (all others are denied). */
  readableParameters: pulumi.Input<string>[];
  /** Attach an Elastic IP (egress mode "public"); inbound stays closed by the security group. */
  publicIp?: boolean;
  /** What the Elastic IP must wait for (the internet gateway). */
  publicIpDependsOn?: pulumi.Resource[];
  tags: Record<string, string>;
}

export class NodeHost extends pulumi.ComponentResource {
  public readonly instanceId: pulumi.Output<string>;
  public readonly privateIp: pulumi.Output<string>;
  public readonly networkInterfaceId: pulumi.Output<string>;
  public readonly dataVolumeId: pulumi.Output<string>;
  public readonly roleName: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  /** The attachment: wait on it before using the instance. */
  public readonly ready: pulumi.Resource;

  constructor(name: string, args: NodeHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("near-localnet:index:NodeHost", name, {}, opts);
    const p = { parent: this };
    const tags = args.tags;

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags,
      },
      p,
    );
    new aws.iam.RolePolicyAttachment(`${name}-ssm-core`, { role: role.name, policyArn: SSM_CORE_POLICY_ARN }, p);
    new aws.iam.RolePolicy(
      `${name}-access`,
      {
        role: role.name,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [...args.policy, parameterFence(args.readableParameters)],
        }),
      },
      p,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags }, p);

    const eni = new aws.ec2.NetworkInterface(
      `${name}-eni`,
      {
        subnetId: args.subnetId,
        securityGroups: args.securityGroupIds,
        description: `${tags.Name ?? name} (fixed address)`,
        tags,
      },
      p,
    );
    if (args.publicIp)
      new aws.ec2.Eip(
        `${name}-eip`,
        { domain: "vpc", networkInterface: eni.id, tags },
        { ...p, dependsOn: args.publicIpDependsOn },
      );

    const volume = new aws.ebs.Volume(
      `${name}-data`,
      {
        availabilityZone: args.availabilityZone,
        size: args.dataVolumeGiB,
        type: "gp3",
        encrypted: true,
        tags: { ...tags, Name: `${tags.Name ?? name}-data` },
      },
      p,
    );

    const ami = args.amiId ?? aws.ssm.getParameterOutput({ name: args.amiParameter }, p).value;
    const instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami,
        instanceType: args.instanceType,
        iamInstanceProfile: profile.name,
        primaryNetworkInterface: { networkInterfaceId: eni.id },
        metadataOptions: {
          httpTokens: "required",
          httpEndpoint: "enabled",
          httpPutResponseHopLimit: 2,
          instanceMetadataTags: "disabled",
        },
        // Tags on the root device only: volumeTags would fight the data volume's own tags.
        rootBlockDevice: {
          encrypted: true,
          volumeType: "gp3",
          volumeSize: 30,
          deleteOnTermination: true,
          tags: { ...tags, Name: `${tags.Name ?? name}-root` },
        },
        userDataBase64: pulumi.output(args.userData(volume.id)).apply(gzipUserData),
        // Bootstrap runs once per instance: a changed script means a fresh instance, which finds
        // the kept volume and converges.
        userDataReplaceOnChange: true,
        monitoring: false,
        tags,
      },
      {
        ...p,
        // The ENI can belong to one instance at a time.
        deleteBeforeReplace: true,
        // Resolved once: a newer AMI in the public parameter must not replace a running node.
        ignoreChanges: args.amiId ? [] : ["ami"],
      },
    );
    const attachment = new aws.ec2.VolumeAttachment(
      `${name}-data-attachment`,
      { deviceName: DATA_DEVICE_NAME, instanceId: instance.id, volumeId: volume.id, stopInstanceBeforeDetaching: true },
      { ...p, deleteBeforeReplace: true },
    );

    this.instanceId = instance.id;
    this.privateIp = eni.privateIp;
    this.networkInterfaceId = eni.id;
    this.dataVolumeId = volume.id;
    this.roleName = role.name;
    this.roleArn = role.arn;
    this.ready = attachment;
    this.registerOutputs({ instanceId: this.instanceId, privateIp: this.privateIp, dataVolumeId: this.dataVolumeId });
  }
}
