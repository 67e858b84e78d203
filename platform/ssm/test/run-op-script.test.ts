// platform/ssm/scripts/run-op.sh run for real with stub docker/aws/curl/sleep; the stub docker runs the
// "container" command with the real node, so the fake bundle's output travels the whole path.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { tempDir } from "../../../test/support/script-sandbox.js";
import {
  REPO,
  STUBS,
  b64,
  jsonLines,
  runBash,
  sandbox,
  sandboxEnv,
  secretShapedLines,
  sha256,
  type Sandbox,
} from "./helpers.js";

const SCRIPT = join(REPO, "platform", "ssm", "scripts", "run-op.sh");

function runOp(sb: Sandbox, env: Record<string, string | undefined>) {
  return runBash(SCRIPT, sb, {
    OPERATION: "echo",
    PAYLOAD: b64({ account: "wrap.localnet", key: "ssm:/near-localnet/localnet-account-key" }),
    BUNDLE_URI: sb.bundleUri,
    BUNDLE_SHA256: sb.bundleSha,
    NODE_IMAGE: "node:22-slim",
    AWS_REGION: "us-east-2",
    FAUCET_SETTLE_SECONDS: "0",
    ...env,
  });
}

const dockerLines = (sb: Sandbox) => sb.readLog().filter((l) => l.startsWith("docker "));
/** What the stub registry resolves every tag to (its default). */
const TAG_DIGEST = `sha256:${"ab".repeat(32)}`;
const NODE_RUN = `node@${TAG_DIGEST}`;
const REPO_DIGESTS = String.raw`--format \{\{range\ .RepoDigests\}\}\{\{println\ .\}\}\{\{end\}\}`;

