// The timeline as an SVG Gantt chart: one bar per step, grouped by layer (the layer's own bar
// first, then its steps by start time), the recorded critical path in red, failed steps hatched
// grey. Plain SVG 1.1 with no script or external reference, so any browser or viewer opens it.
import { LAYERS } from "../../layers/registry.js";
import { formatDuration } from "./format.js";
import type { Timeline, TimelineStep } from "./recorder.js";

const ROW = 20;
const LABEL_WIDTH = 340;
const CHART_WIDTH = 760;
const TOP = 40;

function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

function fill(s: TimelineStep): string {
  if (!s.ok) return "url(#failed)";
  if (s.critical) return "#d62728";
  return s.kind === "layer" ? "#1f3b73" : s.kind === "driver" ? "#4e79a7" : "#9ecae9";
}

/** The rows in chart order: per layer its own bar, then its steps by start. */
function rows(t: Timeline): TimelineStep[] {
  return LAYERS.flatMap((l) => {
    const own = t.steps.filter((s) => s.layer === l.id);
    const head = own.filter((s) => s.kind === "layer");
    const rest = own.filter((s) => s.kind !== "layer").sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
    return [...head, ...rest];
  });
}

export function renderGantt(t: Timeline): string {
  const list = rows(t);
  const total = Math.max(t.totalMs, 1);
  const x = (ms: number) => LABEL_WIDTH + (ms / total) * CHART_WIDTH;
  const height = TOP + list.length * ROW + 30;
  const width = LABEL_WIDTH + CHART_WIDTH + 20;
  const title = `near-localnet up, stack ${t.stack}, ${t.startedAt}: ${formatDuration(t.totalMs)} (${t.ok ? "ok" : "FAILED"})`;
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<defs><pattern id="failed" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#bbbbbb"/><path d="M0 6L6 0" stroke="#555555"/></pattern></defs>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${width - 12}" y="20" text-anchor="end" fill="#d62728">red: critical path</text>`,
  ];
  list.forEach((s, i) => {
    const y = TOP + i * ROW;
    const w = Math.max(x(s.endMs) - x(s.startMs), 1);
    const indent = s.kind === "layer" ? 8 : 24;
    const weight = s.kind === "layer" ? ` font-weight="bold"` : "";
    const text = `${s.label} ${formatDuration(s.endMs - s.startMs)}`;
    out.push(
      `<text x="${indent}" y="${y + 14}"${weight}>${escapeXml(text)}</text>`,
      `<rect class="bar" data-step="${escapeXml(s.id)}" data-kind="${s.kind}" data-critical="${s.critical}" x="${x(s.startMs).toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" fill="${fill(s)}"><title>${escapeXml(`${s.id}: ${formatDuration(s.startMs)} to ${formatDuration(s.endMs)}${s.ok ? "" : " FAILED"}`)}</title></rect>`,
    );
  });
  const axisY = TOP + list.length * ROW + 16;
  for (let k = 0; k <= 4; k++) {
    const ms = (total * k) / 4;
    out.push(
      `<text x="${x(ms).toFixed(1)}" y="${axisY}" text-anchor="middle" fill="#555555">${formatDuration(ms)}</text>`,
    );
  }
  out.push(`</svg>`);
  return `${out.join("\n")}\n`;
}
