// The yargs program of `npm run automate -- <command>`: the global options, the command modules
// (one file each, registered in the order `--help` lists them), the epilogue and the usage errors.
// Each command module loads the Pulumi engine, the AWS SDK or the crypto library only when it runs,
// so `--help`, argument errors and derive/verify start fast.
import yargs, { type CommandModule } from "yargs";
import { EXIT } from "../driver.js";
import { reportUsage, type CliRun, type GlobalArgs } from "./context.js";
import { connectCommand } from "./connect.js";
import { deriveCommand } from "./derive.js";
import { destroyCommand } from "./destroy.js";
import { envCommand } from "./env.js";
import { estimateCommand } from "./estimate.js";
import { fundCommand } from "./fund.js";
import { healthCommand } from "./health.js";
import { logsCommand } from "./logs.js";
import { outputsCommand } from "./outputs.js";
import { previewCommand } from "./preview.js";
import { refreshCommand } from "./refresh.js";
import { resetCommand, restoreCommand } from "./restore.js";
import { signTestCommand } from "./sign-test.js";
import { snapshotCommand } from "./snapshot.js";
import { startCommand } from "./start.js";
import { stopCommand } from "./stop.js";
import { statusCommand } from "./status.js";
import { synthCommand } from "./synth.js";
import { upCommand } from "./up.js";
import { verifySignatureCommand } from "./verify-signature.js";

// Each module declares its own arguments, hence `any` for the list.
const COMMANDS: CommandModule<GlobalArgs, any>[] = [
  upCommand,
  previewCommand,
  refreshCommand,
  outputsCommand,
  healthCommand,
  logsCommand,
  connectCommand,
  envCommand,
  statusCommand,
  stopCommand,
  startCommand,
  snapshotCommand,
  restoreCommand,
  resetCommand,
  signTestCommand,
  fundCommand,
  destroyCommand,
  synthCommand,
  estimateCommand,
  deriveCommand,
  verifySignatureCommand,
];

/** The program for one invocation: usage errors are reported on run.ctx.out and recorded in `run`. */
export function buildCli(run: CliRun) {
  return yargs()
    .scriptName("npm run automate --")
    .usage("$0 <command> [options]")
    .option("stack", { type: "string", default: "localnet", describe: "stack (environment) name", global: true })
    .strict()
    .demandCommand(1, "name a command (see --help)")
    .recommendCommands()
    .command(COMMANDS)
    .epilogue(
      "State: file://<repo>/.pulumi-state unless PULUMI_BACKEND_URL is set; " +
        "secrets: PULUMI_CONFIG_PASSPHRASE(_FILE). " +
        "Exit codes: 0 ok, 1 failed, 2 usage, 3 stack locked by another run, 130 cancelled.",
    )
    .help()
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => {
      run.usageError = true;
      reportUsage(run.ctx.out, msg ?? err?.message);
      run.code = EXIT.usage;
    });
}