describe("run-op.sh: one-shot operations", () => {
  test("first run downloads and verifies the bundle, pulls the image, runs the operation, passes stdout through", () => {
    const sb = sandbox();
    const r = runOp(sb, {});
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      { event: "step", name: "echo", detail: "one" },
      {
        event: "result",
        ok: true,
        operation: "echo",
        result: {
          input: { account: "wrap.localnet", key: "ssm:/near-localnet/localnet-account-key" },
          region: "us-east-2",
        },
      },
    ]);
    expect(r.stderr).toContain("progress: echo");
    const bundle = join(sb.root, "opt/near-localnet/ops", `${sb.bundleSha}.mjs`);
    expect(sha256(readFileSync(bundle))).toBe(sb.bundleSha);
    expect(readdirSync(join(sb.root, "opt/near-localnet/ops"))).toEqual([`${sb.bundleSha}.mjs`]);
    const log = sb.readLog();
    expect(log.filter((l) => l.startsWith("aws "))).toEqual([
      expect.stringMatching(
        /^aws s3 cp --only-show-errors --region us-east-2 s3:\/\/near-localnet-ops-bucket\/ops\/bundle\.mjs /,
      ),
    ]);
    expect(dockerLines(sb)).toEqual([
      "docker info",
      "docker image inspect node:22-slim",
      "docker pull -q node:22-slim",
      `docker image inspect ${REPO_DIGESTS} node:22-slim`,
      String.raw`docker ps -a --filter name=near-op-echo- --format \{\{.Names\}\}\ \{\{.Label\ \"near-localnet.owner\"\}\}`,
      expect.stringMatching(
        new RegExp(
          `^docker run --rm --name near-op-echo-[0-9]+ --label near-localnet.owner=[0-9]+:[0-9]+ --init --network host -e AWS_REGION=us-east-2 -v ${sb.root}/opt/near-localnet/ops:/opt/near-localnet/ops:ro ${NODE_RUN} node /opt/near-localnet/ops/${sb.bundleSha}\\.mjs echo [A-Za-z0-9+/=]+$`,
        ),
      ),
    ]);
    // the full stdout and stderr of the run are kept on the instance, and only those
    expect(readFileSync(join(sb.root, "var/log/near-localnet/ops/echo.stderr"), "utf8")).toBe("progress: echo\n");
    expect(readFileSync(join(sb.root, "var/log/near-localnet/ops/echo.stdout"), "utf8")).toBe(r.stdout);
    expect(readdirSync(join(sb.root, "var/log/near-localnet/ops")).sort()).toEqual(["echo.stderr", "echo.stdout"]);
  });

  test("a second run reuses the verified bundle and the present image", () => {
    const sb = sandbox();
    expect(runOp(sb, {}).status).toBe(0);
    const before = sb.readLog().length;
    const r = runOp(sb, {});
    expect(r.status).toBe(0);
    const second = sb.readLog().slice(before);
    expect(second.some((l) => l.startsWith("aws "))).toBe(false);
    expect(second.filter((l) => l.startsWith("docker pull"))).toEqual([]);
    expect(r.stderr).toContain(`bundle ${sb.bundleSha} already present`);
  });

  test("a pinned ops image runs by its digest; one whose digest differs is refused with a result line", () => {
    const pinned = `node:22-slim@sha256:${"cd".repeat(32)}`;
    const sb = sandbox();
    const ok = runOp(sb, { NODE_IMAGE: pinned });
    expect(ok.status).toBe(0);
    expect(dockerLines(sb).find((l) => l.startsWith("docker run"))).toContain(
      `:ro node@sha256:${"cd".repeat(32)} node /opt/near-localnet/ops/`,
    );
    expect(existsSync(join(sb.root, "var/lib/near-localnet/image-pins"))).toBe(false);

    const bad = sandbox();
    const r = runOp(bad, { NODE_IMAGE: pinned, STUB_SERVED_DIGEST: TAG_DIGEST });
    expect(r.status).toBe(1);
    expect(jsonLines(r.stdout)).toEqual([
      {
        event: "result",
        ok: false,
        operation: "echo",
        error: {
          code: "IMAGE_CHECK_FAILED",
          message: `cannot run ${pinned}: its pull or digest check failed (image-pin lines above)`,
        },
      },
    ]);
    expect(r.stderr).toContain(`image-pin: opsImage: node@sha256:${"cd".repeat(32)} has digest ${TAG_DIGEST}`);
    expect(dockerLines(bad).filter((l) => l.startsWith("docker run"))).toEqual([]);
  });

  test("a tag-only ops image is pinned on its first pull and recorded for the image-pins probe", () => {
    const sb = sandbox();
    expect(runOp(sb, {}).status).toBe(0);
    expect(readFileSync(join(sb.root, "var/lib/near-localnet/image-pins"), "utf8")).toBe(
      `opsImage node:22-slim ${TAG_DIGEST}\n`,
    );
    const again = runOp(sb, { STUB_TAG_DIGEST: `sha256:${"ef".repeat(32)}` });
    expect(again.status).toBe(0);
    expect(again.stderr).toContain(`node:22-slim was pinned to ${TAG_DIGEST} on its first pull here`);
    expect(
      dockerLines(sb)
        .filter((l) => l.startsWith("docker run"))
        .pop(),
    ).toContain(`:ro ${NODE_RUN} node `);
  });

  test("refuses a bundle whose sha256 differs, keeping nothing of it", () => {
    const sb = sandbox();
    const expected = "ab".repeat(32);
    const r = runOp(sb, { BUNDLE_SHA256: expected });
    expect(r.status).toBe(1);
    expect(jsonLines(r.stdout)).toEqual([
      {
        event: "result",
        ok: false,
        operation: "echo",
        error: {
          code: "BUNDLE_CHECKSUM_MISMATCH",
          message: `${sb.bundleUri} has sha256 ${sb.bundleSha}, expected ${expected}; refusing to run it`,
        },
      },
    ]);
    expect(readdirSync(join(sb.root, "opt/near-localnet/ops"))).toEqual([]);
    expect(dockerLines(sb).some((l) => l.startsWith("docker run"))).toBe(false);
  });

  test("a corrupted cached bundle is downloaded again", () => {
    const sb = sandbox();
    expect(runOp(sb, {}).status).toBe(0);
    const bundle = join(sb.root, "opt/near-localnet/ops", `${sb.bundleSha}.mjs`);
    writeFileSync(bundle, "tampered");
    const r = runOp(sb, {});
    expect(r.status).toBe(0);
    expect(sha256(readFileSync(bundle))).toBe(sb.bundleSha);
    expect(sb.readLog().filter((l) => l.startsWith("aws ")).length).toBe(2);
  });

  test("a failed download is reported with its cause", () => {
    const sb = sandbox();
    const r = runOp(sb, { BUNDLE_URI: "s3://near-localnet-ops-bucket/ops/missing.mjs" });
    expect(r.status).toBe(1);
    const [line] = jsonLines(r.stdout);
    expect(line).toMatchObject({ ok: false, error: { code: "BUNDLE_DOWNLOAD_FAILED" } });
    expect(r.stderr).toContain("404");
  });

  test("the operation's failure passes through: exit code, result line, and the TAIL of stderr", () => {
    const sb = sandbox();
    const r = runOp(sb, { OPERATION: "boom" });
    expect(r.status).toBe(1);
    expect(jsonLines(r.stdout)).toEqual([
      { event: "result", ok: false, operation: "boom", error: { code: "CONTRACT_PANIC", message: "nope" } },
    ]);
    expect(r.stderr).toContain("END-OF-STDERR: contract panicked: nope");
    expect(r.stderr).toMatch(
      /\[run-op\] \d+ earlier bytes of stderr omitted; full text in \/var\/log\/near-localnet\/ops\/boom\.stderr/,
    );
    expect(r.stderr.length).toBeLessThan(7000);
    expect(r.stderr).toContain("[run-op] boom exited with 1");
  });

  test("long stdout is cut to the limit keeping whole trailing lines and the result line", () => {
    const sb = sandbox();
    const r = runOp(sb, { OPERATION: "chatty" });
    expect(r.status).toBe(0);
    expect(Buffer.byteLength(r.stdout)).toBeLessThanOrEqual(20000);
    const lines = jsonLines(r.stdout);
    expect(lines[lines.length - 1]).toEqual({ event: "result", ok: true, operation: "chatty", result: { steps: 400 } });
    expect(lines[lines.length - 2]).toMatchObject({ event: "step", name: "step-399" });
    expect(lines.length).toBeLessThan(401);
    expect(lines.length).toBeGreaterThan(100);
    const dropped = 401 - lines.length;
    expect(r.stderr).toContain(`dropped the first ${dropped} of 401 lines`);
    const full = readFileSync(join(sb.root, "var/log/near-localnet/ops/chatty.stdout"), "utf8");
    expect(full.trim().split("\n")).toHaveLength(401);
  });

  test.each([
    ["OPERATION", "Bad;op", "OPERATION must match"],
    ["OPERATION", "", "OPERATION must match"],
    ["PAYLOAD", "e30", "PAYLOAD must be standard base64"],
    ["PAYLOAD", "e30=';", "PAYLOAD must be standard base64"],
    ["BUNDLE_URI", "https://example.com/x.mjs", "BUNDLE_URI must be"],
    ["BUNDLE_SHA256", "ABC", "BUNDLE_SHA256 must be"],
    ["NODE_IMAGE", "node:22 --privileged", "NODE_IMAGE is not"],
  ])("malformed %s (%j) exits 2 before touching anything", (name, value, message) => {
    const sb = sandbox();
    const r = runOp(sb, { [name]: value });
    expect(r.status).toBe(2);
    const [line] = jsonLines(r.stdout);
    expect(line).toMatchObject({ event: "result", ok: false, error: { code: "BAD_REQUEST" } });
    expect((line.error as { message: string }).message).toContain(message);
    expect(sb.readLog()).toEqual([]);
  });

  test("region comes from AWS_SSM_REGION_NAME, else from IMDSv2", () => {
    const sb = sandbox();
    let r = runOp(sb, { AWS_REGION: undefined, AWS_SSM_REGION_NAME: "ap-south-1" });
    expect(r.status).toBe(0);
    expect((jsonLines(r.stdout)[1].result as { region: string }).region).toBe("ap-south-1");
    r = runOp(sb, { AWS_REGION: undefined, STUB_IMDS_REGION: "eu-west-1" });
    expect(r.status).toBe(0);
    expect((jsonLines(r.stdout)[1].result as { region: string }).region).toBe("eu-west-1");
    const curls = sb.readLog().filter((l) => l.startsWith("curl "));
    expect(curls[0]).toContain("-X PUT");
    expect(curls[1]).toContain("X-aws-ec2-metadata-token:\\ stub-token");
  });

  test("no region anywhere is a clear failure", () => {
    const sb = sandbox();
    const r = runOp(sb, { AWS_REGION: undefined });
    expect(r.status).toBe(1);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ error: { code: "REGION_UNKNOWN" } });
  });
});

