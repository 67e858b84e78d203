// `synth`: runs the Pulumi program under the mock runtime with a stack's configuration, with no
// cloud access, and writes the plan for review: DIR/<stack>.json with every resource (urn,
// type, name, parent, inputs, dependencies; secrets replaced by "[secret]") and every rendered
// bootstrap, command or SSM script under DIR/scripts/, and DIR/<stack>.outputs.json: the stack
// outputs the program exports, with the mock runtime's values, in the format `outputs --json`
// prints and `env --outputs-file` reads.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { readStackFile } from "../platform/config/stack-file.js";
import { gunzipped } from "../platform/host/render.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base58Encode } from "../platform/chainsig/base58.js";
import type { CommandResults } from "./mocks.js";

const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface SynthOptions {
  stack: string;
  out: string;
  /** Project directory holding Pulumi.yaml and Pulumi.<stack>.yaml (default: this repository). */
  projectDir?: string;
  log?: (line: string) => void;
}

export interface SynthPlan {
  stack: string;
  project: string;
  resources: Array<{
    urn: string;
    type: string;
    name: string;
    parent: string;
    /** false for a component resource. */
    custom: boolean;
    inputs: Record<string, unknown>;
    dependencies: string[];
  }>;
}

class SynthError extends Error {}

/**
 * What the mocked SSM operations answer in a synth: key generation reports a root key per domain,
 * as mpc-wait-keygen does once the nodes finished (layers/mpc/ops/operations.ts). The keys are
 * curve points made from a fixed seed, so the outputs file holds keys a client can parse.
 */
const synthCommandResults: CommandResults = (operation, payload) => {
  if (operation !== "mpc-wait-keygen") return {};
  const schemes = Array.isArray(payload.schemes) ? payload.schemes.map(String) : [];
  return {
    domains: schemes.map((scheme, domainId) => {
      const seed = sha256(new TextEncoder().encode(`near-localnet synth root key ${domainId}`));
      const point =
        scheme === "secp256k1" ? secp256k1.getPublicKey(seed, false).subarray(1) : ed25519.getPublicKey(seed);
      return { domainId, scheme, publicKey: `${scheme}:${base58Encode(point)}` };
    }),
  };
};

/** An exported value with every Output resolved; secret parts become "[secret]" (as `outputs` shows them). */
async function resolveExport(pulumi: typeof import("@pulumi/pulumi"), v: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(v)) {
    if (await pulumi.isSecret(v)) return "[secret]";
    return resolveExport(pulumi, await new Promise((done) => v.apply((x) => done(x))));
  }
  if (Array.isArray(v)) return Promise.all(v.map((x) => resolveExport(pulumi, x)));
  if (v && typeof v === "object") {
    const entries = await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await resolveExport(pulumi, x)]));
    return Object.fromEntries(entries);
  }
  return v;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}

/** The scripts a reviewer wants to read, one file each. */
function extractScripts(resources: SynthPlan["resources"]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const r of resources) {
    const inputs = r.inputs as Record<string, any>;
    if (r.type === "aws:ec2/instance:Instance" && typeof inputs.userDataBase64 === "string") {
      files[`${safeName(r.name)}.user-data.sh`] = gunzipped(inputs.userDataBase64);
    } else if (r.type === "command:local:Command" && typeof inputs.create === "string") {
      const env = Object.entries((inputs.environment ?? {}) as Record<string, unknown>)
        .map(([k, v]) => `export ${k}=${JSON.stringify(String(v))}`)
        .join("\n");
      files[`${safeName(r.name)}.command.sh`] =
        `#!/bin/bash\n# local.Command ${r.name} (runs on the operator's machine)\n${env}\n${inputs.create}\n`;
    } else if (r.type === "aws:ssm/document:Document" && typeof inputs.content === "string") {
      try {
        const doc = JSON.parse(inputs.content) as {
          mainSteps?: Array<{ name?: string; inputs?: { runCommand?: string[] } }>;
        };
        for (const step of doc.mainSteps ?? []) {
          if (step.inputs?.runCommand)
            files[`${safeName(r.name)}.${safeName(step.name ?? "step")}.ssm.sh`] =
              `${step.inputs.runCommand.join("\n")}\n`;
        }
      } catch {
        files[`${safeName(r.name)}.ssm.txt`] = inputs.content;
      }
    }
  }
  return files;
}

/** The plan, and the stack outputs (the program's exports) with the mock values. */
export async function synthesize(o: {
  stack: string;
  projectDir?: string;
}): Promise<{ plan: SynthPlan; outputs: Record<string, unknown> }> {
  const projectDir = o.projectDir ?? PROJECT_DIR;
  const projectFile = parseYaml(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")) as {
    name: string;
    main?: string;
  };
  if (!existsSync(join(projectDir, `Pulumi.${o.stack}.yaml`)))
    throw new SynthError(
      `no Pulumi.${o.stack}.yaml: create the stack's config file first (e.g. copy Pulumi.localnet.yaml)`,
    );
  const { config, secretKeys } = readStackFile(projectDir, projectFile.name, o.stack);
  const region = config["aws:region"] ?? "";

  // Loaded only now: the Pulumi SDK is heavy and the argument errors above should be fast.
  const pulumi = await import("@pulumi/pulumi");
  const { installMocks, settle } = await import("./mocks.js");
  pulumi.runtime.setAllConfig(config, secretKeys);
  const records = installMocks({
    project: projectFile.name,
    stack: o.stack,
    region,
    commandResults: synthCommandResults,
  });
  const main = resolve(projectDir, projectFile.main ?? "index.ts");
  const program = (await import(pathToFileURL(main).href)) as Record<string, unknown>;
  await settle();
  const outputs = Object.fromEntries(
    await Promise.all(Object.entries(program).map(async ([k, v]) => [k, await resolveExport(pulumi, v)])),
  );
  const plan: SynthPlan = {
    stack: o.stack,
    project: projectFile.name,
    resources: records.map(({ urn, type, name, parent, custom, inputs, dependencies }) => ({
      urn,
      type,
      name,
      parent,
      custom,
      inputs,
      dependencies,
    })),
  };
  return { plan, outputs };
}

export async function runSynth(o: SynthOptions): Promise<number> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  let plan: SynthPlan;
  let outputs: Record<string, unknown>;
  try {
    ({ plan, outputs } = await synthesize({ stack: o.stack, projectDir: o.projectDir }));
  } catch (err) {
    const e = err as Error;
    // Configuration problems are the user's to fix: print them plainly.
    log(e.name === "ConfigError" || err instanceof SynthError ? e.message : `synth failed: ${e.stack ?? e.message}`);
    return err instanceof SynthError || e.name === "ConfigError" ? 2 : 1;
  }
  const scriptsDir = join(o.out, "scripts");
  mkdirSync(scriptsDir, { recursive: true });
  writeFileSync(join(o.out, `${o.stack}.json`), `${JSON.stringify(plan, null, 2)}\n`);
  writeFileSync(join(o.out, `${o.stack}.outputs.json`), `${JSON.stringify(outputs, null, 2)}\n`);
  const scripts = extractScripts(plan.resources);
  for (const [name, text] of Object.entries(scripts)) writeFileSync(join(scriptsDir, name), text, { mode: 0o644 });
  log(
    `synth: ${plan.resources.length} resources -> ${join(o.out, `${o.stack}.json`)}; ` +
      `outputs -> ${join(o.out, `${o.stack}.outputs.json`)}; ${Object.keys(scripts).length} scripts -> ${scriptsDir}`,
  );
  return 0;
}
