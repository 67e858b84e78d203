// Layer 2's probe over the SSM transport: the destination chain's `evm-status` goes to the base
// instance as an ops operation (the fake instance runs the real ops CLI), which reads a REAL anvil
// on the instance's loopback; the container table comes from the diagnostics document.
import { createSsmProbes } from "../ssm-probes.js";
import type { StackOutputs } from "../../layers/outputs.js";
import { fakeSsmInstance } from "../../test/support/fake-ssm-instance.js";
import { startAnvil, type Anvil } from "../../test/support/anvil.js";

let anvil: Anvil;
beforeAll(async () => {
  anvil = await startAnvil({ chainId: 4242, extraArgs: ["--block-time", "1"] });
});
afterAll(() => anvil.stop());

test("services probe: evm-status on the base instance with the chain's loopback URL and chain id", async () => {
  const outputs: StackOutputs = {
    base: {
      instanceId: "i-0base",
      privateIp: "10.0.1.10",
      rpcUrl: "http://10.0.1.10:3030",
      chainId: "mpc-localnet",
      rootAccountId: "localnet",
      bootNodes: [],
    },
    services: {
      contracts: {},
      evm: {
        rpcUrl: `http://10.0.1.10:${new URL(anvil.url).port}`,
        chainId: 4242,
        devAddress: "0x" + "1".repeat(40),
        devKeyParameter: "/k",
      },
    },
    opsDocument: "near-localnet-localnet-run-op",
    diagnosticsDocument: "near-localnet-localnet-diagnostics",
    opsBundle: { uri: "s3://near-localnet-artifacts/ops/x.mjs", sha256: "a".repeat(64) },
    problems: [],
  };
  const inst = fakeSsmInstance();
  const probes = await createSsmProbes({
    stack: "localnet",
    outputs,
    client: inst.client,
    pollIntervalMs: 1,
    sleep: async () => {},
  });
  const probe = await probes.services(outputs);
  expect(probe.evm).toMatchObject({
    ok: true,
    chainId: 4242,
    detail: expect.stringMatching(/^chain 4242 at block \d+, advancing$/),
  });
  const sent = inst.sent.find((s) => s.operation === "evm-status")!;
  expect(JSON.parse(Buffer.from(sent.payload, "base64").toString("utf8"))).toEqual({
    rpcUrl: `http://127.0.0.1:${new URL(anvil.url).port}`,
    chainId: 4242,
  });
});