describe("run-op.sh: faucet-start", () => {
  const faucetPayload = b64({ port: 3031, key: "ssm:/near-localnet/faucet-key" });

  test("starts the detached faucet container with the bundle, payload label and restart policy", () => {
    const sb = sandbox();
    const r = runOp(sb, { OPERATION: "faucet-start", PAYLOAD: faucetPayload });
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      {
        event: "result",
        ok: true,
        operation: "faucet-start",
        result: { container: "near-faucet", action: "started", bundleSha256: sb.bundleSha, image: NODE_RUN },
      },
    ]);
    const localLogs = sha256("--log-opt\nmax-size=10m\n--log-opt\nmax-file=3\n").slice(0, 16);
    const spec = `${sb.bundleSha}.${sha256(faucetPayload)}.${localLogs}.${NODE_RUN}`;
    const run = dockerLines(sb).filter((l) => l.startsWith("docker run"));
    expect(run).toEqual([
      `docker run -d --name near-faucet --restart unless-stopped --init --network host --label near-localnet.spec=${spec} --log-opt max-size=10m --log-opt max-file=3 -e AWS_REGION=us-east-2 -v ${sb.root}/opt/near-localnet/ops:/opt/near-localnet/ops:ro -v ${sb.root}/srv/near/faucet:/var/lib/near-faucet ${NODE_RUN} node /opt/near-localnet/ops/${sb.bundleSha}.mjs faucet ${faucetPayload}`,
    ]);
    expect(existsSync(join(sb.state, "container-near-faucet"))).toBe(true);
    // the ledger's folder on the base data volume, kept across containers and instances
    expect(existsSync(join(sb.root, "srv/near/faucet"))).toBe(true);
  });

  test("faucet-stop removes the faucet its own step started, and leaves one a newer step started alone", () => {
    const sb = sandbox();
    const newer = b64({ port: 3031, key: "ssm:/other" });
    expect(runOp(sb, { OPERATION: "faucet-start", PAYLOAD: faucetPayload }).status).toBe(0);
    // a replaced step's delete (old payload) after the new step started its faucet: nothing stops
    expect(runOp(sb, { OPERATION: "faucet-start", PAYLOAD: newer }).status).toBe(0);
    let r = runOp(sb, { OPERATION: "faucet-stop", PAYLOAD: faucetPayload });
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      {
        event: "result",
        ok: true,
        operation: "faucet-stop",
        result: { container: "near-faucet", action: "unchanged" },
      },
    ]);
    expect(existsSync(join(sb.state, "container-near-faucet"))).toBe(true);
    // the destroy of the current step
    const mark = sb.readLog().length;
    r = runOp(sb, { OPERATION: "faucet-stop", PAYLOAD: newer });
    expect(jsonLines(r.stdout)[0]).toMatchObject({ ok: true, result: { action: "stopped" } });
    expect(
      sb
        .readLog()
        .slice(mark)
        .filter((l) => l.startsWith("docker rm")),
    ).toEqual(["docker rm -f near-faucet"]);
    expect(existsSync(join(sb.state, "container-near-faucet"))).toBe(false);
    // a re-run (a retried destroy) finds nothing to do
    r = runOp(sb, { OPERATION: "faucet-stop", PAYLOAD: newer });
    expect(jsonLines(r.stdout)[0]).toMatchObject({ ok: true, result: { action: "absent" } });
  });

  test("leaves a faucet running the same bundle and payload alone; restarts it when the payload changes", () => {
    const sb = sandbox();
    expect(runOp(sb, { OPERATION: "faucet-start", PAYLOAD: faucetPayload }).status).toBe(0);
    let mark = sb.readLog().length;
    let r = runOp(sb, { OPERATION: "faucet-start", PAYLOAD: faucetPayload });
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ result: { action: "unchanged" } });
    expect(
      sb
        .readLog()
        .slice(mark)
        .filter((l) => l.startsWith("docker run") || l.startsWith("docker rm")),
    ).toEqual([]);

    mark = sb.readLog().length;
    r = runOp(sb, { OPERATION: "faucet-start", PAYLOAD: b64({ port: 3031, key: "ssm:/other" }) });
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ result: { action: "started" } });
    const changes = sb
      .readLog()
      .slice(mark)
      .filter((l) => l.startsWith("docker run") || l.startsWith("docker rm"));
    expect(changes[0]).toBe("docker rm -f near-faucet");
    expect(changes[1]).toMatch(/^docker run -d --name near-faucet /);
  });

  test("ships the faucet's logs as the base bootstrap configured the host, and restarts it when that changes", () => {
    const sb = sandbox();
    expect(runOp(sb, { OPERATION: "faucet-start", PAYLOAD: faucetPayload }).status).toBe(0);
    const awslogs = [
      "--log-driver=awslogs",
      "--log-opt=awslogs-region=us-east-2",
      "--log-opt=awslogs-group=/near-localnet/localnet/containers",
      "--log-opt=tag=base/{{.Name}}",
    ];
    mkdirSync(join(sb.root, "etc/near-localnet"), { recursive: true });
    writeFileSync(join(sb.root, "etc/near-localnet/docker-logging"), `${awslogs.join("\n")}\n`);
    const mark = sb.readLog().length;
    const r = runOp(sb, { OPERATION: "faucet-start", PAYLOAD: faucetPayload });
    expect(jsonLines(r.stdout)[0]).toMatchObject({ result: { action: "started" } });
    const run = sb
      .readLog()
      .slice(mark)
      .filter((l) => l.startsWith("docker run"));
    expect(run).toHaveLength(1);
    // the docker stub logs its arguments as printf %q quotes them
    const quoted = awslogs.map((a) => a.replace(/[{}]/g, "\\$&"));
    expect(run[0]).toContain(` ${quoted.join(" ")} -e AWS_REGION=us-east-2 `);
    expect(run[0]).not.toContain("max-size");
  });

  test("a faucet that does not stay up fails the command with its logs", () => {
    const sb = sandbox();
    const r = runOp(sb, {
      OPERATION: "faucet-start",
      PAYLOAD: faucetPayload,
      STUB_FAUCET_DIES: "1",
      FAUCET_SETTLE_SECONDS: "3",
    });
    expect(r.status).toBe(1);
    expect(jsonLines(r.stdout)[0]).toMatchObject({
      ok: false,
      operation: "faucet-start",
      error: { code: "FAUCET_NOT_RUNNING" },
    });
    expect(r.stderr).toContain("log of near-faucet");
    expect(sb.readLog()).toContain("sleep 3");
  });

  test("an operation's stderr is redacted before it enters the command output; the full text stays on the host", () => {
    const sb = sandbox();
    const lines = secretShapedLines();
    const text = lines.map((l) => l.line).join("\n") + "\n";
    const r = runOp(sb, { OPERATION: "leak", PAYLOAD: b64({ stderr: text }) });
    expect(r.status).toBe(0);
    for (const l of lines) expect(r.stderr).toContain(`${l.redacted}\n`);
    for (const l of lines.filter((x) => x.line !== x.redacted)) expect(r.stderr).not.toContain(l.line);
    expect(readFileSync(join(sb.root, "var/log/near-localnet/ops/leak.stderr"), "utf8")).toBe(
      `progress: leak\n${text}`,
    );
  });

  test("the dead faucet's logs are redacted before they enter the command output", () => {
    const sb = sandbox();
    const lines = secretShapedLines();
    writeFileSync(join(sb.state, "logs-near-faucet"), lines.map((l) => l.line).join("\n") + "\n");
    const r = runOp(sb, { OPERATION: "faucet-start", PAYLOAD: faucetPayload, STUB_FAUCET_DIES: "1" });
    expect(r.status).toBe(1);
    for (const l of lines) expect(r.stderr).toContain(`${l.redacted}\n`);
    for (const l of lines.filter((x) => x.line !== x.redacted)) expect(r.stderr).not.toContain(l.line);
  });
});

