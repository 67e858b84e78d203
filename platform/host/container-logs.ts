// Where the hosts' containers log: one CloudWatch Logs group per stack, one stream per host and
// container. The bootstraps start each container with Docker's `awslogs` driver and the tag
// "<host>/{{.Name}}", which the driver uses as the stream name (Docker docs, "Amazon CloudWatch
// Logs logging driver": `tag` is the alternative to `awslogs-stream`), so the stream of container
// C on host H is "H/C"; the driver's `logs` command reads the same names.
import * as pulumi from "@pulumi/pulumi";
import type { StackNames } from "./naming.js";
import type { PolicyStatement } from "./node-host.js";

/** The stack's log group: /<namePrefix>/<stack>/containers. */
export function containerLogGroupName(cfg: Pick<StackNames, "namePrefix" | "stack">): string {
  return `/${cfg.namePrefix}/${cfg.stack}/containers`;
}

/** The stream a container's lines land in: "<host>/<container>" (host: "base", "mpc-node-<i>"). */
export function containerLogStream(host: string, container: string): string {
  return `${host}/${container}`;
}

/**
 * What the awslogs driver needs: logs:CreateLogStream and logs:PutLogEvents (Docker docs, awslogs
 * "Credentials"), here on this stack's group only. IAM names a group's streams as "<group arn>:*"
 * (CloudWatch Logs User Guide, "Overview of managing access permissions": the ARN with the
 * trailing :* is the one policies use for every action but a few group-level ones).
 */
export function shipContainerLogsStatement(logGroupArn: pulumi.Input<string>): PolicyStatement {
  return {
    Sid: "ShipContainerLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: pulumi.interpolate`${logGroupArn}:*`,
  };
}
