// The destination chain's configuration keys and its pinned artifact.
import { readFileSync } from "node:fs";
import { ConfigError, loadConfig } from "../../../config.js";
import { ANVIL_ARTIFACT, integritySha512Hex } from "../../evm/artifact.js";
import { parseServicesOutputs } from "../../outputs.js";

const get = (values: Record<string, unknown>) => (key: string) => ({ "aws:region": "us-east-1", ...values })[key];

function problems(values: Record<string, unknown>): string[] {
  try {
    loadConfig(get(values), "localnet");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

test("defaults: an EVM chain with anvil's dev chain id on 8545, a block every 2 s", () => {
  expect(loadConfig(get({}), "localnet").services.evm).toEqual({
    destinationChain: "evm",
    chainId: 31337,
    port: 8545,
    blockTimeSeconds: 2,
    devBalanceEther: 1_000_000,
  });
  const none = loadConfig(get({ "near-localnet:destinationChain": "none" }), "localnet");
  expect(none.services.evm.destinationChain).toBe("none");
});

test("bad values name the key and the fix", () => {
  expect(problems({ "near-localnet:destinationChain": "solana" })).toEqual([
    'near-localnet:destinationChain = "solana": must be one of evm, none. Fix: pulumi config set near-localnet:destinationChain evm --stack localnet',
  ]);
  expect(problems({ "near-localnet:evmChainId": "0" })).toEqual([
    'near-localnet:evmChainId = "0": must be a whole number from 1 to 4503599627370476. Fix: pulumi config set near-localnet:evmChainId 31337 --stack localnet',
  ]);
  expect(problems({ "near-localnet:evmPort": "3031" })).toEqual([
    "near-localnet:evmPort = 3031: collides with the faucet port on the base host (in use there: neard RPC 3030, faucet 3031, NEAR P2P 24567). Fix: pulumi config set near-localnet:evmPort 8545 --stack localnet",
  ]);
  expect(problems({ "near-localnet:evmPort": "3030" })[0]).toContain(
    "collides with the neard RPC port on the base host",
  );
  // with no chain, its port collides with nothing
  expect(() =>
    loadConfig(get({ "near-localnet:destinationChain": "none", "near-localnet:evmPort": "3031" }), "localnet"),
  ).not.toThrow();
});

test("the host's artifact is the very package the tests run: same version and integrity as the lockfile's", () => {
  const lock = JSON.parse(readFileSync(new URL("../../../../package-lock.json", import.meta.url), "utf8"));
  const entry = lock.packages[`node_modules/${ANVIL_ARTIFACT.name}`];
  expect({ version: entry.version, integrity: entry.integrity }).toEqual({
    version: ANVIL_ARTIFACT.version,
    integrity: ANVIL_ARTIFACT.integrity,
  });
  expect(lock.packages["node_modules/@foundry-rs/anvil"].version).toBe(ANVIL_ARTIFACT.version);
  expect(ANVIL_ARTIFACT.tarball).toBe(
    `https://registry.npmjs.org/${ANVIL_ARTIFACT.name}/-/anvil-linux-amd64-${ANVIL_ARTIFACT.version}.tgz`,
  );
});

test("integrity to hex, and a malformed integrity refused", () => {
  expect(integritySha512Hex(`sha512-${Buffer.alloc(64, 0xab).toString("base64")}`)).toBe("ab".repeat(64));
  expect(() => integritySha512Hex("sha1-abc")).toThrow("not an npm sha512 integrity: sha1-abc");
});

test("services.evm as the driver reads it back: complete, or a problem naming what is missing", () => {
  const evm = {
    rpcUrl: "http://10.0.1.5:8545",
    chainId: 31337,
    devAddress: "0x" + "1".repeat(40),
    devKeyParameter: "/k",
  };
  const problems: string[] = [];
  expect(parseServicesOutputs({ contracts: {}, evm }, problems)?.evm).toEqual(evm);
  expect(parseServicesOutputs({ contracts: {} }, problems)?.evm).toBeUndefined();
  expect(problems).toEqual([]);
  expect(parseServicesOutputs({ contracts: {}, evm: { ...evm, chainId: "31337" } }, problems)?.evm).toBeUndefined();
  expect(parseServicesOutputs({ contracts: {}, evm: "x" }, problems)?.evm).toBeUndefined();
  expect(problems).toEqual([
    "services.evm needs rpcUrl, chainId (a number), devAddress and devKeyParameter",
    "services.evm is not an object",
  ]);
});
