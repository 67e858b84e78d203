// Pulumi's mock runtime, set up to run this program with no cloud access: deterministic ids
// and computed fields, canned answers for the data sources the program reads, and a record of
// every registered resource (type, name, parent, inputs, dependencies). Used by `synth` and tests.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
// The monitor class is not re-exported from the runtime index.
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks.js";
import * as runtimeState from "@pulumi/pulumi/runtime/state.js";
import { sleep } from "../platform/time.js";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_AMI = "ami-0mock0000000000al2023";

export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  dependencies: string[];
  /** The resource's ignoreChanges option (properties kept as the state has them). */
  ignoreChanges: string[];
}

function digest(text: string, bytes = 32): Buffer {
  return createHash("sha256").update(text).digest().subarray(0, bytes);
}

/** A deterministic, distinct private IP for each network interface. */
function mockIp(name: string): string {
  const d = digest(name);
  return `10.42.${d[0] % 128}.${10 + (d[1] % 200)}`;
}

/** Replaces secrets by "[secret]", unknowns by "[unknown]", file assets by "[file asset]", resource references by their URN. */
function redact(value: unknown): unknown {
  if (value === UNKNOWN) return "[unknown]";
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_VALUE_SIG) return "[secret]";
    if (o[SIG_KEY] === RESOURCE_SIG) return o.urn;
    // A file asset's path is local to the machine that ran the program; its content is what counts.
    if (o[SIG_KEY] === ASSET_SIG) return "[file asset]";
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, redact(v)]));
  }
  return value;
}

/** What a mocked SSM operation "printed": the `result` of its final line, by operation and payload. */
export type CommandResults = (operation: string, payload: Record<string, unknown>) => Record<string, unknown>;

/** stdout of a local.Command as the real one prints it: the genesis wait, or an ops result line. */
function mockCommandStdout(env: Record<string, string>, results: CommandResults): string | undefined {
  if (env.GENESIS_BUCKET)
    return JSON.stringify({ sha256: createHash("sha256").update("mock-genesis").digest("hex"), bytes: 4096 });
  const operation = env.SSM_RUN_OPERATION;
  if (!operation) return undefined;
  let payload: Record<string, unknown> = {};
  if (typeof env.SSM_RUN_PAYLOAD === "string" && env.SSM_RUN_PAYLOAD !== UNKNOWN)
    payload = JSON.parse(Buffer.from(env.SSM_RUN_PAYLOAD, "base64").toString("utf8"));
  return JSON.stringify({ event: "result", ok: true, operation, result: results(operation, payload) });
}

