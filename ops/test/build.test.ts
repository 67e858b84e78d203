// The ops bundle is reproducible: the same bytes (and sha256, which every operation is pinned to) from
// whichever directory the build runs.
import { describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function buildFrom(cwd: string, outfile: string): string {
  const tsx = join(REPO, "node_modules", ".bin", "tsx");
  const r = spawnSync(tsx, [join(REPO, "ops", "build.ts"), "--outfile", outfile], { cwd, encoding: "utf8" });
  expect(r.stderr).toContain("built ");
  expect(r.status).toBe(0);
  return r.stdout.trim();
}

describe("ops bundle build", () => {
  it("gives the same bytes from the repository and from another directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "ops-build-"));
    try {
      const a = buildFrom(REPO, join(dir, "a.mjs"));
      const b = buildFrom(dir, join(dir, "b.mjs"));
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(b).toBe(a);
      expect(readFileSync(join(dir, "b.mjs"))).toEqual(readFileSync(join(dir, "a.mjs")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
