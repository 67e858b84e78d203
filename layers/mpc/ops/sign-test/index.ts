// The `sign-test` operation for the ops bundle (Layer 3 adds it to the bundle's operations):
//   node ops.mjs sign-test <base64 of the payload in payload.ts>
// Result: {ok, contractId, chainId, path, tester, derivedKeys:[...], requests:[...], summary}
// (see run.ts). A sign test that ran but failed is a result with ok:false (exit 0), so the
// caller always gets the per-request report; a test that could not run fails with an OpsError.
import type { OperationTable } from "../../../../platform/near/operation.js";
import { parseSignTestPayload } from "./payload.js";
import { SIGN_TEST_OPERATION, signTest } from "./run.js";

export * from "./payload.js";
export * from "./run.js";

export const signTestOperations: OperationTable = {
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
