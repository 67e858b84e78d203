// Typed errors for malformed input to the chain-signature client. Callers (the CLI commands,
// the sign test) tell "the input was malformed" apart from "the signature did not verify" by
// the error class, never by matching message text.

export type ChainSigErrorCode =
  | "bad-argument"
  | "bad-hex"
  | "bad-base58"
  | "bad-public-key"
  | "bad-private-key"
  | "bad-account-id"
  | "bad-payload"
  | "bad-response"
  | "bad-view-result"
  | "bad-tweak";

export class ChainSigError extends Error {
  readonly code: ChainSigErrorCode;
  constructor(code: ChainSigErrorCode, message: string) {
    super(message);
    this.name = "ChainSigError";
    this.code = code;
  }
}

/** A sign response that does not have the exact shape the signer contract returns. */
export class SignResponseError extends ChainSigError {
  constructor(message: string) {
    super("bad-response", message);
    this.name = "SignResponseError";
  }
}
