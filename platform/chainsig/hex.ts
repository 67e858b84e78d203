// Strict hex parsing: an even number of hex digits, either case. The "0x" prefix is accepted
// only where a caller allows it (command-line payloads), never inside contract responses.
import { ChainSigError, type ChainSigErrorCode } from "./errors.js";

const HEX = /^[0-9a-fA-F]*$/;

export interface ParseHexOptions {
  /** What the value is, for the error message (e.g. "payload"). */
  what: string;
  /** Accept a leading "0x"/"0X". */
  allow0x?: boolean;
  /** Exact byte length required. */
  length?: number;
  /** Error code to raise. */
  code?: ChainSigErrorCode;
}

export function parseHex(text: string, opts: ParseHexOptions): Uint8Array {
  const code = opts.code ?? "bad-hex";
  if (typeof text !== "string") throw new ChainSigError(code, `${opts.what} must be a hex string`);
  let body = text;
  if (opts.allow0x && /^0[xX]/.test(body)) body = body.slice(2);
  if (!HEX.test(body)) throw new ChainSigError(code, `${opts.what} is not hex: ${JSON.stringify(truncate(text))}`);
  if (body.length % 2 !== 0)
    throw new ChainSigError(code, `${opts.what} has an odd number of hex digits (${body.length})`);
  const bytes = Uint8Array.from(Buffer.from(body, "hex"));
  if (opts.length !== undefined && bytes.length !== opts.length) {
    throw new ChainSigError(code, `${opts.what} must be ${opts.length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/** Lower-case hex, as the signer contract writes it. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function truncate(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + "..." : s;
}
