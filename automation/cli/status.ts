// `status`: the checkpoint report from the live probes, as Markdown (or JSON data).
import { EXIT } from "../driver.js";
import { buildStatus, renderStatusMarkdown } from "../status.js";
import { defineCommand } from "./context.js";
import { jsonOption, withLiveStatus } from "./stack.js";

export const statusCommand = defineCommand({
  command: "status",
  describe: "Checkpoint report from live probes (Markdown; --json for data)",
  builder: (y) => y.option("json", jsonOption()),
  run: (a, ctx) =>
    withLiveStatus(ctx, a.stack, (_outputs, input) => {
      const report = buildStatus(input);
      ctx.out.stdout(a.json ? JSON.stringify(report) : renderStatusMarkdown(report));
      return report.overall === "DONE" ? EXIT.ok : EXIT.failed;
    }),
});
