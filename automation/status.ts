// `status`: a checkpoint report from live probes, shaped like a hand-written operator
// checkpoint: executive summary, evidence table, DONE / NOT DONE per layer with reasons, next
// actions. Built from data only (collectStatus gathers it; buildStatus/render are pure).
import { findingLookup, redact, type EvidenceRow, type Finding, type LayerVerdict } from "../layers/gate.js";
import type { StatusContext } from "../layers/layer.js";
import type { StackOutputs } from "../layers/outputs.js";
import { SIGN_TEST_WORD } from "../layers/mpc/layer.js";
import type { LastSignTestProbe } from "../layers/mpc/gate.js";
import { LAYERS, layer as layerDef, type LayerId, type LayerProbes } from "../layers/registry.js";
import type { Probes } from "./probes.js";

export interface StatusInput {
  stack: string;
  generatedAt: string;
  outputs: StackOutputs;
  probes: LayerProbes;
  /** A probe that threw, per layer (message only). */
  probeErrors?: Partial<Record<LayerId, string>>;
}

export interface StatusReport {
  stack: string;
  generatedAt: string;
  overall: "DONE" | "NOT DONE";
  summary: { deploy: string; onChain: string; runtime: string };
  evidence: EvidenceRow[];
  layers: Array<LayerVerdict & { title: string; index: number }>;
  findings: Finding[];
  /** The last end-to-end sign test as the stack's base instance recorded it; null when none ran. */
  signTest: LastSignTestProbe | null;
  nextActions: string[];
}

/** Runs the probes of every deployed layer; a probe that throws is recorded, not fatal. */
export async function collectStatus(
  stack: string,
  outputs: StackOutputs,
  probes: Probes,
  now: () => Date = () => new Date(),
): Promise<StatusInput> {
  const result: LayerProbes = {};
  const probeErrors: Partial<Record<LayerId, string>> = {};
  await Promise.all(
    LAYERS.filter((l) => l.isDeployed(outputs)).map(async (l) => {
      try {
        Object.assign(result, { [l.id]: await probes[l.id](outputs) });
      } catch (err) {
        probeErrors[l.id] = (err as Error).message ?? String(err);
      }
    }),
  );
  return { stack, generatedAt: now().toISOString(), outputs, probes: result, probeErrors };
}

function context(input: StatusInput, verdicts: LayerVerdict[]): StatusContext {
  return { stack: input.stack, outputs: input.outputs, probes: input.probes, verdicts, bad: findingLookup(verdicts) };
}

function evidence(ctx: StatusContext): EvidenceRow[] {
  return [{ item: "Stack", value: ctx.stack, check: "" }, ...LAYERS.flatMap((l) => l.status.evidence(ctx))];
}

function deployState(o: StackOutputs): string {
  const name = (l: (typeof LAYERS)[number]) => `Layer ${l.index} (${l.id})`;
  const dep = LAYERS.filter((l) => l.isDeployed(o));
  const missing = LAYERS.filter((l) => !l.isDeployed(o));
  if (dep.length === LAYERS.length) return `All ${LAYERS.length} layers are deployed.`;
  if (dep.length === 0) return "Nothing is deployed.";
  return `Deployed: ${dep.map(name).join(", ")}; not deployed: ${missing.map(name).join(", ")}.`;
}

