// The baseline snapshot set `up` takes after its first green run of the whole stack, which
// `reset` restores. A failure to take it does not fail the deploy: it is reported with the
// command that takes it later.
import type { RunReport } from "../driver.js";
import type { AwsTarget } from "../aws-target.js";
import type { Engine } from "../engine.js";
import { BASELINE_SET, TAG } from "../snapshots/identity.js";
import { snapshotsTagged } from "../snapshots/ebs.js";
import type { CliContext } from "./context.js";
import { createSnapshotSet } from "../snapshots/create.js";
import { snapshotDeps, snapshotLines } from "./snapshots.js";
import { readOutputs } from "./stack.js";

export async function takeBaselineOnce(
  ctx: CliContext,
  engine: Engine,
  aws: AwsTarget,
  report: RunReport,
  signal?: AbortSignal,
): Promise<void> {
  if (!ctx.makeEc2 || !report.ok || !report.signTest?.ok) return;
  const stack = engine.stack;
  const s = stack === "localnet" ? "" : ` --stack ${stack}`;
  const later = `\`npm run automate -- snapshot create --name ${BASELINE_SET}${s}\``;
  try {
    const ec2 = await ctx.makeEc2(aws);
    if ((await snapshotsTagged(ec2, { [TAG.stack]: stack, [TAG.set]: BASELINE_SET })).length) return;
    ctx.out.stderr(`baseline: taking snapshot set "${BASELINE_SET}" (what \`reset\` restores)`);
    const outputs = await readOutputs(engine);
    const taken = await createSnapshotSet(
      await snapshotDeps(ctx, { engine, stack, aws, outputs, signal }),
      BASELINE_SET,
    );
    for (const line of snapshotLines(taken)) ctx.out.stderr(`baseline: ${line}`);
    if (!taken.ok) ctx.out.stderr(`baseline: not taken; take it later with ${later}`);
  } catch (err) {
    ctx.out.stderr(`baseline: not taken (${(err as Error).message}); take it later with ${later}`);
  }
}
