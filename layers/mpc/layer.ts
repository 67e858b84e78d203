// Layer 3, Chain Signatures, as the driver, `health` and `status` see it.
import { containerSummary, evidenceRow as row, type EvidenceRow, type Finding } from "../gate.js";
import type { Layer, StatusContext } from "../layer.js";
import type { MpcNodeOutputs } from "./outputs.js";
import { DEFAULT_MPC_RELEASE } from "./releases.js";
import { evaluateMpc, type LastSignTestProbe, type MpcContractProbe, type MpcNodeProbe } from "./gate.js";
import { parseMpcOutputs } from "./outputs.js";
import { EMPTY_CODE_HASH as NO_CODE } from "../../platform/near/code-hash.js";

export const SIGN_TEST_WORD: Record<LastSignTestProbe["state"], string> = {
  passed: "PASS",
  failed: "FAIL",
  error: "ERROR",
  incomplete: "INCOMPLETE",
};

function codeHashRow(pinned: string, c: MpcContractProbe | undefined): EvidenceRow {
  if (!c?.codeHash) return row("Signer code hash", `pinned ${pinned}`);
  if (c.codeHash === pinned) return row("Signer code hash", c.codeHash, "ok");
  return row("Signer code hash", `${c.codeHash === NO_CODE ? "no code" : c.codeHash} (pinned ${pinned})`, "FAIL");
}

function nodeRow(ctx: StatusContext, node: MpcNodeOutputs, total: number): EvidenceRow {
  const n: MpcNodeProbe | undefined = ctx.probes.mpc?.nodes.find((x) => x.accountId === node.accountId);
  const parts = [node.instanceId, node.privateIp];
  if (n?.container) parts.push(containerSummary(n.container));
  if (n?.live !== undefined) parts.push(n.live ? "/health 200" : "/health failing");
  if (n?.indexerHeight !== undefined) parts.push(`indexer ${n.indexerHeight}`);
  if (n?.chainHead !== undefined) {
    const base = ctx.probes.base?.blockHeight;
    const stuck = n.chainHeadAdvancing === false ? ", not moving" : "";
    parts.push(`chain head ${n.chainHead}${base !== undefined ? ` (base ${base}${stuck})` : stuck}`);
  }
  if (n?.peers !== undefined) parts.push(`peers ${n.peers}/${total - 1}`);
  if (n?.bootstrap && n.bootstrap.state !== "done") parts.push(`bootstrap ${n.bootstrap.state}`);
  if (n?.bootNodes && ctx.bad("stale-boot-nodes", node.accountId)) parts.push("boot nodes STALE");
  if (n?.secrets) parts.push(`secrets ${n.secrets.every((s) => s.status === "ok") ? "ok" : "INVALID"}`);
  const failed = ctx.verdicts.some((v) => v.findings.some((f) => f.subject.startsWith(node.accountId)));
  return row(`MPC node ${node.accountId}`, parts.join("; "), n ? (failed ? "FAIL" : "ok") : "");
}

function signTestRow(t: LastSignTestProbe | undefined): EvidenceRow {
  const value = t ? `${SIGN_TEST_WORD[t.state]}: ${t.summary}${t.at ? ` (${t.at})` : ""}` : "never run";
  return row("Sign test (last run)", value, !t || t.state === "incomplete" ? "" : t.state === "passed" ? "ok" : "FAIL");
}

function evidence(ctx: StatusContext): EvidenceRow[] {
  const { outputs: o, probes: p, bad } = ctx;
  if (!o.mpc) return [];
  const c = p.mpc?.contract;
  const total = o.mpc.nodes.length;
  const checked = (known: unknown, kind: Parameters<typeof bad>[0]) => (known ? (bad(kind) ? "FAIL" : "ok") : "");
  const participants = (c?.participants ?? o.mpc.nodes.map((n) => n.accountId)).join(", ");
  const threshold =
    c?.threshold !== undefined ? `${c.threshold} of ${total}` : `${o.mpc.threshold} of ${total} (configured)`;
  const domains = o.mpc.domains.map(
    (d) => `${d.id}:${String(d.protocol ?? d.scheme ?? "?")}/${String(d.purpose ?? "?")}`,
  );
  const keys = c?.keysetDomains ? `; keys for [${c.keysetDomains.join(", ")}]` : "";
  const rows = [
    row("Signer contract", o.mpc.contractId),
    codeHashRow(o.mpc.codeHash ?? DEFAULT_MPC_RELEASE.signer.codeHash, c),
    row("Contract state", c?.state, c ? (c.state === "Running" ? "ok" : "FAIL") : ""),
    row("Participants", participants, checked(c?.participants, "participants")),
    row("Threshold", threshold, checked(c?.threshold !== undefined, "threshold")),
    row("Domains (keys)", `${domains.join(", ")}${keys}`, checked(c, "domains")),
    ...o.mpc.nodes.map((node) => nodeRow(ctx, node, total)),
  ];
  if (p.mpc) rows.push(signTestRow(p.mpc.lastSignTest));
  return rows;
}

