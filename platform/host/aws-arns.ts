// ARNs built from the caller's partition, region and account, so policies name exact resources.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ArnContext {
  partition: pulumi.Output<string>;
  region: pulumi.Output<string>;
  accountId: pulumi.Output<string>;
}

export function arnContext(parent: pulumi.Resource): ArnContext {
  const opts = { parent };
  return {
    partition: aws.getPartitionOutput({}, opts).partition,
    region: aws.getRegionOutput({}, opts).region,
    accountId: aws.getCallerIdentityOutput({}, opts).accountId,
  };
}

/** arn:...:ssm:<region>:<account>:parameter/<name without leading slash>. */
export function ssmParameterArn(ctx: ArnContext, name: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`arn:${ctx.partition}:ssm:${ctx.region}:${ctx.accountId}:parameter/${pulumi.output(name).apply((n) => n.replace(/^\//, ""))}`;
}

export function s3ObjectArn(
  ctx: ArnContext,
  bucket: pulumi.Input<string>,
  key: pulumi.Input<string>,
): pulumi.Output<string> {
  return pulumi.interpolate`arn:${ctx.partition}:s3:::${bucket}/${key}`;
}