function summary(ctx: StatusContext): StatusReport["summary"] {
  const parts = LAYERS.map((l) => l.status.summary(ctx));
  const chain = parts.flatMap((p) => p.onChain);
  const runtime = parts.flatMap((p) => p.runtime);
  return {
    deploy: deployState(ctx.outputs),
    onChain: chain.length ? capitalize(chain.join("; ")) + "." : "No on-chain evidence (nothing deployed or probed).",
    runtime: runtime.length ? capitalize(runtime.join("; ")) + "." : "No runtime evidence.",
  };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function actions(stack: string, verdicts: LayerVerdict[], input: StatusInput): string[] {
  const s = stack === "localnet" ? "" : ` --stack ${stack}`;
  const a = (args: string) => `\`npm run automate -- ${args}${s}\``;
  const out: string[] = [];
  const add = (x: string) => {
    if (!out.includes(x)) out.push(x);
  };
  for (const v of verdicts) {
    for (const f of v.findings) {
      const node = f.subject.split(" ")[0];
      switch (f.kind) {
        case "not-deployed":
          add(`Deploy the missing layers: ${a("up")} (resumes at the first layer that is not done).`);
          break;
        case "restart-loop":
        case "container-down":
          add(`Read why ${node} restarts: ${a(`logs ${node}`)}; the last log lines are in the findings below.`);
          break;
        case "secret-placeholder":
        case "secret-malformed":
        case "secret-missing":
          add(
            `Secrets of ${node} are not usable: re-apply Layer ${layerDef(v.layer).index} from the stack's keys with ${a(
              `up --layer ${v.layer} --reconcile`,
            )} (the values are never printed), then check ${a(`logs ${node}`)}.`,
          );
          break;
        case "code-hash-mismatch":
        case "contract-missing":
          add(`Redeploy the pinned contract on ${f.subject}: ${a(`up --layer ${v.layer} --reconcile`)}.`);
          break;
        case "stale-boot-nodes":
          add(`Boot nodes are stale: ${a("up --reconcile")} re-renders them from the running base node.`);
          break;
        case "bootstrap-failed":
          add(
            `The bootstrap of ${node} stopped (its last lines are in the findings below): fix the cause, then re-run it with ${a(
              "up --layer mpc --reconcile",
            )}.`,
          );
          break;
        case "sign-test":
          add(
            `Re-run the end-to-end test: ${a("sign-test")}. "Request has timed out." means the nodes did not answer: check the MPC node rows above and ${a(
              "logs mpc-node-0",
            )}.`,
          );
          break;
        case "cannot-catch-up":
          add(
            `${node} cannot catch up with the base chain (see the finding): a node joins only while the base keeps ` +
              `the history after its head (gcNumEpochsToKeep); restart it with ${a("up --layer mpc --reconcile")}, ` +
              `or redeploy the base when that history is gone.`,
          );
          break;
        case "contract-state":
        case "domains":
          add(
            `Key generation is not complete: every node must be live and connected; watch ${a("status")} and ${a("logs mpc-node-0")}.`,
          );
          break;
        case "unreachable":
          add(
            `Check that the instance behind ${f.subject} is running and registered with SSM (EC2 console / \`aws ssm describe-instance-information\`).`,
          );
          break;
        default:
          add(`Fix: ${f.message}; then ${a("health")}.`);
      }
    }
  }
  const mpcDone = verdicts.find((v) => v.layer === "mpc")?.done;
  if (mpcDone && input.probes.mpc && !input.probes.mpc.lastSignTest) {
    add(`Prove the stack end to end: ${a("sign-test")} (no sign test has run yet).`);
  }
  if (out.length === 0) add(`Nothing to do: the stack is healthy. Re-check any time with ${a("status")}.`);
  return out;
}

function verdictsOf(input: StatusInput): LayerVerdict[] {
  const verdicts = LAYERS.map((l) => {
    const v = l.evaluate(input.outputs, input.probes);
    const err = input.probeErrors?.[l.id];
    if (err && l.isDeployed(input.outputs)) {
      v.findings.unshift({ kind: "unreachable", subject: l.id, message: `the ${l.id} probe failed: ${err}` });
      v.done = false;
    }
    return v;
  });
  // Outputs that cannot be read are the foundation's problem: Layer 1 exports the channel too.
  for (const problem of input.outputs.problems) {
    verdicts[0].findings.push({ kind: "outputs", subject: "stack outputs", message: problem });
    verdicts[0].done = false;
  }
  const ctx = context(input, verdicts);
  LAYERS.forEach((l, i) => {
    const extra: Finding[] = l.status.findings?.(ctx) ?? [];
    verdicts[i].findings.push(...extra);
    if (extra.length) verdicts[i].done = false;
  });
  return verdicts;
}

export function buildStatus(input: StatusInput): StatusReport {
  const verdicts = verdictsOf(input);
  const ctx = context(input, verdicts);
  return {
    stack: input.stack,
    generatedAt: input.generatedAt,
    overall: verdicts.every((v) => v.done) ? "DONE" : "NOT DONE",
    summary: summary(ctx),
    evidence: evidence(ctx),
    layers: verdicts.map((v) => ({ ...v, title: layerDef(v.layer).title, index: layerDef(v.layer).index })),
    findings: verdicts.flatMap((v) => v.findings),
    signTest: input.probes.mpc?.lastSignTest ?? null,
    nextActions: actions(input.stack, verdicts, input),
  };
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function renderStatusMarkdown(r: StatusReport): string {
  const lines: string[] = [];
  lines.push(`# Checkpoint: near-localnet stack \`${r.stack}\` - ${r.overall}`, "");
  lines.push(`_Generated ${r.generatedAt} from live probes._`, "");
  lines.push("## Executive summary", "");
  lines.push(`- **Deploy state:** ${r.summary.deploy}`);
  lines.push(`- **On-chain state:** ${r.summary.onChain}`);
  lines.push(`- **Node runtime health:** ${r.summary.runtime}`, "");
  lines.push("## Evidence", "");
  lines.push("| Item | Value | Check |", "| --- | --- | --- |");
  for (const e of r.evidence) lines.push(`| ${cell(e.item)} | ${cell(e.value)} | ${e.check} |`);
  if (r.signTest?.requests?.length) {
    lines.push("", "## Last sign test", "");
    lines.push(
      `${SIGN_TEST_WORD[r.signTest.state]}: ${r.signTest.summary}${r.signTest.at ? ` (${r.signTest.at})` : ""}`,
      "",
    );
    lines.push("| Domain | Scheme | Verdict | Latency | Detail |", "| --- | --- | --- | --- | --- |");
    for (const q of r.signTest.requests) {
      lines.push(
        `| ${q.domainId} | ${cell(q.scheme)} | ${cell(q.verdict)} | ${q.latencyMs === undefined ? "-" : `${q.latencyMs} ms`} | ${cell(redact(q.detail))} |`,
      );
    }
  }
  lines.push("", "## Layers", "");
  for (const l of r.layers) {
    lines.push(`- **Layer ${l.index} ${l.title} (${l.layer}): ${l.done ? "DONE" : "NOT DONE"}**`);
    for (const f of l.findings) {
      lines.push(`  - ${f.message}`);
      if (f.evidence?.length) {
        lines.push("    ```");
        for (const e of f.evidence) lines.push(`    ${redact(e)}`);
        lines.push("    ```");
      }
    }
  }
  lines.push("", "## Next actions", "");
  r.nextActions.forEach((a, i) => lines.push(`${i + 1}. ${a}`));
  return lines.join("\n") + "\n";
}
