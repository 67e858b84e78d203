// The state backend and the prerequisite checks that give a clear message before Pulumi starts. The backend is the
// one plain `pulumi` uses in this directory, chosen as the Pulumi CLI chooses it (pulumi/pulumi
// pkg/cmd/pulumi/backend GetCurrentCloudURL): PULUMI_BACKEND_URL, else `backend.url` of Pulumi.yaml (the project
// names a file backend in .pulumi-state/ of the checkout; a team names its S3 bucket there), else the project-local
// file backend. Secrets with a passphrase (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE, or a
// secretsprovider in Pulumi.<stack>.yaml), the Pulumi CLI on PATH, AWS credentials.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { MISSING_AWS_MESSAGE, MISSING_CLI_MESSAGE, MISSING_PASSPHRASE_MESSAGE } from "./engine.js";

const STATE_DIR = ".pulumi-state";
const FILE_SCHEME = "file://";

export interface BackendChoice {
  url: string;
  /** Where it was read: PULUMI_BACKEND_URL, Pulumi.yaml, or the default. */
  source: "env" | "project" | "default";
  /** True for the project-local file backend (.pulumi-state/ of this checkout). */
  isLocal: boolean;
}

/** `backend.url` of Pulumi.yaml, if it names one. */
function projectBackendUrl(repoDir: string): string | undefined {
  const file = join(repoDir, "Pulumi.yaml");
  if (!existsSync(file)) return undefined;
  const doc = parseYaml(readFileSync(file, "utf8")) as { backend?: { url?: unknown } } | null;
  const url = doc?.backend?.url;
  return typeof url === "string" && url.trim() ? url.trim() : undefined;
}

/**
 * A relative file:// path made absolute against the project directory, as the CLI does against the directory it
 * runs in (pulumi/pulumi pkg/backend/diy/backend.go massageBlobPath: filepath.Abs); the driver runs it there.
 */
function absoluteFileUrl(url: string, repoDir: string): string {
  if (!url.startsWith(FILE_SCHEME)) return url;
  const path = url.slice(FILE_SCHEME.length);
  if (path.startsWith("~") || isAbsolute(path)) return url;
  return `${FILE_SCHEME}${resolve(repoDir, path)}`;
}

export function backendFor(env: NodeJS.ProcessEnv, repoDir: string): BackendChoice {
  const local = `${FILE_SCHEME}${resolve(repoDir, STATE_DIR)}`;
  const given = env.PULUMI_BACKEND_URL?.trim();
  const project = projectBackendUrl(repoDir);
  const choice: Omit<BackendChoice, "isLocal"> = given
    ? { url: absoluteFileUrl(given, repoDir), source: "env" }
    : project
      ? { url: absoluteFileUrl(project, repoDir), source: "project" }
      : { url: local, source: "default" };
  return { ...choice, isLocal: choice.url === local };
}

/** Pulumi Cloud (or a self-hosted one) encrypts secrets itself; every other backend gets the passphrase provider. */
export function isPulumiCloud(url: string): boolean {
  return /^https?:\/\//.test(url);
}

/** Creates the project-local state directory, git-ignored from inside so state never gets committed. */
export function ensureLocalState(repoDir: string): string {
  const dir = resolve(repoDir, STATE_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ignore = join(dir, ".gitignore");
  if (!existsSync(ignore)) writeFileSync(ignore, "# Pulumi state of this checkout: never commit it.\n*\n");
  return dir;
}

/** The secretsprovider line of Pulumi.<stack>.yaml, if any. */
function stackSecretsProvider(repoDir: string, stack: string): string | undefined {
  const file = join(repoDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return undefined;
  const m = /^secretsprovider:\s*(\S+)/m.exec(readFileSync(file, "utf8"));
  return m?.[1];
}

/** null when secrets can be decrypted, otherwise the message explaining what to set. */
export function passphraseProblem(
  env: NodeJS.ProcessEnv,
  repoDir: string,
  stack: string,
  backend: string,
): string | null {
  const provider = stackSecretsProvider(repoDir, stack);
  if (provider && provider !== "passphrase") return null; // awskms://, gcpkms://, ... manage their own keys
  if (!provider && isPulumiCloud(backend)) return null; // Pulumi Cloud: the service encrypts secrets
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined)
    return tooShort("PULUMI_CONFIG_PASSPHRASE", env.PULUMI_CONFIG_PASSPHRASE);
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (file) {
    if (!existsSync(file)) {
      return `PULUMI_CONFIG_PASSPHRASE_FILE points at ${file}, which does not exist. ${MISSING_PASSPHRASE_MESSAGE}`;
    }
    // Pulumi reads the file's content as the passphrase, without its trailing newline.
    return tooShort(`the passphrase in ${file}`, readFileSync(file, "utf8").replace(/\r?\n$/, ""));
  }
  return MISSING_PASSPHRASE_MESSAGE;
}

/** The passphrase encrypts the stack's keys in the state: an empty or short one protects nothing. */
const MIN_PASSPHRASE_LENGTH = 12;

function tooShort(what: string, passphrase: string): string | null {
  if (passphrase.length >= MIN_PASSPHRASE_LENGTH) return null;
  return (
    `${what} is ${passphrase.length === 0 ? "empty" : `only ${passphrase.length} character${passphrase.length === 1 ? "" : "s"}`}: use at least ` +
    `${MIN_PASSPHRASE_LENGTH}. It encrypts the stack's keys in the state; keep using the same one, or the existing ` +
    "state cannot be decrypted."
  );
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Pulumi CLI's root (the directory holding bin/pulumi) or "PATH", or null when none is found. */
export function findPulumiCli(env: NodeJS.ProcessEnv): { root?: string } | null {
  if (env.PULUMI_CLI_ROOT) {
    return executable(join(env.PULUMI_CLI_ROOT, "bin", "pulumi")) ? { root: env.PULUMI_CLI_ROOT } : null;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && executable(join(dir, "pulumi"))) return {};
  }
  const home = join(env.HOME ?? homedir(), ".pulumi");
  if (executable(join(home, "bin", "pulumi"))) return { root: home };
  return null;
}

export function missingCliMessage(): string {
  return MISSING_CLI_MESSAGE;
}

/**
 * Resolves AWS credentials with the SDK's default chain (env, profile, SSO, web identity,
 * container, instance role) for the stack's region and profile. Returns null when found,
 * otherwise the message. Loads the SDK lazily.
 */
export async function awsCredentialsProblem(aws: { region: string; profile?: string }): Promise<string | null> {
  const { SSMClient } = await import("@aws-sdk/client-ssm");
  const client = new SSMClient({
    region: aws.region,
    ...(aws.profile ? { profile: aws.profile } : {}),
    maxAttempts: 1,
  });
  const which = aws.profile ? ` (profile ${aws.profile})` : "";
  try {
    const creds = await client.config.credentials();
    return creds?.accessKeyId ? null : `${MISSING_AWS_MESSAGE}${which}`;
  } catch (err) {
    return `${MISSING_AWS_MESSAGE}${which} (${(err as Error).message.split("\n")[0]})`;
  } finally {
    client.destroy();
  }
}
