// Snapshot sets, restore and reset against moto in server mode (EC2 and SSM through the real SDK;
// moto has no DescribeInstanceInformation, which moto-stack.ts answers from the instance state):
// the containers stop before any snapshot and start after the last, one set of every volume;
// restores refuse sets of another genesis, key set or stack; a restore failing at any step leaves
// the previous volumes intact and `restore --undo` puts them back; a finished restore is adopted
// into the Pulumi state.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateSnapshotCommand } from "@aws-sdk/client-ec2";
import { main } from "../cli.js";
import type { CliContext } from "../cli/context.js";
import { takeBaselineOnce } from "../cli/baseline.js";
import type { RunReport } from "../driver.js";
import type { Ec2Sender } from "../park/ec2.js";
import { dataVolumeOf, describeVolumes } from "../snapshots/ebs.js";
import { keySetDigest, TAG } from "../snapshots/identity.js";
import { volumeAttachmentId } from "../snapshots/adopt.js";
import { gunzipped } from "../../platform/host/render.js";
import { parseStackOutputs } from "../stack-outputs.js";
import { startMoto, type Moto } from "../../test/support/moto.js";
import { motoStack, type MotoStack } from "./moto-stack.js";
import { FakeProbes, MemoryOut, healthyMpc, rawOutputs } from "./fakes.js";

let moto: Moto;
let stack: MotoStack;
const workDir = mkdtempSync(join(tmpdir(), "near-localnet-snapshots-"));
const GENESIS = "b".repeat(64);
const KEY_SET = keySetDigest(parseStackOutputs(rawOutputs(["base", "services", "mpc"])));

beforeAll(async () => {
  moto = await startMoto();
  stack = await motoStack(moto);
}, 30_000);

afterAll(async () => {
  stack?.ec2.destroy();
  await moto?.stop();
});

/** EC2 through the recorder; `failOn` makes the n-th call (1-based) of that command throw. */
function ctx(o: { probes?: FakeProbes; failOn?: [string, number] } = {}) {
  const out = new MemoryOut();
  const probes = o.probes ?? new FakeProbes();
  let seen = 0;
  const ec2: Ec2Sender = {
    async send(c) {
      const name = c.constructor.name.replace(/Command$/, "");
      if (o.failOn && name === o.failOn[0] && ++seen === o.failOn[1]) {
        stack.calls.push(`${name} FAILED`);
        throw Object.assign(new Error(`injected ${name} failure`), { name: "InjectedFailure" });
      }
      return stack.recorder.send(c);
    },
  };
  const c: CliContext = {
    out,
    env: {},
    workDir,
    makeEngine: async () => stack.engine,
    makeProbes: async () => probes,
    makeEc2: async () => ec2,
    channel: { client: stack.ssm, sleep: async () => {}, pollIntervalMs: 1 },
  };
  return { c, out, probes };
}

const hostVolumes = async () =>
  Promise.all(stack.hosts.map(async (h) => (await dataVolumeOf(stack.ec2, h.instanceId))?.volumeId));

