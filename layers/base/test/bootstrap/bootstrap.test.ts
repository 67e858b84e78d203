import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { gunzipped, gzipUserData, renderUserData } from "../../../../platform/host/render.js";
import { containerLogStream } from "../../../../platform/host/container-logs.js";
import { BASE_SCRIPTS } from "../../scripts.js";
import { HOST_SCRIPTS } from "../../../../platform/host/scripts.js";
import {
  DEVICE,
  IMAGE,
  RUN_IMAGE,
  TAG_DIGEST,
  NODE_PARAM,
  STUBS,
  Sandbox,
  VALIDATOR_PARAM,
  VOLUME_ID,
  balanceSum,
  keyPair,
  rootAccountRecords,
} from "./harness.js";

const DROP_IN = "etc/systemd/system/docker.service.d/10-near-data.conf";
const HEAD_OBJECT =
  "aws s3api head-object --region eu-central-1 --bucket near-localnet-genesis-123456789012 --key localnet/genesis.json " +
  '--query [Metadata.sha256,Metadata."data-volume-id"] --output text';

const sandboxes: Sandbox[] = [];
function sandbox(): Sandbox {
  const s = new Sandbox();
  sandboxes.push(s);
  return s;
}
afterAll(() => sandboxes.forEach((s) => s.cleanup()));

const has = (calls: string[], re: RegExp) => calls.some((c) => re.test(c));
const count = (calls: string[], re: RegExp) => calls.filter((c) => re.test(c)).length;

function expectNoSecrets(s: Sandbox, ...texts: string[]): void {
  for (const secret of [s.node.secretKey, s.validator.secretKey]) {
    for (const text of texts) expect(text).not.toContain(secret.slice("ed25519:".length));
  }
}

function homeSnapshot(s: Sandbox): Record<string, { content: string; mtime: number; mode: number }> {
  const out: Record<string, { content: string; mtime: number; mode: number }> = {};
  for (const name of readdirSync(s.home)) {
    const st = statSync(join(s.home, name));
    out[name] = { content: readFileSync(join(s.home, name), "utf8"), mtime: st.mtimeMs, mode: st.mode & 0o777 };
  }
  return out;
}

