// `outputs`: the stack outputs, secret values masked.
import { EXIT } from "../driver.js";
import { maskedOutputs } from "../stack-outputs.js";
import { defineCommand } from "./context.js";
import { jsonOption, withEngine } from "./stack.js";

export const outputsCommand = defineCommand({
  command: "outputs",
  describe: "Print the stack outputs (secret values masked)",
  builder: (y) => y.option("json", jsonOption()),
  run: (a, ctx) =>
    withEngine(ctx, a.stack, false, async (engine) => {
      const raw = await engine.outputs();
      // nested secrets are marked only in the exported state (the root stack resource's outputs)
      const root = engine.resources
        ? (await engine.resources()).find((r) => r.type === "pulumi:pulumi:Stack")
        : undefined;
      const shown = maskedOutputs(raw, root?.outputs);
      if (a.json) ctx.out.stdout(JSON.stringify(shown));
      else for (const [k, v] of Object.entries(shown)) ctx.out.stdout(`${k}: ${JSON.stringify(v, null, 2)}`);
      return EXIT.ok;
    }),
});