describe("snapshot create", () => {
  it("stops every node container (MPC nodes first) before any snapshot, snapshots every volume, then starts them (neard first)", async () => {
    const { c, out } = ctx();
    stack.calls.length = 0;
    expect(await main(["snapshot", "create", "--name", "clean"], c)).toBe(0);
    const relevant = stack.calls.filter((l) => /^(SendCommand|CreateSnapshot )/.test(l));
    const [base, m0, m1, m2] = stack.hosts;
    expect(relevant).toEqual([
      `SendCommand ${m0.instanceId} docker stop --time 120 mpc-node && sync`,
      `SendCommand ${m1.instanceId} docker stop --time 120 mpc-node && sync`,
      `SendCommand ${m2.instanceId} docker stop --time 120 mpc-node && sync`,
      `SendCommand ${base.instanceId} docker stop --time 120 neard && sync`,
      ...stack.hosts.map((h) => `CreateSnapshot ${h.volumeId}`),
      `SendCommand ${base.instanceId} docker start neard`,
      `SendCommand ${m2.instanceId} docker start mpc-node`,
      `SendCommand ${m1.instanceId} docker start mpc-node`,
      `SendCommand ${m0.instanceId} docker start mpc-node`,
    ]);
    expect(out.out[0]).toBe("snapshot set clean: OK");
  });

  it("tags each snapshot with the stack, the set, the genesis, the key set and the host; list shows the set", async () => {
    const { c, out } = ctx();
    expect(await main(["snapshot", "list", "--json"], c)).toBe(0);
    const { sets } = JSON.parse(out.out[0]);
    const clean = sets.find((s: { name: string }) => s.name === "clean");
    expect(clean).toMatchObject({ stack: "localnet", genesisSha256: GENESIS, keySet: KEY_SET, state: "completed" });
    expect(
      clean.snapshots.map((s: { tags: Record<string, string> }) => [s.tags[TAG.host], s.tags[TAG.volume]]),
    ).toEqual([...stack.hosts].sort((a, b) => a.name.localeCompare(b.name)).map((h) => [h.name, h.volumeId]));
  });

  it("refuses an unhealthy stack and a name already taken, before stopping anything", async () => {
    const probes = new FakeProbes();
    probes.mpcResult = { ...healthyMpc(), contract: { ...healthyMpc().contract, state: "Initializing" } };
    const sick = ctx({ probes });
    stack.calls.length = 0;
    expect(await main(["snapshot", "create", "--name", "sick"], sick.c)).toBe(1);
    expect(sick.out.out.join("\n")).toMatch(/error: the stack is not healthy, so it is not snapshotted: mpc: /);
    const again = ctx();
    expect(await main(["snapshot", "create", "--name", "clean"], again.c)).toBe(1);
    expect(again.out.out.join("\n")).toContain('stack "localnet" already has a snapshot set "clean" (4 snapshots)');
    expect(stack.calls.filter((l) => /^(SendCommand|CreateSnapshot )/.test(l))).toEqual([]);
  });
});

describe("snapshot create failing midway", () => {
  it("starts the containers again and deletes the snapshots it took, so no partial set remains", async () => {
    const { c, out } = ctx({ failOn: ["CreateSnapshot", 3] });
    stack.calls.length = 0;
    expect(await main(["snapshot", "create", "--name", "partial"], c)).toBe(1);
    expect(out.out.join("\n")).toContain('error: snapshot set "partial" not taken: injected CreateSnapshot failure');
    const after = stack.calls.slice(stack.calls.indexOf("CreateSnapshot FAILED"));
    expect(after.filter((l) => l.startsWith("SendCommand")).map((l) => l.split(" ").slice(2).join(" "))).toEqual([
      "docker start neard",
      "docker start mpc-node",
      "docker start mpc-node",
      "docker start mpc-node",
    ]);
    expect(after.filter((l) => l.startsWith("DeleteSnapshot"))).toHaveLength(2);
    const list = ctx();
    await main(["snapshot", "list", "--json"], list.c);
    expect(JSON.parse(list.out.out[0]).sets.map((s: { name: string }) => s.name)).not.toContain("partial");
  });
});

