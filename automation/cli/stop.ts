// `stop`: parks the stack: every host stopped through EC2 (MPC hosts first, then the base host).
// Compute stops billing; volumes, NAT gateway and the rest stay (README, "What it costs").
import { EXIT } from "../driver.js";
import { stopStack } from "../park/park.js";
import { defineCommand } from "./context.js";
import { EC2_INTERRUPT, hostsOf, parkDeps, parkLines } from "./park.js";
import { awsOf, jsonOption, readOutputs, withEngine } from "./stack.js";

export const stopCommand = defineCommand({
  command: "stop",
  describe: "Park the stack: stop every host (MPC hosts first, then the base host); `start` resumes it",
  builder: (y) => y.option("json", jsonOption("print the report as JSON")),
  run: (a, ctx) =>
    withEngine(
      ctx,
      a.stack,
      false,
      async (engine, signal) => {
        const hosts = await hostsOf(engine, await readOutputs(engine));
        if (!hosts.length) {
          ctx.out.stderr(`Stack "${a.stack}" has no hosts to stop (nothing deployed).`);
          return EXIT.failed;
        }
        const aws = await awsOf(ctx, engine, a.stack);
        const report = await stopStack(await parkDeps(ctx, aws, signal), hosts);
        if (a.json) ctx.out.stdout(JSON.stringify({ stack: a.stack, ...report }));
        else {
          for (const line of parkLines(report)) ctx.out.stdout(line);
          const s = a.stack === "localnet" ? "" : ` --stack ${a.stack}`;
          if (report.ok) ctx.out.stdout(`Parked. Resume with \`npm run automate -- start${s}\`.`);
        }
        return report.ok ? EXIT.ok : EXIT.failed;
      },
      EC2_INTERRUPT,
    ),
});