/**
 * A PATH without docker (and without any real cloud-init): <bin> holds the platform/ssm/test stubs except
 * docker, then one directory mirrors this process's PATH minus docker and cloud-init (this machine
 * may have a real docker). The cloud-init stub links docker into <bin> when STUB_DOCKER_BIN=<bin>.
 */
let system: string | undefined;
function pathWithoutDocker(sb: Sandbox): { PATH: string; bin: string } {
  if (!system) {
    system = join(tempDir("ssm-path-"), "sys");
    mkdirSync(system);
    const seen = new Set(["docker", "cloud-init"]);
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (!dir || !existsSync(dir)) continue;
      for (const name of readdirSync(dir)) {
        if (seen.has(name)) continue;
        seen.add(name);
        symlinkSync(join(dir, name), join(system, name));
      }
    }
  }
  const bin = join(sb.dir, "bin");
  mkdirSync(bin);
  for (const name of readdirSync(STUBS)) if (name !== "docker") symlinkSync(join(STUBS, name), join(bin, name));
  return { PATH: `${bin}${delimiter}${system}`, bin };
}

/** cloud-init runs on this boot (its generator made /run/cloud-init). */
function cloudInitBoot(sb: Sandbox): void {
  mkdirSync(join(sb.root, "run", "cloud-init"), { recursive: true });
}

