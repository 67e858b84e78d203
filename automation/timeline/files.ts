// Where a stack's last `up` timeline is kept: <repo>/.near-localnet/<stack>/timeline.json and
// timeline.svg, beside the driver's other per-stack files (.near-localnet is git-ignored). The
// Pulumi state may live elsewhere (PULUMI_BACKEND_URL); the timeline is the operator's record.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderGantt } from "./gantt.js";
import type { Timeline } from "./recorder.js";

export function timelineFiles(workDir: string, stack: string): { json: string; svg: string } {
  const dir = join(workDir, ".near-localnet", stack);
  return { json: join(dir, "timeline.json"), svg: join(dir, "timeline.svg") };
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}

/** Writes both files; returns their paths. */
export function saveTimeline(workDir: string, t: Timeline): { json: string; svg: string } {
  const files = timelineFiles(workDir, t.stack);
  mkdirSync(join(files.json, ".."), { recursive: true });
  writeAtomically(files.json, `${JSON.stringify(t, null, 2)}\n`);
  writeAtomically(files.svg, renderGantt(t));
  return files;
}

/** The last timeline of the stack, if one was written and is readable. */
export function lastTimeline(workDir: string, stack: string): { file: string; timeline: Timeline } | undefined {
  const file = timelineFiles(workDir, stack).json;
  try {
    const timeline = JSON.parse(readFileSync(file, "utf8")) as Timeline;
    if (timeline?.version !== 1 || typeof timeline.totalMs !== "number") return undefined;
    return { file, timeline };
  } catch {
    return undefined;
  }
}
