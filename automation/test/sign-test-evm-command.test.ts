// `sign-test` with the stack's destination chain: the command adds the Ethereum leg to the payload
// from services.evm (the chain on the base host's loopback, the dev key by reference), the fake
// instance runs the real ops CLI against the real signer wasm and a REAL anvil on loopback (which
// is where the base host's operation finds the chain), and the report shows the leg.
import { KeyPair } from "near-api-js";
import { toHex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { runSignTest, type SignTestArgs } from "../commands/sign-test.js";
import type { StackOutputs } from "../../layers/outputs.js";
import type { FakeNearcore } from "../../test/support/fake-nearcore.js";
import { fakeSsmInstance } from "../../test/support/fake-ssm-instance.js";
import { FakeKeys } from "../../test/support/ops.js";
import { startRunningSigner, type MpcNodes } from "../../test/support/mpc-nodes.js";
import { startAnvil, type Anvil } from "../../test/support/anvil.js";

const ROOT_PARAM = "/near-localnet/localnet-account-key";
const DEV_PARAM = "/near-localnet/evm-dev-key";

let chain: FakeNearcore;
let nodes: MpcNodes;
let root: KeyPair;
let anvil: Anvil;
let devKey: `0x${string}`;

function outputs(evm = true): StackOutputs {
  const port = new URL(anvil.url).port;
  return {
    base: {
      instanceId: "i-0123456789abcdef0",
      privateIp: "10.0.1.5",
      rpcUrl: "http://10.0.1.5:3030",
      chainId: "localnet",
      rootAccountId: "localnet",
      bootNodes: [],
      rootAccountKeyParameter: ROOT_PARAM,
    },
    services: {
      contracts: { "wrap.localnet": "x" },
      ...(evm
        ? {
            evm: {
              rpcUrl: `http://10.0.1.5:${port}`,
              chainId: 31337,
              devAddress: privateKeyToAddress(devKey),
              devKeyParameter: DEV_PARAM,
            },
          }
        : {}),
    },
    mpc: {
      nodes: [],
      contractId: "v1.signer.localnet",
      domains: [{ id: 0, protocol: "CaitSith", reconstruction_threshold: 2, purpose: "Sign" }],
      threshold: 2,
      rootKeys: [],
    },
    opsDocument: "near-localnet-run-op",
    opsBundle: { uri: "s3://near-localnet-artifacts/ops/bundle.mjs", sha256: "ab".repeat(32) },
    problems: [],
  };
}

async function runCmd(args: SignTestArgs, o: StackOutputs) {
  const keys = new FakeKeys({ [`ssm:${ROOT_PARAM}`]: root, [`ssm:${DEV_PARAM}`]: devKey });
  const inst = fakeSsmInstance({ keys, rpcUrl: chain.url });
  const out = { stdout: [] as string[], stderr: [] as string[] };
  const code = await runSignTest(
    args,
    { stdout: (l) => out.stdout.push(l), stderr: (l) => out.stderr.push(l) },
    { stack: "localnet", outputs: o, client: inst.client, sleep: async () => {}, pollIntervalMs: 1 },
  );
  const payload = inst.sent[0] && JSON.parse(Buffer.from(inst.sent[0].payload, "base64").toString("utf8"));
  return { code, payload, keys, ...out };
}

beforeEach(async () => {
  ({ chain, root, nodes } = await startRunningSigner());
  anvil = await startAnvil({ chainId: 31337 });
  devKey = generatePrivateKey();
  await anvil.rpc("anvil_setBalance", [privateKeyToAddress(devKey), toHex(10n ** 20n)]);
});
afterEach(async () => {
  nodes.stop();
  await anvil.stop();
  await chain.close();
});

test("with a destination chain the sign test spends from the derived address and reports each step", async () => {
  const r = await runCmd({}, outputs());
  expect(r.code).toBe(0);
  expect(r.payload.evm).toEqual({
    rpcUrl: `http://127.0.0.1:${new URL(anvil.url).port}`,
    chainId: 31337,
    devKeyRef: `ssm:${DEV_PARAM}`,
  });
  expect(r.keys.reads).toContain(`ssm:${DEV_PARAM}`);
  expect(JSON.stringify(r.payload)).not.toContain(devKey.slice(2));
  const at = r.stdout.findIndex((l) => l.startsWith("ethereum "));
  expect(r.stdout[at]).toMatch(
    /^ethereum \(chain 31337, domain 0\): mined: transfer from 0x[0-9a-fA-F]{40} mined in block \d+$/,
  );
  expect(r.stdout[at + 1]).toMatch(/^ {2}derived address (0x[0-9a-fA-F]{40}), sender \1$/);
  expect(r.stdout[at + 2]).toMatch(/^ {2}tx 0x[0-9a-f]{64} in block \d+, funded by 0x[0-9a-f]{64}$/);
  expect(r.stdout[at + 3]).toMatch(
    /^ {2}steps: connect \d+ ms, build \d+ ms, fund \d+ ms, sign \d+ ms, assemble \d+ ms, broadcast \d+ ms$/,
  );
  expect(r.stdout.at(-1)).toBe("PASS: 1/1 requests verified, 1/1 derived keys match, Ethereum transfer mined");
  expect(r.stderr[0]).toContain("1 domain(s), Ethereum transfer, bound 900s");
});

test("--json carries the leg; --no-evm leaves it out", async () => {
  const j = await runCmd({ json: true }, outputs());
  const parsed = JSON.parse(j.stdout[0]);
  expect(parsed.evm).toMatchObject({ ok: true, chainId: 31337, domainId: 0 });
  const off = await runCmd({ evm: false }, outputs());
  expect(off.code).toBe(0);
  expect(off.payload.evm).toBeUndefined();
});

test("--evm on a stack without a destination chain fails before anything is sent, naming the key", async () => {
  const r = await runCmd({ evm: true, json: true }, outputs(false));
  expect(r.code).toBe(1);
  expect(r.payload).toBeUndefined();
  expect(JSON.parse(r.stdout[0]).error).toEqual({
    code: "NOT_DEPLOYED",
    message:
      "the stack exports no destination chain (services.evm): set near-localnet:destinationChain evm and deploy Layer 2 (npm run automate -- up)",
  });
  // without --evm the same stack runs the NEAR-only test
  const plain = await runCmd({}, outputs(false));
  expect(plain.code).toBe(0);
  expect(plain.payload.evm).toBeUndefined();
});
