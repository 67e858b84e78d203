// moto in server mode (an independent implementation of the AWS APIs), started on loopback for
// a suite: the driver's own AWS calls run through the real SDK against it. .ci/run installs the
// pinned moto; without it the suite fails with the install command instead of skipping.
import { spawn, type ChildProcess } from "node:child_process";

/** The moto version .ci/run installs. */
export const MOTO_VERSION = "5.2.1";
const PYTHON = process.env.MOTO_PYTHON ?? "python3";
const START_TIMEOUT_MS = 20_000;

export interface Moto {
  endpoint: string;
  /** Client settings for any AWS SDK v3 client: this endpoint, a region, dummy credentials. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  stop(): Promise<void>;
}

function missing(detail: string): Error {
  return new Error(
    `moto is needed for this suite and could not start (${detail.trim() || "no output"}). ` +
      `Install it with: ${PYTHON} -m pip install 'moto[server]==${MOTO_VERSION}' (.ci/run does this)`,
  );
}

/** Starts `python3 -m moto.server` on 127.0.0.1 with a port the OS picks. */
export function startMoto(): Promise<Moto> {
  const child: ChildProcess = spawn(PYTHON, ["-m", "moto.server", "-H", "127.0.0.1", "-p", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(missing(`no "Running on" line within ${START_TIMEOUT_MS / 1000}s: ${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (!m) return;
      clearTimeout(timer);
      const endpoint = m[1];
      resolve({
        endpoint,
        clientConfig: {
          endpoint,
          region: "us-east-1",
          credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
        },
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(missing(err.message));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(missing(`exit ${code}: ${output}`));
    });
  });
}