describe("near-base bootstrap: first boot", () => {
  const s = sandbox();
  let r: ReturnType<Sandbox["run"]>;
  beforeAll(() => {
    r = s.run();
  });

  test("succeeds and prints the genesis sha256", () => {
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    const sha = createHash("sha256").update(s.homeFile("genesis.json")).digest("hex");
    expect(r.stdout).toContain(`near-base: genesis sha256 ${sha}\n`);
  });

  test("writes the program-held keys, 0600, and leaves no staging directory", () => {
    expect(readdirSync(s.home).sort()).toEqual([
      ".image-pins",
      "config.json",
      "genesis.json",
      "node_key.json",
      "validator_key.json",
    ]);
    expect(s.homeFile(".image-pins")).toBe(`nearcoreImage ${IMAGE} ${TAG_DIGEST}\n`);
    expect(JSON.parse(s.homeFile("node_key.json"))).toEqual({
      account_id: "node",
      public_key: s.node.publicKey,
      secret_key: s.node.secretKey,
    });
    expect(JSON.parse(s.homeFile("validator_key.json"))).toEqual({
      account_id: "node0",
      public_key: s.validator.publicKey,
      secret_key: s.validator.secretKey,
    });
    for (const f of ["node_key.json", "validator_key.json"]) {
      expect(statSync(join(s.home, f)).mode & 0o777).toBe(0o600);
    }
  });

  test("initialises with neard init in the image, keys in place first", () => {
    const init = r.calls.filter((c) => / init /.test(c));
    expect(init).toEqual([
      `docker run --rm --network none -v ${s.home}:/srv/near --entrypoint /usr/local/bin/neard ${RUN_IMAGE} ` +
        `--home /srv/near/.init init --chain-id localnet --account-id node0`,
    ]);
  });

  test("the genesis is the init genesis plus the root account, with a consistent total supply", () => {
    const genesis = JSON.parse(s.homeFile("genesis.json"));
    expect(genesis.chain_id).toBe("localnet");
    expect(genesis.validators).toEqual([
      { account_id: "node0", public_key: s.validator.publicKey, amount: "50000000000000000000000000000000" },
    ]);
    const localnet = genesis.records.filter(
      (rec: any) => rec.Account?.account_id === "localnet" || rec.AccessKey?.account_id === "localnet",
    );
    expect(localnet).toEqual(rootAccountRecords(s.rootAccount.publicKey));
    expect(genesis.total_supply).toBe("3050000000000000000000000000000000");
    expect(BigInt(genesis.total_supply)).toBe(balanceSum(genesis));
  });

  test("the config listens on the VPC, tracks all shards and keeps history", () => {
    const config = JSON.parse(s.homeFile("config.json"));
    expect(config.rpc.addr).toBe("0.0.0.0:3030");
    expect(config.network.addr).toBe("0.0.0.0:24567");
    expect(config.gc_num_epochs_to_keep).toBe(10000);
    expect(config.tracked_shards_config).toBe("AllShards");
    expect(config.network.skip_sync_wait).toBe(true);
  });

  test("formats and mounts the data volume, with an fstab entry by UUID and nofail", () => {
    const dev = s.root + DEVICE;
    expect(r.calls).toContain(`mkfs.xfs -q -L near-data ${dev}`);
    expect(r.calls).toContain(`mount -t xfs ${dev} ${s.home}`);
    expect(readFileSync(join(s.root, "etc", "fstab"), "utf8")).toBe(
      "UUID=6f1f0b8e-2c4d-4a51-9d3e-0c7b5a9e1f42 /srv/near xfs defaults,nofail,x-systemd.before=docker.service 0 2\n",
    );
    // The volume is mounted before anything is written to it.
    expect(r.calls.findIndex((c) => c.startsWith("mount "))).toBeLessThan(r.calls.findIndex((c) => / init /.test(c)));
  });

  test("makes docker require the /srv/near mount (a drop-in, then one daemon-reload)", () => {
    expect(readFileSync(join(s.root, DROP_IN), "utf8")).toBe("[Unit]\nRequiresMountsFor=/srv/near\n");
    expect(r.calls.filter((c) => c.startsWith("systemctl daemon-reload"))).toEqual(["systemctl daemon-reload"]);
    const at = (re: RegExp) => r.calls.findIndex((c) => re.test(c));
    expect(at(/^mount /)).toBeLessThan(at(/^systemctl daemon-reload$/));
    expect(at(/^systemctl daemon-reload$/)).toBeLessThan(at(/^docker run -d /));
  });

  test("reads both keys from SSM with decryption, before touching the volume", () => {
    const ssm = r.calls.filter((c) => c.startsWith("aws ssm"));
    expect(ssm).toEqual([
      `aws ssm get-parameter --region eu-central-1 --name ${NODE_PARAM} --with-decryption --query Parameter.Value --output text`,
      `aws ssm get-parameter --region eu-central-1 --name ${VALIDATOR_PARAM} --with-decryption --query Parameter.Value --output text`,
    ]);
    expect(r.calls.findIndex((c) => c.startsWith("aws ssm"))).toBeLessThan(
      r.calls.findIndex((c) => c.startsWith("blkid")),
    );
  });

  test("publishes the exact genesis bytes with their sha256 and the data volume id as metadata", () => {
    const genesis = s.homeFile("genesis.json");
    const sha = createHash("sha256").update(genesis).digest("hex");
    expect(s.s3Object()).toBe(genesis);
    expect(s.s3Metadata()).toEqual({ sha256: sha, "data-volume-id": VOLUME_ID });
    expect(r.calls.filter((c) => c.startsWith("aws s3"))).toEqual([
      HEAD_OBJECT,
      `aws s3 cp --region eu-central-1 --only-show-errors --content-type application/json ` +
        `--metadata sha256=${sha},data-volume-id=${VOLUME_ID} ` +
        `${s.home}/genesis.json s3://near-localnet-genesis-123456789012/localnet/genesis.json`,
    ]);
  });

  test("starts docker and runs the node container with a restart policy on the host network", () => {
    expect(r.calls).toContain("systemctl enable --now docker");
    expect(r.calls.filter((c) => c.startsWith("docker run -d"))).toEqual([
      `docker run -d --name neard --restart unless-stopped --network host --ulimit nofile=65535:65535 ` +
        `--log-opt max-size=100m --log-opt max-file=5 -v ${s.home}:/srv/near ` +
        `--entrypoint /usr/local/bin/neard ${RUN_IMAGE} --home /srv/near run`,
    ]);
    expect(has(r.calls, /^(dnf|curl) /)).toBe(false);
  });

  test("no secret appears in output or in any command line", () => {
    expectNoSecrets(s, r.stdout, r.stderr, r.calls.join("\n"));
  });

  describe("second boot (reboot or re-run)", () => {
    let before: ReturnType<typeof homeSnapshot>;
    let r2: ReturnType<Sandbox["run"]>;
    beforeAll(() => {
      before = homeSnapshot(s);
      r2 = s.run();
    });

    test("changes nothing: no init, no format, no upload, no new container, no daemon-reload", () => {
      expect(r2.status).toBe(0);
      expect(homeSnapshot(s)).toEqual(before);
      const reads = [
        / init /,
        /^mkfs/,
        /^mount /,
        /^aws s3 cp/,
        /^docker (run|rm|start|pull)/,
        /^systemctl (enable|daemon-reload)/,
        /^dnf /,
      ];
      for (const re of reads) {
        expect(r2.calls.filter((c) => re.test(c))).toEqual([]);
      }
      expect(r2.calls.filter((c) => c.startsWith("aws s3"))).toEqual([HEAD_OBJECT]);
      expect(readFileSync(join(s.root, DROP_IN), "utf8")).toBe("[Unit]\nRequiresMountsFor=/srv/near\n");
      expect(count(readFileSync(join(s.root, "etc", "fstab"), "utf8").split("\n"), /UUID=/)).toBe(1);
      expect(r2.stdout).toContain(`neard already runs ${RUN_IMAGE}`);
      expectNoSecrets(s, r2.stdout, r2.stderr, r2.calls.join("\n"));
    });
  });
});

