// `restore <set>` (and `restore --undo`), and `reset`: the data volumes from a snapshot set, on
// the same hosts, IPs and keys; then the gates and the sign test; then the Pulumi state adopts them.
import { EXIT } from "../driver.js";
import { BASELINE_SET } from "../snapshots/identity.js";
import { restoreSnapshotSet, undoRestore, type RestoreReport } from "../snapshots/restore.js";
import { defineCommand, type CliContext } from "./context.js";
import { EC2_INTERRUPT } from "./park.js";
import { restoreDeps } from "./snapshots.js";
import { awsOf, jsonOption, readOutputs, withEngine } from "./stack.js";

interface RestoreArgs {
  stack: string;
  /** undefined: undo the last restore. */
  set: string | undefined;
  json: boolean;
  settleMinutes: number;
  skipSignTest: boolean;
}

const settleOption = {
  type: "number",
  default: 30,
  describe: "how long failing gates are re-checked after the start while the nodes catch up",
} as const;

const skipSignTestOption = {
  type: "boolean",
  default: false,
  describe: "do not run the sign test after the gates",
} as const;

function runRestore(ctx: CliContext, { stack, set, json, settleMinutes, skipSignTest }: RestoreArgs): Promise<number> {
  return withEngine(
    ctx,
    stack,
    false,
    async (engine, signal) => {
      const aws = await awsOf(ctx, engine, stack);
      const outputs = await readOutputs(engine);
      const deps = await restoreDeps(ctx, {
        engine,
        stack,
        aws,
        outputs,
        signal,
        settleMs: settleMinutes * 60_000,
        skipSignTest,
      });
      const report = set === undefined ? await undoRestore(deps) : await restoreSnapshotSet(deps, set);
      print(ctx, stack, report, json);
      return report.ok ? EXIT.ok : EXIT.failed;
    },
    EC2_INTERRUPT,
  );
}

function print(ctx: CliContext, stack: string, r: RestoreReport, json: boolean): void {
  if (json) return ctx.out.stdout(JSON.stringify({ stack, ...r }));
  ctx.out.stdout(`restore ${r.set}: ${r.ok ? "OK" : r.failedStep ? `FAILED at "${r.failedStep}"` : "REFUSED"}`);
  for (const h of r.hosts)
    ctx.out.stdout(`  ${h.name.padEnd(12)} ${h.previousVolumeId} -> ${h.restoredVolumeId ?? "-"} (${h.snapshotId})`);
  if (r.error) ctx.out.stdout(`  error: ${r.error}`);
  if (r.nextActions.length) ctx.out.stdout("Next:");
  for (const a of r.nextActions) ctx.out.stdout(`  - ${a}`);
}

export const restoreCommand = defineCommand({
  command: "restore [set]",
  describe: "Replace every data volume with one from a snapshot set (same hosts, IPs, keys); --undo goes back",
  builder: (y) =>
    y
      .positional("set", { type: "string", describe: "the snapshot set (see `snapshot list`)" })
      .option("undo", { type: "boolean", default: false, describe: "re-attach the volumes the last restore replaced" })
      .option("settle-minutes", settleOption)
      .option("skip-sign-test", skipSignTestOption)
      .option("json", jsonOption("print the report as JSON"))
      .check((a) => {
        if (a.undo === (a.set !== undefined)) throw new Error("name a snapshot set, or give --undo");
        return true;
      }),
  run: (a, ctx) =>
    runRestore(ctx, {
      stack: a.stack,
      set: a.undo ? undefined : a.set,
      json: a.json,
      settleMinutes: a["settle-minutes"],
      skipSignTest: a["skip-sign-test"],
    }),
});

export const resetCommand = defineCommand({
  command: "reset",
  describe: `Restore the "${BASELINE_SET}" set that the first green \`up\` took: back to a clean chain`,
  builder: (y) =>
    y
      .option("settle-minutes", settleOption)
      .option("skip-sign-test", skipSignTestOption)
      .option("json", jsonOption("print the report as JSON")),
  run: (a, ctx) =>
    runRestore(ctx, {
      stack: a.stack,
      set: BASELINE_SET,
      json: a.json,
      settleMinutes: a["settle-minutes"],
      skipSignTest: a["skip-sign-test"],
    }),
});
