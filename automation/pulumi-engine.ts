// The Automation-API adapter: a thin implementation of Engine over a LocalWorkspace on the
// repository directory (the same program `pulumi up` runs). @pulumi/pulumi is loaded lazily,
// only by commands that need an engine.
import {
  CancelTracker,
  EngineError,
  classifyEngineError,
  type CancelOptions,
  type Engine,
  type OpOptions,
  type OpResult,
  type PendingOperation,
  type ResourceProgress,
} from "./engine.js";
import {
  backendFor,
  ensureLocalState,
  findPulumiCli,
  isPulumiCloud,
  missingCliMessage,
  passphraseProblem,
} from "./backend.js";
import type { OutputValue, StateResource } from "./stack-outputs.js";

export interface PulumiEngineOptions {
  stack: string;
  workDir: string;
  env?: NodeJS.ProcessEnv;
  /** false for read-only commands: a missing stack is an error instead of being created. */
  create?: boolean;
}

type StepMetadata = { op: string; urn: string; type: string; new?: { parent?: string }; old?: { parent?: string } };
type AutoEvent = {
  resourcePreEvent?: { metadata: StepMetadata };
  resOutputsEvent?: { metadata: StepMetadata };
  resOpFailedEvent?: { metadata: StepMetadata };
  diagnosticEvent?: { message: string; severity: string; urn?: string };
};

function nameOf(urn: string): string {
  const i = urn.lastIndexOf("::");
  return i >= 0 ? urn.slice(i + 2) : urn;
}

/** Maps engine events to ResourceProgress (exported for tests). */
export function toProgress(ev: AutoEvent): ResourceProgress | undefined {
  const pick = (m: StepMetadata | undefined, status: ResourceProgress["status"]): ResourceProgress | undefined => {
    if (!m) return undefined;
    const parent = m.new?.parent || m.old?.parent;
    return { op: m.op, urn: m.urn, type: m.type, name: nameOf(m.urn), status, ...(parent ? { parent } : {}) };
  };
  return (
    pick(ev.resourcePreEvent?.metadata, "started") ??
    pick(ev.resOutputsEvent?.metadata, "done") ??
    pick(ev.resOpFailedEvent?.metadata, "failed")
  );
}

function changes(summary: { resourceChanges?: Record<string, number> } | undefined): Record<string, number> {
  return { ...(summary?.resourceChanges ?? {}) };
}

