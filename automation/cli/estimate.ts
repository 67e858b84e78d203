// `estimate`: the critical path of a cold `up`, from the offline plan (synth) and the durations
// table; no cloud access (../timeline/estimate.ts, loaded when it runs).
import { defineCommand } from "./context.js";
import { jsonOption } from "./stack.js";

export const estimateCommand = defineCommand({
  command: "estimate",
  describe: "The critical path of a cold up from the offline plan: each step, its estimated time, the total",
  builder: (y) => y.option("json", jsonOption("print the estimate as JSON")),
  run: async (a, ctx) => {
    const { synthesize } = await import("../synth.js");
    const { estimatePlan, renderEstimate } = await import("../timeline/estimate.js");
    let plan;
    try {
      ({ plan } = await synthesize({ stack: a.stack }));
    } catch (err) {
      const e = err as Error;
      ctx.out.stderr(e.name === "ConfigError" ? e.message : `estimate: the plan could not be built: ${e.message}`);
      return 2;
    }
    const estimate = estimatePlan(plan);
    if (a.json) ctx.out.stdout(JSON.stringify(estimate));
    else for (const line of renderEstimate(estimate)) ctx.out.stdout(line);
    return 0;
  },
});