describe("restore", () => {
  it("replaces every data volume, keeps the old ones, and adopts the new ones into the Pulumi state", async () => {
    const before = await hostVolumes();
    const { c, out } = ctx();
    stack.calls.length = 0;
    const code = await main(["restore", "clean", "--settle-minutes", "0", "--skip-sign-test"], c);
    if (code !== 0) console.log(out.out.join("\n"), out.err.join("\n"));
    expect(code).toBe(0);
    const after = await hostVolumes();
    expect(after.every((v, i) => v && v !== before[i])).toBe(true);
    // Made like the previous ones: zone, type, size and the tags Pulumi manages, so the adopted state has no diff.
    const made = await describeVolumes(stack.ec2, after as string[]);
    const was = await describeVolumes(stack.ec2, before as string[]);
    const shape = (v: { availabilityZone: string; volumeType?: string; size: number; tags: object }) => [
      v.availabilityZone,
      v.volumeType,
      v.size,
      v.tags,
    ];
    expect(made.map(shape)).toEqual(was.map(shape));
    expect(made.map((v) => v.tags.Name)).toEqual(stack.hosts.map((h) => `near-localnet-localnet-${h.name}-data`));
    // The previous volumes still exist, detached.
    expect((await describeVolumes(stack.ec2, before as string[])).map((v) => v.state)).toEqual(
      Array(4).fill("available"),
    );
    const order = stack.calls.map((l) => l.split(" ")[0]);
    const first = (name: string) => order.indexOf(name);
    const last = (name: string) => order.lastIndexOf(name);
    expect(last("StopInstances")).toBeLessThan(first("CreateVolume"));
    expect(last("CreateVolume")).toBeLessThan(first("DetachVolume"));
    expect(last("AttachVolume")).toBeLessThan(first("StartInstances"));
    expect(order).not.toContain("DeleteVolume");
    // The state names the restored volumes everywhere the old ones were.
    const text = JSON.stringify(stack.engine.deployment);
    for (const old of before) expect(text).not.toContain(old);
    const res = (stack.engine.deployment as { resources: any[] }).resources;
    const base = stack.hosts[0];
    const instance = res.find((r) => r.urn.endsWith("::base-instance"));
    expect(gunzipped(instance.inputs.userDataBase64)).toBe(`#!/bin/bash\nDATA_VOLUME_ID='${after[0]}'\n`);
    const attachment = res.find((r) => r.urn.endsWith("::base-data-attachment"));
    expect(attachment.outputs).toMatchObject({ volumeId: after[0], instanceId: base.instanceId });
    // The id the AWS provider derives for the new attachment, no longer the old one's.
    expect(attachment.id).toBe(volumeAttachmentId("/dev/sdf", base.instanceId, after[0]!));
    expect(attachment.id).not.toBe(volumeAttachmentId("/dev/sdf", base.instanceId, before[0]!));
    expect(out.out[0]).toBe("restore clean: OK");
    // What is awaited, its last state and the time so far.
    expect(out.err.join("\n")).toMatch(/ {2}waiting for in-use: vol-[0-9a-f]+ in-use \(\d+s\)/);
  });

  it("refuses a set of another genesis, key set or stack, naming the mismatch, and changes nothing", async () => {
    const tagged = async (set: string, tags: Record<string, string>) => {
      for (const h of stack.hosts) {
        const v = await dataVolumeOf(stack.ec2, h.instanceId);
        await stack.ec2.send(
          new CreateSnapshotCommand({
            VolumeId: v!.volumeId,
            TagSpecifications: [
              {
                ResourceType: "snapshot",
                Tags: Object.entries({
                  [TAG.stack]: "localnet",
                  [TAG.set]: set,
                  [TAG.genesis]: GENESIS,
                  [TAG.keySet]: KEY_SET,
                  [TAG.host]: h.name,
                  ...tags,
                }).map(([Key, Value]) => ({ Key, Value })),
              },
            ],
          }),
        );
      }
    };
    await tagged("other-genesis", { [TAG.genesis]: "c".repeat(64) });
    await tagged("other-keys", { [TAG.keySet]: "d".repeat(64) });
    await tagged("other-stack", { [TAG.stack]: "staging" });
    const volumes = await hostVolumes();
    const cases: Array<[string, string]> = [
      ["other-genesis", `its genesis sha256 is ${"c".repeat(64)}, the stack's is ${GENESIS}`],
      ["other-keys", `its key set is ${"d".repeat(64)}, the signer contract's is ${KEY_SET}`],
      ["other-stack", `it belongs to stack "staging", not "localnet"`],
    ];
    for (const [set, reason] of cases) {
      const { c, out } = ctx();
      stack.calls.length = 0;
      expect(await main(["restore", set, "--settle-minutes", "0", "--skip-sign-test"], c)).toBe(1);
      expect(out.out.join("\n")).toContain(`error: refusing to restore snapshot set "${set}": ${reason}`);
      expect(stack.calls.filter((l) => /^(Stop|Create|Detach|Attach)/.test(l))).toEqual([]);
    }
    expect(await hostVolumes()).toEqual(volumes);
  });

  const STEPS: Array<[string, [string, number] | "gates" | "adopt"]> = [
    ["stop the hosts", ["StopInstances", 1]],
    ["create the volumes from the snapshots", ["CreateVolume", 3]],
    ["swap the data volumes", ["DetachVolume", 2]],
    ["swap the data volumes", ["AttachVolume", 3]],
    ["start the hosts", ["StartInstances", 2]],
    ["run the gates and the sign test", "gates"],
    ["adopt the volumes into the Pulumi state", "adopt"],
  ];
  it.each(STEPS)(
    "a restore failing at %s (%j) leaves the previous volumes intact; --undo puts them back",
    async (stepName, fault) => {
      const previous = await hostVolumes();
      const probes = new FakeProbes();
      if (fault === "gates")
        probes.mpcResult = { ...healthyMpc(), contract: { ...healthyMpc().contract, state: "Initializing" } };
      if (fault === "adopt") stack.engine.failRewrite = new Error("injected state write failure");
      const failing = ctx({ probes, failOn: Array.isArray(fault) ? fault : undefined });
      stack.calls.length = 0;
      const snapshotState = JSON.stringify(stack.engine.deployment);
      expect(await main(["restore", "clean", "--json", "--settle-minutes", "0", "--skip-sign-test"], failing.c)).toBe(
        1,
      );
      stack.engine.failRewrite = undefined;
      const report = JSON.parse(failing.out.out[0]);
      expect(report.failedStep).toBe(stepName);
      expect(report.nextActions.join("\n")).toContain("`npm run automate -- restore --undo`");
      expect(report.nextActions[0]).toContain("Nothing was deleted");
      expect(stack.calls).not.toContainEqual(expect.stringMatching(/^Delete/));
      // Every previous volume exists, and is attached to its host or available to be.
      const seen = await describeVolumes(stack.ec2, previous as string[]);
      expect(seen.map((v) => v.volumeId)).toEqual(previous);
      for (const v of seen) expect(["available", "in-use"]).toContain(v.state);
      // The Pulumi state still names the previous volumes.
      expect(JSON.stringify(stack.engine.deployment)).toBe(snapshotState);

      const undo = ctx();
      expect(await main(["restore", "--undo", "--settle-minutes", "0", "--skip-sign-test"], undo.c)).toBe(0);
      expect(await hostVolumes()).toEqual(previous);
      expect(JSON.stringify(stack.engine.deployment)).toBe(snapshotState);
    },
    20_000,
  );
});

