// The real Probes: read-only checks inside the VPC through the SSM channel (lib/ssm). Runtime
// facts come from the stack's diagnostics document (containers, logs, /status, :8080/health,
// /metrics); on-chain facts from the ops bundle's `check` operation run on the base instance.
//
// On-chain facts use two ops operations (ops/main.ts): `check` with {"blocks":false,"accounts":
// [{"accountId"}...]} (one step line {"check":"account","accountId","codeHash"|null} per account,
// whether the gate passes or fails with CHECK_FAILED) and `view` {"contractId","method","args"}
// -> {"value"}. CheckRequest/CheckResult below are this module's own view of both.
import type {
  BaseProbe,
  BootstrapProbe,
  ContainerProbe,
  LastSignTestProbe,
  MpcContractProbe,
  MpcNodeProbe,
  MpcProbe,
  SecretStatus,
  ServicesProbe,
} from "./health.js";
import type { LogTarget, MpcProbeOptions, Probes } from "./probes.js";
import { splitBootNodes, type StackOutputs } from "./stack-outputs.js";
import { ssmClientFor, type AwsTarget } from "./aws-target.js";
import type { SsmSender } from "../platform/ssm/channel.js";
import { NEAR_RPC_PORT } from "../platform/near/ports.js";
import { sleep } from "../platform/time.js";

export interface DiagResult {
  exitCode: number;
  stdout: string;
}

export interface CheckRequest {
  accounts?: string[];
  views?: Array<{ contractId: string; method: string; args?: Record<string, unknown> }>;
}

export interface CheckResult {
  accounts?: Record<string, { exists: boolean; codeHash?: string }>;
  views?: Array<{ contractId: string; method: string; result?: unknown; error?: string }>;
}

export interface SsmProbeTransport {
  /**
   * Runs one diagnostics probe on an instance; non-zero exits resolve too. `outputs`: the stack
   * outputs of the probe call (documents, bundle), always the caller's current ones.
   */
  diag(instanceId: string, probe: string, extra?: { container?: string; lines?: number }, outputs?: StackOutputs): Promise<DiagResult>;
  /** Runs the ops `check` operation on the base instance (of `outputs`). */
  check(request: CheckRequest, outputs?: StackOutputs): Promise<CheckResult>;
  sleep(ms: number): Promise<void>;
}

/** Splits diagnostics' "GET <url> -> HTTP <code>\n<body>" output. */
export function parseHttpProbe(stdout: string): { code: number; body: string } {
  const m = /^GET \S+ -> HTTP (\d{3})\n?([\s\S]*)$/.exec(stdout.trimStart());
  return m ? { code: Number(m[1]), body: m[2].trim() } : { code: 0, body: stdout };
}

/** Parses the `containers` probe table ("name status restarts started image"). */
export function parseContainers(stdout: string): ContainerProbe[] {
  return stdout
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p.length >= 3 && p[0])
    .map(([name, status, restarts]) => ({
      name,
      status,
      running: status === "running",
      restartCount: Number(restarts) || 0,
    }));
}

