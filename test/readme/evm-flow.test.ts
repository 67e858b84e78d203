// The README's dApp flow for the destination chain (derive, sign, assemble, send), run as written:
// the snippet is taken from the README and run by node against the real signer contract
// (fake-nearcore running the 3.14.1 wasm, simulated MPC nodes answering) and a REAL anvil.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { getAddress } from "viem";
import { startRunningSigner, type MpcNodes } from "../support/mpc-nodes.js";
import type { FakeNearcore } from "../support/fake-nearcore.js";
import { startAnvil, type Anvil } from "../support/anvil.js";

const run = promisify(execFile);
const README = new URL("../../README.md", import.meta.url);

let chain: FakeNearcore;
let nodes: MpcNodes;
let anvil: Anvil;

beforeAll(async () => {
  ({ chain, nodes } = await startRunningSigner());
  anvil = await startAnvil({ chainId: 31337 });
});
afterAll(async () => {
  nodes.stop();
  await anvil.stop();
  await chain.close();
});

/** The js block of the README's destination-chain paragraph. */
function snippet(): string {
  const text = readFileSync(README, "utf8");
  const at = text.indexOf("**Sign an Ethereum transaction (the destination chain).**");
  const m = /```js\n([\s\S]*?)```/.exec(text.slice(at));
  if (at < 0 || !m) throw new Error("the README has no destination-chain snippet");
  return m[1];
}

test("the README's snippet derives alice's address, has the contract sign, and the chain mines it from there", async () => {
  const alice = chain.addAccount("alice.localnet", { amount: 10n ** 25n });
  const code = `${snippet()}\nconsole.log(JSON.stringify({ address, from: receipt.from, status: receipt.status }));\n`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: {
      PATH: process.env.PATH,
      NEAR_RPC_URL: chain.url,
      NEAR_MPC_CONTRACT_ID: "v1.signer.localnet",
      ALICE_PRIVATE_KEY: alice.toString(),
      EVM_RPC_URL: anvil.url,
      EVM_CHAIN_ID: "31337",
    },
    timeout: 60_000,
  });
  const r = JSON.parse(stdout.trim().split("\n").at(-1)!);
  expect(r.status).toBe("success");
  expect(getAddress(r.from)).toBe(getAddress(r.address));
  expect(Number(await anvil.rpc("eth_getTransactionCount", [r.address, "latest"]))).toBe(1);
  await nodes.idle();
  expect(nodes.signRequests.map((q) => [q.predecessor, q.path, q.domainId])).toEqual([["alice.localnet", "eth-1", 0]]);
});
