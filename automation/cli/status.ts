// `status`: the checkpoint report from the live probes, as Markdown (or JSON data).
import { EXIT } from "../driver.js";
import { buildStatus, renderStatusMarkdown } from "../status.js";
import { defineCommand } from "./context.js";
import { lastTimeline, timelineFiles } from "../timeline/files.js";
import { formatDuration } from "../timeline/format.js";
import { jsonOption, withLiveStatus } from "./stack.js";

export const statusCommand = defineCommand({
  command: "status",
  describe: "Checkpoint report from live probes (Markdown; --json for data)",
  builder: (y) => y.option("json", jsonOption()),
  run: (a, ctx) =>
    withLiveStatus(
      ctx,
      a.stack,
      (_outputs, input) => {
        const report = buildStatus(input);
        const last = lastTimeline(ctx.workDir, a.stack);
        const timeline = last && {
          file: last.file,
          chart: timelineFiles(ctx.workDir, a.stack).svg,
          startedAt: last.timeline.startedAt,
          totalMs: last.timeline.totalMs,
          ok: last.timeline.ok,
        };
        if (a.json) ctx.out.stdout(JSON.stringify({ ...report, lastTimeline: timeline ?? null }));
        else {
          ctx.out.stdout(renderStatusMarkdown(report));
          ctx.out.stdout(
            timeline
              ? `Last up timeline: ${timeline.file} (chart ${timeline.chart}): ${formatDuration(timeline.totalMs)}, ${timeline.ok ? "ok" : "FAILED"}, started ${timeline.startedAt}`
              : "Last up timeline: none recorded in this checkout",
          );
        }
        return report.overall === "DONE" ? EXIT.ok : EXIT.failed;
      },
      a.json,
    ),
});
