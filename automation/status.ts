// `status`: a checkpoint report from live probes, shaped like a hand-written operator
// checkpoint: executive summary, evidence table, DONE / NOT DONE per layer with reasons, next
// actions. Built from data only (collectStatus gathers it; buildStatus/render are pure).
import {
  evaluateLayer,
  redact,
  type Finding,
  type FindingKind,
  type LastSignTestProbe,
  type LayerProbes,
  type LayerVerdict,
  DEFAULT_SIGNER_CODE_HASH,
} from "./health.js";
import { EMPTY_CODE_HASH } from "../platform/near/code-hash.js";
import { LAYERS, layer as layerDef, type LayerId } from "./layers.js";
import type { Probes } from "./probes.js";
import type { StackOutputs } from "./stack-outputs.js";

export interface StatusInput {
  stack: string;
  generatedAt: string;
  outputs: StackOutputs;
  probes: LayerProbes;
  /** A probe that threw, per layer (message only). */
  probeErrors?: Partial<Record<LayerId, string>>;
}

export interface EvidenceRow {
  item: string;
  value: string;
  /** "ok", "FAIL", or "" when informational. */
  check: "ok" | "FAIL" | "";
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

function deployed(id: LayerId, o: StackOutputs): boolean {
  if (id === "base") return !!o.base;
  if (id === "services") return !!o.services && Object.keys(o.services.contracts).length > 0;
  return !!o.mpc && o.mpc.nodes.length > 0;
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
  const attempt = async <T>(id: LayerId, fn: () => Promise<T>): Promise<T | undefined> => {
    if (!deployed(id, outputs)) return undefined;
    try {
      return await fn();
    } catch (err) {
      probeErrors[id] = (err as Error).message ?? String(err);
      return undefined;
    }
  };
  const [base, services, mpc] = await Promise.all([
    attempt("base", () => probes.base(outputs)),
    attempt("services", () => probes.services(outputs)),
    attempt("mpc", () => probes.mpc(outputs)),
  ]);
  if (base) result.base = base;
  if (services) result.services = services;
  if (mpc) result.mpc = mpc;
  return { stack, generatedAt: now().toISOString(), outputs, probes: result, probeErrors };
}

function row(item: string, value: string | number | undefined, check: EvidenceRow["check"] = ""): EvidenceRow {
  return { item, value: value === undefined || value === "" ? "-" : String(value), check };
}

function evidence(input: StatusInput, verdicts: LayerVerdict[]): EvidenceRow[] {
  const { outputs: o, probes: p } = input;
  const bad = (kind: FindingKind, subject?: string) =>
    verdicts.some((v) => v.findings.some((f) => f.kind === kind && (subject === undefined || f.subject.startsWith(subject))));
  const rows: EvidenceRow[] = [row("Stack", input.stack)];
  if (o.base) {
    const b = p.base;
    rows.push(row("Chain id", b?.chainId ?? o.base.chainId, b ? (bad("chain-id") ? "FAIL" : "ok") : ""));
    rows.push(
      row(
        "Block height",
        b?.blockHeight !== undefined ? `${b.blockHeight}${b.blocksAdvancing === false ? " (stalled)" : b.blocksAdvancing ? " (advancing)" : ""}` : undefined,
        b ? (bad("blocks-stalled") || !b.rpcReachable ? "FAIL" : "ok") : "",
      ),
    );
    rows.push(row("Base node instance", o.base.instanceId));
    rows.push(row("Base node private IP", o.base.privateIp));
    rows.push(row("RPC URL", o.base.rpcUrl, b ? (b.rpcReachable ? "ok" : "FAIL") : ""));
    if (b?.container) {
      rows.push(
        row(
          "neard container",
          `${b.container.status ?? (b.container.running ? "running" : "stopped")}, ${b.container.restartCount} restarts`,
          bad("restart-loop", o.base.instanceId) || bad("container-down", o.base.instanceId) ? "FAIL" : "ok",
        ),
      );
    }
    rows.push(row("Boot nodes", o.base.bootNodes.join(", "), bad("stale-boot-nodes") ? "FAIL" : b?.nodePublicKey ? "ok" : ""));
    rows.push(
      row(
        "Root account",
        o.base.rootAccountId,
        b?.rootAccountExists === undefined ? "" : b.rootAccountExists ? "ok" : "FAIL",
      ),
    );
  }
  if (o.services) {
    for (const [account, pinned] of Object.entries(o.services.contracts)) {
      const c = p.services?.contracts.find((x) => x.accountId === account);
      const actual = c?.actualCodeHash;
      const value = actual === undefined ? `pinned ${pinned}` : actual === pinned ? actual : `${actual === EMPTY_CODE_HASH ? "no code" : actual} (pinned ${pinned})`;
      rows.push(row(`Code hash ${account}`, value, actual === undefined ? "" : actual === pinned ? "ok" : "FAIL"));
    }
    if (o.services.faucetUrl) {
      rows.push(row("Faucet", o.services.faucetUrl, p.services?.faucet ? (p.services.faucet.ok ? "ok" : "FAIL") : ""));
    }
  }
  if (o.mpc) {
    const c = p.mpc?.contract;
    const pinned = o.mpc.codeHash ?? DEFAULT_SIGNER_CODE_HASH;
    rows.push(row("Signer contract", o.mpc.contractId));
    rows.push(
      row(
        "Signer code hash",
        c?.codeHash ? (c.codeHash === pinned ? c.codeHash : `${c.codeHash === EMPTY_CODE_HASH ? "no code" : c.codeHash} (pinned ${pinned})`) : `pinned ${pinned}`,
        c?.codeHash ? (c.codeHash === pinned ? "ok" : "FAIL") : "",
      ),
    );
    rows.push(row("Contract state", c?.state, c ? (c.state === "Running" ? "ok" : "FAIL") : ""));
    rows.push(row("Participants", (c?.participants ?? o.mpc.nodes.map((n) => n.accountId)).join(", "), c?.participants ? (bad("participants") ? "FAIL" : "ok") : ""));
    rows.push(row("Threshold", c?.threshold !== undefined ? `${c.threshold} of ${o.mpc.nodes.length}` : `${o.mpc.threshold} of ${o.mpc.nodes.length} (configured)`, c?.threshold !== undefined ? (bad("threshold") ? "FAIL" : "ok") : ""));
    const domains = o.mpc.domains
      .map((d, i) => `${typeof d.id === "number" ? d.id : i}:${String(d.protocol ?? d.scheme ?? "?")}/${String(d.purpose ?? "?")}`)
      .join(", ");
    rows.push(row("Domains (keys)", `${domains}${c?.keysetDomains ? `; keys for [${c.keysetDomains.join(", ")}]` : ""}`, c ? (bad("domains") ? "FAIL" : "ok") : ""));
    for (const node of o.mpc.nodes) {
      const n = p.mpc?.nodes.find((x) => x.accountId === node.accountId);
      const parts = [node.instanceId, node.privateIp];
      if (n?.container) parts.push(`${n.container.status ?? (n.container.running ? "running" : "stopped")}, ${n.container.restartCount} restarts`);
      if (n?.live !== undefined) parts.push(n.live ? "/health 200" : "/health failing");
      if (n?.indexerHeight !== undefined) parts.push(`indexer ${n.indexerHeight}`);
      if (n?.peers !== undefined) parts.push(`peers ${n.peers}/${o.mpc.nodes.length - 1}`);
      if (n?.bootstrap && n.bootstrap.state !== "done") parts.push(`bootstrap ${n.bootstrap.state}`);
      if (n?.bootNodes && bad("stale-boot-nodes", node.accountId)) parts.push("boot nodes STALE");
      if (n?.secrets) parts.push(`secrets ${n.secrets.every((s) => s.status === "ok") ? "ok" : "INVALID"}`);
      const failed = verdicts.some((v) => v.findings.some((f) => f.subject.startsWith(node.accountId)));
      rows.push(row(`MPC node ${node.accountId}`, parts.join("; "), n ? (failed ? "FAIL" : "ok") : ""));
    }
    if (p.mpc) {
      const t = p.mpc.lastSignTest;
      rows.push(
        row(
          "Sign test (last run)",
          t ? `${SIGN_TEST_WORD[t.state]}: ${t.summary}${t.at ? ` (${t.at})` : ""}` : "never run",
          !t || t.state === "incomplete" ? "" : t.state === "passed" ? "ok" : "FAIL",
        ),
      );
    }
  }
  return rows;
}

const SIGN_TEST_WORD: Record<LastSignTestProbe["state"], string> = {
  passed: "PASS",
  failed: "FAIL",
  error: "ERROR",
  incomplete: "INCOMPLETE",
};

/** A failed last sign test keeps Layer 3 NOT DONE in the checkpoint (not in the `up` gate, which runs its own). */
function signTestFinding(input: StatusInput): Finding | undefined {
  const t = input.probes.mpc?.lastSignTest;
  if (!t || !input.outputs.mpc || (t.state !== "failed" && t.state !== "error")) return undefined;
  return {
    kind: "sign-test",
    subject: input.outputs.mpc.contractId,
    message: `the last sign test${t.at ? ` (${t.at})` : ""} did not pass: ${t.summary}`,
  };
}

function summary(input: StatusInput, verdicts: LayerVerdict[]): StatusReport["summary"] {
  const { outputs: o, probes: p } = input;
  const dep = LAYERS.filter((l) => deployed(l.id, o));
  const missing = LAYERS.filter((l) => !deployed(l.id, o));
  const deploy =
    dep.length === LAYERS.length
      ? `All ${LAYERS.length} layers are deployed.`
      : dep.length === 0
        ? "Nothing is deployed."
        : `Deployed: ${dep.map((l) => `Layer ${l.index} (${l.id})`).join(", ")}; not deployed: ${missing
            .map((l) => `Layer ${l.index} (${l.id})`)
            .join(", ")}.`;
  const chain: string[] = [];
  if (p.base?.rpcReachable) {
    chain.push(`chain ${p.base.chainId} at block ${p.base.blockHeight ?? "?"}${p.base.blocksAdvancing === false ? " (STALLED)" : ""}`);
  } else if (o.base) chain.push("the base RPC does not answer");
  if (p.services && o.services) {
    const all = Object.keys(o.services.contracts).length;
    const good = Object.entries(o.services.contracts).filter(
      ([a, h]) => p.services!.contracts.find((c) => c.accountId === a)?.actualCodeHash === h,
    ).length;
    chain.push(`${good}/${all} core contracts run their pinned code`);
  }
  if (p.mpc && o.mpc) {
    const c = p.mpc.contract;
    chain.push(
      c.reachable
        ? `signer contract ${o.mpc.contractId} is ${c.state ?? "unknown"} with keys for ${c.keysetDomains?.length ?? 0}/${o.mpc.domains.length} domains`
        : `signer contract ${o.mpc.contractId} could not be read`,
    );
    const t = p.mpc.lastSignTest;
    chain.push(t ? `last sign test ${SIGN_TEST_WORD[t.state]} (${t.summary})` : "no sign test has run yet");
  }
  const runtime: string[] = [];
  if (p.base?.container) {
    runtime.push(`neard ${p.base.container.running ? "running" : "NOT running"} (${p.base.container.restartCount} restarts)`);
  }
  if (p.mpc && o.mpc) {
    const live = p.mpc.nodes.filter((n) => n.reachable && n.live && n.container?.running !== false).length;
    runtime.push(`${live}/${o.mpc.nodes.length} MPC nodes live`);
    const loops = verdicts.flatMap((v) => v.findings).filter((f) => f.kind === "restart-loop");
    if (loops.length) runtime.push(`restart loop on ${loops.map((f) => f.subject).join(", ")}`);
    const secrets = verdicts.flatMap((v) => v.findings).filter((f) => f.kind.startsWith("secret-"));
    if (secrets.length) runtime.push(`invalid secrets on ${[...new Set(secrets.map((f) => f.subject))].join(", ")}`);
    const boot = verdicts.flatMap((v) => v.findings).filter((f) => f.kind === "bootstrap-failed");
    if (boot.length) runtime.push(`bootstrap failed on ${boot.map((f) => f.subject).join(", ")}`);
    const stale = verdicts.flatMap((v) => v.findings).filter((f) => f.kind === "stale-boot-nodes" && f.subject !== "base.bootNodes");
    if (stale.length) runtime.push(`stale boot nodes on ${stale.map((f) => f.subject).join(", ")}`);
  }
  return {
    deploy,
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
        case "contract-state":
        case "domains":
          add(`Key generation is not complete: every node must be live and connected; watch ${a("status")} and ${a("logs mpc-node-0")}.`);
          break;
        case "unreachable":
          add(`Check that the instance behind ${f.subject} is running and registered with SSM (EC2 console / \`aws ssm describe-instance-information\`).`);
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

export function buildStatus(input: StatusInput): StatusReport {
  const verdicts = LAYERS.map((l) => {
    const v = evaluateLayer(l.id, input.outputs, input.probes);
    const err = input.probeErrors?.[l.id];
    if (err && deployed(l.id, input.outputs)) {
      v.findings.unshift({ kind: "unreachable", subject: l.id, message: `the ${l.id} probe failed: ${err}` });
      v.done = false;
    }
    return v;
  });
  for (const problem of input.outputs.problems) {
    verdicts[0].findings.push({ kind: "outputs", subject: "stack outputs", message: problem });
    verdicts[0].done = false;
  }
  const signTest = signTestFinding(input);
  if (signTest) {
    verdicts[2].findings.push(signTest);
    verdicts[2].done = false;
  }
  return {
    stack: input.stack,
    generatedAt: input.generatedAt,
    overall: verdicts.every((v) => v.done) ? "DONE" : "NOT DONE",
    summary: summary(input, verdicts),
    evidence: evidence(input, verdicts),
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
    lines.push(`${SIGN_TEST_WORD[r.signTest.state]}: ${r.signTest.summary}${r.signTest.at ? ` (${r.signTest.at})` : ""}`, "");
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
