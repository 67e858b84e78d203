// `sign-test`: the end-to-end chain-signature test inside the VPC (commands/sign-test.ts runs it).
import {
  DEFAULT_PATH,
  DEFAULT_REQUEST_TIMEOUT_SECONDS,
  checkSignTestArgs,
  runSignTest,
  type SignTestArgs,
} from "../commands/sign-test.js";
import { checkUsage, defineCommand } from "./context.js";
import { awsOf, jsonOption, readOutputs, withEngine } from "./stack.js";

const OPTIONS = {
  json: jsonOption("print one JSON object"),
  tester: { type: "string", describe: "tester account (default sign-tester.<root account>)" },
  path: { type: "string", describe: `derivation path (default ${DEFAULT_PATH})` },
  "tester-key-ref": { type: "string", describe: "key reference of the tester (default: the root account's key)" },
  "funder-key-ref": {
    type: "string",
    describe: "key reference of the root account (default: the stack's SSM parameter)",
  },
  evm: {
    type: "boolean",
    describe:
      "also spend from the tester's derived Ethereum address on the stack's destination chain (default: when the stack has one; --no-evm leaves it out)",
  },
  timeout: {
    type: "number",
    describe: `bound for each sign request, seconds (default ${DEFAULT_REQUEST_TIMEOUT_SECONDS})`,
  },
} as const;

export const signTestCommand = defineCommand({
  command: "sign-test",
  describe:
    "End-to-end chain-signature test inside the VPC: derive, sign on every signing domain, verify " +
    "(--json for data)",
  builder: (y) => y.options(OPTIONS),
  run: async (a, ctx) => {
    const args: SignTestArgs = {
      json: a.json,
      tester: a.tester,
      path: a.path,
      testerKeyRef: a["tester-key-ref"],
      funderKeyRef: a["funder-key-ref"],
      timeoutSeconds: a.timeout,
      evm: a.evm,
    };
    return (
      checkUsage(ctx, () => checkSignTestArgs(args)) ??
      withEngine(ctx, a.stack, false, async (engine, signal) =>
        runSignTest(args, ctx.out, {
          stack: a.stack,
          outputs: () => readOutputs(engine),
          signal,
          aws: await awsOf(ctx, engine, a.stack),
          ...ctx.channel,
        }),
      )
    );
  },
});
