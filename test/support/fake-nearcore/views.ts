// View calls (query call_function): the same runtime, read-only. State-changing host functions fail
// with ProhibitedInView as in nearcore's view runtime (runtime/runtime/src/state_viewer); the error
// comes back as nearcore's legacy "wasm execution failed with error: ..." text.
import { sha256 } from "@noble/hashes/sha2.js";
import { codeDoesNotExist, latin1, runFunction, viewErrorText } from "../near-vm/index.js";
import { storageUsage } from "./accounts.js";
import type { Chain } from "./chain.js";

/** nearcore's view gas limit (config max_gas_burnt_view): 300 Tgas. */
const VIEW_GAS = 300_000_000_000_000n;

export class ViewError extends Error {
  constructor(readonly text: string) {
    super(text);
    this.name = "ViewError";
  }
}

export function viewCall(
  chain: Chain,
  accountId: string,
  method: string,
  args: Uint8Array,
): { value: Uint8Array; logs: string[] } {
  const a = chain.accounts.get(accountId);
  if (!a?.code) throw new ViewError(viewErrorText(codeDoesNotExist(accountId)));
  const head = chain.head;
  const out = runFunction(
    a.code,
    method,
    {
      currentAccountId: accountId,
      signerAccountId: "",
      signerAccountPk: new Uint8Array(),
      predecessorAccountId: "",
      input: args,
      blockHeight: BigInt(head.height),
      blockTimestamp: head.timestampNs,
      epochHeight: 1n,
      accountBalance: a.amount,
      accountLockedBalance: a.locked,
      storageUsage: storageUsage(a),
      attachedDeposit: 0n,
      prepaidGas: VIEW_GAS,
      randomSeed: sha256(Buffer.from(head.hash)),
      isView: true,
      promiseResults: [],
    },
    {
      storageGet: (k) => a.state.get(latin1(k)),
      newDataId: () => chain.newDataId(),
      yieldWaiting: () => false,
    },
  );
  if (out.failure) throw new ViewError(viewErrorText(out.failure));
  return { value: out.returnData.kind === "value" ? out.returnData.value : new Uint8Array(), logs: out.logs };
}