const stubCalls = (sb: Sandbox) => sb.readLog().filter((l) => /^(cloud-init |docker info$|sleep |aws )/.test(l));

describe("run-op.sh: waits for cloud-init and docker after boot", () => {
  test("cloud-init on this boot: waits for it, then finds the docker it installed, and runs the operation", () => {
    const sb = sandbox();
    cloudInitBoot(sb);
    const { PATH, bin } = pathWithoutDocker(sb);
    const r = runOp(sb, { PATH, STUB_DOCKER_BIN: bin });
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)[1]).toMatchObject({ event: "result", ok: true, operation: "echo" });
    expect(stubCalls(sb).slice(0, 3)).toEqual([
      "cloud-init status --wait",
      "docker info",
      expect.stringMatching(/^aws s3 cp /),
    ]);
    expect(sb.readLog().filter((l) => l.startsWith("sleep"))).toEqual([]);
    expect(r.stderr).toContain(
      "[run-op] waiting up to 600s for cloud-init to finish\n[run-op] cloud-init finished (status: done)\n",
    );
  });

  test("cloud-init that finishes with an error is reported and the operation still runs when docker is up", () => {
    const sb = sandbox();
    cloudInitBoot(sb);
    const r = runOp(sb, { STUB_CLOUD_INIT_STATUS: "error", STUB_CLOUD_INIT_EXIT: "1" });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("[run-op] cloud-init finished with exit code 1 (status: error); going on");
    expect(jsonLines(r.stdout)[1]).toMatchObject({ ok: true });
  });

  test("cloud-init that does not finish in time is left behind after DOCKER_WAIT_SECONDS", () => {
    const sb = sandbox();
    cloudInitBoot(sb);
    const r = runOp(sb, { STUB_CLOUD_INIT_HANGS: "1", DOCKER_WAIT_SECONDS: "1" });
    expect(r.stderr).toContain("[run-op] cloud-init still running after 1s; going on");
    expect(r.status).toBe(0);
    expect(jsonLines(r.stdout)[1]).toMatchObject({ ok: true });
  });

  test("no cloud-init on this boot (no /run/cloud-init): cloud-init is not asked, docker is checked once", () => {
    const sb = sandbox();
    const r = runOp(sb, {});
    expect(r.status).toBe(0);
    expect(stubCalls(sb).filter((l) => !l.startsWith("aws "))).toEqual(["docker info"]);
    expect(r.stderr).not.toContain("cloud-init");
    expect(r.stderr).not.toContain("waiting");
  });

  test("a docker daemon that answers late is waited for, with progress on stderr", () => {
    const sb = sandbox();
    writeFileSync(join(sb.state, "docker-info-failures"), "2\n");
    const r = runOp(sb, {});
    expect(r.status).toBe(0);
    expect(stubCalls(sb).filter((l) => !l.startsWith("aws "))).toEqual([
      "docker info",
      "sleep 5",
      "docker info",
      "sleep 5",
      "docker info",
    ]);
    expect(r.stderr).toContain("[run-op] waiting up to 600s for docker to answer\n");
    expect(r.stderr).toContain("[run-op] docker is up\n");
    expect(jsonLines(r.stdout)[1]).toMatchObject({ ok: true, operation: "echo" });
  });

  test("docker that never appears fails clearly (DOCKER_MISSING) once the wait is over, before any download", () => {
    const sb = sandbox();
    const { PATH } = pathWithoutDocker(sb);
    const r = runOp(sb, { PATH, DOCKER_WAIT_SECONDS: "0" });
    expect(r.status).toBe(1);
    expect(jsonLines(r.stdout)).toEqual([
      {
        event: "result",
        ok: false,
        operation: "echo",
        error: {
          code: "DOCKER_MISSING",
          message: "docker is not installed on this instance (waited 0s for cloud-init and docker)",
        },
      },
    ]);
    expect(sb.readLog()).toEqual([]);
  });

  test("cloud-init that finishes without installing docker ends in DOCKER_MISSING", () => {
    const sb = sandbox();
    cloudInitBoot(sb);
    const { PATH } = pathWithoutDocker(sb);
    const r = runOp(sb, { PATH, DOCKER_WAIT_SECONDS: "1" });
    expect(r.status).toBe(1);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ ok: false, error: { code: "DOCKER_MISSING" } });
    expect(sb.readLog()[0]).toBe("cloud-init status --wait");
    expect(sb.readLog().some((l) => l.startsWith("aws "))).toBe(false);
  });

  test("a docker daemon that never answers fails with DOCKER_UNAVAILABLE", () => {
    const sb = sandbox();
    writeFileSync(join(sb.state, "docker-info-failures"), "1000\n");
    const r = runOp(sb, { DOCKER_WAIT_SECONDS: "0" });
    expect(r.status).toBe(1);
    expect(jsonLines(r.stdout)[0]).toMatchObject({
      ok: false,
      error: {
        code: "DOCKER_UNAVAILABLE",
        message: "docker is installed but its daemon did not answer within 0s (see systemctl status docker)",
      },
    });
    expect(sb.readLog()).toEqual(["docker info"]);
  });

  test("a malformed DOCKER_WAIT_SECONDS is refused before anything runs", () => {
    const sb = sandbox();
    cloudInitBoot(sb);
    const r = runOp(sb, { DOCKER_WAIT_SECONDS: "10m" });
    expect(r.status).toBe(2);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ error: { code: "BAD_REQUEST" } });
    expect(sb.readLog()).toEqual([]);
  });
});

