// The process behind `connect --background`: `node --import tsx automation/tunnel/serve.ts <spec>`,
// started detached by the command. The spec file (written by the command, 0600, no secret: the
// stack's region, profile, plugin version and forwards) is read and removed at once; the process
// holds the sessions until SIGTERM (`connect --stop`), SIGINT or SIGHUP.
import { readFileSync, rmSync } from "node:fs";
import { ssmClientFor } from "../aws-target.js";
import type { Forward } from "./state.js";
import { holdConnection } from "./tunnel.js";

export interface ServeSpec {
  stack: string;
  workDir: string;
  region: string;
  profile?: string;
  pluginVersion: string;
  forwards: Forward[];
  logFile: string;
}

async function serve(specFile: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specFile, "utf8")) as ServeSpec;
  rmSync(specFile, { force: true });
  const stop = new AbortController();
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, () => stop.abort());
  const client = await ssmClientFor({ region: spec.region, profile: spec.profile, regionSource: "connect" });
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  await holdConnection({
    stack: spec.stack,
    workDir: spec.workDir,
    forwards: spec.forwards,
    logFile: spec.logFile,
    signal: stop.signal,
    tunnel: {
      client,
      region: spec.region,
      profile: spec.profile,
      pluginVersion: spec.pluginVersion,
      env: process.env,
      log,
    },
    onUp: () => log(`up: ${spec.forwards.map((f) => `${f.name} ${f.url}`).join(", ")}`),
  });
  log("all sessions ended");
  client.destroy();
}

const specFile = process.argv[2];
if (!specFile) {
  process.stderr.write("usage: serve.ts <spec file> (started by `npm run automate -- connect --background`)\n");
  process.exitCode = 2;
} else {
  serve(specFile).catch((err: Error) => {
    process.stderr.write(`connect: ${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  });
}
