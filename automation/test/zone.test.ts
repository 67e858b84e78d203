// `up` keeps the stack's availability zone, with the EC2 look-ups against moto in server mode (its us-east-1 offers
// m6i.large in zones a-d and f, c8in.large only in a-c) and the fake engine: the first deploy writes the chosen zone
// into the stack's config, a later one keeps the zone of the subnets in the state, and a zone that no longer fits
// stops `up` with the key and the fix before any Pulumi operation.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from "@aws-sdk/client-ec2";
import { main } from "../cli.js";
import type { CliContext } from "../cli/context.js";
import { ec2ZoneLookups } from "../zone.js";
import { startMoto, type Moto } from "../../test/support/moto.js";
import { FakeEngine, FakeProbes, MemoryOut, stateOf } from "./fakes.js";

const ZONE_KEY = "near-localnet:availabilityZone";
let moto: Moto;

beforeAll(async () => {
  moto = await startMoto();
}, 30_000);
afterAll(async () => moto?.stop());

/** A project directory with Pulumi.yaml and Pulumi.<stack>.yaml holding `config` (YAML lines under config:). */
function project(configLines: string[], stack = "localnet"): string {
  const dir = mkdtempSync(join(tmpdir(), "zone-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: near-localnet\nruntime: nodejs\n");
  const lines = ["  aws:region: us-east-1", ...configLines.map((l) => `  ${l}`)];
  writeFileSync(join(dir, `Pulumi.${stack}.yaml`), `config:\n${lines.join("\n")}\n`);
  return dir;
}

function run(engine: FakeEngine, workDir: string) {
  const out = new MemoryOut();
  const c: CliContext = {
    out,
    env: {},
    workDir,
    makeEngine: async () => engine,
    makeProbes: async () => new FakeProbes(),
    zoneLookups: (aws) => ec2ZoneLookups(aws, moto.clientConfig),
  };
  return { out, code: (args: string[]) => main(args, c) };
}

/** The state of a deployed Layer 1 whose subnets are in `zone`. */
function deployedIn(zone: string): FakeEngine {
  const engine = new FakeEngine(["base"]);
  engine.stateResources = [
    ...stateOf(["base"]),
    {
      urn: "urn:pulumi:localnet::near-localnet::near-localnet:index:NearBase$aws:ec2/subnet:Subnet::nodes",
      type: "aws:ec2/subnet:Subnet",
      outputs: { id: "subnet-0abc", availabilityZone: zone },
    },
  ];
  return engine;
}

describe("up keeps the availability zone", () => {
  it("first deploy: the first zone offering both types is written into the stack's config", async () => {
    const engine = new FakeEngine();
    const { out, code } = run(engine, project(["near-localnet:mpcInstanceType: c8in.large"]));
    expect(await code(["up", "--skip-sign-test"])).toBe(0);
    expect(engine.configValues[ZONE_KEY]).toBe("us-east-1a");
    expect(out.err).toContain(
      `availability zone: us-east-1a, kept in ${ZONE_KEY} (Pulumi.localnet.yaml): commit it with the stack's config`,
    );
    expect(engine.calls.filter((c) => c.op === "up")).toHaveLength(3);
  });

  it("the repository's own Pulumi.localnet.yaml passes the driver's checks", async () => {
    const engine = new FakeEngine();
    const repo = fileURLToPath(new URL("../..", import.meta.url));
    const { code } = run(engine, repo);
    expect(await code(["up", "--skip-sign-test"])).toBe(0);
    // m6i.large is offered in zones a-d and f of moto's us-east-1
    expect(engine.configValues[ZONE_KEY]).toBe("us-east-1a");
  });

  it("a deployed stack without the key keeps its subnets' zone, not the lookup's first", async () => {
    const engine = deployedIn("us-east-1d");
    const { code } = run(engine, project([]));
    expect(await code(["up", "--skip-sign-test"])).toBe(0);
    expect(engine.configValues[ZONE_KEY]).toBe("us-east-1d");
  });

  it("a kept zone that lacks a new instance type stops up before any Pulumi operation", async () => {
    const engine = deployedIn("us-east-1d");
    const { out, code } = run(engine, project(["near-localnet:mpcInstanceType: c8in.large"]));
    expect(await code(["up"])).toBe(1);
    expect(engine.calls).toEqual([]);
    expect(engine.configValues[ZONE_KEY]).toBeUndefined();
    expect(out.err.join("\n")).toContain(
      "error: availability zone us-east-1d (the stack's subnets) does not offer c8in.large " +
        "(near-localnet:mpcInstanceType). The zone is kept",
    );
    expect(out.err.join("\n")).toContain("pulumi config set near-localnet:mpcInstanceType <type> --stack localnet");
  });

  it("a configured zone other than the subnets' stops up, naming the zone to set back", async () => {
    const engine = deployedIn("us-east-1d");
    const { out, code } = run(engine, project([`${ZONE_KEY}: us-east-1b`]));
    expect(await code(["up"])).toBe(1);
    expect(engine.calls).toEqual([]);
    expect(out.err.join("\n")).toContain(
      `error: ${ZONE_KEY} = "us-east-1b", but the stack's subnets and data volumes are in us-east-1d; ` +
        `they cannot move (EBS volumes are zonal). Fix: pulumi config set ${ZONE_KEY} us-east-1d --stack localnet`,
    );
  });

  it("existing-VPC mode: the first subnet's zone, checked, and no key written", async () => {
    const ec2 = new EC2Client(moto.clientConfig);
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16" }));
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: "10.9.1.0/24", AvailabilityZone: "us-east-1e" }),
    );
    ec2.destroy();
    const engine = new FakeEngine();
    const dir = project([`near-localnet:vpcId: ${Vpc!.VpcId}`, `near-localnet:subnetIds: ["${Subnet!.SubnetId}"]`]);
    const { out, code } = run(engine, dir);
    expect(await code(["up"])).toBe(1);
    expect(engine.calls).toEqual([]);
    expect(engine.configValues[ZONE_KEY]).toBeUndefined();
    expect(out.err.join("\n")).toContain(
      `error: availability zone us-east-1e (the zone of ${Subnet!.SubnetId}, the first of near-localnet:subnetIds) ` +
        "does not offer m6i.large (near-localnet:baseInstanceType, near-localnet:mpcInstanceType)",
    );
    expect(out.err.join("\n")).toContain(
      "or, before the first deploy, list first a subnet in a zone that offers them: " +
        `pulumi config set near-localnet:subnetIds '["<subnet>"]' --stack localnet`,
    );
  });

  it("a config problem stops up before any Pulumi operation, with every problem", async () => {
    const engine = new FakeEngine();
    const { out, code } = run(engine, project(["near-localnet:mpcNodez: 4", "near-localnet:faucetPort: 3030"]));
    expect(await code(["up"])).toBe(1);
    expect(engine.calls).toEqual([]);
    const text = out.err.join("\n");
    expect(text).toContain("Invalid configuration (2 problems); nothing was created:");
    expect(text).toContain("near-localnet:mpcNodez is not a configuration key of this program");
    expect(text).toContain("did you mean near-localnet:mpcNodes?");
    expect(text).toContain("near-localnet:faucetPort = 3030: collides with the neard RPC port on the base host");
  });

  it("a Pulumi.<stack>.yaml that is not YAML is a message naming the line, not a stack trace", async () => {
    const engine = new FakeEngine();
    const dir = project(["near-localnet:tags:", "\tteam: chain"]);
    const { out, code } = run(engine, dir);
    expect(await code(["up"])).toBe(1);
    expect(engine.calls).toEqual([]);
    const text = out.err.join("\n");
    expect(text).toMatch(/Pulumi\.localnet\.yaml is not valid YAML at line 4, column \d+: .*Fix: correct that line/);
    expect(text).not.toMatch(/\n\s+at /);
  });
});
