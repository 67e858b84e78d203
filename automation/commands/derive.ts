// `derive --root <key> --predecessor <account> --path <path> [--json]`: the key the signer
// contract derives for (predecessor, path) under a domain root key, in NEAR format; for
// secp256k1 also the uncompressed SEC1 hex and the Ethereum address.
// Exit codes: 0 derived, 2 malformed input. The crypto library is imported inside the run
// function so that registering this command (and `--help`) stays cheap.
import type { Out } from "../probes.js";

export interface DeriveArgs {
  root: string;
  predecessor: string;
  path: string;
  json?: boolean;
}

interface DeriveResult {
  curve: "secp256k1" | "ed25519";
  root: string;
  predecessor: string;
  path: string;
  tweak: string;
  derived_public_key: string;
  /** secp256k1 only */
  sec1_uncompressed?: string;
  /** secp256k1 only */
  ethereum_address?: string;
}

export async function runDerive(args: DeriveArgs, out: Out): Promise<number> {
  const cs = await import("../../platform/chainsig/index.js");
  let result: DeriveResult;
  try {
    for (const name of ["root", "predecessor", "path"] as const) {
      if (typeof args[name] !== "string")
        throw new cs.ChainSigError("bad-argument", `--${name} is required and must be a string`);
    }
    const root = cs.parsePublicKey(args.root);
    const derived = cs.deriveKey(root, args.predecessor, args.path);
    result = {
      curve: derived.curve,
      root: cs.formatPublicKey(root),
      predecessor: args.predecessor,
      path: args.path,
      tweak: cs.toHex(cs.deriveTweak(args.predecessor, args.path)),
      derived_public_key: cs.formatPublicKey(derived),
    };
    if (derived.curve === "secp256k1") {
      result.sec1_uncompressed = cs.secp256k1UncompressedHex(derived);
      result.ethereum_address = cs.ethereumAddress(derived);
    }
  } catch (e) {
    if (!(e instanceof cs.ChainSigError)) throw e;
    out.stderr(`derive: ${e.message}`);
    if (args.json) out.stdout(JSON.stringify({ error: e.message, code: e.code }));
    return 2;
  }
  if (args.json) {
    out.stdout(JSON.stringify(result));
  } else {
    out.stdout(`curve:              ${result.curve}`);
    out.stdout(`derived public key: ${result.derived_public_key}`);
    if (result.sec1_uncompressed) out.stdout(`uncompressed SEC1:  ${result.sec1_uncompressed}`);
    if (result.ethereum_address) out.stdout(`Ethereum address:   ${result.ethereum_address}`);
  }
  return 0;
}
