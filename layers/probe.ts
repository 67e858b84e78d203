// How layers probe their hosts and the chain: read-only, inside the VPC, through a transport the
// driver provides (automation/ssm-probes.ts implements it over SSM; tests pass canned answers).
// Runtime facts come from the stack's diagnostics document (containers, logs, /status, /health,
// /metrics); on-chain facts from the ops bundle's `check` and `view` operations on the base host.
import type { ContainerProbe } from "./gate.js";
import type { StackOutputs } from "./outputs.js";

interface DiagResult {
  exitCode: number;
  stdout: string;
}

export interface CheckRequest {
  accounts?: string[];
  views?: Array<{ contractId: string; method: string; args?: Record<string, unknown> }>;
  /** The destination EVM chain on the base host (the ops `evm-status` operation). */
  evm?: { rpcUrl: string; chainId: number };
}

export interface CheckResult {
  accounts?: Record<string, { exists: boolean; codeHash?: string }>;
  views?: Array<{ contractId: string; method: string; result?: unknown; error?: string }>;
  /** What `evm-status` answered: chain id and block numbers, ok when blocks advance. */
  evm?: { ok: boolean; from?: number; to?: number; detail: string };
}

export interface ProbeTransport {
  /**
   * Runs one diagnostics probe on an instance; non-zero exits resolve too. `outputs`: the stack
   * outputs of the probe call (documents, bundle), always the caller's current ones.
   */
  diag(
    instanceId: string,
    probe: string,
    extra?: { container?: string; lines?: number },
    outputs?: StackOutputs,
  ): Promise<DiagResult>;
  /** Runs the ops `check` operation on the base instance (of `outputs`). */
  check(request: CheckRequest, outputs?: StackOutputs): Promise<CheckResult>;
  sleep(ms: number): Promise<void>;
}

export interface ProbeOptions {
  /** Read this many last container log lines from EVERY node (failure diagnostics); default:
   *  only from containers that are down or have restarted. */
  logLines?: number;
}

/** Log lines read from a container that restarts or is down (and on request, from every node). */
const DEFAULT_LOG_LINES = 20;

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

/** One container's state on a host, with its last log lines when it is down or has restarted. */
export async function readContainer(
  t: ProbeTransport,
  o: StackOutputs,
  instanceId: string,
  name: string,
  alwaysLogs = 0,
): Promise<ContainerProbe | undefined> {
  const r = await t.diag(instanceId, "containers", undefined, o);
  const c = parseContainers(r.stdout).find((x) => x.name === name);
  if (c && (alwaysLogs > 0 || !c.running || c.restartCount > 0)) {
    const logs = await t.diag(instanceId, "logs", { container: name, lines: alwaysLogs || DEFAULT_LOG_LINES }, o);
    c.lastLogLines = logs.stdout.split("\n").filter(Boolean);
  }
  return c;
}
