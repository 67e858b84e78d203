// The MPC operations through the bundle's CLI contract (ops/main.ts `run`): JSON lines on
// stdout, one final result line, exit codes 0 / 1 / 2. main.ts registers them from layers/mpc/ops/index.ts;
// here they are added to its table the same way. The contract is the real signer wasm (fake-nearcore),
// keygen is run by simulated MPC nodes.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { OPERATIONS, run } from "../../../../ops/main.js";
import { mpcOperations } from "../../ops/index.js";
import { CONTRACT, node, startNet, type Net } from "./harness.js";

// type-level check: the handlers fit main.ts's operation table
const table: typeof OPERATIONS = mpcOperations;
Object.assign(OPERATIONS, table);

let net: Net;
beforeAll(async () => {
  net = await startNet(3);
});
afterAll(async () => {
  await net.close();
});

async function cli(op: string, payload: unknown) {
  const out: string[] = [];
  let err = "";
  const code = await run([op, Buffer.from(JSON.stringify(payload)).toString("base64")], {
    stdout: (l) => void out.push(l),
    stderr: (t) => void (err += t),
    keyClients: net.keys.clients(),
    connectOptions: { pollMs: 10 },
  });
  const lines = out.map((l) => JSON.parse(l) as Record<string, any>);
  return { code, lines, result: lines.at(-1)!, steps: lines.slice(0, -1), stderr: err };
}

describe("mpc operations through the CLI", () => {
  it("set-up, votes, keygen wait and root keys", async () => {
    const setup = await cli("mpc-setup-signer", net.options());
    expect(setup.code).toBe(0);
    expect(setup.result).toMatchObject({
      event: "result",
      ok: true,
      operation: "mpc-setup-signer",
      // initialised in the transaction that deployed it: the guarded init finds it done
      result: { init: { action: "unchanged" }, transactions: 5 },
    });
    expect(setup.steps.every((s) => s.event === "step")).toBe(true);
    expect(setup.steps).toHaveLength(6);
    // keys travel as references only: no secret in what the operation printed
    const printed = JSON.stringify(setup.lines) + setup.stderr;
    for (const secret of Object.values(net.env)) expect(printed).not.toContain(secret.slice(8));

    for (const i of [0, 1, 2]) {
      const v = await cli("mpc-vote-domains", { rpcUrl: net.chain.url, accountId: node(i), key: `env:NODE${i}_KEY` });
      expect(v.code).toBe(0);
      expect(v.result.result).toMatchObject({ action: "voted", accountId: node(i) });
    }
    expect(Object.keys(await net.state())).toEqual(["Initializing"]);

    const timeout = await cli("mpc-wait-keygen", { rpcUrl: net.chain.url, timeoutMs: 30, pollMs: 10 });
    expect(timeout.code).toBe(1);
    expect(timeout.result).toMatchObject({
      event: "result",
      ok: false,
      operation: "mpc-wait-keygen",
      error: { code: "TIMEOUT" },
    });
    expect(timeout.result.error.message).toContain("Initializing (key generation for domain 0): no active attempt");
    expect(timeout.steps.at(-1)!.diagnostics.phase).toBe("Initializing");

    // the nodes attest and run keygen
    await net.nodes.attest();
    expect(Object.keys(await net.nodes.keygen())).toEqual(["Running"]);
    const done = await cli("mpc-wait-keygen", { rpcUrl: net.chain.url, timeoutMs: 5_000, pollMs: 10 });
    expect(done.code).toBe(0);
    expect(done.result.result).toMatchObject({ contractId: CONTRACT, phase: "Running" });

    const keys = await cli("mpc-root-keys", { rpcUrl: net.chain.url });
    expect(keys.code).toBe(0);
    expect(keys.result.result.keys.map((k: { publicKey: string }) => k.publicKey)).toEqual([
      net.nodes.rootPublicKey(0),
      net.nodes.rootPublicKey(1),
    ]);
  });

  it("malformed payloads exit 2 before touching the chain", async () => {
    net.chain.resetCounters();
    const bad = await cli("mpc-vote-domains", { rpcUrl: net.chain.url, accountId: node(0) });
    expect(bad.code).toBe(2);
    expect(bad.result.error.code).toBe("INVALID_INPUT");
    expect(bad.result.error.message).toContain("payload.key");
    const badThreshold = await cli("mpc-setup-signer", net.options({ threshold: 4 }));
    expect(badThreshold.code).toBe(2);
    expect(badThreshold.result.error.message).toContain("threshold 4 exceeds the number of participants (3)");
    expect(net.chain.requests).toEqual([]);
  });
});
