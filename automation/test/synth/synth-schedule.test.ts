// The park schedule in the synth plan: with near-localnet:schedule set, two EventBridge Scheduler
// schedules whose universal targets stop and start exactly the stack's four hosts, and a role
// that only this account's Scheduler may assume and that may only stop and start those hosts.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runSynth, type SynthPlan } from "../../synth.js";

let plan: SynthPlan;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "synth-schedule-"));
  writeFileSync(join(dir, "Pulumi.yaml"), `name: near-localnet\nruntime: nodejs\nmain: ${resolve("index.ts")}\n`);
  const config = readFileSync("Pulumi.localnet.yaml", "utf8").replace(
    "config:\n",
    "config:\n  near-localnet:schedule:\n    stop: '19:30'\n    start: '08:00'\n    days: MON-FRI\n    timeZone: Europe/Berlin\n",
  );
  writeFileSync(join(dir, "Pulumi.localnet.yaml"), config);
  const out = join(dir, "out");
  expect(await runSynth({ stack: "localnet", out, projectDir: dir, log: () => {} })).toBe(0);
  plan = JSON.parse(readFileSync(join(out, "localnet.json"), "utf8"));
});

const of = (type: string) => plan.resources.filter((r) => r.type === type);

test("two schedules under Layer 3, in the configured zone, calling EC2 on the four hosts", () => {
  const instances = of("aws:ec2/instance:Instance").map((r) => r.urn);
  expect(instances).toHaveLength(4);
  const schedules = of("aws:scheduler/schedule:Schedule");
  expect(schedules.map((s) => s.name)).toEqual(["schedule-stop", "schedule-start"]);
  const component = of("near-localnet:index:ParkSchedule");
  expect(component.map((c) => c.parent)).toEqual([
    "urn:pulumi:localnet::near-localnet::near-localnet:index:ChainSignatures::mpc",
  ]);
  for (const s of schedules) expect(s.parent).toBe(component[0].urn);
  const [stop, start] = schedules.map((s) => s.inputs as any);
  expect(stop).toMatchObject({
    name: "near-localnet-localnet-park-stop",
    groupName: "default",
    scheduleExpression: "cron(30 19 ? * MON-FRI *)",
    scheduleExpressionTimezone: "Europe/Berlin",
    flexibleTimeWindow: { mode: "OFF" },
    state: "ENABLED",
    target: { arn: "arn:aws:scheduler:::aws-sdk:ec2:stopInstances" },
  });
  expect(start).toMatchObject({
    scheduleExpression: "cron(0 8 ? * MON-FRI *)",
    target: { arn: "arn:aws:scheduler:::aws-sdk:ec2:startInstances" },
  });
  const ids = JSON.parse(stop.target.input).InstanceIds;
  expect(ids).toHaveLength(4);
  expect(JSON.parse(start.target.input).InstanceIds).toEqual(ids);
});

test("the role: assumed only by this account's Scheduler, allowed only to stop and start these hosts", () => {
  const role = of("aws:iam/role:Role").find((r) => r.name === "schedule-role")!;
  const trust = JSON.parse((role.inputs as any).assumeRolePolicy);
  expect(trust.Statement).toEqual([
    {
      Effect: "Allow",
      Principal: { Service: "scheduler.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": expect.stringMatching(/^\d{12}$/) } },
    },
  ]);
  const policy = of("aws:iam/rolePolicy:RolePolicy").find((r) => r.name === "schedule-hosts")!;
  const stop = of("aws:scheduler/schedule:Schedule")[0].inputs as any;
  const ids: string[] = JSON.parse(stop.target.input).InstanceIds;
  const statements = JSON.parse((policy.inputs as any).policy).Statement;
  expect(statements).toEqual([
    {
      Sid: "StopAndStartTheStackHosts",
      Effect: "Allow",
      Action: ["ec2:StopInstances", "ec2:StartInstances"],
      Resource: ids.map((id) => expect.stringMatching(new RegExp(`^arn:aws:ec2:us-east-1:\\d{12}:instance/${id}$`))),
    },
  ]);
});