function mockState(
  args: pulumi.runtime.MockResourceArgs,
  region: string,
  results: CommandResults = () => ({}),
): { id: string; state: Record<string, unknown> } {
  const i = args.inputs as Record<string, any>;
  const id = `${args.name}-id`;
  const arn = (service: string, what: string) => `arn:aws:${service}:${region}:${MOCK_ACCOUNT}:${what}`;
  switch (args.type) {
    case "random:index/randomBytes:RandomBytes": {
      const bytes = digest(`mock-random:${args.name}`, i.length ?? 32);
      return { id, state: { ...i, base64: bytes.toString("base64"), hex: bytes.toString("hex") } };
    }
    case "aws:ec2/networkInterface:NetworkInterface": {
      const ip = mockIp(args.name);
      return { id: `eni-${digest(args.name, 8).toString("hex")}`, state: { ...i, privateIp: ip, privateIps: [ip] } };
    }
    case "aws:ec2/instance:Instance":
      return { id: `i-${digest(args.name, 8).toString("hex")}`, state: { ...i, arn: arn("ec2", `instance/${id}`) } };
    case "aws:ebs/volume:Volume":
      return { id: `vol-${digest(args.name, 8).toString("hex")}`, state: { ...i } };
    case "aws:s3/bucket:Bucket": {
      const bucket = i.bucket ?? `${i.bucketPrefix ?? args.name}mock`;
      return { id: bucket, state: { ...i, bucket, arn: `arn:aws:s3:::${bucket}` } };
    }
    case "aws:iam/role:Role":
      return {
        id: `${args.name}`,
        state: { ...i, name: args.name, arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${args.name}` },
      };
    case "aws:iam/instanceProfile:InstanceProfile":
      return { id, state: { ...i, name: args.name } };
    case "aws:ec2/vpc:Vpc":
      return { id: `vpc-${digest(args.name, 8).toString("hex")}`, state: { ...i } };
    case "aws:ec2/subnet:Subnet":
      return { id: `subnet-${digest(args.name, 8).toString("hex")}`, state: { ...i } };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: `sg-${digest(args.name, 8).toString("hex")}`, state: { ...i } };
    case "aws:ssm/parameter:Parameter":
      return { id: i.name ?? id, state: { ...i, arn: arn("ssm", `parameter${i.name}`) } };
    case "aws:secretsmanager/secret:Secret":
      return {
        id: arn("secretsmanager", `secret:${i.name}-AbCdEf`),
        state: { ...i, arn: arn("secretsmanager", `secret:${i.name}-AbCdEf`) },
      };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { id: i.name ?? id, state: { ...i, arn: arn("logs", `log-group:${i.name ?? id}`) } };
    case "aws:ssm/document:Document":
      return { id: i.name ?? id, state: { ...i, arn: arn("ssm", `document/${i.name ?? id}`), latestVersion: "1" } };
    case "aws:ssm/association:Association": {
      const associationId = digest(args.name, 16)
        .toString("hex")
        .replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
      return { id: associationId, state: { ...i, associationId } };
    }
    case "command:local:Command":
      return { id, state: { ...i, stdout: mockCommandStdout(i.environment ?? {}, results) ?? "", stderr: "" } };
    default:
      return { id, state: { ...i } };
  }
}

function mockCall(args: pulumi.runtime.MockCallArgs, region: string): Record<string, unknown> {
  const i = args.inputs as Record<string, any>;
  switch (args.token) {
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:index/getRegion:getRegion":
      return { region, name: region, id: region };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: MOCK_ACCOUNT,
        arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/mock`,
        userId: "MOCK",
        id: MOCK_ACCOUNT,
      };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: [`${region}a`, `${region}b`, `${region}c`], zoneIds: [], id: region };
    case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": {
      // Zone "a" offers nothing (as some real zones lack newer families); "b" and "c" offer everything asked.
      const types: string[] = i.filters?.find((f: { name: string }) => f.name === "instance-type")?.values ?? [];
      const zones = [`${region}b`, `${region}c`];
      return {
        id: region,
        locations: zones.flatMap((z) => types.map(() => z)),
        instanceTypes: zones.flatMap(() => types),
        locationTypes: [],
        region,
      };
    }
    case "aws:ssm/getParameter:getParameter":
      return { name: i.name, value: MOCK_AMI, type: "String", id: i.name };
    case "aws:ec2/getVpc:getVpc":
      return { id: i.id, cidrBlock: "10.0.0.0/16" };
    case "aws:ec2/getSubnet:getSubnet":
      return { id: i.id, availabilityZone: `${region}b`, vpcId: "vpc-existing", cidrBlock: "10.0.1.0/24" };
    default:
      return i;
  }
}

/**
 * Installs the mock runtime and returns the live list of registered resources.
 * Must run before the program's modules create resources.
 */
export function installMocks(opts: {
  project: string;
  stack: string;
  region: string;
  preview?: boolean;
  commandResults?: CommandResults;
  /** Resources answered as a targeted run answers a skipped create: no id, no outputs. */
  skipped?: (args: pulumi.runtime.MockResourceArgs) => boolean;
  /** Outputs that differ from the inputs, as for a resource the state already holds (e.g. a subnet's zone). */
  existing?: (args: pulumi.runtime.MockResourceArgs) => Record<string, unknown> | undefined;
  /** Data-source answers other than the canned ones, by token (undefined: the canned answer). */
  calls?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown> | undefined;
}): RecordedResource[] {
  const records: RecordedResource[] = [];
  const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => {
      if (opts.skipped?.(args)) return { id: undefined, state: {} };
      const mocked = mockState(args, opts.region, opts.commandResults);
      return { ...mocked, state: { ...mocked.state, ...opts.existing?.(args) } };
    },
    call: (args) => opts.calls?.(args) ?? mockCall(args, opts.region),
  };
  const monitor = new MockMonitor(mocks) as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) =>
    register(req, (err: unknown, resp: any) => {
      if (!err && resp) {
        records.push({
          urn: resp.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent(),
          custom: req.getCustom(),
          inputs: redact(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
          dependencies: [...req.getDependenciesList()].sort(),
          ignoreChanges: [...req.getIgnorechangesList()],
        });
      }
      callback(err, resp);
    });
  pulumi.runtime.setMockOptions(monitor, opts.project, opts.stack, opts.preview ?? false);
  // As setMocks does: secrets and resource references on, output values off.
  const store = (runtimeState as unknown as { getStore(): Record<string, boolean> }).getStore();
  store.supportsSecrets = true;
  store.supportsResourceReferences = true;
  store.supportsOutputValues = false;
  return records;
}

/** Waits until the program has no registration in flight. */
export async function settle(): Promise<void> {
  const wait = (pulumi.runtime as any).waitForRPCs as (() => Promise<void>) | undefined;
  for (let i = 0; i < 3; i++) {
    if (wait) await wait();
    await sleep(20);
  }
}
