// `verify-signature`: checks a signer-contract sign response against a public key and payload
// (commands/verify-signature.ts checks it, loading the crypto library only when it runs).
import type { CommandModule, Options } from "yargs";
import { runVerifySignature, type VerifySignatureArgs } from "../commands/verify-signature.js";
import { cliHandler } from "./context.js";
import { jsonOption } from "./stack.js";

export const verifySignatureCommand: CommandModule<object, VerifySignatureArgs> & {
  builder: Record<string, Options>;
} = {
  command: "verify-signature",
  describe: "Verify a signer-contract sign response (exit 0 valid, 1 invalid, 2 malformed)",
  builder: {
    "public-key": { type: "string", demandOption: true, describe: "expected (derived) public key" },
    payload: { type: "string", demandOption: true, describe: "signed payload, hex" },
    signature: { type: "string", demandOption: true, describe: "the contract's sign response JSON" },
    json: jsonOption(),
  },
  handler: cliHandler<VerifySignatureArgs>((a, ctx) =>
    runVerifySignature({ publicKey: a.publicKey, payload: a.payload, signature: a.signature, json: a.json }, ctx.out),
  ),
};
