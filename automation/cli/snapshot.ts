// `snapshot create [--name N]` and `snapshot list`: consistent snapshot sets of every host's data volume.
import { EXIT } from "../driver.js";
import { checkSetName, defaultSetName } from "../snapshots/identity.js";
import { listSets, renderSets } from "../snapshots/sets.js";
import { checkUsage, defineCommand } from "./context.js";
import { EC2_INTERRUPT, ec2Of } from "./park.js";
import { createSnapshotSet } from "../snapshots/create.js";
import { snapshotDeps, snapshotLines } from "./snapshots.js";
import { awsOf, jsonOption, readOutputs, withEngine } from "./stack.js";

export const snapshotCommand = defineCommand({
  command: "snapshot <action>",
  describe: "Snapshot sets of every data volume: `create [--name N]` (healthy stack, containers stopped), `list`",
  builder: (y) =>
    y
      .positional("action", { type: "string", choices: ["create", "list"] as const, demandOption: true })
      .option("name", { type: "string", describe: "set name (create; default: the time, e.g. 2026-12-01T22-45-10Z)" })
      .option("json", jsonOption("print the result as JSON")),
  run: (a, ctx) => {
    const bad = checkUsage(ctx, () => a.name !== undefined && checkSetName(a.name));
    if (bad !== undefined) return Promise.resolve(bad);
    return withEngine(
      ctx,
      a.stack,
      false,
      async (engine, signal) => {
        const aws = await awsOf(ctx, engine, a.stack);
        if (a.action === "list") {
          const sets = await listSets(await ec2Of(ctx, aws), a.stack);
          if (a.json) ctx.out.stdout(JSON.stringify({ stack: a.stack, sets }));
          else for (const line of renderSets(sets)) ctx.out.stdout(line);
          return EXIT.ok;
        }
        const outputs = await readOutputs(engine);
        const deps = await snapshotDeps(ctx, { engine, stack: a.stack, aws, outputs, signal });
        const report = await createSnapshotSet(deps, a.name ?? defaultSetName((ctx.now ?? Date.now)()));
        if (a.json) ctx.out.stdout(JSON.stringify({ stack: a.stack, ...report }));
        else for (const line of snapshotLines(report)) ctx.out.stdout(line);
        return report.ok ? EXIT.ok : EXIT.failed;
      },
      EC2_INTERRUPT,
    );
  },
});
