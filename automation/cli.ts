// `npm run automate -- <command>`: the driver's command line. The program and its commands live in
// cli/ (program.ts registers one module per command); this file maps argv to the exit code.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { hideBin } from "yargs/helpers";
import { EXIT } from "./driver.js";
import { fail, newRun, parseContext, processContext, type CliContext } from "./cli/context.js";
import { buildCli } from "./cli/program.js";

export async function main(argv: string[], ctx: CliContext = processContext()): Promise<number> {
  const run = newRun(ctx);
  try {
    await buildCli(run).parseAsync(argv, parseContext(run));
  } catch (err) {
    if (run.code === EXIT.ok) return fail(ctx, err);
  }
  return run.code;
}

const invokedDirectly = (() => {
  try {
    const script = process.argv[1];
    return script !== undefined && realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main(hideBin(process.argv)).then((c) => {
    process.exitCode = c;
  });
}
