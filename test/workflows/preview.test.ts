// The pull-request preview workflow's structure: every action pinned by a full commit SHA with its version, no
// pull_request_target, the AWS role and the passphrase only in a job that refuses a fork's pull request, the
// offline synth for everything else, and the state backend taken as the driver takes it.
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const FILE = new URL("../../.github/workflows/preview.yml", import.meta.url);
const text = readFileSync(FILE, "utf8");
type Step = { uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { if?: string; permissions?: Record<string, string>; steps?: Step[] };
const workflow = parse(text) as {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};
const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";

test("runs on pull_request only, read-only by default", () => {
  expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
  const code = text.split("\n").filter((l) => !/^\s*#/.test(l));
  expect(code.join("\n")).not.toContain("pull_request_target");
  expect(workflow.permissions).toEqual({ contents: "read" });
});

test("every action is pinned by a 40-hex commit SHA, its version in a comment", () => {
  const lines = text.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l));
  expect(lines.length).toBeGreaterThanOrEqual(7);
  for (const line of lines) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  // and the parsed file has no other `uses:` (e.g. a flow-style one the line scan missed)
  const uses = Object.values(workflow.jobs).flatMap((j) => (j.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : [])));
  expect(uses).toHaveLength(lines.length);
});

test("secrets and the AWS role only in the job that refuses a fork's pull request", () => {
  const { credentials, preview, synth } = workflow.jobs;
  expect(preview.if).toContain(FORK_GUARD);
  expect(preview.if).toContain("needs.credentials.outputs.available == 'true'");
  expect(JSON.stringify(credentials)).toContain(FORK_GUARD);
  expect(preview.permissions).toMatchObject({ "id-token": "write" });
  // the synth job (forks, unconfigured repositories) sees no secret and cannot assume the role
  expect(JSON.stringify(synth)).not.toMatch(/secrets\.|id-token|configure-aws-credentials/);
  const withSecrets = Object.entries(workflow.jobs)
    .filter(([, job]) => JSON.stringify(job).includes("secrets."))
    .map(([name]) => name);
  expect(withSecrets.sort()).toEqual(["credentials", "preview"]);
  // the credentials job only tests whether they are set: it runs no code of the pull request
  expect(credentials.steps!.some((s) => s.uses)).toBe(false);
});

test("the preview reads the backend as the driver does and says when the stack is not there", () => {
  const steps = workflow.jobs.preview.steps!;
  const backend = steps.find((s) => s.run?.includes("backendFor"))!;
  expect(backend.run).toContain('import("./automation/backend.ts")');
  expect(backend.run).toContain("does not exist in the backend $url yet");
  // only Pulumi's "no stack named ... found" is a missing stack; any other error fails the job
  expect(backend.run).toContain('grep -q "no stack named"');
  expect(backend.run).toMatch(/::error title=State backend::[^\n]*\n\s*exit 1/);
  expect(backend.run).toContain("GITHUB_STEP_SUMMARY");
  const preview = steps.find((s) => s.with?.command === "preview")!;
  expect(preview.if).toBe("steps.backend.outputs.exists == 'true'");
  expect(preview.with?.["cloud-url"]).toBe("${{ steps.backend.outputs.url }}");
});
