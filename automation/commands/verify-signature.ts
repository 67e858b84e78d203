// `verify-signature --public-key <key> --payload <hex> --signature '<response JSON>' [--json]`:
// checks a signer-contract `sign` response (either scheme, the exact JSON the contract returns)
// against a (derived) public key and the payload that was signed.
// Exit codes: 0 verifies, 1 does not (with the reason), 2 malformed input. The crypto library
// is imported inside the run function so that registering this command stays cheap.
import type { Out } from "../probes.js";

export interface VerifySignatureArgs {
  publicKey: string;
  payload: string;
  signature: string;
  json?: boolean;
}

export async function runVerifySignature(args: VerifySignatureArgs, out: Out): Promise<number> {
  const cs = await import("../../platform/chainsig/index.js");
  let verdict;
  try {
    for (const [name, value] of [
      ["public-key", args.publicKey],
      ["payload", args.payload],
      ["signature", args.signature],
    ] as const) {
      if (typeof value !== "string")
        throw new cs.ChainSigError("bad-argument", `--${name} is required and must be a string`);
    }
    const key = cs.parsePublicKey(args.publicKey);
    const payload = cs.parseHex(args.payload.trim(), { what: "payload", allow0x: true, code: "bad-payload" });
    const response = cs.parseSignResponse(args.signature);
    verdict = cs.verifySignResponse(key, payload, response);
  } catch (e) {
    if (!(e instanceof cs.ChainSigError)) throw e;
    out.stderr(`verify-signature: ${e.message}`);
    if (args.json) out.stdout(JSON.stringify({ valid: false, code: "malformed", error: e.message }));
    return 2;
  }
  if (args.json) {
    out.stdout(
      JSON.stringify({ valid: verdict.ok, code: verdict.code, scheme: verdict.scheme, reason: verdict.reason }),
    );
  } else {
    out.stdout(verdict.ok ? `OK: ${verdict.reason}` : `FAIL (${verdict.code}): ${verdict.reason}`);
  }
  return verdict.ok ? 0 : 1;
}