/** A bundle whose "pair" operation waits until both runs of a pair have started (a barrier dir in the payload). */
const PAIR_BUNDLE = `
import { existsSync, rmSync, writeFileSync } from "node:fs";
const [operation, payload] = process.argv.slice(2);
const input = JSON.parse(Buffer.from(payload, "base64").toString("utf8"));
const out = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
const other = input.id === "a" ? "b" : "a";
process.stderr.write("progress of " + input.id + "\\n");
out({ event: "step", name: "first", id: input.id });
writeFileSync(input.barrier + "/" + input.id, "");
// Hold on until the test says go (it does once the other run is waiting); note whether the other
// run ever runs meanwhile.
let overlap = false;
const until = Date.now() + 10000;
while (!existsSync(input.barrier + "/go") && Date.now() < until) {
  overlap ||= existsSync(input.barrier + "/" + other);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}
for (let i = 0; i < 50; i++) out({ event: "step", name: "step-" + i, id: input.id });
rmSync(input.barrier + "/" + input.id);
out({ event: "result", ok: true, operation, result: { id: input.id, overlap } });
`;

function runOpAsync(
  sb: Sandbox,
  env: Record<string, string>,
  onStderr?: (text: string) => void,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const full: Record<string, string> = {
    PATH: `${STUBS}${delimiter}${process.env.PATH}`,
    ...sandboxEnv(sb),
    BUNDLE_URI: sb.bundleUri,
    BUNDLE_SHA256: sb.bundleSha,
    AWS_REGION: "us-east-2",
    ...env,
  };
  return new Promise((done, reject) => {
    const child = spawn("bash", [SCRIPT], { env: full });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      onStderr?.(stderr);
    });
    child.on("error", reject);
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

/** "<pid>:<start time>" of a live process, as run-op.sh labels its containers. */
function ownerOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return `${pid}:${stat.slice(stat.lastIndexOf(") ") + 2).split(" ")[19]}`;
}

