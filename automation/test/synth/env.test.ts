// `env` renders the client configuration that near-cli-rs (config.toml, parsed here by a TOML
// parser), a near-api-js app (dotenv, parsed by dotenv) and scripts (JSON) read: from the outputs
// `synth` writes with its mock values, and from a stack with other names and ports behind a tunnel.
// `derive` takes the root key from the same outputs.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { parse as parseDotenv } from "dotenv";
import { main } from "../../cli.js";
import type { CliContext } from "../../cli/context.js";
import { runSynth } from "../../synth.js";
import { writeState } from "../../tunnel/state.js";
import { deriveKey, formatPublicKey, parsePublicKey } from "../../../platform/chainsig/index.js";
import { MemoryOut } from "../fakes.js";

// What near-cli-rs requires of every [network_connection.*] entry (src/config/mod.rs NetworkConfig).
const REQUIRED = ["network_name", "rpc_url", "wallet_url", "explorer_transaction_url"];

let out: string;
let outputsFile: string;
let synthOutputs: any;

function ctx(workDir = mkdtempSync(join(tmpdir(), "env-"))) {
  const o = new MemoryOut();
  const c: CliContext = {
    out: o,
    env: {},
    workDir,
    makeEngine: async () => {
      throw new Error("env --outputs-file must not need the Pulumi engine");
    },
    makeProbes: async () => {
      throw new Error("no probes");
    },
  };
  return { c, out: o };
}

/** The entry as near-cli-rs reads it: the block appended to a config.toml of its own. */
function nearCliEntry(block: string, name: string): Record<string, string> {
  const configToml = `version = "5"\ncredentials_home_dir = "/home/dev/.near-credentials"\n\n${block}\n`;
  const parsed = parseToml(configToml) as { network_connection: Record<string, Record<string, string>> };
  const entry = parsed.network_connection[name];
  for (const key of REQUIRED) expect(typeof entry[key]).toBe("string");
  for (const key of ["rpc_url", "wallet_url", "explorer_transaction_url", "faucet_url"]) {
    if (entry[key] !== undefined) expect(() => new URL(entry[key])).not.toThrow();
  }
  return entry;
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "synth-env-"));
  expect(await runSynth({ stack: "localnet", out, log: () => undefined })).toBe(0);
  outputsFile = join(out, "localnet.outputs.json");
  synthOutputs = JSON.parse(readFileSync(outputsFile, "utf8"));
}, 60_000);

describe("synth's outputs file", () => {
  it("holds every stack output with the mock values, in the shape `outputs --json` prints", () => {
    expect(Object.keys(synthOutputs).sort()).toEqual([
      "base",
      "diagnosticsDocument",
      "mpc",
      "opsBundle",
      "opsDocument",
      "services",
    ]);
    expect(synthOutputs.base).toMatchObject({
      chainId: "mpc-localnet",
      rootAccountId: "localnet",
      logGroup: "/near-localnet/localnet/containers",
    });
    expect(synthOutputs.base.rpcUrl).toMatch(/^http:\/\/10\.42\.\d+\.\d+:3030$/);
    expect(synthOutputs.mpc.rootKeys.map((k: any) => parsePublicKey(k.publicKey).curve)).toEqual([
      "secp256k1",
      "ed25519",
    ]);
  });
});

