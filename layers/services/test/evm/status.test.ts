// The destination chain in `health` and `status`: the ops bundle's `evm-status` run for real (the
// ops CLI) against a REAL anvil on loopback, then Layer 2's probe, gate and evidence row over it.
import { run } from "../../../../ops/main.js";
import type { StackOutputs } from "../../../outputs.js";
import type { CheckRequest, ProbeTransport } from "../../../probe.js";
import { probeServices } from "../../probe.js";
import { evaluateServices } from "../../gate.js";
import { servicesLayer } from "../../layer.js";
import { startAnvil, type Anvil } from "../../../../test/support/anvil.js";

let mining: Anvil;
let idle: Anvil;

beforeAll(async () => {
  mining = await startAnvil({ chainId: 31337, extraArgs: ["--block-time", "1"] });
  idle = await startAnvil({ chainId: 31337 }); // automine: no block without a transaction
});
afterAll(async () => {
  await mining.stop();
  await idle.stop();
});

async function evmStatus(payload: Record<string, unknown>): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const code = await run(["evm-status", Buffer.from(JSON.stringify(payload)).toString("base64")], {
    stdout: (l) => lines.push(l),
    stderr: () => {},
  });
  const last = JSON.parse(lines.at(-1)!);
  expect({ code, ok: last.ok }).toEqual({ code: 0, ok: true });
  return last.result;
}

test("evm-status: blocks advance on the chain, stay on an idle one, another chain id is named", async () => {
  const ok = await evmStatus({ rpcUrl: mining.url, chainId: 31337 });
  expect(ok).toMatchObject({ ok: true, rpcUrl: mining.url, chainId: 31337 });
  expect(ok.to as number).toBeGreaterThan(ok.from as number);
  expect(ok.detail).toBe(`chain 31337 at block ${ok.to}, advancing`);
  expect(await evmStatus({ rpcUrl: idle.url, chainId: 31337, withinMs: 600 })).toEqual({
    ok: false,
    rpcUrl: idle.url,
    chainId: 31337,
    from: 0,
    to: 0,
    detail: "chain 31337 stayed at block 0 for 600 ms",
  });
  expect(await evmStatus({ rpcUrl: idle.url, chainId: 1, withinMs: 600 })).toEqual({
    ok: false,
    rpcUrl: idle.url,
    chainId: 1,
    detail: `the EVM chain at ${idle.url} has chain id 31337, expected 1`,
  });
});

function outputs(url: string): StackOutputs {
  return {
    base: {
      instanceId: "i-0base",
      privateIp: "10.0.1.10",
      rpcUrl: "http://10.0.1.10:3030",
      chainId: "mpc-localnet",
      rootAccountId: "localnet",
      bootNodes: [],
    },
    services: {
      contracts: { "wrap.localnet": "H" },
      evm: {
        rpcUrl: `http://10.0.1.10:${new URL(url).port}`,
        chainId: 31337,
        devAddress: "0x" + "1".repeat(40),
        devKeyParameter: "/k",
      },
    },
    problems: [],
  };
}

/** The probe transport of the driver, with `check` answering evm-status from the real operation. */
function transport(requests: CheckRequest[], withinMs: number): ProbeTransport {
  return {
    diag: async () => ({ exitCode: 0, stdout: "" }),
    check: async (request) => {
      requests.push(request);
      const accounts = { "wrap.localnet": { exists: true, codeHash: "H" } };
      return { accounts, ...(request.evm ? { evm: (await evmStatus({ ...request.evm, withinMs })) as never } : {}) };
    },
    sleep: async () => {},
  };
}

test("probe, gate and status row: a healthy chain passes, a stalled one is a finding naming it", async () => {
  const requests: CheckRequest[] = [];
  const good = outputs(mining.url);
  const probe = await probeServices(transport(requests, 10_000), good);
  expect(requests[0].evm).toEqual({ rpcUrl: `http://127.0.0.1:${new URL(mining.url).port}`, chainId: 31337 });
  expect(evaluateServices(good, probe)).toEqual({ layer: "services", done: true, findings: [] });
  const rows = servicesLayer.status.evidence({ outputs: good, probes: { services: probe } } as never);
  expect(rows.find((r) => r.item === "Destination chain")).toEqual({
    item: "Destination chain",
    value: `${good.services!.evm!.rpcUrl} chain 31337, block ${probe.evm!.to} (advancing)`,
    check: "ok",
  });

  expect(servicesLayer.status.summary({ outputs: good, probes: { services: probe } } as never).runtime).toEqual([
    `destination chain 31337 at block ${probe.evm!.to}, advancing`,
  ]);

  const stalled = outputs(idle.url);
  const bad = await probeServices(transport([], 600), stalled);
  expect(evaluateServices(stalled, bad).findings).toEqual([
    {
      kind: "evm-chain",
      subject: stalled.services!.evm!.rpcUrl,
      message: `the destination chain at ${stalled.services!.evm!.rpcUrl} is not healthy: chain 31337 stayed at block 0 for 600 ms`,
    },
  ]);
});
