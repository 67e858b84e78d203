// The generic NEAR operations of the ops bundle, used by every layer's steps and gates: `apply`
// (a declarative plan), `check` (accounts, code hashes, blocks), `view` and `call`.
import { OpsError } from "./errors.js";
import { isValidAccountId } from "./account-id.js";
import { TGAS, callMethod, connect, toYocto, view } from "./client.js";
import { apply, check, toGas, type CheckInput } from "./plan.js";
import { LOCAL_RPC_URL } from "./ports.js";
import type { OperationTable } from "./operation.js";

/** A required non-empty string field of a payload. */
function requiredField(payload: Record<string, unknown>, field: string): string {
  const v = payload[field];
  if (typeof v !== "string" || v === "")
    throw new OpsError("INVALID_INPUT", `payload.${field} must be a non-empty string`);
  return v;
}

export const nearOperations: OperationTable = {
  apply: async (payload, ctx) => {
    const r = await apply(payload, { keys: ctx.keys, emit: ctx.emit, connectOptions: ctx.connectOptions });
    return { chainId: r.chainId, transactions: r.transactions, steps: r.steps.map(({ event: _e, ...rest }) => rest) };
  },
  check: async (payload, ctx) => {
    const r = await check(payload as CheckInput, { emit: ctx.emit, connectOptions: ctx.connectOptions });
    return { ...r };
  },
  view: async (payload, ctx) => {
    const contractId = requiredField(payload, "contractId");
    const method = requiredField(payload, "method");
    const conn = await connect((payload.rpcUrl as string) ?? LOCAL_RPC_URL, ctx.connectOptions);
    return { contractId, method, value: await view(conn, contractId, method, payload.args ?? {}) };
  },
  call: async (payload, ctx) => {
    const signerId = requiredField(payload, "signer");
    if (!isValidAccountId(signerId))
      throw new OpsError("INVALID_INPUT", `payload.signer "${signerId}" is not an account id`);
    const keyPair = await ctx.keys.resolve(requiredField(payload, "key"));
    const conn = await connect((payload.rpcUrl as string) ?? LOCAL_RPC_URL, ctx.connectOptions);
    const r = await callMethod(conn, {
      signer: { accountId: signerId, keyPair },
      contractId: requiredField(payload, "contractId"),
      method: requiredField(payload, "method"),
      args: payload.args ?? {},
      deposit: payload.deposit === undefined ? 0n : toYocto(payload.deposit as string),
      gas: toGas(payload.gas as string | undefined, 30n * TGAS),
      unless: payload.unless as never,
      expect: payload.expect as never,
    });
    return { ...r };
  },
};
