// Layer 3's probe: the signer contract (code hash and `state`, read through the ops bundle on the
// base host) and, per MPC node, its container, /health, /metrics, the bootstrap's last run and
// the secrets problems it reported; and the last sign test's record on the base host.
import { parseHttpProbe, readContainer, type ProbeOptions, type ProbeTransport } from "../probe.js";
import type { StackOutputs } from "../outputs.js";
import { splitBootNodes } from "../base/outputs.js";
import { currentParameters, domainRegistry, domainsWithKeys, parseContractState } from "./ops/state.js";
import { judgeAttestations } from "./ops/attestation-state.js";
import type { MpcNodeOutputs } from "./outputs.js";
import type {
  BootstrapProbe,
  LastSignTestProbe,
  MpcContractProbe,
  MpcNodeProbe,
  MpcProbe,
  SecretStatus,
} from "./gate.js";

/** Bootstrap log lines read per node: one bootstrap run writes about 20. */
export const BOOTSTRAP_LOG_LINES = 120;

/** A metric's value from the `mpc-metrics` probe (first series of that name). */
export function metricValue(stdout: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)`, "m").exec(stdout);
  return m ? Number(m[2]) : undefined;
}

/**
 * Number of peers with a live MPC connection (mpc_network_live_connections{my_participant_id,peer_participant_id} 1).
 * The node reports a series for itself too (its own id on both labels): that one is no peer.
 */
export function livePeers(stdout: string): number | undefined {
  const peers = new Map<string, boolean>();
  for (const m of stdout.matchAll(/^mpc_network_live_connections\{([^}]*)\} (\S+)$/gm)) {
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(m[1])?.[1];
    const peer = label("peer_participant_id") ?? m[1];
    if (peer === label("my_participant_id")) continue;
    peers.set(peer, (peers.get(peer) ?? false) || Number(m[2]) > 0);
  }
  return peers.size ? [...peers.values()].filter(Boolean).length : undefined;
}

const SECRET_PROBLEM =
  /secret '([^']+)'[^:]*?(is empty or a placeholder|is not a NEAR key|decodes to|contains whitespace|must be exactly 32 hex)/;

/** Secret problems reported by the MPC bootstrap (the messages of layers/mpc/scripts/bootstrap.sh). */
export function secretFindingsFromLog(lines: string[]): Array<{ name: string; status: SecretStatus }> {
  const found = new Map<string, SecretStatus>();
  for (const line of lines) {
    const m = SECRET_PROBLEM.exec(line);
    if (m) found.set(m[1], m[2] === "is empty or a placeholder" ? "placeholder" : "malformed");
    const r = /cannot read secret '([^']+)'/.exec(line);
    if (r) found.set(r[1], "missing");
  }
  return [...found].map(([name, status]) => ({ name, status }));
}

/** The marker of the MPC bootstrap's log lines. */
const BOOTSTRAP_MARK = " mpc-bootstrap: ";

function lastRun(log: string[]): BootstrapProbe {
  const text = (l: string) => l.slice(l.indexOf(BOOTSTRAP_MARK) + BOOTSTRAP_MARK.length);
  let lastDone = -1;
  log.forEach((l, i) => {
    if (text(l).startsWith("done:")) lastDone = i;
  });
  const after = log.slice(lastDone + 1);
  const error = after.map(text).find((t) => t.startsWith("ERROR: "));
  if (error) return { state: "failed", error: error.slice("ERROR: ".length), lines: after };
  if (after.length > 0) return { state: "running", lines: after };
  return lastDone >= 0 ? { state: "done", lines: log.slice(-5) } : { state: "unknown", lines: [] };
}

/**
 * Reads the `mpc-bootstrap` probe: the node's current boot nodes ("-" when it has no config.json,
 * "?" when unreadable) and the state of the bootstrap's LAST run (lines after the last "done:").
 */
export function parseBootstrapProbe(stdout: string): { bootNodes?: string[]; bootstrap: BootstrapProbe } {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  let bootNodes: string[] | undefined;
  if (lines[0]?.startsWith("boot_nodes ")) {
    const v = lines.shift()!.slice("boot_nodes ".length).trim();
    if (v !== "-" && v !== "?") bootNodes = splitBootNodes(v);
  }
  return { bootNodes, bootstrap: lastRun(lines.filter((l) => l.includes(BOOTSTRAP_MARK))) };
}

type SignTestLine = {
  event?: string;
  ok?: boolean;
  error?: { code?: unknown; message?: unknown };
  result?: { ok?: boolean; summary?: unknown; requests?: Array<Record<string, unknown>> };
};

function signTestRequests(r: NonNullable<SignTestLine["result"]>): LastSignTestProbe["requests"] {
  if (!Array.isArray(r.requests)) return undefined;
  return r.requests.map((q) => ({
    domainId: Number(q.domainId),
    scheme: String(q.scheme ?? "?"),
    verdict: String(q.verdict ?? "?"),
    ...(typeof q.latencyMs === "number" ? { latencyMs: q.latencyMs } : {}),
    detail: String(q.contractError ?? q.detail ?? ""),
  }));
}

/** Reads the `sign-test-result` probe: "modified <time>" then the last line of sign-test.stdout. */
export function parseSignTestProbe(stdout: string): LastSignTestProbe | undefined {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  const at = lines[0]?.startsWith("modified ") ? lines.shift()!.slice("modified ".length).trim() : undefined;
  if (lines.length === 0)
    return at ? { state: "incomplete", at, summary: "the last sign test left no output" } : undefined;
  let line: SignTestLine;
  try {
    line = JSON.parse(lines[lines.length - 1]) as SignTestLine;
  } catch {
    return { state: "incomplete", at, summary: "the last sign test's output is not a JSON line" };
  }
  if (line?.event !== "result") {
    return { state: "incomplete", at, summary: "the last sign test has no result line (still running, or stopped)" };
  }
  if (line.ok !== true) {
    const code = String(line.error?.code ?? "FAILED");
    const message = String(line.error?.message ?? "no message");
    return {
      state: "error",
      at,
      summary: `the sign test could not run: ${code}: ${message}`,
      error: { code, message },
    };
  }
  const r = line.result ?? {};
  const summary = String(r.summary ?? (r.ok ? "passed" : "failed"));
  return { state: r.ok === true ? "passed" : "failed", at, summary, requests: signTestRequests(r) };
}

/** The signer contract's `state` view, as the gate needs it (parsed by the operations' own parser). */
export function contractStateFacts(
  json: unknown,
  contractId: string,
): Omit<MpcContractProbe, "reachable" | "codeHash"> {
  const state = parseContractState(json, contractId);
  const params = currentParameters(state);
  return {
    state: state.phase,
    threshold: params?.threshold,
    participants: params?.participants.map((p) => p.accountId),
    keysetDomains: state.phase === "NotInitialized" ? undefined : domainsWithKeys(state),
    domains: domainRegistry(state).map((d) => ({ id: d.id, protocol: d.protocol, purpose: d.purpose })),
  };
}

/** Each participant's attestation, judged against the account keys the outputs publish; undefined when unreadable. */
function attestationFacts(stateJson: unknown, teeJson: unknown, o: StackOutputs): MpcContractProbe["attestations"] {
  try {
    const params = currentParameters(parseContractState(stateJson, o.mpc!.contractId));
    return params ? judgeAttestations(params, teeJson, o.mpc!.contractId, o.mpc!.nodes) : undefined;
  } catch {
    return undefined;
  }
}

async function probeContract(t: ProbeTransport, o: StackOutputs): Promise<MpcContractProbe> {
  const id = o.mpc!.contractId;
  const chk = await t.check(
    {
      accounts: [id],
      views: [
        { contractId: id, method: "state", args: {} },
        { contractId: id, method: "get_tee_accounts", args: {} },
      ],
    },
    o,
  );
  const view = chk.views?.find((v) => v.method === "state");
  if (!view || view.error) return { reachable: false, error: view?.error ?? "no answer for the state view" };
  try {
    const facts: MpcContractProbe = {
      reachable: true,
      codeHash: chk.accounts?.[id]?.codeHash,
      ...contractStateFacts(view.result, id),
    };
    const tee = chk.views?.find((v) => v.method === "get_tee_accounts");
    const attestations = tee && !tee.error ? attestationFacts(view.result, tee.result, o) : undefined;
    if (attestations) facts.attestations = attestations;
    return facts;
  } catch (err) {
    return { reachable: false, error: (err as Error).message };
  }
}

/** The embedded neard's head (nearcore chain/chain/src/metrics.rs BLOCK_HEIGHT_HEAD), served by the node's /metrics. */
const CHAIN_HEAD_METRIC = "near_block_height_head";

/** A second look at the embedded chain's head, after the other probes: did it move in between? */
async function sampleHeadAgain(t: ProbeTransport, o: StackOutputs, n: MpcNodeOutputs, p: MpcNodeProbe): Promise<void> {
  if (p.chainHead === undefined) return;
  const again = await t.diag(n.instanceId, "mpc-metrics", undefined, o);
  const head = again.exitCode === 0 ? metricValue(again.stdout, CHAIN_HEAD_METRIC) : undefined;
  if (head === undefined) return;
  p.chainHeadAdvancing = head > p.chainHead;
  p.chainHead = head;
}

async function probeNode(
  t: ProbeTransport,
  o: StackOutputs,
  n: MpcNodeOutputs,
  opts: ProbeOptions,
): Promise<MpcNodeProbe> {
  const p: MpcNodeProbe = {
    accountId: n.accountId,
    instanceId: n.instanceId,
    privateIp: n.privateIp,
    reachable: false,
  };
  try {
    p.container = await readContainer(t, o, n.instanceId, "mpc-node", opts.logLines ?? 0);
    p.reachable = true;
    p.live = parseHttpProbe((await t.diag(n.instanceId, "mpc-health", undefined, o)).stdout).code === 200;
    const metrics = await t.diag(n.instanceId, "mpc-metrics", undefined, o);
    if (metrics.exitCode === 0) {
      p.indexerHeight = metricValue(metrics.stdout, "mpc_indexer_latest_block_height");
      p.peers = livePeers(metrics.stdout);
      p.chainHead = metricValue(metrics.stdout, CHAIN_HEAD_METRIC);
    }
    const boot = parseBootstrapProbe(
      (await t.diag(n.instanceId, "mpc-bootstrap", { lines: BOOTSTRAP_LOG_LINES }, o)).stdout,
    );
    if (boot.bootNodes) p.bootNodes = boot.bootNodes;
    p.bootstrap = boot.bootstrap;
    const failedRun = boot.bootstrap.state === "failed" ? boot.bootstrap.lines : [];
    const secrets = secretFindingsFromLog([...failedRun, ...(p.container?.lastLogLines ?? [])]);
    if (secrets.length) p.secrets = secrets;
    await sampleHeadAgain(t, o, n, p);
  } catch (err) {
    p.error = (err as Error).message;
  }
  return p;
}

async function lastSignTest(t: ProbeTransport, o: StackOutputs): Promise<LastSignTestProbe | undefined> {
  if (!o.base) return undefined;
  try {
    const r = await t.diag(o.base.instanceId, "sign-test-result", undefined, o);
    return r.exitCode === 0 ? parseSignTestProbe(r.stdout) : undefined;
  } catch {
    // the sign test's record is evidence, not a gate: an unreadable one is left out
    return undefined;
  }
}

export async function probeMpc(t: ProbeTransport, o: StackOutputs, opts: ProbeOptions = {}): Promise<MpcProbe> {
  const contract = await probeContract(t, o);
  const nodes = await Promise.all(o.mpc!.nodes.map((n) => probeNode(t, o, n, opts)));
  const probe: MpcProbe = { contract, nodes };
  const signTest = await lastSignTest(t, o);
  if (signTest) probe.lastSignTest = signTest;
  return probe;
}
