// The SSM probe transport's reading of the ops `check` operation, and every layer's probe wired to it.
import { describe, expect, it } from "@jest/globals";
import { LAYER_IDS } from "../../layers/registry.js";
import type { ProbeTransport } from "../../layers/probe.js";
import { makeSsmProbes } from "../ssm-probes.js";

describe("ops check steps", () => {
  it("turns the check operation's account step lines into account facts", async () => {
    const { accountsFromCheckSteps } = await import("../ssm-probes.js");
    expect(
      accountsFromCheckSteps([
        { event: "step", check: "rpc", ok: true },
        {
          event: "step",
          check: "account",
          ok: true,
          accountId: "localnet",
          codeHash: "11111111111111111111111111111111",
          expected: null,
        },
        { event: "step", check: "account", ok: false, accountId: "wrap.localnet", codeHash: null, expected: null },
      ]),
    ).toEqual({
      localnet: { exists: true, codeHash: "11111111111111111111111111111111" },
      "wrap.localnet": { exists: false },
    });
  });
});

describe("makeSsmProbes", () => {
  it("has one probe per layer of the registry, and reads container logs through the diagnostics document", async () => {
    const calls: string[] = [];
    const t: ProbeTransport = {
      async diag(instanceId, probe, extra) {
        calls.push(`${instanceId} ${probe} ${extra?.container} ${extra?.lines}`);
        return { exitCode: 0, stdout: "line 1\nline 2" };
      },
      check: async () => ({}),
      sleep: async () => undefined,
    };
    const probes = makeSsmProbes(t);
    for (const id of LAYER_IDS) expect(typeof probes[id]).toBe("function");
    expect(await probes.logs({ instanceId: "i-0base", container: "neard", label: "base" }, 5)).toEqual([
      "line 1",
      "line 2",
    ]);
    expect(calls).toEqual(["i-0base logs neard 5"]);
  });
});
