// A stack's hosts in moto: a base instance and three MPC instances, each with an encrypted data
// volume at /dev/sdf, and a FakeEngine whose outputs name them. EC2 and SSM calls are recorded.
import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { DescribeInstanceInformationCommand, SSMClient, SendCommandCommand } from "@aws-sdk/client-ssm";
import type { Moto } from "../../test/support/moto.js";
import type { Ec2Sender } from "../park/ec2.js";
import type { SsmSender } from "../../platform/ssm/channel.js";
import type { OutputValue, StateResource } from "../stack-outputs.js";
import { gzipUserData } from "../../platform/host/render.js";
import { volumeAttachmentId } from "../snapshots/adopt.js";
import { FakeEngine, rawOutputs } from "./fakes.js";

/** An AMI moto ships (moto/ec2/resources/amis.json.gz). */
const MOTO_AMI = "ami-03cf127a";
const AZ = "us-east-1a";

interface MotoHost {
  name: string;
  instanceId: string;
  volumeId: string;
}

export interface MotoStack {
  hosts: MotoHost[];
  engine: MotoEngine;
  ec2: EC2Client;
  /** Every EC2 call through `recorder`: "<Command> <ids>". */
  calls: string[];
  recorder: Ec2Sender;
  /** SSM through moto, except DescribeInstanceInformation (moto has none): Online exactly when moto has the instance running. */
  ssm: SsmSender;
}

function describe(command: { constructor: { name: string }; input?: any }): string {
  const i = command.input ?? {};
  const ids = i.InstanceIds ?? i.VolumeIds ?? (i.VolumeId ? [i.VolumeId] : (i.Filters?.[0]?.Values ?? []));
  return `${command.constructor.name.replace(/Command$/, "")} ${ids.join(",")}`.trim();
}

async function host(ec2: EC2Client, name: string): Promise<MotoHost> {
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: MOTO_AMI,
      InstanceType: "m6i.large",
      MinCount: 1,
      MaxCount: 1,
      Placement: { AvailabilityZone: AZ },
    }),
  );
  const instanceId = run.Instances![0].InstanceId!;
  const vol = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: AZ,
      Size: 50,
      VolumeType: "gp3",
      Encrypted: true,
      TagSpecifications: [
        {
          ResourceType: "volume",
          Tags: [
            { Key: "Name", Value: `near-localnet-localnet-${name}-data` },
            { Key: "near-localnet:stack", Value: "localnet" },
          ],
        },
      ],
    }),
  );
  await ec2.send(new AttachVolumeCommand({ InstanceId: instanceId, VolumeId: vol.VolumeId!, Device: "/dev/sdf" }));
  return { name, instanceId, volumeId: vol.VolumeId! };
}

const NODE_HOST = "urn:pulumi:localnet::near-localnet::near-localnet:index:NodeHost";

/** A deployment as `pulumi stack export` gives it: per host its volume, attachment and instance (user data naming the volume). */
function deploymentOf(hosts: MotoHost[]): { resources: Array<StateResource & { id: string; inputs: object }> } {
  return {
    resources: hosts.flatMap((h) => {
      const attachment = { deviceName: "/dev/sdf", instanceId: h.instanceId, volumeId: h.volumeId };
      const userDataBase64 = gzipUserData(`#!/bin/bash\nDATA_VOLUME_ID='${h.volumeId}'\n`);
      return [
        {
          urn: `${NODE_HOST}$aws:ebs/volume:Volume::${h.name}-data`,
          type: "aws:ebs/volume:Volume",
          id: h.volumeId,
          inputs: { size: 50, type: "gp3", encrypted: true },
          outputs: { id: h.volumeId, arn: `arn:aws:ec2:us-east-1:123456789012:volume/${h.volumeId}`, size: 50 },
        },
        {
          urn: `${NODE_HOST}$aws:ec2/volumeAttachment:VolumeAttachment::${h.name}-data-attachment`,
          type: "aws:ec2/volumeAttachment:VolumeAttachment",
          id: volumeAttachmentId("/dev/sdf", h.instanceId, h.volumeId),
          inputs: attachment,
          outputs: { ...attachment, id: volumeAttachmentId("/dev/sdf", h.instanceId, h.volumeId) },
        },
        {
          urn: `${NODE_HOST}$aws:ec2/instance:Instance::${h.name}-instance`,
          type: "aws:ec2/instance:Instance",
          id: h.instanceId,
          inputs: { userDataBase64 },
          outputs: { id: h.instanceId, userDataBase64 },
        },
      ];
    }),
  };
}

/** The fake engine's outputs with moto's instance ids in place of the canned ones; its state is a deployment it can rewrite. */
class MotoEngine extends FakeEngine {
  deployment: unknown;
  rewrites = 0;
  failRewrite?: Error;
  constructor(
    readonly ids: Record<string, string>,
    hosts: MotoHost[],
  ) {
    super(["base", "services", "mpc"]);
    this.deployment = deploymentOf(hosts);
  }
  override async resources(): Promise<StateResource[]> {
    return (this.deployment as { resources: StateResource[] }).resources;
  }
  async rewriteState(rewrite: (deployment: unknown) => unknown): Promise<void> {
    if (this.failRewrite) throw this.failRewrite;
    this.rewrites++;
    this.deployment = rewrite(JSON.parse(JSON.stringify(this.deployment)));
  }
  override async outputs(): Promise<Record<string, OutputValue>> {
    let text = JSON.stringify(rawOutputs(this.deployed));
    for (const [canned, real] of Object.entries(this.ids)) text = text.replaceAll(`"${canned}"`, `"${real}"`);
    return JSON.parse(text);
  }
}

export async function motoStack(moto: Moto): Promise<MotoStack> {
  const ec2 = new EC2Client(moto.clientConfig);
  const hosts = [await host(ec2, "base")];
  for (const i of [0, 1, 2]) hosts.push(await host(ec2, `mpc-node-${i}`));
  const engine = new MotoEngine(
    {
      "i-0base": hosts[0].instanceId,
      ...Object.fromEntries([0, 1, 2].map((i) => [`i-0mpc${i}`, hosts[i + 1].instanceId])),
    },
    hosts,
  );
  const calls: string[] = [];
  const recorder: Ec2Sender = {
    send: (c) => {
      calls.push(describe(c));
      return ec2.send(c);
    },
  };
  const motoSsm = new SSMClient(moto.clientConfig);
  const ssm: SsmSender = {
    async send(c) {
      if (c instanceof SendCommandCommand) {
        calls.push(`SendCommand ${c.input.InstanceIds!.join(",")} ${c.input.Parameters!.commands.join(";")}`);
        return motoSsm.send(c);
      }
      if (!(c instanceof DescribeInstanceInformationCommand)) return motoSsm.send(c);
      calls.push(describe(c));
      const id = c.input.Filters![0].Values![0];
      const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      const running = out.Reservations?.[0]?.Instances?.[0]?.State?.Name === "running";
      return { InstanceInformationList: [{ InstanceId: id, PingStatus: running ? "Online" : "ConnectionLost" }] };
    },
  };
  return { hosts, engine, ec2, calls, recorder, ssm };
}
