// The `query` RPC as nearcore answers it: view_account, view_access_key(_list), view_code, view_state
// (refused above trie_viewer_state_size_limit), call_function; errors in nearcore's shapes (HANDLER_ERROR
// UNKNOWN_ACCOUNT / NO_CONTRACT_CODE / TOO_LARGE_CONTRACT_STATE, and the legacy in-`result` `error`).
import { PublicKey } from "near-api-js";
import { stateBytes, storageUsage } from "./accounts.js";
import type { Chain } from "./chain.js";
import { ViewError, viewCall } from "./views.js";

export class RpcFailure extends Error {
  constructor(readonly body: unknown) {
    super("rpc failure");
  }
}

export function handlerError(name: string, info: unknown, data: string) {
  return { name: "HANDLER_ERROR", cause: { name, info }, code: -32000, message: "Server error", data };
}

/** nearcore's REQUEST_VALIDATION_ERROR (an error about the request itself, not the chain). */
export function validationFailure(cause: string, info: unknown, code: number, message: string, data: unknown) {
  return new RpcFailure({ name: "REQUEST_VALIDATION_ERROR", cause: { name: cause, info }, code, message, data });
}

export function parseFailure(message: string): RpcFailure {
  return validationFailure("PARSE_ERROR", { error_message: message }, -32700, "Parse error", message);
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

const ACCOUNT_QUERIES = [
  "view_account",
  "view_access_key",
  "view_access_key_list",
  "view_code",
  "view_state",
  "call_function",
];

export function query(chain: Chain, p: any, stateSizeLimit: number): unknown {
  const head = chain.head;
  const at = { block_height: head.height, block_hash: head.hash };
  const accountId: string = p?.account_id;
  const a = chain.accounts.get(accountId);
  const legacyError = (error: string) => ({ error, logs: [], ...at });
  if (!a && ACCOUNT_QUERIES.includes(p?.request_type)) {
    const data = `account ${accountId} does not exist while viewing`;
    throw new RpcFailure(handlerError("UNKNOWN_ACCOUNT", { requested_account_id: accountId, ...at }, data));
  }
  switch (p?.request_type) {
    case "view_account":
      return {
        amount: a!.amount.toString(),
        locked: a!.locked.toString(),
        code_hash: a!.codeHash,
        storage_usage: Number(storageUsage(a!)),
        storage_paid_at: 0,
        global_contract_hash: null,
        global_contract_account_id: null,
        ...at,
      };
    case "view_access_key": {
      const pk = PublicKey.from(p.public_key).toString();
      const k = a!.keys.get(pk);
      if (!k) return legacyError(`access key ${pk} does not exist while viewing`);
      return { nonce: Number(k.nonce), permission: k.permission, ...at };
    }
    case "view_access_key_list":
      return {
        keys: [...a!.keys].map(([public_key, k]) => ({
          public_key,
          access_key: { nonce: Number(k.nonce), permission: k.permission },
        })),
        ...at,
      };
    case "view_code":
      if (!a!.code) {
        const data = `Contract code for contract ID #${accountId} has never been observed on the node`;
        throw new RpcFailure(handlerError("NO_CONTRACT_CODE", { contract_account_id: accountId, ...at }, data));
      }
      return { code_base64: b64(a!.code), hash: a!.codeHash, ...at };
    case "view_state": {
      if (stateBytes(a!) > BigInt(stateSizeLimit)) {
        const data = `State of contract ${accountId} is too large to be viewed`;
        throw new RpcFailure(handlerError("TOO_LARGE_CONTRACT_STATE", { contract_account_id: accountId, ...at }, data));
      }
      const prefix = Buffer.from(p.prefix_base64 ?? "", "base64").toString("latin1");
      const values = [...a!.state]
        .filter(([k]) => k.startsWith(prefix))
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
        .map(([k, v]) => ({ key: Buffer.from(k, "latin1").toString("base64"), value: b64(v) }));
      return { values, ...at };
    }
    case "call_function": {
      const args = Uint8Array.from(Buffer.from(p.args_base64 ?? "", "base64"));
      try {
        const { value, logs } = viewCall(chain, accountId, p.method_name, args);
        return { result: [...value], logs, ...at };
      } catch (e) {
        if (e instanceof ViewError) return legacyError(e.text);
        throw e;
      }
    }
    default:
      throw parseFailure(`unknown request_type ${p?.request_type}`);
  }
}
