// `derive` with the stack's root key after a cancelled keygen: the outputs carry the contract's domain ids
// (2 and 3), and the root keys are joined to the domains by id, never by position (here listed 3 before 2).
import { expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../cli.js";
import type { CliContext } from "../cli/context.js";
import { deriveKey, formatPublicKey } from "../../platform/chainsig/index.js";
import { publicKeyFromPrivate } from "../../platform/chainsig/testkit.js";
import { MemoryOut } from "./fakes.js";

const SECP = publicKeyFromPrivate("secp256k1", new Uint8Array(32).fill(5));
const ED = publicKeyFromPrivate("ed25519", new Uint8Array(32).fill(6));

function run(args: string[]) {
  const workDir = mkdtempSync(join(tmpdir(), "derive-"));
  const file = join(workDir, "localnet.outputs.json");
  writeFileSync(
    file,
    JSON.stringify({
      mpc: {
        nodes: [],
        contractId: "v1.signer.localnet",
        threshold: 2,
        domains: [
          { id: 2, scheme: "secp256k1", protocol: "CaitSith", purpose: "Sign" },
          { id: 3, scheme: "ed25519", protocol: "Frost", purpose: "Sign" },
        ],
        rootKeys: [
          { domainId: 3, scheme: "ed25519", publicKey: formatPublicKey(ED) },
          { domainId: 2, scheme: "secp256k1", publicKey: formatPublicKey(SECP) },
        ],
      },
    }),
  );
  const out = new MemoryOut();
  const c: CliContext = {
    out,
    env: {},
    workDir,
    makeEngine: async () => {
      throw new Error("derive --outputs-file must not need the Pulumi engine");
    },
    makeProbes: async () => {
      throw new Error("no probes");
    },
  };
  const all = ["derive", "--predecessor", "alice.localnet", "--path", "eth-1", "--json", "--outputs-file", file];
  return main([...all, ...args], c).then((code) => ({ code, out }));
}

const derived = (root: typeof SECP) => formatPublicKey(deriveKey(root, "alice.localnet", "eth-1"));

it("the default is the lowest of the contract's domain ids (2, secp256k1)", async () => {
  const { code, out } = await run([]);
  expect(code).toBe(0);
  expect(JSON.parse(out.out.at(-1)!)).toMatchObject({ curve: "secp256k1", derived_public_key: derived(SECP) });
  expect(out.err).toContain(`root key of stack localnet, domain 2 (secp256k1): ${formatPublicKey(SECP)}`);
});

it("--scheme and --domain pick by scheme and by the contract's id", async () => {
  const ed = await run(["--scheme", "ed25519"]);
  expect(ed.code).toBe(0);
  expect(JSON.parse(ed.out.out.at(-1)!)).toMatchObject({ curve: "ed25519", derived_public_key: derived(ED) });
  const three = await run(["--domain", "3"]);
  expect(JSON.parse(three.out.out.at(-1)!).derived_public_key).toBe(derived(ED));
});

it("the positions 0 and 1 are no domains of this stack", async () => {
  for (const id of ["0", "1"]) {
    const { code, out } = await run(["--domain", id]);
    expect(code).toBe(1);
    expect(out.err.at(-1)).toBe(
      `error: the stack has no root key for domain ${id}; its domains: 2 (secp256k1), 3 (ed25519)`,
    );
  }
});
