// The real Probes: each layer's probe (layers/<layer>/probe.ts) over a transport that runs the
// stack's diagnostics document and the ops bundle's `check` and `view` operations through SSM.
//
// On-chain facts use two ops operations (ops/main.ts): `check` with {"blocks":false,"accounts":
// [{"accountId"}...]} (one step line {"check":"account","accountId","codeHash"|null} per account,
// whether the gate passes or fails with CHECK_FAILED) and `view` {"contractId","method","args"}
// -> {"value"}. CheckRequest/CheckResult (layers/probe.ts) are the probes' own view of both.
import type { StackOutputs } from "../layers/outputs.js";
import type { CheckResult, ProbeTransport } from "../layers/probe.js";
import { LAYERS, type LayerId } from "../layers/registry.js";
import type { LogTarget, Probes } from "./probes.js";
import { ssmClientFor, type AwsTarget } from "./aws-target.js";
import type { SsmSender } from "../platform/ssm/channel.js";
import { sleep } from "../platform/time.js";

/** Every layer's probe over one transport. */
export function makeSsmProbes(t: ProbeTransport): Probes {
  const byLayer = Object.fromEntries(
    LAYERS.map((l) => [l.id, (o: StackOutputs, options?: Parameters<typeof l.probe>[2]) => l.probe(t, o, options)]),
  ) as { [K in LayerId]: Probes[K] };
  return {
    ...byLayer,
    async logs(target: LogTarget, lines: number): Promise<string[]> {
      const r = await t.diag(target.instanceId, "logs", { container: target.container, lines });
      return r.stdout.split("\n");
    },
    async imagePins(instanceId: string): Promise<string[]> {
      const r = await t.diag(instanceId, "image-pins");
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
        if (e instanceof channel.SsmChannelError && e.code === "COMMAND_FAILED")
          return { exitCode: e.exitCode ?? 1, stdout: e.stdout };
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
          result.accounts = accountsFromCheckSteps(
            (await run("check", payload)).steps as Array<Record<string, unknown>>,
          );
        } catch (err) {
          const e = err as InstanceType<typeof runOp.RunOpError>;
          if (!(e instanceof runOp.RunOpError) || e.code !== "CHECK_FAILED") throw err;
          result.accounts = accountsFromCheckSteps(e.steps as Array<Record<string, unknown>>);
        }
      }
      result.views = await Promise.all(
        (request.views ?? []).map(async (v) => {
          try {
            const r = await run<{ value: unknown }>("view", {
              contractId: v.contractId,
              method: v.method,
              args: v.args ?? {},
            });
            return { contractId: v.contractId, method: v.method, result: r.result.result.value };
          } catch (err) {
            return { contractId: v.contractId, method: v.method, error: (err as Error).message };
          }
        }),
      );
      if (request.evm) {
        try {
          const r = await run<CheckResult["evm"]>("evm-status", { ...request.evm });
          result.evm = r.result.result;
        } catch (err) {
          result.evm = { ok: false, detail: `evm-status: ${(err as Error).message}` };
        }
      }
      return result;
    },
    sleep: (ms) => sleep(ms, o.signal),
  });
}