export async function createPulumiEngine(opts: PulumiEngineOptions): Promise<Engine> {
  const env = opts.env ?? process.env;
  const cli = findPulumiCli(env);
  if (!cli) throw new EngineError("missing-cli", missingCliMessage());
  const backend = backendFor(env, opts.workDir);
  if (backend.isLocal) ensureLocalState(opts.workDir);
  const passphrase = passphraseProblem(env, opts.workDir, opts.stack, backend.url);
  if (passphrase) throw new EngineError("missing-passphrase", passphrase);

  const auto = await import("@pulumi/pulumi/automation/index.js");
  let stack: import("@pulumi/pulumi/automation/index.js").Stack;
  try {
    const pulumiCommand = await auto.PulumiCommand.get({ root: cli.root });
    const tooOld = cliTooOld(pulumiCommand.version?.version);
    if (tooOld) throw new EngineError("missing-cli", tooOld);
    const wsOpts = {
      workDir: opts.workDir,
      pulumiCommand,
      envVars: { PULUMI_BACKEND_URL: backend.url, PULUMI_SKIP_UPDATE_CHECK: "true" },
      // a new stack's secrets: the passphrase provider on every self-managed backend (file, S3), as plain `pulumi`
      ...(isPulumiCloud(backend.url) ? {} : { secretsProvider: "passphrase" }),
    };
    const args = { stackName: opts.stack, workDir: opts.workDir };
    stack =
      opts.create === false
        ? await auto.LocalWorkspace.selectStack(args, wsOpts)
        : await auto.LocalWorkspace.createOrSelectStack(args, wsOpts);
  } catch (err) {
    throw classifyEngineError(err);
  }

  let current: { controller: AbortController; tracker: CancelTracker } | undefined;

  async function run<T>(fn: (common: Record<string, unknown>) => Promise<T>, o: OpOptions): Promise<T> {
    const controller = new AbortController();
    const tracker = new CancelTracker();
    const mine = { controller, tracker };
    current = mine;
    let buffer = "";
    const common = {
      target: o.targets,
      exclude: o.excludes,
      color: "never" as const,
      signal: controller.signal,
      onEvent: (ev: AutoEvent) => {
        const p = toProgress(ev);
        if (p) o.onProgress?.(p);
      },
      onOutput: (chunk: string) => {
        tracker.output(chunk);
        if (!o.onOutput) return;
        buffer += chunk;
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) o.onOutput(line);
      },
    };
    try {
      return await fn(common);
    } catch (err) {
      throw classifyEngineError(err, tracker.requested);
    } finally {
      if (buffer && o.onOutput) o.onOutput(buffer);
      if (current === mine) current = undefined;
    }
  }

  return {
    stack: opts.stack,
    async up(o: OpOptions): Promise<OpResult> {
      return run(async (c) => ({ changes: changes((await stack.up(c)).summary) }), o);
    },
    async preview(o: OpOptions): Promise<OpResult> {
      return run(async (c) => {
        const r = await stack.preview({ ...c, diff: true });
        return { changes: { ...(r.changeSummary ?? {}) } as Record<string, number>, text: r.stdout };
      }, o);
    },
    async refresh(o: OpOptions): Promise<OpResult> {
      return run(
        async (c) => ({
          changes: changes((await stack.refresh({ ...c, clearPendingCreates: o.clearPendingCreates })).summary),
        }),
        o,
      );
    },
    async destroy(o: OpOptions): Promise<OpResult> {
      return run(async (c) => ({ changes: changes((await stack.destroy(c)).summary) }), o);
    },
    async setConfig(key: string, value: string): Promise<void> {
      try {
        await stack.setConfig(key, { value });
      } catch (err) {
        throw classifyEngineError(err);
      }
    },
    async outputs(): Promise<Record<string, OutputValue>> {
      try {
        return (await stack.outputs()) as Record<string, OutputValue>;
      } catch (err) {
        throw classifyEngineError(err);
      }
    },
    async resources(): Promise<StateResource[]> {
      try {
        const exported = await stack.exportStack();
        const list = (exported.deployment as { resources?: StateResource[] } | undefined)?.resources ?? [];
        return list.map((r) => ({ urn: r.urn, type: r.type, outputs: r.outputs }));
      } catch (err) {
        throw classifyEngineError(err);
      }
    },
    async rewriteState(rewrite: (deployment: unknown) => unknown): Promise<void> {
      try {
        const exported = await stack.exportStack();
        await stack.importStack({ ...exported, deployment: rewrite(exported.deployment) });
      } catch (err) {
        throw classifyEngineError(err);
      }
    },
    async pendingOperations(): Promise<PendingOperation[]> {
      try {
        const exported = await stack.exportStack();
        type Raw = { type?: string; resource?: { urn?: string; type?: string; id?: string } };
        const list = (exported.deployment as { pending_operations?: Raw[] } | undefined)?.pending_operations ?? [];
        return list
          .filter((p) => typeof p.resource?.urn === "string")
          .map((p) => ({
            urn: p.resource!.urn!,
            type: p.resource!.type ?? "",
            ...(p.resource!.id ? { id: p.resource!.id } : {}),
            op: p.type ?? "unknown",
          }));
      } catch (err) {
        throw classifyEngineError(err);
      }
    },
    async config(): Promise<Record<string, string>> {
      try {
        const all = await stack.getAllConfig();
        const plain: Record<string, string> = {};
        for (const [k, v] of Object.entries(all)) if (!v.secret && typeof v.value === "string") plain[k] = v.value;
        return plain;
      } catch (err) {
        throw classifyEngineError(err);
      }
    },
    cancel(o?: CancelOptions): void {
      if (current?.tracker.cancel(o)) current.controller.abort();
    },
  };
}

/**
 * Per-layer deploys leave the other layers' resources out (--exclude globs; before 3.188 the CLI
 * ignored globs when protecting excluded resources from deletion). A new component resource left
 * out that way is a "skipped create" whose registerOutputs made the journaling snapshot manager
 * panic (pulumi/pulumi issue 21463, fixed by pull request 21957, merged 2026-02-25); 3.225.0
 * (2026-03-04) is the release that turns journaling on by default (its changelog), so it is the floor.
 */
const MIN_PULUMI_CLI = [3, 225, 0] as const;

/** A message when the CLI version is older than MIN_PULUMI_CLI, else undefined. */
export function cliTooOld(version: string | undefined): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version ?? "");
  if (!m) return undefined;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) {
    if (v[i] !== MIN_PULUMI_CLI[i]) {
      if (v[i] > MIN_PULUMI_CLI[i]) return undefined;
      return (
        `The Pulumi CLI is ${version}; the driver needs ${MIN_PULUMI_CLI.join(".")} or newer (per-layer deploys ` +
        "exclude new components, which older CLIs mishandle under journaling). Update it: curl -fsSL https://get.pulumi.com | sh"
      );
    }
  }
  return undefined;
}