function summary({ outputs: o, probes: p, verdicts }: StatusContext): { onChain: string[]; runtime: string[] } {
  if (!p.mpc || !o.mpc) return { onChain: [], runtime: [] };
  const c = p.mpc.contract;
  const keys = `${c.keysetDomains?.length ?? 0}/${o.mpc.domains.length}`;
  const t = p.mpc.lastSignTest;
  const onChain = [
    c.reachable
      ? `signer contract ${o.mpc.contractId} is ${c.state ?? "unknown"} with keys for ${keys} domains`
      : `signer contract ${o.mpc.contractId} could not be read`,
    t ? `last sign test ${SIGN_TEST_WORD[t.state]} (${t.summary})` : "no sign test has run yet",
  ];
  const live = p.mpc.nodes.filter((n) => n.reachable && n.live && n.container?.running !== false).length;
  const runtime = [`${live}/${o.mpc.nodes.length} MPC nodes live`];
  const all = verdicts.flatMap((v) => v.findings);
  const on = (list: Finding[]) => list.map((f) => f.subject);
  const loops = all.filter((f) => f.kind === "restart-loop");
  if (loops.length) runtime.push(`restart loop on ${on(loops).join(", ")}`);
  const secrets = all.filter((f) => f.kind.startsWith("secret-"));
  if (secrets.length) runtime.push(`invalid secrets on ${[...new Set(on(secrets))].join(", ")}`);
  const boot = all.filter((f) => f.kind === "bootstrap-failed");
  if (boot.length) runtime.push(`bootstrap failed on ${on(boot).join(", ")}`);
  const stale = all.filter((f) => f.kind === "stale-boot-nodes" && f.subject !== "base.bootNodes");
  if (stale.length) runtime.push(`stale boot nodes on ${on(stale).join(", ")}`);
  return { onChain, runtime };
}

/** A failed last sign test keeps Layer 3 NOT DONE in the checkpoint (the `up` gate runs its own). */
function findings({ outputs, probes }: StatusContext): Finding[] {
  const t = probes.mpc?.lastSignTest;
  if (!t || !outputs.mpc || (t.state !== "failed" && t.state !== "error")) return [];
  const message = `the last sign test${t.at ? ` (${t.at})` : ""} did not pass: ${t.summary}`;
  return [{ kind: "sign-test", subject: outputs.mpc.contractId, message }];
}

export const mpcLayer: Layer<"mpc"> = {
  id: "mpc",
  index: 3,
  title: "Chain Signatures",
  component: { type: "near-localnet:index:ChainSignatures", name: "mpc" },
  aliases: ["chain-signatures"],
  parseOutputs: parseMpcOutputs,
  // Hosts alone (brought up early, see earlyStart) are not a deployed layer: the contract is part of it.
  isDeployed: (o) => !!o.mpc && o.mpc.nodes.length > 0 && o.mpc.contractId !== "",
  // The hosts boot, pull the node image and prepare their volumes while Layers 1 and 2 come up;
  // the operations (signer set-up, votes, keygen) wait for the gates below.
  earlyStart: { deferred: ["near-localnet:index:SsmOperation"] },
  // The indexer-lag check compares each node with the base head: read it afresh for every check.
  reads: ["base"],
  // Loaded on first use: the contract-state parser brings near-api-js, which commands that never
  // probe Layer 3 need not load.
  probe: async (t, o, options) => (await import("./probe.js")).probeMpc(t, o, options),
  evaluate: (o, p) => evaluateMpc(o, p.mpc, p.base),
  status: { evidence, summary, findings },
};
