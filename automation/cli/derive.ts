// `derive`: the chain-signature key for (predecessor, path) under a domain root key
// (commands/derive.ts computes it, loading the crypto library only when it runs). The root key is
// given with --root, or taken from the stack's outputs (`mpc.rootKeys`): a domain by --domain or
// --scheme, else the lowest domain id; --outputs-file reads saved outputs instead of the stack.
import type { CommandModule, Options } from "yargs";
import { runDerive, type DeriveArgs } from "../commands/derive.js";
import { EXIT } from "../driver.js";
import { EngineError } from "../engine.js";
import type { StackOutputs } from "../../layers/outputs.js";
import { cliHandler, reportUsage } from "./context.js";
import { withOutputs } from "./env.js";
import { jsonOption } from "./stack.js";

interface DeriveCliArgs extends Omit<DeriveArgs, "root"> {
  root?: string;
  domain?: number;
  scheme?: string;
  outputsFile?: string;
  stack?: string;
}

/** The root key of the chosen domain in the stack outputs, with the domain it belongs to. */
function stackRootKey(
  outputs: StackOutputs,
  pick: { domain?: number; scheme?: string },
): { domainId: number; scheme: string; publicKey: string } {
  const mpc = outputs.mpc;
  const schemeOf = (id: number, fallback: string) =>
    String(mpc?.domains.find((d) => d.id === id)?.scheme ?? fallback).toLowerCase();
  const keys = (mpc?.rootKeys ?? [])
    .map((k) => ({ domainId: k.domainId, scheme: schemeOf(k.domainId, k.scheme), publicKey: k.publicKey }))
    .sort((a, b) => a.domainId - b.domainId);
  if (keys.length === 0) {
    throw new EngineError(
      "failed",
      "the stack outputs hold no MPC root keys: Layer 3 has not finished key generation (npm run automate -- up)",
    );
  }
  const known = keys.map((k) => `${k.domainId} (${k.scheme})`).join(", ");
  const found =
    pick.domain !== undefined
      ? keys.find((k) => k.domainId === pick.domain)
      : pick.scheme !== undefined
        ? keys.find((k) => k.scheme === pick.scheme!.toLowerCase())
        : keys[0];
  if (!found) {
    const asked = pick.domain !== undefined ? `domain ${pick.domain}` : `a ${pick.scheme} domain`;
    throw new EngineError("failed", `the stack has no root key for ${asked}; its domains: ${known}`);
  }
  return found;
}

export const deriveCommand: CommandModule<object, DeriveCliArgs> & { builder: Record<string, Options> } = {
  command: "derive",
  describe:
    "Derive a chain-signature public key (and Ethereum address for secp256k1) for an account and path, " +
    "under --root or the stack's root key",
  builder: {
    root: { type: "string", describe: "domain root key (secp256k1:... or ed25519:...); default: the stack's" },
    predecessor: { type: "string", demandOption: true, describe: "account that calls sign" },
    path: { type: "string", demandOption: true, describe: "derivation path" },
    domain: { type: "number", describe: "the stack's domain id whose root key to use" },
    scheme: { type: "string", describe: "the stack's domain of this scheme (secp256k1 | ed25519)" },
    "outputs-file": { type: "string", describe: "take the root key from saved outputs (outputs --json)" },
    json: jsonOption(),
  },
  handler: cliHandler<DeriveCliArgs>(async (a, ctx) => {
    const args = { predecessor: a.predecessor, path: a.path, json: a.json };
    if (a.domain !== undefined && a.scheme !== undefined) {
      reportUsage(ctx.out, "--domain and --scheme both pick the domain: give one");
      return EXIT.usage;
    }
    if (a.root !== undefined) {
      if (a.domain !== undefined || a.scheme !== undefined || a.outputsFile !== undefined) {
        reportUsage(ctx.out, "--root names the key itself; --domain, --scheme and --outputs-file pick the stack's");
        return EXIT.usage;
      }
      return runDerive({ ...args, root: a.root }, ctx.out);
    }
    const stack = a.stack ?? "localnet";
    return withOutputs(ctx, stack, a.outputsFile, async (outputs) => {
      const key = stackRootKey(outputs, { domain: a.domain, scheme: a.scheme });
      ctx.out.stderr(`root key of stack ${stack}, domain ${key.domainId} (${key.scheme}): ${key.publicKey}`);
      return runDerive({ ...args, root: key.publicKey }, ctx.out);
    });
  }),
};
