// `health`: every layer's health gate, run inside the VPC through the live probes; changes nothing.
import { EXIT } from "../driver.js";
import { LAYERS } from "../../layers/registry.js";
import { defineCommand } from "./context.js";
import { jsonOption, withLiveStatus } from "./stack.js";

export const healthCommand = defineCommand({
  command: "health",
  describe: "Run every layer's health gate inside the VPC (changes nothing)",
  builder: (y) => y.option("json", jsonOption()),
  run: (a, ctx) =>
    withLiveStatus(
      ctx,
      a.stack,
      (outputs, input) => {
        const verdicts = LAYERS.map((l) => l.evaluate(outputs, input.probes));
        if (a.json)
          ctx.out.stdout(JSON.stringify({ stack: a.stack, layers: verdicts, probeErrors: input.probeErrors }));
        else
          for (const v of verdicts) {
            ctx.out.stdout(`${v.layer}: ${v.done ? "healthy" : "NOT healthy"}`);
            for (const f of v.findings) ctx.out.stdout(`  - ${f.message}`);
            const err = input.probeErrors?.[v.layer];
            if (err) ctx.out.stdout(`  - probe failed: ${err}`);
          }
        return verdicts.every((v) => v.done) && !Object.keys(input.probeErrors ?? {}).length ? EXIT.ok : EXIT.failed;
      },
      a.json,
    ),
});
