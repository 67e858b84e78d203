// Which AWS region and profile the driver's own AWS clients (SSM probes, sign-test, fund,
// credential check) use: the STACK's, as its resources were deployed with, not the shell's
// defaults. Source: the stack config through the engine (`aws:region`, `aws:profile`), else
// Pulumi.<stack>.yaml, then (region only) AWS_REGION / AWS_DEFAULT_REGION, as the AWS provider
// itself falls back. The AWS SDK loads lazily (ssmClientFor).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EngineError, type Engine } from "./engine.js";

export interface AwsTarget {
  region: string;
  /** Named profile (shared config/credentials files); undefined = the SDK's default chain (AWS_PROFILE, ...). */
  profile?: string;
  /** Where the region came from, for messages. */
  regionSource: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** `aws:region` / `aws:profile` of Pulumi.<stack>.yaml (plain values; a `secure:` value is skipped). */
export function stackFileAwsConfig(workDir: string, stack: string): Record<string, string> {
  const file = join(workDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return {};
  const found: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s+(aws:(?:region|profile)):\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2].replace(/\s+#.*$/, "");
    const quoted = /^(["'])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2];
    if (value && !value.startsWith("secure:")) found[m[1]] = value;
  }
  return found;
}

/** The stack's AWS target from its config and the environment; throws a clear EngineError without a region. */
export function resolveAwsTarget(
  stack: string,
  config: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv,
): AwsTarget {
  const profile = config["aws:profile"]?.trim() || undefined;
  const candidates: Array<[string | undefined, string]> = [
    [config["aws:region"], `the stack config (aws:region of stack "${stack}")`],
    [env.AWS_REGION, "AWS_REGION"],
    [env.AWS_DEFAULT_REGION, "AWS_DEFAULT_REGION"],
  ];
  for (const [value, source] of candidates) {
    const region = value?.trim();
    if (!region) continue;
    if (!REGION.test(region))
      throw new EngineError("failed", `${source} is "${region}", which is not an AWS region name (e.g. us-east-1)`);
    return { region, regionSource: source, ...(profile ? { profile } : {}) };
  }
  throw new EngineError(
    "failed",
    `No AWS region for stack "${stack}": set it in the stack config with \`pulumi config set aws:region <region> --stack ${stack}\` ` +
      `(Pulumi.${stack}.yaml), or set AWS_REGION. The driver talks to the instances in the stack's region.`,
  );
}

/** Reads the config through the engine when it can, else from Pulumi.<stack>.yaml. */
export async function awsTargetFor(
  engine: Engine,
  workDir: string,
  stack: string,
  env: NodeJS.ProcessEnv,
): Promise<AwsTarget> {
  let config: Record<string, string> | undefined;
  if (engine.config) {
    try {
      config = await engine.config();
    } catch {
      config = undefined;
    }
  }
  return resolveAwsTarget(stack, config ?? stackFileAwsConfig(workDir, stack), env);
}

/** An SSM client for the stack's region and profile (no target: the SDK's defaults). */
export async function ssmClientFor(aws: AwsTarget | undefined): Promise<import("@aws-sdk/client-ssm").SSMClient> {
  const { SSMClient } = await import("@aws-sdk/client-ssm");
  return new SSMClient(aws ? { region: aws.region, ...(aws.profile ? { profile: aws.profile } : {}) } : {});
}
