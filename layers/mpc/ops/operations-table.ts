// The operations Layer 3 adds to the ops bundle: signer contract set-up, votes, keygen, root
// keys, and the end-to-end sign test.
import type { OperationTable } from "../../../platform/near/operation.js";
import { mpcOperations } from "./operations.js";
import { signTestOperations } from "./sign-test/index.js";

export const chainSignaturesOperations: OperationTable = { ...mpcOperations, ...signTestOperations };