describe("near-base bootstrap: later instances and reruns", () => {
  test("a replacement instance finds the volume and only mounts it and starts the node", () => {
    const s = sandbox();
    expect(s.run().status).toBe(0);
    const genesis = s.homeFile("genesis.json");
    s.newInstance();
    const r = s.run();
    expect(r.status).toBe(0);
    expect(has(r.calls, /^mkfs/)).toBe(false);
    expect(has(r.calls, / init /)).toBe(false);
    expect(has(r.calls, /^aws s3 cp/)).toBe(false);
    expect(r.calls).toContain(`mount -t xfs ${s.root + DEVICE} ${s.home}`);
    expect(count(r.calls, /^docker run -d --name neard /)).toBe(1);
    expect(s.homeFile("genesis.json")).toBe(genesis);
    expect(readFileSync(join(s.root, "etc", "fstab"), "utf8")).toMatch(/^UUID=\S+ \/srv\/near xfs defaults,nofail/);
    // its root disk is new: the docker drop-in is written again
    expect(readFileSync(join(s.root, DROP_IN), "utf8")).toBe("[Unit]\nRequiresMountsFor=/srv/near\n");
    expect(count(r.calls, /^systemctl daemon-reload$/)).toBe(1);
  });

  test("a changed chainId is refused on the kept volume: the old chain is not run under the new name", () => {
    const s = sandbox();
    expect(s.run().status).toBe(0);
    s.newInstance();
    const r = s.run({ CHAIN_ID: "mpc-localnet" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "the data volume holds chain 'localnet', but chainId is 'mpc-localnet': set it back " +
        "(pulumi config set near-localnet:chainId localnet), or start a new chain on purpose",
    );
    expect(has(r.calls, /^docker run -d --name neard /)).toBe(false);
  });

  test("a changed gcNumEpochsToKeep reaches the kept config.json and restarts neard; the same one changes nothing", () => {
    const s = sandbox();
    expect(s.run().status).toBe(0);
    const r = s.run({ GC_NUM_EPOCHS_TO_KEEP: "20000" });
    expect(r.status).toBe(0);
    expect(JSON.parse(s.homeFile("config.json")).gc_num_epochs_to_keep).toBe(20000);
    expect(r.calls.filter((c) => /^docker (restart|run|rm|start)/.test(c))).toEqual(["docker restart neard"]);
    expect(r.stdout).toContain("restarted neard for its new config");
    const again = s.run({ GC_NUM_EPOCHS_TO_KEEP: "20000" });
    expect(again.calls.filter((c) => /^docker (restart|run|rm|start)/.test(c))).toEqual([]);
  });

  test("a docker drop-in with other content is rewritten and systemd reloaded", () => {
    const s = sandbox();
    expect(s.run().status).toBe(0);
    writeFileSync(join(s.root, DROP_IN), "[Unit]\nAfter=srv-near.mount\n");
    const r = s.run();
    expect(r.status).toBe(0);
    expect(readFileSync(join(s.root, DROP_IN), "utf8")).toBe("[Unit]\nRequiresMountsFor=/srv/near\n");
    expect(count(r.calls, /^systemctl daemon-reload$/)).toBe(1);
  });

  test("a stopped container with the same image is started, not replaced", () => {
    const s = sandbox();
    expect(s.run().status).toBe(0);
    writeFileSync(join(s.state, "containers", "neard"), `${RUN_IMAGE} false\n`);
    const r = s.run();
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("docker ") && !/^docker (image )?inspect/.test(c))).toEqual([
      "docker start neard",
    ]);
  });

  test("a container with another image is replaced by one with NEAR_IMAGE", () => {
    const s = sandbox();
    expect(s.run().status).toBe(0);
    writeFileSync(join(s.state, "containers", "neard"), "nearprotocol/nearcore:2.12.0 true\n");
    const r = s.run();
    expect(r.status).toBe(0);
    const docker = r.calls.filter((c) => /^docker (rm|run|pull)/.test(c));
    expect(docker.map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual(["docker rm -f", "docker run -d"]);
    expect(readFileSync(join(s.state, "containers", "neard"), "utf8")).toBe(`${RUN_IMAGE} true\n`);
  });

  test("a pinned nearcoreImage runs by its digest; a served digest that differs is refused before anything starts", () => {
    const pinned = `${IMAGE}@sha256:${"34".repeat(32)}`;
    const s = sandbox();
    const ok = s.run({ NEAR_IMAGE: pinned });
    expect(ok.status).toBe(0);
    expect(readFileSync(join(s.state, "containers", "neard"), "utf8")).toBe(
      `nearprotocol/nearcore@sha256:${"34".repeat(32)} true\n`,
    );

    const bad = sandbox();
    const r = bad.run({ NEAR_IMAGE: pinned, STUB_SERVED_DIGEST: TAG_DIGEST });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `image-pin: nearcoreImage: nearprotocol/nearcore@sha256:${"34".repeat(32)} has digest ${TAG_DIGEST} (RepoDigests), not the pinned sha256:${"34".repeat(32)}; refusing to run it.`,
    );
    expect(r.calls.filter((c) => c.startsWith("docker run"))).toEqual([]);
  });

  test("a replacement instance runs the digest the volume recorded, though the tag moved", () => {
    const s = sandbox();
    expect(s.run().status).toBe(0);
    rmSync(join(s.state, "containers", "neard"));
    rmSync(join(s.state, "images"), { recursive: true });
    const r = s.run({ STUB_TAG_DIGEST: `sha256:${"56".repeat(32)}` });
    expect(r.status).toBe(0);
    expect(r.calls).toContain(`docker pull -q ${RUN_IMAGE}`);
    expect(readFileSync(join(s.state, "containers", "neard"), "utf8")).toBe(`${RUN_IMAGE} true\n`);
  });

  test("a genesis object whose sha256 differs in S3 is uploaded again", () => {
    const s = sandbox();
    expect(s.run().status).toBe(0);
    const meta = s.s3Metadata()!;
    s.setS3Metadata({ ...meta, sha256: "0".repeat(64) });
    const r = s.run();
    expect(r.status).toBe(0);
    expect(count(r.calls, /^aws s3 cp /)).toBe(1);
    expect(s.s3Object()).toBe(s.homeFile("genesis.json"));
    expect(s.s3Metadata()).toEqual(meta);
  });

  test("a genesis object published from another data volume is uploaded again, even with the same sha256", () => {
    const s = sandbox();
    expect(s.run().status).toBe(0);
    const meta = s.s3Metadata()!;
    s.setS3Metadata({ ...meta, "data-volume-id": "vol-0fedcba9876543210" });
    const r = s.run();
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("aws s3 cp "))).toEqual([
      `aws s3 cp --region eu-central-1 --only-show-errors --content-type application/json ` +
        `--metadata sha256=${meta.sha256},data-volume-id=${VOLUME_ID} ` +
        `${s.home}/genesis.json s3://near-localnet-genesis-123456789012/localnet/genesis.json`,
    ]);
    expect(s.s3Metadata()).toEqual({ sha256: meta.sha256, "data-volume-id": VOLUME_ID });
  });

  test("a genesis object without the data volume id (published by an older bootstrap) is uploaded again", () => {
    const s = sandbox();
    expect(s.run().status).toBe(0);
    const meta = s.s3Metadata()!;
    s.setS3Metadata({ sha256: meta.sha256 });
    const r = s.run();
    expect(r.status).toBe(0);
    expect(count(r.calls, /^aws s3 cp /)).toBe(1);
    expect(s.s3Metadata()).toEqual(meta);
  });

  test("keys whose base58 starts with '1' (leading zero bytes) decode and match", () => {
    const seed = new Uint8Array(32).fill(7);
    seed[0] = 0;
    const node = keyPair(seed);
    expect(node.secretKey.startsWith("ed25519:1")).toBe(true);
    const vseed = new Uint8Array(32).fill(9);
    vseed[0] = 21;
    vseed[1] = 0;
    const validator = keyPair(vseed); // its public key's first byte is 0
    expect(validator.publicKey.startsWith("ed25519:1")).toBe(true);
    const s = sandbox();
    s.putParam(NODE_PARAM, node.secretKey);
    s.putParam(VALIDATOR_PARAM, validator.secretKey);
    const r = s.run({ NODE_PUBLIC_KEY: node.publicKey, VALIDATOR_PUBLIC_KEY: validator.publicKey });
    expect(r.stderr).not.toContain("error");
    expect(r.status).toBe(0);
    expect(JSON.parse(s.homeFile("validator_key.json")).secret_key).toBe(validator.secretKey);
  });

  test("a crash during init is redone on the next run, never leaving a config.json", () => {
    const s = sandbox();
    const r1 = s.run({ STUB_FAIL_INIT: "1" });
    expect(r1.status).not.toBe(0);
    expect(r1.stderr).toContain("near-base: error: neard init failed");
    expect(existsSync(join(s.home, "config.json"))).toBe(false);
    expect(s.s3Object()).toBeUndefined();
    expect(has(r1.calls, /^docker run -d/)).toBe(false);
    const r2 = s.run();
    expect(r2.status).toBe(0);
    expect(count(r2.calls, / init /)).toBe(1);
    expect(existsSync(join(s.home, ".init"))).toBe(false);
    expect(JSON.parse(s.homeFile("config.json")).gc_num_epochs_to_keep).toBe(10000);
  });

  test("installs docker and the AWS CLI when missing, then starts docker", () => {
    const s = sandbox();
    const bin = join(s.dir, "bin");
    mkdirSync(bin);
    for (const f of readdirSync(STUBS)) if (f !== "docker" && f !== "aws") symlinkSync(join(STUBS, f), join(bin, f));
    const r = s.run({ PATH: `${bin}:/usr/bin:/bin`, STUB_DNF_BIN: bin });
    expect(r.status).toBe(0);
    expect(r.calls.slice(0, 2)).toEqual(["dnf install -y -q docker awscli-2", "systemctl is-active --quiet docker"]);
    expect(r.calls[2]).toBe("systemctl enable --now docker");
    expect(count(r.calls, /^docker run -d/)).toBe(1);
  });

  test("waits for a data volume that is attached after boot", () => {
    const s = sandbox();
    const dev = s.root + DEVICE;
    rmSync(dev);
    const r = s.run({ DATA_VOLUME_WAIT_SECONDS: "900", STUB_SLEEP_CREATES: dev });
    expect(r.status).toBe(0);
    expect(r.calls).toContain("sleep 5");
    expect(r.calls).toContain(`mkfs.xfs -q -L near-data ${dev}`);
  });
});

