// `destroy`: removes layers, top first; explicit only, and it asks for the stack name unless --yes.
import { destroyLayers } from "../driver.js";
import type { Probes } from "../probes.js";
import { defineCommand } from "./context.js";
import { driverDeps, jsonOption, layerOption, printReport, withEngine } from "./stack.js";

/** destroyLayers runs no health gate, so it never calls a probe. */
const NO_PROBES: Probes = {
  base: () => Promise.reject(new Error("no probes")),
  services: () => Promise.reject(new Error("no probes")),
  mpc: () => Promise.reject(new Error("no probes")),
  logs: () => Promise.reject(new Error("no probes")),
  imagePins: () => Promise.reject(new Error("no probes")),
};

export const destroyCommand = defineCommand({
  command: "destroy",
  describe: "Destroy layers, top first (explicit only; asks for the stack name unless --yes)",
  builder: (y) =>
    y
      .option("layer", layerOption("remove this layer and the ones above it, nothing below (default: all)"))
      .option("yes", { type: "boolean", default: false, describe: "do not ask for confirmation" })
      .option("json", jsonOption()),
  run: (a, ctx) =>
    withEngine(ctx, a.stack, false, async (engine, signal) => {
      const report = await destroyLayers(driverDeps(ctx, engine, NO_PROBES, signal), {
        layer: a.layer,
        yes: a.yes,
        confirm: ctx.confirm ? (q) => ctx.confirm!(q, engine.stack) : undefined,
      });
      if (report.layers.length) printReport(ctx, report, a.json);
      return report.exitCode;
    }),
});