describe("env from the synth outputs (no tunnel: the in-VPC URLs)", () => {
  it("near-cli: a [network_connection.localnet] entry near-cli-rs accepts", async () => {
    const { c, out: o } = ctx();
    expect(await main(["env", "--outputs-file", outputsFile], c)).toBe(0);
    const entry = nearCliEntry(o.out.join("\n"), "localnet");
    const rpc = `${synthOutputs.base.rpcUrl}/`;
    expect(entry).toEqual({
      network_name: "mpc-localnet",
      rpc_url: rpc,
      wallet_url: rpc,
      explorer_transaction_url: rpc,
      linkdrop_account_id: "localnet",
      faucet_url: `${synthOutputs.services.faucetUrl}/account`,
      staking_pools_factory_account_id: "poolv1.localnet",
      mpc_contract_account_id: "v1.signer.localnet",
    });
    expect(o.err.join("\n")).toContain("run `npm run automate -- connect --stack localnet` to reach them");
  });

  it("dotenv: the variables a near-api-js app reads, one MPC domain per id", async () => {
    const { c, out: o } = ctx();
    expect(await main(["env", "--format", "dotenv", "--outputs-file", outputsFile], c)).toBe(0);
    const vars = parseDotenv(o.out.join("\n"));
    expect(vars).toEqual({
      NEAR_NETWORK_ID: "mpc-localnet",
      NEAR_RPC_URL: synthOutputs.base.rpcUrl,
      NEAR_FAUCET_URL: `${synthOutputs.services.faucetUrl}/account`,
      NEAR_ROOT_ACCOUNT_ID: "localnet",
      NEAR_LINKDROP_ACCOUNT_ID: "localnet",
      NEAR_STAKING_POOLS_FACTORY_ACCOUNT_ID: "poolv1.localnet",
      NEAR_MPC_CONTRACT_ID: "v1.signer.localnet",
      NEAR_MPC_DOMAIN_IDS: "0,1",
      NEAR_MPC_DOMAIN_0_SCHEME: "secp256k1",
      NEAR_MPC_DOMAIN_0_PUBLIC_KEY: synthOutputs.mpc.rootKeys[0].publicKey,
      NEAR_MPC_DOMAIN_1_SCHEME: "ed25519",
      NEAR_MPC_DOMAIN_1_PUBLIC_KEY: synthOutputs.mpc.rootKeys[1].publicKey,
      // the destination chain (destinationChain evm, the default)
      EVM_RPC_URL: synthOutputs.services.evm.rpcUrl,
      EVM_CHAIN_ID: "31337",
    });
  });

  it("json: all of it, domains with scheme, protocol, purpose and root key", async () => {
    const { c, out: o } = ctx();
    expect(await main(["env", "--format", "json", "--outputs-file", outputsFile], c)).toBe(0);
    const cfg = JSON.parse(o.out.join("\n"));
    expect(cfg).toMatchObject({
      stack: "localnet",
      via: "vpc",
      chainId: "mpc-localnet",
      mpcContractId: "v1.signer.localnet",
    });
    expect(cfg.domains).toEqual([
      {
        id: 0,
        scheme: "secp256k1",
        protocol: "CaitSith",
        purpose: "Sign",
        publicKey: synthOutputs.mpc.rootKeys[0].publicKey,
      },
      {
        id: 1,
        scheme: "ed25519",
        protocol: "Frost",
        purpose: "Sign",
        publicKey: synthOutputs.mpc.rootKeys[1].publicKey,
      },
    ]);
  });

  it("a missing or malformed outputs file is a clear failure", async () => {
    const { c, out: o } = ctx();
    expect(await main(["env", "--outputs-file", join(out, "nope.json")], c)).toBe(1);
    expect(o.err.at(-1)).toContain("cannot read stack outputs from");
    writeFileSync(join(out, "empty.json"), "{}");
    expect(await main(["env", "--outputs-file", join(out, "empty.json")], c)).toBe(1);
    expect(o.err.at(-1)).toContain('stack "localnet" has no base layer outputs');
  });
});

