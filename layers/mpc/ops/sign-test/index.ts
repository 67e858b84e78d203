// The `sign-test` operation for the ops bundle (ops/main.ts registers the map):
//   node ops.mjs sign-test <base64 of the payload in payload.ts>
// Result: {ok, contractId, chainId, path, tester, derivedKeys:[...], requests:[...], summary}
// (see run.ts). A sign test that ran but failed is a result with ok:false (exit 0), so the
// caller always gets the per-request report; a test that could not run fails with an OpsError.
import type { KeyResolver } from "../../../../platform/near/keys.js";
import type { ConnectOptions } from "../../../../platform/near/client.js";
import { parseSignTestPayload } from "./payload.js";
import { SIGN_TEST_OPERATION, signTest } from "./run.js";

export * from "./payload.js";
export * from "./run.js";

/** The part of ops/main.ts's operation context this operation uses. */
export interface SignTestOperationContext {
  keys: KeyResolver;
  emit: (line: Record<string, unknown>) => void;
  log: (message: string) => void;
  connectOptions: ConnectOptions;
}

export type SignTestOperation = (payload: Record<string, unknown>, ctx: SignTestOperationContext) => Promise<Record<string, unknown>>;

export const signTestOperations: Record<string, SignTestOperation> = {
  [SIGN_TEST_OPERATION]: async (payload, ctx) => {
    const result = await signTest(parseSignTestPayload(payload), {
      keys: ctx.keys,
      emit: ctx.emit,
      log: ctx.log,
      connectOptions: ctx.connectOptions,
    });
    return { ...result };
  },
};
