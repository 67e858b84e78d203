import { harness, valueOf, type Harness } from "../../../test/support/pulumi-harness.js";
import { NearBase } from "../../base/component.js";
import { NearServices } from "../component.js";
import { LOCAL_RPC_URL } from "../../../platform/near/ports.js";
import { MOCK_ACCOUNT } from "../../../automation/mocks.js";
import { CORE_CONTRACTS, apply } from "../../../platform/near/plan.js";
import { callMethod, connect, view } from "../../../platform/near/client.js";
import { FakeNearcore, codeHashOf } from "../../../test/support/fake-nearcore.js";
import { CoreContractFiles } from "../../../test/support/core-contract-files.js";
import { contractWasm } from "../../../test/support/contracts.js";
import { FakeKeys } from "../../../test/support/ops.js";
import { layer2Chain } from "../../../test/support/layer2.js";
import { startFaucet } from "../ops/faucet.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { KeyPair } from "near-api-js";

let h: Harness;
let services: NearServices;
const sent: Array<{ operation: string; payload: Record<string, any> }> = [];

beforeAll(async () => {
  h = harness({}, "localnet", (operation, payload) => {
    sent.push({ operation, payload });
    return operation === "apply" ? { transactions: 5, steps: [] } : { container: "near-faucet" };
  });
  const base = new NearBase("base", { config: h.cfg });
  services = new NearServices("services", { config: h.cfg, base });
  await h.settle();
});

const envOf = (name: string) =>
  (h.one("command:local:Command", `${name}-run`).inputs as any).environment as Record<string, string>;
const payloadOf = (name: string) => JSON.parse(Buffer.from(envOf(name).SSM_RUN_PAYLOAD, "base64").toString("utf8"));

test("core contracts: one apply on the base instance through the run-op document, keys by reference only", () => {
  const env = envOf("core-contracts");
  expect(env.SSM_RUN_OPERATION).toBe("apply");
  expect(env.SSM_RUN_DOCUMENT).toBe("near-localnet-localnet-ops-run-op");
  expect(env.SSM_RUN_INSTANCE_ID).toMatch(/^i-/);
  expect(env.SSM_RUN_BUNDLE_URI).toMatch(/^s3:\/\/.*\/ops\/[0-9a-f]{64}\.mjs$/);
  const plan = payloadOf("core-contracts");
  expect(plan.rpcUrl).toBe(LOCAL_RPC_URL);
  expect(plan.chainId).toBe("mpc-localnet");
  expect(plan.keys).toEqual({
    localnet: "ssm:/near-localnet/localnet-account-key",
    "faucet.localnet": "ssm:/near-localnet/faucet-key",
  });
  expect(plan.steps.map((s: any) => [s.kind, s.accountId ?? s.contractId, s.balance ?? s.method])).toEqual([
    ["deploy", "whitelist.localnet", "15 NEAR"],
    ["deploy", "poolv1.localnet", "50 NEAR"],
    ["deploy", "wrap.localnet", "5 NEAR"],
    ["call", "whitelist.localnet", "add_factory"],
    ["deploy", "localnet", undefined],
    ["account", "faucet.localnet", "100000 NEAR"],
  ]);
  // linkdrop on the root, from its pin (near/near-linkdrop), deployed and initialised with the root's key
  expect(plan.steps[4]).toEqual({
    kind: "deploy",
    accountId: "localnet",
    wasm: {
      url: `https://raw.githubusercontent.com/near/near-linkdrop/c91581ec860bbfb70eee394d793233e8a1947825/${CORE_CONTRACTS.linkdrop.path}`,
      sha256: "cb3bf3e84aedb784f2a3d300a88f26366c9d97fcf2abdca1dda0cd89a8762912",
      size: 140676,
    },
    init: { method: "new", args: {} },
  });
  expect(plan.steps[5]).toMatchObject({ creator: "localnet", topUp: true });
  expect(plan.steps[0].wasm).toEqual({
    url: `https://raw.githubusercontent.com/near/core-contracts/1c58c1f54121c3344750db636d4946d5edfb7267/${CORE_CONTRACTS.whitelist.path}`,
    sha256: "847299b110d4e4d7b71911b3f4d70d523ce2c267785857244ebf6cdac27cbd2c",
    size: 125918,
  });
  expect(plan.steps[0].init).toEqual({ method: "new", args: { foundation_account_id: "localnet" } });
  expect(plan.steps[1].init).toEqual({
    method: "new",
    args: { staking_pool_whitelist_account_id: "whitelist.localnet" },
  });
  expect(plan.steps[3]).toMatchObject({
    args: { factory_account_id: "poolv1.localnet" },
    unless: { method: "is_factory_whitelisted", equals: true },
  });
  expect(plan.steps[5].publicKey).toMatch(/^ed25519:/);
  expect(JSON.stringify(plan)).not.toMatch(/ed25519:[1-9A-HJ-NP-Za-km-z]{80,}/);
});

