// The optional schedule that parks the stack: EventBridge Scheduler schedules whose universal
// target calls EC2 StopInstances / StartInstances on the stack's hosts (EventBridge Scheduler user
// guide, "Using universal targets": arn:aws:scheduler:::aws-sdk:<service>:<apiAction>, the input
// being the API request as JSON). Their role may do exactly that on exactly these instances, and
// only the Scheduler of this account may assume it. The data volumes use the AWS managed EBS key,
// so starting the instances needs no KMS grant.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ScheduleConfig } from "../config/schedule.js";
import { arnContext } from "./aws-arns.js";

export interface ParkScheduleArgs {
  /** Physical-name stem, <prefix>-<stack> (schedule names: <stem>-stop, <stem>-start). */
  nameStem: string;
  schedule: ScheduleConfig;
  instanceIds: pulumi.Input<string>[];
  tags: Record<string, string>;
}

const ACTIONS = { stop: "stopInstances", start: "startInstances" } as const;

export class ParkSchedule extends pulumi.ComponentResource {
  constructor(name: string, args: ParkScheduleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("near-localnet:index:ParkSchedule", name, {}, opts);
    const p = { parent: this };
    const ctx = arnContext(this);
    const instanceArns = args.instanceIds.map(
      (id) => pulumi.interpolate`arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:instance/${id}`,
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "scheduler.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
            },
          ],
        }),
        tags: args.tags,
      },
      p,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-hosts`,
      {
        role: role.name,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "StopAndStartTheStackHosts",
              Effect: "Allow",
              Action: ["ec2:StopInstances", "ec2:StartInstances"],
              Resource: instanceArns,
            },
          ],
        }),
      },
      p,
    );
    for (const which of ["stop", "start"] as const) {
      const expression = args.schedule[which];
      if (!expression) continue;
      new aws.scheduler.Schedule(
        `${name}-${which}`,
        {
          name: `${args.nameStem}-${which}`,
          description: `near-localnet: ${which} the hosts of ${args.nameStem}`,
          groupName: "default",
          scheduleExpression: expression,
          scheduleExpressionTimezone: args.schedule.timeZone,
          flexibleTimeWindow: { mode: "OFF" },
          state: "ENABLED",
          target: {
            arn: pulumi.interpolate`arn:${ctx.partition}:scheduler:::aws-sdk:ec2:${ACTIONS[which]}`,
            roleArn: role.arn,
            input: pulumi.jsonStringify({ InstanceIds: args.instanceIds }),
            retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
          },
        },
        { ...p, dependsOn: [policy] },
      );
    }
    this.registerOutputs({});
  }
}