describe("reset and the baseline", () => {
  const green = (): RunReport => ({
    ok: true,
    exitCode: 0,
    stack: "localnet",
    layers: [],
    nextActions: [],
    signTest: { ok: true, summary: "2/2", lines: [] },
  });

  it("the first green up takes the baseline set once; reset restores it", async () => {
    const { c } = ctx();
    const aws = { region: "us-east-1", regionSource: "test" };
    stack.calls.length = 0;
    await takeBaselineOnce(c, stack.engine, aws, green());
    expect(stack.calls.filter((l) => l.startsWith("CreateSnapshot "))).toHaveLength(4);
    stack.calls.length = 0;
    await takeBaselineOnce(c, stack.engine, aws, green());
    expect(stack.calls.filter((l) => l.startsWith("CreateSnapshot "))).toEqual([]);
    const before = await hostVolumes();
    const reset = ctx();
    expect(await main(["reset", "--settle-minutes", "0", "--skip-sign-test"], reset.c)).toBe(0);
    expect(reset.out.out[0]).toBe("restore baseline: OK");
    const after = await hostVolumes();
    expect(after.every((v, i) => v !== before[i])).toBe(true);
  }, 20_000);

  it("a run that is not green takes none", async () => {
    const { c } = ctx();
    stack.calls.length = 0;
    await takeBaselineOnce(c, stack.engine, { region: "us-east-1", regionSource: "test" }, { ...green(), ok: false });
    expect(stack.calls).toEqual([]);
  });
});
