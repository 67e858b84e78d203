// layers/mpc/scripts/restart-node.sh (the restart document's body), run for real with a stub docker.
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { logLines, runScript, tempDir } from "../../../../test/support/script-sandbox.js";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const SCRIPT = join(HERE, "..", "..", "scripts", "restart-node.sh");
const STUBS = join(HERE, "stubs");

function sandbox(container?: string) {
  const dir = tempDir("mpc-restart-");
  const state = join(dir, "state");
  mkdirSync(join(dir, "root"), { recursive: true });
  mkdirSync(state, { recursive: true });
  if (container !== undefined) writeFileSync(join(state, "mpc-node"), `${container}\n`);
  const run = (env: Record<string, string> = {}) =>
    runScript(SCRIPT, STUBS, { ROOT: join(dir, "root"), STUB_LOG: join(dir, "calls.log"), STUB_STATE: state, ...env });
  return { dir, state, run, calls: () => logLines(join(dir, "calls.log")) };
}

const json = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!);

test("restarts the mpc-node container that has run for a while, and reports it running", () => {
  const sb = sandbox("running 2026-01-01T00:00:00.000000000Z");
  const r = sb.run();
  expect(r.status).toBe(0);
  expect(json(r.stdout)).toEqual({
    container: "mpc-node",
    action: "restarted",
    startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
  expect(json(r.stdout).startedAt).not.toBe("2026-01-01T00:00:00.000000000Z");
  expect(sb.calls()).toEqual([
    expect.stringMatching(/^docker container inspect -f .* mpc-node$/),
    "docker restart --time 30 mpc-node",
    expect.stringMatching(/^docker container inspect -f .* mpc-node$/),
  ]);
  expect(r.stderr).toContain("[mpc-restart] restarting mpc-node (running since 2026-01-01T00:00:00.000000000Z)");
});

test("a stopped container is started again", () => {
  const sb = sandbox("exited 2026-01-01T00:00:00.000000000Z");
  const r = sb.run();
  expect(r.status).toBe(0);
  expect(json(r.stdout).action).toBe("restarted");
});

test("a container that has just started is left alone: its attestation task has just begun", () => {
  const started = new Date(Date.now() - 60_000).toISOString();
  const sb = sandbox(`running ${started}`);
  const r = sb.run();
  expect(r.status).toBe(0);
  expect(json(r.stdout)).toEqual({ container: "mpc-node", action: "just-started", startedAt: started });
  expect(sb.calls().some((c) => c.startsWith("docker restart"))).toBe(false);
});

test("no container, or one that does not come back: exit 1 with the reason", () => {
  const none = sandbox();
  const r = none.run();
  expect(r.status).toBe(1);
  expect(json(r.stdout)).toEqual({
    container: "mpc-node",
    action: "failed",
    error: "there is no container mpc-node on this host (the MPC bootstrap has not created it)",
  });

  const broken = sandbox("running 2026-01-01T00:00:00.000000000Z");
  writeFileSync(join(broken.state, "restart-fails"), "");
  const r2 = broken.run();
  expect(r2.status).toBe(1);
  expect(json(r2.stdout).error).toBe("docker restart mpc-node failed");
});

test("malformed settings are refused before docker is touched", () => {
  const sb = sandbox("running 2026-01-01T00:00:00.000000000Z");
  const r = sb.run({ STOP_SECONDS: "30; reboot" });
  expect(r.status).toBe(1);
  expect(json(r.stdout).error).toBe("WAIT_SECONDS, FRESH_SECONDS and STOP_SECONDS must be whole numbers");
  expect(sb.calls()).toEqual([]);
});