describe("env for a stack with other names and ports, while connect runs", () => {
  const outputs = {
    base: {
      instanceId: "i-0dev",
      privateIp: "10.7.0.5",
      rpcUrl: "http://10.7.0.5:3030",
      chainId: "sandbox",
      bootNodes: "ed25519:7PGseFbWxvYVgZ89K1uTJKYoKetWs7BJtbyXDzfbAcqX@10.7.0.5:24567",
      rootAccountId: "devnet",
    },
    services: {
      contracts: {},
      faucetUrl: "http://10.7.0.5:4040",
      faucetAccountId: "faucet.devnet",
      evm: { rpcUrl: "http://10.7.0.5:9545", chainId: 777, devAddress: "0x" + "a".repeat(40), devKeyParameter: "/k" },
    },
    mpc: {
      nodes: [],
      contractId: "v1.signer.devnet",
      threshold: 2,
      domains: [{ id: 3, scheme: "ed25519", protocol: "Frost", purpose: "Sign" }],
      rootKeys: [{ domainId: 3, scheme: "ed25519", publicKey: "ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp" }],
    },
  };

  it("takes the tunnel's local URLs and names the entry --name", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "env-dev-"));
    const file = join(workDir, "dev.outputs.json");
    writeFileSync(file, JSON.stringify(outputs));
    // A connection record held by a live process (this one), as connect writes it.
    writeState(workDir, {
      stack: "dev",
      pid: process.pid,
      since: "2026-11-24T09:00:00Z",
      forwards: [
        { name: "rpc", instanceId: "i-0dev", remotePort: 3030, localPort: 18030, url: "http://127.0.0.1:18030" },
        { name: "faucet", instanceId: "i-0dev", remotePort: 4040, localPort: 18031, url: "http://127.0.0.1:18031" },
        { name: "evm", instanceId: "i-0dev", remotePort: 9545, localPort: 18545, url: "http://127.0.0.1:18545" },
      ],
    });
    const { c, out: o } = ctx(workDir);
    expect(await main(["env", "--stack", "dev", "--name", "dev-tunnel", "--outputs-file", file], c)).toBe(0);
    expect(nearCliEntry(o.out.join("\n"), "dev-tunnel")).toMatchObject({
      network_name: "sandbox",
      rpc_url: "http://127.0.0.1:18030/",
      faucet_url: "http://127.0.0.1:18031/account",
      linkdrop_account_id: "devnet",
      staking_pools_factory_account_id: "poolv1.devnet",
      mpc_contract_account_id: "v1.signer.devnet",
    });
    o.out.length = 0;
    expect(await main(["env", "--stack", "dev", "--format", "dotenv", "--outputs-file", file], c)).toBe(0);
    expect(parseDotenv(o.out.join("\n"))).toMatchObject({
      NEAR_NETWORK_ID: "sandbox",
      NEAR_RPC_URL: "http://127.0.0.1:18030",
      NEAR_FAUCET_URL: "http://127.0.0.1:18031/account",
      NEAR_MPC_DOMAIN_IDS: "3",
      NEAR_MPC_DOMAIN_3_SCHEME: "ed25519",
      EVM_RPC_URL: "http://127.0.0.1:18545",
      EVM_CHAIN_ID: "777",
    });
  });

  it("a record left by a process that is gone is ignored: the in-VPC URLs again", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "env-dead-"));
    const file = join(workDir, "dev.outputs.json");
    writeFileSync(file, JSON.stringify(outputs));
    writeState(workDir, { stack: "dev", pid: 2 ** 22 + 12345, since: "x", forwards: [] });
    const { c, out: o } = ctx(workDir);
    expect(await main(["env", "--stack", "dev", "--format", "json", "--outputs-file", file], c)).toBe(0);
    expect(JSON.parse(o.out.join("\n"))).toMatchObject({
      via: "vpc",
      rpcUrl: "http://10.7.0.5:3030",
      evm: { rpcUrl: "http://10.7.0.5:9545", chainId: 777 },
    });
  });
});

describe("derive with the stack's root key", () => {
  it("picks the domain by --scheme or --domain (default: the lowest id) from the outputs", async () => {
    const { c, out: o } = ctx();
    const args = ["--predecessor", "alice.localnet", "--path", "eth-1", "--json", "--outputs-file", outputsFile];
    expect(await main(["derive", "--scheme", "secp256k1", ...args], c)).toBe(0);
    const secp = synthOutputs.mpc.rootKeys[0].publicKey;
    const expected = formatPublicKey(deriveKey(parsePublicKey(secp), "alice.localnet", "eth-1"));
    expect(JSON.parse(o.out.at(-1)!)).toMatchObject({ root: secp, derived_public_key: expected });
    expect(await main(["derive", ...args], c)).toBe(0);
    expect(JSON.parse(o.out.at(-1)!).root).toBe(secp);
    expect(await main(["derive", "--domain", "1", ...args], c)).toBe(0);
    expect(JSON.parse(o.out.at(-1)!)).toMatchObject({ curve: "ed25519", root: synthOutputs.mpc.rootKeys[1].publicKey });
  });

  it("an unknown domain, or --domain with --scheme, is refused", async () => {
    const { c, out: o } = ctx();
    const args = ["--predecessor", "a.localnet", "--path", "p", "--outputs-file", outputsFile];
    expect(await main(["derive", "--domain", "7", ...args], c)).toBe(1);
    expect(o.err.at(-1)).toBe("error: the stack has no root key for domain 7; its domains: 0 (secp256k1), 1 (ed25519)");
    expect(await main(["derive", "--domain", "0", "--scheme", "ed25519", ...args], c)).toBe(2);
    expect(await main(["derive", "--root", synthOutputs.mpc.rootKeys[0].publicKey, "--domain", "0", ...args], c)).toBe(
      2,
    );
  });
});
