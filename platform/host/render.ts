// Renders a shipped shell script (a layer's scripts/ folder) into a self-contained bash program:
// a header that exports the script's non-secret settings, its companion files written to
// LIB_DIR, then the script body. The same script runs unchanged in tests, with the settings
// given as environment variables and LIB_DIR pointing at its folder in the repository.
import { readFileSync } from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where companion files land on an instance; scripts read them from "${LIB_DIR:-/opt/near-localnet}". */
const LIB_DIR = "/opt/near-localnet";

/** EC2 rejects user data above 16 KiB (before base64). */
export const USER_DATA_LIMIT = 16384;

/**
 * A script shipped to the instances. `name` is how rendered programs refer to it ("near-base/bootstrap.sh"):
 * it is part of the user data of running hosts, which are replaced when their user data changes
 * (userDataReplaceOnChange), so it stays as first deployed wherever the file lives.
 */
export interface ShippedScript {
  name: string;
  /** Absolute path of the file in the repository. */
  path: string;
}

/** A script next to the module `moduleUrl` (pass import.meta.url), at `relative`. */
export function shippedScript(name: string, moduleUrl: string, relative: string): ShippedScript {
  return { name, path: resolve(dirname(fileURLToPath(moduleUrl)), relative) };
}

export interface ScriptSpec {
  script: ShippedScript;
  /** Settings exported before the body runs. Never secrets: user data and SSM parameters are stored in clear text. */
  env: Record<string, string | number | boolean>;
  /** Companion files shipped into LIB_DIR under their base names. */
  files?: ShippedScript[];
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Single-quote a value for bash, so nothing in it is expanded. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function readScript(script: ShippedScript): string {
  return readFileSync(script.path, "utf8");
}

function heredocFor(name: string, content: string): string {
  const marker = "NEAR_LOCALNET_FILE_EOF";
  if (content.includes(marker)) throw new Error(`${name} contains the heredoc marker ${marker}`);
  const body = content.endsWith("\n") ? content : content + "\n";
  return `cat > "$LIB_DIR/${name}" <<'${marker}'\n${body}${marker}\n`;
}

export function renderScript(spec: ScriptSpec): string {
  const body = readScript(spec.script).replace(/^#!.*\n/, "");
  // The header keeps its first-deployed wording (the renderer then lived at infra/render.ts):
  // changing it would replace every running host (see ShippedScript).
  const lines: string[] = [
    "#!/bin/bash",
    `# near-localnet ${spec.script.name}: rendered by infra/render.ts. Holds no secret: keys are read on the instance.`,
    "set -euo pipefail",
  ];
  for (const [key, value] of Object.entries(spec.env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!ENV_NAME.test(key)) throw new Error(`invalid script setting name ${key}`);
    lines.push(`export ${key}=${shellQuote(String(value))}`);
  }
  lines.push(`export LIB_DIR=${shellQuote(LIB_DIR)}`);
  const files = spec.files ?? [];
  if (files.length > 0) {
    lines.push(`install -d -m 0755 "$LIB_DIR"`);
    for (const file of files) {
      const name = file.name.split("/").pop()!;
      lines.push(heredocFor(name, readScript(file)).trimEnd());
    }
  }
  return `${lines.join("\n")}\n${body}`;
}

/** Render for EC2 user data, refusing what EC2 would refuse (it limits the compressed form, see gzipUserData). */
export function renderUserData(spec: ScriptSpec): string {
  const text = renderScript(spec);
  const size = Buffer.from(gzipUserData(text), "base64").length;
  if (size > USER_DATA_LIMIT) {
    throw new Error(`user data for ${spec.script.name} is ${size} bytes compressed; EC2 allows ${USER_DATA_LIMIT}`);
  }
  return text;
}

/**
 * User data as the instance gets it: gzip, base64 for the API. cloud-init decompresses gzip user data before it
 * runs it (cloud-init cloudinit/user_data.py), and EC2's 16 KiB limit applies to these compressed bytes, which
 * leaves the scripts room for their comments. The gzip header carries no time stamp (Node's zlib writes 0), so
 * the same script always gives the same bytes: user data changes only when the script does.
 */
export function gzipUserData(text: string): string {
  return gzipSync(Buffer.from(text, "utf8"), { level: 9 }).toString("base64");
}

/** The script inside gzip'd base64 user data (synth and tests read it back). */
export function gunzipped(base64: string): string {
  return gunzipSync(Buffer.from(base64, "base64")).toString("utf8");
}
