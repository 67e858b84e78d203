// `fund <account> [amount]`: NEAR from the stack's faucet, or a new account (commands/fund.ts runs it).
import { checkFundArgs, runFund, type FundArgs } from "../commands/fund.js";
import { checkUsage, defineCommand } from "./context.js";
import { awsOf, jsonOption, readOutputs, withEngine } from "./stack.js";

export const fundCommand = defineCommand({
  command: "fund <account> [amount]",
  describe:
    "NEAR from the stack's faucet (amount in NEAR, default the faucet's); " +
    "--public-key creates <name>.<root> with that key",
  builder: (y) =>
    y
      .positional("account", { type: "string", demandOption: true, describe: "account to fund (or create)" })
      .positional("amount", { type: "string", describe: 'amount: "5", "0.5 NEAR" or "<digits>yocto"' })
      .option("public-key", {
        type: "string",
        describe: "create the account with this ed25519 public key (full access)",
      })
      .option("json", jsonOption("print one JSON object")),
  run: async (a, ctx) => {
    const args: FundArgs = { account: a.account, amount: a.amount, publicKey: a["public-key"], json: a.json };
    return (
      checkUsage(ctx, () => checkFundArgs(args)) ??
      withEngine(ctx, a.stack, false, async (engine, signal) =>
        runFund(args, ctx.out, {
          stack: a.stack,
          outputs: await readOutputs(engine),
          signal,
          aws: await awsOf(ctx, engine, a.stack),
          ...ctx.channel,
        }),
      )
    );
  },
});
