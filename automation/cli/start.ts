// `start`: resumes a parked stack: the base host first (running and online in SSM), then the MPC
// hosts, then every layer's gate (re-checked while the MPC nodes catch up) and the sign test.
import { EXIT, gateStack, renderTimeline } from "../driver.js";
import { startStack } from "../park/park.js";
import type { StackOutputs } from "../../layers/outputs.js";
import { defineCommand } from "./context.js";
import { EC2_INTERRUPT, hostsOf, parkDeps, parkLines } from "./park.js";
import { awsOf, driverDeps, jsonOption, readOutputs, withEngine } from "./stack.js";
import { signTestGate } from "./up.js";

export const startCommand = defineCommand({
  command: "start",
  describe: "Resume a stopped stack: base host, then MPC hosts, then every gate and the sign test",
  builder: (y) =>
    y
      .option("skip-sign-test", {
        type: "boolean",
        default: false,
        describe: "do not run the sign test after the gates",
      })
      .option("settle-minutes", {
        type: "number",
        default: 30,
        describe: "how long failing gates are re-checked while the nodes catch up",
      })
      .option("json", jsonOption("print the report as JSON")),
  run: (a, ctx) =>
    withEngine(
      ctx,
      a.stack,
      false,
      async (engine, signal) => {
        const outputs = await readOutputs(engine);
        const hosts = await hostsOf(engine, outputs);
        if (!hosts.length) {
          ctx.out.stderr(
            `Stack "${a.stack}" has no hosts to start (nothing deployed): run \`npm run automate -- up\`.`,
          );
          return EXIT.failed;
        }
        const aws = await awsOf(ctx, engine, a.stack);
        const park = await startStack(await parkDeps(ctx, aws, signal), hosts);
        const live = { aws, signal };
        const gates = park.ok
          ? await gateStack(
              {
                ...driverDeps(ctx, engine, await ctx.makeProbes(a.stack, outputs, live), signal),
                sleep: ctx.channel?.sleep,
                signTest: (o: StackOutputs) => signTestGate(ctx, a.stack, o, live),
              },
              { skipSignTest: a["skip-sign-test"], settleMs: a["settle-minutes"] * 60_000 },
            )
          : undefined;
        const ok = park.ok && !!gates?.ok;
        if (a.json) ctx.out.stdout(JSON.stringify({ stack: a.stack, ...park, ok, gates }));
        else {
          for (const line of parkLines(park)) ctx.out.stdout(line);
          for (const line of gates ? renderTimeline(gates) : []) ctx.out.stdout(line);
        }
        return ok ? EXIT.ok : (gates?.exitCode ?? EXIT.failed);
      },
      EC2_INTERRUPT,
    ),
});