describe("run-op.sh: several runs of one operation", () => {
  test("two runs at the same time: the second waits for the first (single flight); each returns its own output", async () => {
    const sb = sandbox(PAIR_BUNDLE);
    const barrier = join(sb.dir, "barrier");
    mkdirSync(barrier);
    // the first run pulls the image; start both once it is present
    writeFileSync(join(sb.state, "image-present"), "");
    const go = () => writeFileSync(join(barrier, "go"), "");
    const waiting = (text: string) => {
      if (text.includes("waiting for it to end")) go();
    };
    const [a, b] = await Promise.all(
      ["a", "b"].map((id) => runOpAsync(sb, { OPERATION: "pair", PAYLOAD: b64({ id, barrier }) }, waiting)),
    );
    for (const [r, id] of [
      [a, "a"],
      [b, "b"],
    ] as const) {
      expect(r.status).toBe(0);
      const lines = jsonLines(r.stdout);
      expect(lines).toHaveLength(52);
      expect(lines.every((l) => (l.id ?? (l.result as { id: string }).id) === id)).toBe(true);
      expect(lines.at(-1)!.result).toEqual({ id, overlap: false });
      expect(r.stderr).toContain(`progress of ${id}\n`);
    }
    const waited = [a, b].filter((r) =>
      r.stderr.includes("an earlier run of pair is still going on this instance (pid "),
    );
    expect(waited).toHaveLength(1);
    expect(waited[0].stderr).toMatch(/the earlier run of pair ended after \d+s; running now/);
    const logDir = join(sb.root, "var/log/near-localnet/ops");
    expect(readdirSync(logDir).sort()).toEqual(["pair.stderr", "pair.stdout"]);
    const kept = readFileSync(join(logDir, "pair.stdout"), "utf8");
    expect([a.stdout, b.stdout]).toContain(kept);
    const keptErr = readFileSync(join(logDir, "pair.stderr"), "utf8");
    expect(keptErr).toBe(`progress of ${kept === a.stdout ? "a" : "b"}\n`);
  });

  test("removes containers of the operation left by a killed run, keeps those of live runs and other operations", () => {
    const sb = sandbox();
    // a pid that no longer runs: a child that has exited
    const gone = spawnSync("bash", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim();
    const container = (name: string, owner: string) =>
      writeFileSync(join(sb.state, `container-${name}`), `running near-localnet.owner=${owner}\n`);
    container(`near-op-echo-${gone}`, `${gone}:12345`);
    container(`near-op-echo-${process.pid}`, ownerOf(process.pid));
    // same pid as this process but another start time: that run is gone too
    container("near-op-echo-77", `${process.pid}:1`);
    container(`near-op-echo-x-${gone}`, `${gone}:12345`);
    const logDir = join(sb.root, "var/log/near-localnet/ops");
    mkdirSync(logDir, { recursive: true });
    writeFileSync(join(logDir, `.echo.${gone}.stdout`), "partial\n");
    writeFileSync(join(logDir, `.echo.${process.pid}.stdout`), "still being written\n");
    const r = runOp(sb, {});
    expect(r.status).toBe(0);
    // The listing order follows the container names, which depend on the pids: compare as sets.
    expect(
      dockerLines(sb)
        .filter((l) => l.startsWith("docker rm"))
        .sort(),
    ).toEqual([`docker rm -f near-op-echo-${gone}`, "docker rm -f near-op-echo-77"].sort());
    expect(r.stderr).toContain(`[run-op] removing near-op-echo-${gone}, left by a run that no longer exists\n`);
    expect(r.stderr).toContain(
      `[run-op] near-op-echo-${process.pid} belongs to a run that is still going (pid ${process.pid}); leaving it\n`,
    );
    expect(
      readdirSync(join(sb.state))
        .filter((f) => f.startsWith("container-"))
        .sort(),
    ).toEqual([`container-near-op-echo-${process.pid}`, `container-near-op-echo-x-${gone}`].sort());
    expect(readdirSync(logDir).sort()).toEqual([`.echo.${process.pid}.stdout`, "echo.stderr", "echo.stdout"]);
  });
});