test("the faucet starts after the contracts with its own account and key only (never the root's); destroyed, it stops", () => {
  expect(envOf("faucet").SSM_RUN_OPERATION).toBe("faucet-start");
  const cmd = h.one("command:local:Command", "faucet-run").inputs as any;
  expect(cmd.delete).toMatch(/^SSM_RUN_OPERATION=faucet-stop /);
  expect(JSON.stringify(payloadOf("faucet"))).not.toContain("localnet-account-key");
  expect(payloadOf("faucet")).toEqual({
    rpcUrl: LOCAL_RPC_URL,
    chainId: "mpc-localnet",
    listen: { host: "0.0.0.0", port: 3031 },
    parentAccountId: "localnet",
    parentCodeHash: codeHashOf(contractWasm("linkdrop")),
    accountId: "faucet.localnet",
    key: "ssm:/near-localnet/faucet-key",
    initialBalance: "10 NEAR",
    maxPerRequest: "100 NEAR",
    maxPerAccount: "1000 NEAR",
    nearPerHour: "1000 NEAR",
    clientNearPerHour: "200 NEAR",
    queueLength: 16,
    maxConnections: 64,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    // on the base data volume (run-op.sh mounts /srv/near/faucet there)
    ledgerFile: "/var/lib/near-faucet/ledger.json",
    // the stack's own accounts under the root, which nobody may take first through the faucet
    reservedNames: ["wrap", "whitelist", "poolv1", "faucet", "signer", "mpc-node-*", "sign-tester"],
  });
  // Dependencies on a component expand to its resources: the faucet waits for the apply command.
  const faucet = h.one("near-localnet:index:SsmOperation", "faucet");
  expect(faucet.dependencies).toContain(h.one("command:local:Command", "core-contracts-run").urn);
});

test("the rendered faucet payload runs as it is on the chain Layer 2 leaves: it creates an account as faucet.localnet", async () => {
  // only the RPC, the listening address and the ledger's folder move to this machine
  const l2 = await layer2Chain();
  const dir = mkdtempSync(path.join(tmpdir(), "faucet-payload-"));
  const config = {
    ...payloadOf("faucet"),
    rpcUrl: l2.chain.url,
    chainId: "localnet",
    listen: { host: "127.0.0.1", port: 0 },
    ledgerFile: path.join(dir, "ledger.json"),
  };
  const keys = new FakeKeys({ [config.key]: l2.faucet });
  const faucet = await startFaucet(config, { keys: keys.resolver(), connectOptions: { pollMs: 10 } });
  try {
    const key = KeyPair.fromRandom("ed25519").getPublicKey().toString();
    const res = await fetch(`${faucet.url}/account`, {
      method: "POST",
      body: JSON.stringify({ newAccountId: "dana.localnet", newAccountPublicKey: key }),
    });
    expect(res.status).toBe(200);
    expect(l2.chain.account("dana.localnet")).toMatchObject({ amount: 10n * 10n ** 24n, publicKeys: [key] });
    expect(l2.chain.appliedTransactions.map((t) => [t.signerId, t.receiverId])).toEqual([
      ["faucet.localnet", "localnet"],
    ]);
  } finally {
    await faucet.close();
    await l2.chain.close();
  }
});

