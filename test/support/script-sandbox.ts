/**
 * Running the shipped shell scripts for real in tests (the convention of platform/host/render.ts): a
 * temporary directory holds the fake ROOT and the stubs' state, the stub commands of a test area
 * come first on PATH, and the script sees ONLY the environment the test gives it.
 *
 *   const dir = tempDir("near-base-");      // removed after the test file (or earlier by removeTempDir)
 *   const r = runScript(SCRIPT, STUBS, { HOME: dir, ROOT: join(dir, "root"), ...settings });
 *   r.status, r.stdout, r.stderr;  logLines(join(dir, "calls.log"))   // what the stubs recorded
 */
import { afterAll } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

const dirs = new Set<string>();

/** A fresh temporary directory, removed after the importing test file's tests. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** Removes a temporary directory now, even one a test left without write permission. */
export function removeTempDir(dir: string): void {
  dirs.delete(dir);
  if (!existsSync(dir)) return;
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
}

afterAll(() => {
  for (const dir of [...dirs]) removeTempDir(dir);
});

/**
 * A LIB_DIR as a rendered host gets it: the files of `dir` (a layer's scripts/ folder) and the shared
 * `libraries` (platform/host/scripts/...), linked into one temporary folder.
 */
export function libDir(dir: string, libraries: string[]): string {
  const lib = tempDir("lib-dir-");
  for (const f of readdirSync(dir)) symlinkSync(join(dir, f), join(lib, f));
  for (const f of libraries) symlinkSync(f, join(lib, basename(f)));
  return lib;
}

export interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bash <script>` with `stubs` first on PATH (then this process's PATH, for bash, jq, coreutils)
 * and nothing else of this process's environment: `env` is the whole rest of it (a value of
 * undefined leaves the variable out). A script that does not finish within `timeoutMs` is killed
 * (status null) rather than blocking the test run.
 */
export function runScript(
  script: string,
  stubs: string,
  env: Record<string, string | undefined>,
  timeoutMs = 20_000,
): ScriptResult {
  const full: Record<string, string> = { PATH: `${stubs}:${process.env.PATH}` };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete full[k];
    else full[k] = v;
  }
  const r = spawnSync("bash", [script], { env: full, encoding: "utf8", timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The non-empty lines of a stub's call log ([] when there is none yet). */
export function logLines(file: string): string[] {
  return existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.length > 0)
    : [];
}
