// Live checks against the real AWS account the stack would deploy into. They need credentials
// (any standard source) and are skipped with a message otherwise. With NEAR_LOCALNET_LIVE_STACK
// set to a deployed stack, they also run the driver's health gates and the sign test on it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { DescribeInstanceTypeOfferingsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { parse } from "yaml";
import { DEFAULTS, loadConfig } from "../../layers/config.js";

const stack = process.env.NEAR_LOCALNET_LIVE_STACK ?? "localnet";
const file = parse(readFileSync(`Pulumi.${stack}.yaml`, "utf8")) as { config?: Record<string, unknown> };
const raw: Record<string, unknown> = { ...(file.config ?? {}) };
if (process.env.AWS_REGION) raw["aws:region"] = process.env.AWS_REGION;
const cfg = loadConfig((k) => (typeof raw[k] === "object" ? JSON.stringify(raw[k]) : raw[k]), stack);

async function credentials(): Promise<string | undefined> {
  try {
    const creds = await new SSMClient({ region: cfg.region }).config.credentials();
    return creds.accessKeyId ? undefined : "no access key";
  } catch (err) {
    return (err as Error).message.split("\n")[0];
  }
}

const reason = await credentials();
if (reason) {
  console.warn(
    `live suite skipped: no AWS credentials (${reason}). Configure credentials (environment, profile or SSO) to run it.`,
  );
}
const live = reason ? describe.skip : describe;

live(`AWS account preflight for stack ${stack} in ${cfg.region}`, () => {
  test("the Amazon Linux 2023 AMI parameter resolves", async () => {
    const out = await new SSMClient({ region: cfg.region }).send(
      new GetParameterCommand({ Name: cfg.amiParameter ?? DEFAULTS.amiParameter }),
    );
    expect(out.Parameter?.Value).toMatch(/^ami-[0-9a-f]+$/);
  });

  test("the configured instance types are offered in the region", async () => {
    const types = [...new Set([cfg.base.instanceType, cfg.mpc.instanceType])];
    const out = await new EC2Client({ region: cfg.region }).send(
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: "region",
        Filters: [{ Name: "instance-type", Values: types }],
      }),
    );
    expect((out.InstanceTypeOfferings ?? []).map((o) => o.InstanceType).sort()).toEqual(types.sort());
  });
});

const deployed = !reason && process.env.NEAR_LOCALNET_LIVE_STACK ? describe : describe.skip;
if (!reason && !process.env.NEAR_LOCALNET_LIVE_STACK) {
  console.warn(
    "deployed-stack checks skipped: set NEAR_LOCALNET_LIVE_STACK=<stack> to run health and the sign test against a deployed stack.",
  );
}

deployed(`deployed stack ${stack}`, () => {
  const automate = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "automation/cli.ts", ...args, "--stack", stack, "--json"], {
      encoding: "utf8",
      timeout: 40 * 60 * 1000,
    });

  test("every layer passes its health gate", () => {
    const run = automate("health");
    expect(run.stderr).not.toMatch(/Error:/);
    expect(run.status).toBe(0);
  });

  test("the sign test verifies a signature for every domain", () => {
    const run = automate("sign-test");
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.ok).toBe(true);
  });
});