/** A metric's value from the `mpc-metrics` probe (first series of that name). */
export function metricValue(stdout: string, name: string): number | undefined {
  const re = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)`, "m");
  const m = re.exec(stdout);
  return m ? Number(m[2]) : undefined;
}

/** Secret problems reported by the MPC bootstrap (scripts/mpc-node/bootstrap.sh messages). */
export function secretFindingsFromLog(lines: string[]): Array<{ name: string; status: SecretStatus }> {
  const found = new Map<string, SecretStatus>();
  for (const line of lines) {
    const m = /secret '([^']+)'[^:]*?(is empty or a placeholder|is not a NEAR key|decodes to|contains whitespace|must be exactly 32 hex)/.exec(line);
    if (m) found.set(m[1], m[2] === "is empty or a placeholder" ? "placeholder" : "malformed");
    const r = /cannot read secret '([^']+)'/.exec(line);
    if (r) found.set(r[1], "missing");
  }
  return [...found].map(([name, status]) => ({ name, status }));
}

/** Number of peers with a live MPC connection (mpc_network_live_connections{...,peer_participant_id} 1). */
export function livePeers(stdout: string): number | undefined {
  const peers = new Map<string, boolean>();
  for (const m of stdout.matchAll(/^mpc_network_live_connections\{([^}]*)\} (\S+)$/gm)) {
    const peer = /peer_participant_id="([^"]*)"/.exec(m[1])?.[1] ?? m[1];
    peers.set(peer, (peers.get(peer) ?? false) || Number(m[2]) > 0);
  }
  return peers.size ? [...peers.values()].filter(Boolean).length : undefined;
}

/** Lines of the MPC bootstrap probe after its "boot_nodes" header. */
const BOOTSTRAP_MARK = " mpc-bootstrap: ";

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
  const log = lines.filter((l) => l.includes(BOOTSTRAP_MARK));
  const text = (l: string) => l.slice(l.indexOf(BOOTSTRAP_MARK) + BOOTSTRAP_MARK.length);
  let lastDone = -1;
  log.forEach((l, i) => {
    if (text(l).startsWith("done:")) lastDone = i;
  });
  const after = log.slice(lastDone + 1);
  const error = after.map(text).find((t) => t.startsWith("ERROR: "));
  const bootstrap: BootstrapProbe = error
    ? { state: "failed", error: error.slice("ERROR: ".length), lines: after }
    : after.length > 0
      ? { state: "running", lines: after }
      : lastDone >= 0
        ? { state: "done", lines: log.slice(-5) }
        : { state: "unknown", lines: [] };
  return { bootNodes, bootstrap };
}

/** Reads the `sign-test-result` probe: "modified <time>" then the last line of sign-test.stdout. */
export function parseSignTestProbe(stdout: string): LastSignTestProbe | undefined {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  const at = lines[0]?.startsWith("modified ") ? lines.shift()!.slice("modified ".length).trim() : undefined;
  if (lines.length === 0) return at ? { state: "incomplete", at, summary: "the last sign test left no output" } : undefined;
  let line: Record<string, any>;
  try {
    line = JSON.parse(lines[lines.length - 1]);
  } catch {
    return { state: "incomplete", at, summary: "the last sign test's output is not a JSON line" };
  }
  if (line?.event !== "result") return { state: "incomplete", at, summary: "the last sign test has no result line (still running, or stopped)" };
  if (line.ok !== true) {
    const code = String(line.error?.code ?? "FAILED");
    const message = String(line.error?.message ?? "no message");
    return { state: "error", at, summary: `the sign test could not run: ${code}: ${message}`, error: { code, message } };
  }
  const r = line.result ?? {};
  const requests = Array.isArray(r.requests)
    ? r.requests.map((q: Record<string, any>) => ({
        domainId: Number(q.domainId),
        scheme: String(q.scheme ?? "?"),
        verdict: String(q.verdict ?? "?"),
        ...(typeof q.latencyMs === "number" ? { latencyMs: q.latencyMs } : {}),
        detail: String(q.contractError ?? q.detail ?? ""),
      }))
    : undefined;
  return { state: r.ok === true ? "passed" : "failed", at, summary: String(r.summary ?? (r.ok ? "passed" : "failed")), requests };
}

function keyOf(o: unknown): string | undefined {
  return o && typeof o === "object" && !Array.isArray(o) ? Object.keys(o)[0] : typeof o === "string" ? o : undefined;
}

/** Reads the signer contract's `state` view (3.x: {"Running":{keyset,parameters,domains}} etc.). */
export function parseContractState(state: unknown): Pick<MpcContractProbe, "state" | "threshold" | "participants" | "keysetDomains" | "domains"> {
  const name = keyOf(state);
  const body = name && state && typeof state === "object" ? ((state as Record<string, any>)[name] ?? {}) : {};
  const params = body.parameters ?? body.current_params ?? {};
  const thresholdRaw = params.threshold;
  const threshold = typeof thresholdRaw === "number" ? thresholdRaw : typeof thresholdRaw?.value === "number" ? thresholdRaw.value : undefined;
  const list = params.participants?.participants;
  const participants = Array.isArray(list) ? list.map((p: unknown) => (Array.isArray(p) ? String(p[0]) : String((p as any)?.account_id ?? p))) : undefined;
  const keyDomains = body.keyset?.domains;
  const keysetDomains = Array.isArray(keyDomains) ? keyDomains.map((d: any) => Number(d.domain_id ?? d.id)) : undefined;
  const domainList = body.domains?.domains;
  const domains = Array.isArray(domainList)
    ? domainList.map((d: any) => ({ id: Number(d.id), scheme: d.scheme ?? d.protocol, purpose: d.purpose }))
    : undefined;
  return { state: name, threshold, participants, keysetDomains, domains };
}

/** Log lines read from a container that restarts or is down (and on request, from every node). */
export const DEFAULT_LOG_LINES = 20;
/** Bootstrap log lines read per node: one bootstrap run writes about 20. */
export const BOOTSTRAP_LOG_LINES = 120;

export function makeSsmProbes(t: SsmProbeTransport): Probes {
  async function container(o: StackOutputs, instanceId: string, name: string, alwaysLogs = 0): Promise<ContainerProbe | undefined> {
    const r = await t.diag(instanceId, "containers", undefined, o);
    const c = parseContainers(r.stdout).find((x) => x.name === name);
    if (c && (alwaysLogs > 0 || !c.running || c.restartCount > 0)) {
      const logs = await t.diag(instanceId, "logs", { container: name, lines: alwaysLogs || DEFAULT_LOG_LINES }, o);
      c.lastLogLines = logs.stdout.split("\n").filter(Boolean);
    }
    return c;
  }

  async function nearStatus(o: StackOutputs, instanceId: string): Promise<Record<string, any> | undefined> {
    const r = parseHttpProbe((await t.diag(instanceId, "near-status", undefined, o)).stdout);
    if (r.code !== 200) return undefined;
    try {
      return JSON.parse(r.body);
    } catch {
      return undefined;
    }
  }

  return {
    async base(o: StackOutputs): Promise<BaseProbe> {
      const b = o.base!;
      const probe: BaseProbe = { rpcReachable: false, container: await container(o, b.instanceId, "neard") };
      const first = await nearStatus(o, b.instanceId);
      if (!first) return { ...probe, error: `GET /status on :${NEAR_RPC_PORT} failed` };
      probe.rpcReachable = true;
      probe.chainId = first.chain_id;
      probe.nodePublicKey = first.node_public_key;
      const h1 = Number(first.sync_info?.latest_block_height);
      await t.sleep(3000);
      const second = await nearStatus(o, b.instanceId);
      const h2 = Number(second?.sync_info?.latest_block_height);
      probe.blockHeight = Number.isFinite(h2) ? h2 : h1;
      probe.blocksAdvancing = Number.isFinite(h1) && Number.isFinite(h2) ? h2 > h1 : undefined;
      const chk = await t.check({ accounts: [b.rootAccountId] }, o);
      probe.rootAccountExists = chk.accounts?.[b.rootAccountId]?.exists;
      return probe;
    },

    async services(o: StackOutputs): Promise<ServicesProbe> {
      const contracts = o.services?.contracts ?? {};
      const accounts = Object.keys(contracts);
      const chk = await t.check({ accounts }, o);
      const probe: ServicesProbe = {
        contracts: accounts.map((accountId) => {
          const a = chk.accounts?.[accountId];
          return {
            accountId,
            expectedCodeHash: contracts[accountId],
            actualCodeHash: a?.exists ? a.codeHash : undefined,
            error: a ? undefined : "no answer for this account",
          };
        }),
      };
      if (o.services?.faucetUrl && o.base) {
        const c = await container(o, o.base.instanceId, "near-faucet");
        probe.faucet = c ? { ok: c.running && c.restartCount < 3, detail: `container ${c.status}, ${c.restartCount} restarts` } : { ok: false, detail: "no near-faucet container" };
      }
      return probe;
    },

    async mpc(o: StackOutputs, opts: MpcProbeOptions = {}): Promise<MpcProbe> {
      const m = o.mpc!;
      const chk = await t.check(
        {
          accounts: [m.contractId],
          views: [{ contractId: m.contractId, method: "state", args: {} }],
        },
        o,
      );
      const view = chk.views?.find((v) => v.method === "state");
      const contract: MpcContractProbe = view?.error || !view
        ? { reachable: false, error: view?.error ?? "no answer for the state view" }
        : { reachable: true, codeHash: chk.accounts?.[m.contractId]?.codeHash, ...parseContractState(view.result) };
      const nodes = await Promise.all(
        m.nodes.map(async (n): Promise<MpcNodeProbe> => {
          const p: MpcNodeProbe = { accountId: n.accountId, instanceId: n.instanceId, privateIp: n.privateIp, reachable: false };
          try {
            p.container = await container(o, n.instanceId, "mpc-node", opts.logLines ?? 0);
            p.reachable = true;
            p.live = parseHttpProbe((await t.diag(n.instanceId, "mpc-health", undefined, o)).stdout).code === 200;
            const metrics = await t.diag(n.instanceId, "mpc-metrics", undefined, o);
            if (metrics.exitCode === 0) {
              p.indexerHeight = metricValue(metrics.stdout, "mpc_indexer_latest_block_height");
              p.peers = livePeers(metrics.stdout);
            }
            const boot = parseBootstrapProbe((await t.diag(n.instanceId, "mpc-bootstrap", { lines: BOOTSTRAP_LOG_LINES }, o)).stdout);
            if (boot.bootNodes) p.bootNodes = boot.bootNodes;
            p.bootstrap = boot.bootstrap;
            const secrets = new Map<string, SecretStatus>();
            const sources = [...(boot.bootstrap.state === "failed" ? boot.bootstrap.lines : []), ...(p.container?.lastLogLines ?? [])];
            for (const s of secretFindingsFromLog(sources)) secrets.set(s.name, s.status);
            if (secrets.size) p.secrets = [...secrets].map(([name, status]) => ({ name, status }));
          } catch (err) {
            p.error = (err as Error).message;
          }
          return p;
        }),
      );
      const probe: MpcProbe = { contract, nodes };
      if (o.base) {
        try {
          const r = await t.diag(o.base.instanceId, "sign-test-result", undefined, o);
          if (r.exitCode === 0) probe.lastSignTest = parseSignTestProbe(r.stdout);
        } catch {
          // the sign test's record is evidence, not a gate: an unreadable one is left out
        }
      }
      return probe;
    },

    async logs(target: LogTarget, lines: number): Promise<string[]> {
      const r = await t.diag(target.instanceId, "logs", { container: target.container, lines });
      return r.stdout.split("\n");
    },
  };
}

/** Account facts from the step lines of the ops `check` operation (present on success and on CHECK_FAILED). */
export function accountsFromCheckSteps(steps: Array<Record<string, unknown>>): CheckResult["accounts"] {
  const accounts: NonNullable<CheckResult["accounts"]> = {};
  for (const st of steps) {
    if (st.check !== "account" || typeof st.accountId !== "string") continue;
    const codeHash = typeof st.codeHash === "string" ? st.codeHash : undefined;
    accounts[st.accountId] = codeHash ? { exists: true, codeHash } : { exists: false };
  }
  return accounts;
}

export interface SsmProbeOptions {
  stack: string;
  /** The outputs known when the probes are made; every probe call uses the outputs it is given. */
  outputs: StackOutputs;
  /** The stack's region and profile (aws-target.ts); default: the SDK's. */
  aws?: AwsTarget;
  /** Aborted on Ctrl-C: commands in flight are cancelled, none is sent after. */
  signal?: AbortSignal;
  /** SSM client (tests); default one for `aws`. */
  client?: SsmSender;
  /** Poll interval and sleep of the SSM channel (tests). */
  pollIntervalMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Wires the probes to AWS: an SSM client, the stack's documents and ops bundle (of each call's outputs). */
export async function createSsmProbes(o: SsmProbeOptions): Promise<Probes> {
  // one after the other: both load the SSM SDK (concurrent first loads of one module trip jest's ESM loader)
  const channel = await import("../platform/ssm/channel.js");
  const runOp = await import("../platform/ssm/run-op.js");
  const client: SsmSender = o.client ?? (await ssmClientFor(o.aws));
  let latest = o.outputs;
  const current = (given: StackOutputs | undefined): StackOutputs => (latest = given ?? latest);
  const need = (v: string | undefined, what: string): string => {
    if (!v) throw new Error(`the stack exports no ${what}: deploy Layer 1 first (npm run automate -- up --layer base)`);
    return v;
  };
  const timing = { signal: o.signal, pollIntervalMs: o.pollIntervalMs, sleep: o.sleep };
  return makeSsmProbes({
    async diag(instanceId, probe, extra, given) {
      const outputs = current(given);
      const parameters: Record<string, string> = { probe };
      if (extra?.container) parameters.container = extra.container;
      if (extra?.lines) parameters.lines = String(extra.lines);
      try {
        const r = await channel.runOperation({
          client,
          instanceId,
          documentName: need(outputs.diagnosticsDocument, "diagnosticsDocument"),
          parameters,
          timeoutSeconds: 60,
          ...timing,
        });
        return { exitCode: r.exitCode, stdout: r.stdout };
      } catch (err) {
        const e = err as InstanceType<typeof channel.SsmChannelError>;
        if (e instanceof channel.SsmChannelError && e.code === "COMMAND_FAILED") return { exitCode: e.exitCode ?? 1, stdout: e.stdout };
        throw err;
      }
    },
    async check(request, given) {
      const outputs = current(given);
      const base = outputs.base;
      const bundle = outputs.opsBundle;
      if (!base || !bundle) throw new Error("the stack exports no base instance or ops bundle");
      const run = <T>(operation: string, payload: Record<string, unknown>) =>
        runOp.runNearOperation<T>({
          client,
          instanceId: base.instanceId,
          documentName: need(outputs.opsDocument, "opsDocument"),
          operation,
          payload,
          bundle: { uri: bundle.uri, sha256: bundle.sha256 },
          timeoutSeconds: 120,
          ...timing,
        });
      const result: CheckResult = {};
      if (request.accounts?.length) {
        const payload = { blocks: false, accounts: request.accounts.map((accountId) => ({ accountId })) };
        try {
          result.accounts = accountsFromCheckSteps((await run("check", payload)).steps as Array<Record<string, unknown>>);
        } catch (err) {
          const e = err as InstanceType<typeof runOp.RunOpError>;
          if (!(e instanceof runOp.RunOpError) || e.code !== "CHECK_FAILED") throw err;
          result.accounts = accountsFromCheckSteps(e.steps as Array<Record<string, unknown>>);
        }
      }
      result.views = await Promise.all(
        (request.views ?? []).map(async (v) => {
          try {
            const r = await run<{ value: unknown }>("view", { contractId: v.contractId, method: v.method, args: v.args ?? {} });
            return { contractId: v.contractId, method: v.method, result: r.result.result.value };
          } catch (err) {
            return { contractId: v.contractId, method: v.method, error: (err as Error).message };
          }
        }),
      );
      return result;
    },
    sleep: (ms) => sleep(ms, o.signal),
  });
}