test("the contracts wait for the whole base layer and the key policy", () => {
  const op = h.one("near-localnet:index:SsmOperation", "core-contracts");
  expect(op.dependencies).toContain(h.one("command:local:Command", "genesis-published").urn);
  expect(op.dependencies).toContain(h.one("aws:ec2/volumeAttachment:VolumeAttachment").urn);
  expect(op.dependencies).toContain(h.one("aws:iam/rolePolicy:RolePolicy", "base-services-access").urn);
});

test("Layer 2 grants the base role the faucet key only (the root key is Layer 1's grant)", () => {
  const policy = JSON.parse((h.one("aws:iam/rolePolicy:RolePolicy", "base-services-access").inputs as any).policy);
  expect(policy.Statement).toEqual([
    {
      Sid: "ReadServiceKeys",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: [`arn:aws:ssm:us-east-1:${MOCK_ACCOUNT}:parameter/near-localnet/faucet-key`],
    },
  ]);
  const key = h
    .byType("aws:ssm/parameter:Parameter")
    .find((p) => (p.inputs as any).name === "/near-localnet/faucet-key")!;
  expect(key.inputs).toMatchObject({ type: "SecureString", value: "[secret]" });
});

test("the faucet port is open to the VPC only", () => {
  const rule = h.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "faucet-from-vpc").inputs as any;
  expect(rule).toMatchObject({ ipProtocol: "tcp", fromPort: 3031, toPort: 3031, cidrIpv4: "10.42.0.0/16" });
});

test("outputs: contract ids with pinned code hashes, the faucet URL", async () => {
  expect(await valueOf(services.contracts)).toEqual({
    "whitelist.localnet": expect.any(String),
    "poolv1.localnet": expect.any(String),
    "wrap.localnet": expect.any(String),
    localnet: codeHashOf(contractWasm("linkdrop")),
  });
  const hashes = await valueOf(services.contracts);
  for (const h of Object.values(hashes ?? {})) expect(h).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/);
  expect(await valueOf(services.faucetUrl)).toMatch(/^http:\/\/10\.42\.\d+\.\d+:3031$/);
  expect(await valueOf(services.transactions)).toBe(5);
});

test("the rendered plan on the real contracts leaves a factory whose pools the whitelist accepts", async () => {
  // the payload as the component renders it; only the RPC and the wasm origin move to loopback
  const plan = payloadOf("core-contracts");
  const chain = await FakeNearcore.start({ chainId: plan.chainId });
  const files = await CoreContractFiles.start();
  try {
    const root = chain.addAccount("localnet", { amount: 1_000_000_000n * 10n ** 24n });
    for (const step of plan.steps) if (step.wasm) step.wasm.url = files.local(step.wasm.url);
    const keys = new FakeKeys({ [plan.keys.localnet]: root });
    const r = await apply({ ...plan, rpcUrl: chain.url }, { keys: keys.resolver(), emit: () => {} });
    expect(r.transactions).toBe(6);
    const expected = await valueOf(services.contracts);
    for (const [id, hash] of Object.entries(expected ?? {})) expect(chain.account(id)?.codeHash).toBe(hash);
    expect(chain.account("faucet.localnet")).toMatchObject({
      amount: 100_000n * 10n ** 24n,
      publicKeys: [plan.steps[5].publicKey],
    });

    const conn = await connect(chain.url, { pollMs: 10 });
    const owner = {
      accountId: "owner.localnet",
      keyPair: chain.addAccount("owner.localnet", { amount: 100n * 10n ** 24n }),
    };
    await callMethod(conn, {
      signer: owner,
      contractId: "poolv1.localnet",
      method: "create_staking_pool",
      args: {
        staking_pool_id: "p1",
        owner_id: "owner.localnet",
        stake_public_key: owner.keyPair.getPublicKey().toString(),
        reward_fee_fraction: { numerator: 5, denominator: 100 },
      },
      deposit: 30n * 10n ** 24n,
      gas: 300n * 10n ** 12n,
    });
    expect(
      await view(conn, "whitelist.localnet", "is_whitelisted", { staking_pool_account_id: "p1.poolv1.localnet" }),
    ).toBe(true);
    expect(chain.account("p1.poolv1.localnet")?.codeHash).toBe(codeHashOf(contractWasm("staking_pool")));
  } finally {
    await files.close();
    await chain.close();
  }
});
