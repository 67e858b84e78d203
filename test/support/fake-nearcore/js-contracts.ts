// JS-behaviour contracts (registerContract): a method is a JS function instead of wasm. Kept only for
// the signer contract model until its suites run the real signer wasm; the real contracts run in
// near-vm. A method returns a JSON value (or bytes); throwing fails like a contract panic.
import type { VmFailure } from "../near-vm/index.js";

export class ContractPanic extends Error {}

export interface ContractContext {
  contractId: string;
  predecessorId: string;
  signerId: string;
  attachedDeposit: bigint;
  args: any;
  rawArgs: Uint8Array;
  state: Map<string, unknown>;
  isView: boolean;
  log(message: string): void;
  view(accountId: string, method: string, args?: unknown): unknown;
  transfer(to: string, amount: bigint): void;
}
export type ContractMethod = (ctx: ContractContext) => unknown;
export interface ContractBehaviour {
  view?: Record<string, ContractMethod>;
  call?: Record<string, ContractMethod>;
}

export function parseArgs(raw: Uint8Array): any {
  const text = Buffer.from(raw).toString("utf8");
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function encodeReturn(v: unknown): Uint8Array {
  if (v === undefined) return new Uint8Array();
  if (v instanceof Uint8Array) return v;
  return Uint8Array.from(Buffer.from(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x))));
}

/** Runs a JS method; a throw becomes nearcore's GuestPanic. */
export function runJsMethod(fn: ContractMethod, ctx: ContractContext): { value?: Uint8Array; failure?: VmFailure } {
  try {
    return { value: encodeReturn(fn(ctx)) };
  } catch (e) {
    if (e instanceof Error && e.name === "ViewError") throw e;
    const msg = e instanceof Error ? e.message : String(e);
    return {
      failure: {
        kind: "HostError",
        debug: `GuestPanic { panic_msg: ${JSON.stringify(msg)} }`,
        message: `Smart contract panicked: ${msg}`,
        json: "GuestPanic",
      },
    };
  }
}
