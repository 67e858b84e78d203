// `preview`: what `up` would change, for one layer or the whole stack. Read-only: a stack that does
// not exist is reported, not created (nor its secrets salt written).
import { EXIT } from "../driver.js";
import { layerSelection } from "../layers.js";
import { defineCommand } from "./context.js";
import { jsonOption, layerOption, withEngine } from "./stack.js";

export const previewCommand = defineCommand({
  command: "preview",
  describe: "Show what up would change, per layer or for the whole stack",
  builder: (y) => y.option("layer", layerOption()).option("json", jsonOption()),
  run: (a, ctx) =>
    withEngine(ctx, a.stack, false, async (engine) => {
      const sel = a.layer ? layerSelection(engine.stack, a.layer) : {};
      const r = await engine.preview({ ...sel, onOutput: a.json ? undefined : (l) => ctx.out.stderr(l) });
      if (a.json) ctx.out.stdout(JSON.stringify({ stack: engine.stack, layer: a.layer ?? "all", changes: r.changes }));
      else ctx.out.stdout(`changes: ${JSON.stringify(r.changes)}`);
      return EXIT.ok;
    }),
});
