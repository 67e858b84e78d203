// `derive`: the chain-signature key for (predecessor, path) under a domain root key
// (commands/derive.ts computes it, loading the crypto library only when it runs).
import type { CommandModule, Options } from "yargs";
import { runDerive, type DeriveArgs } from "../commands/derive.js";
import { cliHandler } from "./context.js";
import { jsonOption } from "./stack.js";

export const deriveCommand: CommandModule<object, DeriveArgs> & { builder: Record<string, Options> } = {
  command: "derive",
  describe: "Derive a chain-signature public key (and Ethereum address for secp256k1) for an account and path",
  builder: {
    root: { type: "string", demandOption: true, describe: "domain root key (secp256k1:... or ed25519:...)" },
    predecessor: { type: "string", demandOption: true, describe: "account that calls sign" },
    path: { type: "string", demandOption: true, describe: "derivation path" },
    json: jsonOption(),
  },
  handler: cliHandler<DeriveArgs>((a, ctx) =>
    runDerive({ root: a.root, predecessor: a.predecessor, path: a.path, json: a.json }, ctx.out),
  ),
};
