// Reads a stack's configuration file (Pulumi.<stack>.yaml) into Pulumi's flat "namespace:key" map, as the program
// sees it, for the readers that run without the Pulumi CLI (`synth`, the driver's checks before it deploys). A file
// that is not valid YAML, or whose `config` is not a map, is a ConfigError naming the file, the line and the fix,
// not a parser's stack trace. Encrypted values cannot be read offline: they become "[secret]".
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { YAMLParseError, parse as parseYaml } from "yaml";
import { ConfigError } from "./reader.js";

export interface StackFile {
  /** The file's config as the program reads it: strings, objects and lists as JSON. */
  config: Record<string, string>;
  /** Keys whose value is encrypted (`secure:`). */
  secretKeys: string[];
}

/** The YAML of `file`, or a ConfigError saying where it is broken. */
function parseFile(file: string): unknown {
  const text = readFileSync(file, "utf8");
  try {
    return parseYaml(text);
  } catch (err) {
    if (!(err instanceof YAMLParseError)) throw err;
    const at = err.linePos?.[0];
    const where = at ? ` at line ${at.line}, column ${at.col}` : "";
    const reason = err.message.split("\n")[0].replace(/ at line \d+, column \d+.*$/, "");
    throw new ConfigError([
      `${file} is not valid YAML${where}: ${reason}. Fix: correct that line (a key, a colon, a space, then ` +
        "the value; nested values indented with spaces, not tabs), or set keys with pulumi config set",
    ]);
  }
}

/** The stack's config; a missing file is an empty config (Pulumi creates it on the first `config set`). */
export function readStackFile(projectDir: string, project: string, stack: string): StackFile {
  const file = join(projectDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return { config: {}, secretKeys: [] };
  const doc = (parseFile(file) ?? {}) as { config?: unknown };
  const raw = doc.config ?? {};
  if (typeof doc !== "object" || typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError([
      `${file}: "config" must be a map of keys to values (e.g. "config:" and below it "  aws:region: us-east-1"). ` +
        "Fix: correct the file, or set keys with pulumi config set",
    ]);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(raw as Record<string, unknown>)) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
      config[key] = "[secret]";
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
}

/** The project's name, from Pulumi.yaml. */
export function projectName(projectDir: string): string {
  const doc = parseFile(join(projectDir, "Pulumi.yaml")) as { name?: unknown } | null;
  if (typeof doc?.name !== "string") throw new ConfigError([`${join(projectDir, "Pulumi.yaml")} has no name`]);
  return doc.name;
}