describe("near-base bootstrap: refuses instead of half-initialising", () => {
  function expectNothingWritten(s: Sandbox, r: ReturnType<Sandbox["run"]>): void {
    expect(r.status).not.toBe(0);
    expect(existsSync(join(s.home, "config.json"))).toBe(false);
    expect(has(r.calls, / init /)).toBe(false);
    expect(has(r.calls, /^docker run/)).toBe(false);
    expect(has(r.calls, /^aws s3 cp/)).toBe(false);
    expectNoSecrets(s, r.stdout, r.stderr, r.calls.join("\n"));
  }

  test("a missing node key fails with a message naming the parameter", () => {
    const s = sandbox();
    s.deleteParam(NODE_PARAM);
    const r = s.run();
    expect(r.stderr).toContain(`near-base: error: cannot read SSM parameter ${NODE_PARAM} (missing or not readable)`);
    expectNothingWritten(s, r);
    expect(has(r.calls, /^(mkfs|mount) /)).toBe(false);
  });

  test("a malformed validator key fails without echoing it", () => {
    const s = sandbox();
    s.putParam(VALIDATOR_PARAM, "ed25519:0OIl-not-base58");
    const r = s.run();
    expect(r.stderr).toContain(
      `near-base: error: SSM parameter ${VALIDATOR_PARAM} does not hold an ed25519 secret key (ed25519:<base58 of 64 bytes>)`,
    );
    expect(r.stderr + r.stdout).not.toContain("0OIl-not-base58");
    expectNothingWritten(s, r);
  });

  test("a key of the wrong length fails", () => {
    const s = sandbox();
    s.putParam(VALIDATOR_PARAM, s.validator.publicKey); // 32 bytes, not 64
    const r = s.run();
    expect(r.stderr).toContain(`SSM parameter ${VALIDATOR_PARAM} does not hold an ed25519 secret key`);
    expectNothingWritten(s, r);
  });

  test("swapped parameters (a secret that belongs to another public key) fail", () => {
    const s = sandbox();
    s.putParam(NODE_PARAM, s.validator.secretKey);
    const r = s.run();
    expect(r.stderr).toContain(`SSM parameter ${NODE_PARAM} holds a key that does not belong to ${s.node.publicKey}`);
    expectNothingWritten(s, r);
  });

  test("key files on the volume that differ from the stack's keys fail", () => {
    const s = sandbox();
    expect(s.run().status).toBe(0);
    const other = keyPair();
    s.putParam(NODE_PARAM, other.secretKey);
    const r = s.run({ NODE_PUBLIC_KEY: other.publicKey });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      `${s.home}/node_key.json holds 'node ${s.node.publicKey}', expected 'node ${other.publicKey}'`,
    );
    expect(has(r.calls, /^docker run/)).toBe(false);
  });

  test("an image that cannot be pulled fails after bounded retries", () => {
    const s = sandbox();
    const r = s.run({ STUB_PULL_FAILS: "1" });
    expect(r.stderr).toContain(`image-pin: nearcoreImage: cannot pull ${IMAGE}`);
    expect(count(r.calls, /^docker pull -q /)).toBe(5);
    expectNothingWritten(s, r);
  });

  test("a volume that never appears fails with its id", () => {
    const s = sandbox();
    rmSync(s.root + DEVICE);
    const r = s.run();
    expect(r.stderr).toContain(`data volume vol-0123456789abcdef0 did not appear at ${s.root + DEVICE} within 0s`);
    expectNothingWritten(s, r);
  });

  test("a volume with unrecognised content is not formatted", () => {
    const s = sandbox();
    mkdirSync(join(s.state, "fs"), { recursive: true });
    writeFileSync(join(s.state, "fs", (s.root + DEVICE).replace(/\//g, "%")), "gpt\n");
    const r = s.run();
    expect(r.stderr).toContain("holds data that is not a filesystem; refusing to format it");
    expect(has(r.calls, /^mkfs/)).toBe(false);
    expectNothingWritten(s, r);
  });

  test("chain data without a config.json is not re-initialised", () => {
    const s = sandbox();
    mkdirSync(join(s.home, "data"), { recursive: true });
    const r = s.run();
    expect(r.stderr).toContain("has chain data but no config.json; refusing to initialise over it");
    expectNothingWritten(s, r);
  });

  test.each([
    ["CHAIN_ID", "local net", "CHAIN_ID='local net' is malformed"],
    [
      "ROOT_BALANCE_YOCTO",
      "-5",
      "ROOT_BALANCE_YOCTO='-5' is malformed: expected a positive decimal amount of yoctoNEAR",
    ],
    ["ROOT_BALANCE_YOCTO", "1e24", "ROOT_BALANCE_YOCTO='1e24' is malformed"],
    ["VALIDATOR_ACCOUNT_ID", "Node0", "VALIDATOR_ACCOUNT_ID='Node0' is malformed: expected a NEAR account id"],
    ["ROOT_ACCOUNT_ID", "a", "ROOT_ACCOUNT_ID='a' must have 2 to 64 characters"],
    ["DATA_VOLUME_ID", "vol_123", "DATA_VOLUME_ID='vol_123' is malformed: expected an EBS volume id (vol-...)"],
    ["ROOT_PUBLIC_KEY", "ed25519:abc", "ROOT_PUBLIC_KEY is not a 32-byte ed25519 public key"],
    ["NODE_PUBLIC_KEY", "secp256k1:abc", "NODE_PUBLIC_KEY='secp256k1:abc' is malformed"],
    ["GC_NUM_EPOCHS_TO_KEEP", "0", "GC_NUM_EPOCHS_TO_KEEP='0' is malformed: expected a positive number of epochs"],
    ["AWS_REGION", "", "AWS_REGION is not set: expected an AWS region such as us-east-1"],
    ["GENESIS_BUCKET", "", "GENESIS_BUCKET is not set"],
  ])("setting %s=%j is refused", (name, value, message) => {
    const s = sandbox();
    const r = s.run({ [name]: value });
    expect(r.stderr).toContain(`near-base: error: ${message}`);
    expect(r.calls).toEqual([]);
  });

  test("an unset setting is refused with its name", () => {
    const s = sandbox();
    const r = s.run({}, ["NEAR_IMAGE"]);
    expect(r.stderr).toContain(
      "near-base: error: NEAR_IMAGE is not set: expected an image such as nearprotocol/nearcore:2.13.3",
    );
    expect(r.calls).toEqual([]);
  });
});

describe("near-base bootstrap: container logs", () => {
  const GROUP = "/near-localnet/dev/containers";

  test("with LOG_GROUP, neard logs to CloudWatch with the awslogs driver, and the faucet's options are kept", () => {
    const s = sandbox();
    const r = s.run({ LOG_GROUP: GROUP });
    expect(r.status).toBe(0);
    const opts = [
      "--log-driver=awslogs",
      "--log-opt=awslogs-region=eu-central-1",
      `--log-opt=awslogs-group=${GROUP}`,
      "--log-opt=tag=base/{{.Name}}",
      "--log-opt=mode=non-blocking",
      "--log-opt=max-buffer-size=4m",
    ];
    // run-op.sh starts the faucet with this file; the tag names the stream <host>/<container>
    expect(readFileSync(join(s.root, "etc/near-localnet/docker-logging"), "utf8")).toBe(`${opts.join("\n")}\n`);
    expect(containerLogStream("base", "neard")).toBe("base/neard");
    const run = r.calls.filter((c) => c.startsWith("docker run -d"));
    expect(run).toEqual([
      `docker run -d --name neard --restart unless-stopped --network host --ulimit nofile=65535:65535 ` +
        `${opts.join(" ")} -v ${s.home}:/srv/near --entrypoint /usr/local/bin/neard ${RUN_IMAGE} --home /srv/near run`,
    ]);
  });

  test("without LOG_GROUP the file is gone and logs stay local; a malformed group is refused", () => {
    const s = sandbox();
    expect(s.run({ LOG_GROUP: GROUP }).status).toBe(0);
    s.run();
    expect(existsSync(join(s.root, "etc/near-localnet/docker-logging"))).toBe(false);
    const bad = s.run({ LOG_GROUP: "logs group" });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("LOG_GROUP='logs group' is malformed");
  });
});

describe("near-base bootstrap as user data", () => {
  test("renders with its companion files, compresses well under EC2's 16 KiB, and parses", () => {
    const s = sandbox();
    const text = renderUserData({
      script: BASE_SCRIPTS.bootstrap,
      env: {
        ...Object.fromEntries(Object.entries(s.env).filter(([k]) => k !== "DATA_VOLUME_WAIT_SECONDS")),
        LOG_GROUP: "/near-localnet/localnet-stack/containers",
      },
      files: [BASE_SCRIPTS.genesisPatch, BASE_SCRIPTS.configPatch, HOST_SCRIPTS.imagePin],
    });
    expect(text).toContain(`cat > "$LIB_DIR/image-pin.sh" <<'NEAR_LOCALNET_FILE_EOF'`);
    // EC2 limits the user data the instance gets: the gzip form (cloud-init decompresses it)
    const sent = Buffer.from(gzipUserData(text), "base64");
    expect(sent.length).toBeLessThan(8 * 1024);
    expect(gunzipped(gzipUserData(text))).toBe(text);
    expect(gzipUserData(text)).toBe(gzipUserData(text)); // the same bytes every time
    expect(text).toContain(`export NEAR_IMAGE='${IMAGE}'`);
    expect(text).not.toContain(s.node.secretKey);
    const check = spawnSync("bash", ["-n"], { input: text, encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});
