// Runs layers/mpc/scripts/bootstrap.sh for real, inside a temporary ROOT, with stub docker, aws,
// blkid, mkfs, mount, systemctl, dnf and curl first on PATH (layers/mpc/test/bootstrap/stubs) and the
// real jq. The stubs record their arguments in a log and keep a little state (image, container,
// filesystem) so that a second run sees what the first one left, like a reboot would.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KeyPair } from "near-api-js";
import { gzipUserData, renderUserData, USER_DATA_LIMIT } from "../../../../platform/host/render.js";
import { MPC_SCRIPTS } from "../../scripts.js";
import { HOST_SCRIPTS } from "../../../../platform/host/scripts.js";
import { libDir, logLines, removeTempDir, runScript, tempDir } from "../../../../test/support/script-sandbox.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..", "..", "..", "..");
const SCRIPT = join(REPO, "layers", "mpc", "scripts", "bootstrap.sh");
const LIB = libDir(join(REPO, "layers", "mpc", "scripts"), [join(REPO, "platform", "host", "scripts", "image-pin.sh")]);
const STUBS = join(HERE, "stubs");
/** What the stub registry resolves every tag to, and so the image the bootstrap runs. */
const TAG_DIGEST = `sha256:${"78".repeat(32)}`;
const MPC_RUN = `nearone/mpc-node@${TAG_DIGEST}`;
/** The container's command: reads the store key from its read-only file, then execs the node. */
const WRAPPER =
  "IFS= read -r MPC_SECRET_STORE_KEY </run/secrets/mpc-store-key || " +
  '{ echo "cannot read the secret-store key file /run/secrets/mpc-store-key" >&2; exit 1; }; ' +
  "export MPC_SECRET_STORE_KEY; exec /app/mpc-node start";

const VOLUME = "vol-0123456789abcdef0";
const BASE_VOLUME = "vol-0ba5e0000000000b1";
const BOOT_A = "ed25519:Fu8CVLoATvSCswYiSaSP1RxTxykF1DUmybXkcEJyyzZk@10.0.1.10:24567";
const BOOT_B = "ed25519:7PGseFbWxvYVgZ89K1uTJKYoKetWs7BJtbyXDzfbAcqX@10.0.1.11:24567";

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

// A genesis with its own formatting: the stub init rewrites it compactly, so a byte-exact
// restore is observable.
function genesisText(time: string): string {
  return `{\n    "chain_id": "localnet",\n    "genesis_time": "${time}",\n    "genesis_height": 0,\n    "records": []\n}\n`;
}

interface Keys {
  account: string;
  p2p: string;
  store: string;
}

function freshKeys(): Keys {
  return {
    account: KeyPair.fromRandom("ed25519").toString(),
    p2p: KeyPair.fromRandom("ed25519").toString(),
    store: "0123456789abcdefFEDCBA9876543210",
  };
}

class Sandbox {
  readonly dir = tempDir("mpc-bootstrap-");
  readonly root = join(this.dir, "root");
  readonly state = join(this.dir, "state");
  readonly secrets = join(this.dir, "secrets");
  readonly s3 = join(this.dir, "s3");
  readonly log = join(this.dir, "calls.log");
  readonly home = join(this.root, "srv", "mpc", "home");
  genesis = genesisText("2025-01-01T00:00:00.000000000Z");
  keys = freshKeys();

  constructor() {
    for (const d of [this.root, this.state, this.secrets, join(this.s3, "genesis-bucket", "localnet")]) {
      mkdirSync(d, { recursive: true });
    }
    const devDir = join(this.root, "dev", "disk", "by-id");
    mkdirSync(devDir, { recursive: true });
    writeFileSync(join(devDir, `nvme-Amazon_Elastic_Block_Store_${VOLUME.replace("-", "")}`), "");
    for (const stub of readdirSync(STUBS)) chmodSync(join(STUBS, stub), 0o755);
    this.setGenesis(this.genesis);
    this.setSecrets(this.keys);
  }

  /** Publishes a genesis as the base node does: the bytes, then the metadata answers (default: its sha256 and volume). */
  setGenesis(text: string, answers: string[] = [`${sha256(text)}\t${BASE_VOLUME}`]): void {
    this.genesis = text;
    writeFileSync(join(this.s3, "genesis-bucket", "localnet", "genesis.json"), text);
    writeFileSync(join(this.s3, "genesis-bucket", "localnet", "genesis.json.meta"), `${answers.join("\n")}\n`);
  }

  setSecrets(keys: Partial<Keys>): void {
    this.keys = { ...this.keys, ...keys };
    const ids: Record<keyof Keys, string> = {
      account: "mpc-node-0-mpc_account_sk",
      p2p: "mpc-node-0-mpc_p2p_private_key",
      store: "mpc-node-0-mpc_secret_store_key",
    };
    for (const [k, id] of Object.entries(ids)) writeFileSync(join(this.secrets, id), this.keys[k as keyof Keys]);
  }

  settings(over: Record<string, string> = {}): Record<string, string> {
    return {
      AWS_REGION: "us-east-1",
      NODE_INDEX: "0",
      ACCOUNT_ID: "mpc-node-0.localnet",
      MPC_IMAGE: "nearone/mpc-node:3.14.1",
      DATA_VOLUME_ID: VOLUME,
      ACCOUNT_SK_SECRET: "mpc-node-0-mpc_account_sk",
      P2P_KEY_SECRET: "mpc-node-0-mpc_p2p_private_key",
      STORE_KEY_SECRET: "mpc-node-0-mpc_secret_store_key",
      GENESIS_BUCKET: "genesis-bucket",
      GENESIS_KEY: "localnet/genesis.json",
      BASE_DATA_VOLUME_ID: BASE_VOLUME,
      CHAIN_ID: "localnet",
      BOOT_NODES: BOOT_A,
      CONTRACT_ID: "v1.signer.localnet",
      P2P_PORT: "3000",
      WEB_PORT: "8080",
      CORES: "2",
      TRIPLES_TO_BUFFER: "128",
      PRESIGNATURES_TO_BUFFER: "64",
      RUST_LOG: "info,mpc_node=debug",
      ...over,
    };
  }

  run(over: Record<string, string> = {}, extraEnv: Record<string, string> = {}) {
    writeFileSync(this.log, "");
    const r = runScript(SCRIPT, STUBS, {
      HOME: this.dir,
      ROOT: this.root,
      LIB_DIR: LIB,
      STUB_LOG: this.log,
      STUB_STATE: this.state,
      STUB_SECRETS: this.secrets,
      STUB_S3: this.s3,
      RETRY_DELAY: "0",
      GENESIS_POLL_SECONDS: "0",
      ...this.settings(over),
      ...extraEnv,
    });
    return { ...r, calls: logLines(this.log) };
  }

  file(rel: string): string {
    return readFileSync(join(this.home, rel), "utf8");
  }

  cleanup(): void {
    removeTempDir(this.dir);
  }
}

const EXPECTED_CONFIG_YAML = `my_near_account_id: mpc-node-0.localnet
near_responder_account_id: mpc-node-0.localnet
number_of_responder_keys: 1
web_ui: 0.0.0.0:8080
migration_web_ui: 127.0.0.1:8079
pprof_bind_address: 127.0.0.1:34001
triple:
  concurrency: 2
  desired_triples_to_buffer: 128
  timeout_sec: 120
  parallel_triple_generation_stagger_time_sec: 1
presignature:
  concurrency: 4
  desired_presignatures_to_buffer: 64
  timeout_sec: 60
signature:
  timeout_sec: 60
ckd:
  timeout_sec: 60
indexer:
  validate_genesis: false
  sync_mode: Latest
  concurrency: 1
  mpc_contract_id: v1.signer.localnet
  finality: optimistic
cores: 2
`;

function dockerCalls(calls: string[]): string[] {
  return calls.filter((c) => c.startsWith("docker "));
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

let sb: Sandbox;
beforeEach(() => {
  sb = new Sandbox();
});
afterEach(() => sb.cleanup());

describe("mpc-node bootstrap: first boot", () => {
  test("formats the empty volume, initialises for the base chain and starts /app/mpc-node start", () => {
    const r = sb.run();
    expect(r.stderr).toContain("done: node 0 (mpc-node-0.localnet) on chain 'localnet'");
    expect(r.status).toBe(0);
    const home = sb.home;
    const dev = join(sb.root, "dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0");

    // Volume: waited for, formatted because blkid found nothing, mounted, in fstab for reboots.
    expect(r.calls).toContain(`mkfs -t xfs -L mpc-data ${dev}`);
    expect(r.calls).toContain(`mount ${dev} ${join(sb.root, "srv/mpc")}`);
    expect(readFileSync(join(sb.root, "etc/fstab"), "utf8")).toBe(
      "UUID=6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f /srv/mpc xfs defaults,nofail 0 2\n",
    );
    expect(readFileSync(join(sb.root, "etc/systemd/system/docker.service.d/10-mpc-data.conf"), "utf8")).toBe(
      "[Unit]\nRequiresMountsFor=/srv/mpc\n",
    );
    expect(r.calls).toContain("systemctl daemon-reload");
    expect(r.calls).toContain("systemctl enable --now docker");

    // Secrets read with the value as the only stdout.
    expect(r.calls).toContain(
      "aws secretsmanager get-secret-value --region us-east-1 --secret-id mpc-node-0-mpc_account_sk --query SecretString --output text",
    );
    expect(r.calls).toContain(
      "aws s3 cp --region us-east-1 --only-show-errors s3://genesis-bucket/localnet/genesis.json " +
        join(sb.root, "run/near-localnet/mpc/genesis.json"),
    );

    // Docker: pull, init for the base chain id with the genesis and boot nodes, then the node.
    const state = join(sb.root, "srv/mpc/bootstrap");
    const keyFile = join(sb.root, "srv/mpc/secrets/store-key");
    const label = dockerCalls(r.calls)
      .at(-1)!
      .match(/--label near-localnet\.config-hash=([0-9a-f]{64}) /)![1];
    expect(dockerCalls(r.calls)).toEqual([
      "docker info",
      "docker image inspect nearone/mpc-node:3.14.1",
      "docker pull -q nearone/mpc-node:3.14.1",
      "docker image inspect --format {{range .RepoDigests}}{{println .}}{{end}} nearone/mpc-node:3.14.1",
      "docker container inspect mpc-node",
      `docker run --rm --network none --entrypoint /app/mpc-node -v ${home}:/data -v ${state}/genesis.json:/genesis.json:ro ` +
        `${MPC_RUN} init --dir /data --chain-id localnet --genesis /genesis.json --boot-nodes ${BOOT_A}`,
      `docker inspect --type container -f {{.Config.Image}} {{index .Config.Labels "near-localnet.config-hash"}} {{.State.Status}} mpc-node`,
      `docker run -d --name mpc-node --restart unless-stopped --network host --ulimit nofile=65535:65535 ` +
        `--log-opt max-size=50m --log-opt max-file=5 -v ${home}:/data -v ${keyFile}:/run/secrets/mpc-store-key:ro ` +
        `-e MPC_HOME_DIR=/data -e RUST_LOG=info,mpc_node=debug -e MPC_LOG_FORMAT=plain --entrypoint /bin/bash ` +
        `--label near-localnet.config-hash=${label} ${MPC_RUN} -c ${WRAPPER}`,
    ]);
    expect(r.calls.join("\n")).not.toContain("start.sh");

    // Data dir: original genesis bytes, no validator key, config.json patched for the base chain.
    expect(readFileSync(join(home, "genesis.json"), "utf8")).toBe(sb.genesis);
    expect(existsSync(join(home, "validator_key.json"))).toBe(false);
    expect(existsSync(join(home, "node_key.json"))).toBe(true);
    const cfg = JSON.parse(sb.file("config.json"));
    expect(cfg.network.boot_nodes).toBe(BOOT_A);
    expect(cfg.network.addr).toBe("0.0.0.0:24567");
    expect(cfg.network.experimental.inbound_disabled).toBe(false); // kept what init wrote
    expect(cfg.state_sync_enabled).toBe(false);
    expect(cfg.tracked_shards_config).toEqual({ Accounts: ["v1.signer.localnet"] });
    expect(cfg.store.load_mem_tries_for_tracked_shards).toBe(true);
    // header and block sync from the node's own head, never epoch sync (it cannot finish without state sync)
    expect(cfg.epoch_sync).toEqual({
      timeout_for_epoch_sync: { secs: 60, nanos: 0 }, // kept what init wrote
      epoch_sync_horizon_num_epochs: 1000000,
    });
    expect(cfg.network.experimental.network_config_overrides.received_messages_rate_limits.rate_limits.Block).toEqual({
      maximum_size: 1000000,
      refill_rate: 1000000,
      initial_size: 1000000,
    });
    expect(readFileSync(join(state, "chain"), "utf8")).toBe(
      `genesis_sha256=${sha256(sb.genesis)}\nchain_id=localnet\nboot_nodes=${BOOT_A}\n`,
    );

    // config.yaml as written (the stub node then re-serialised the live copy, as the real one does).
    expect(readFileSync(join(state, "config.yaml"), "utf8")).toBe(EXPECTED_CONFIG_YAML);
    expect(sb.file("config.yaml")).toBe(EXPECTED_CONFIG_YAML + "keygen:\n  timeout_sec: 60\n");

    // secrets.json: exactly the three keys, 0600; the store key only in a 0400 file on the volume.
    expect(JSON.parse(sb.file("secrets.json"))).toEqual({
      p2p_private_key: sb.keys.p2p,
      near_signer_key: sb.keys.account,
      near_responder_keys: [sb.keys.account],
    });
    expect(mode(join(home, "secrets.json"))).toBe(0o600);
    expect(readFileSync(keyFile, "utf8")).toBe(`${sb.keys.store}\n`);
    expect(mode(keyFile)).toBe(0o400);
    expect(mode(dirname(keyFile))).toBe(0o700);
    expect(existsSync(join(sb.root, "etc/near-localnet/mpc-node.env"))).toBe(false);

    // The wrapper, run by bash as the container would (paths moved into the sandbox): the node
    // gets the key in its own environment; without the file it does not start.
    const node = join(sb.dir, "mpc-node");
    writeFileSync(node, '#!/bin/bash\necho "node $* key=$MPC_SECRET_STORE_KEY"\n', { mode: 0o755 });
    const asRun = (key: string) =>
      spawnSync("bash", ["-c", WRAPPER.replaceAll("/run/secrets/mpc-store-key", key).replace("/app/mpc-node", node)], {
        encoding: "utf8",
        env: { PATH: process.env.PATH },
      });
    expect(asRun(keyFile).stdout).toBe(`node start key=${sb.keys.store}\n`);
    const missing = asRun(join(sb.dir, "none"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("cannot read the secret-store key file");

    // No secret in any command line, in stdout or in the logs; the fetched copies are gone.
    for (const secret of Object.values(sb.keys)) {
      expect(r.calls.join("\n")).not.toContain(secret);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
    expect(existsSync(join(sb.root, "run/near-localnet/mpc"))).toBe(false);
  });

  test("nothing but the value lands in secrets.json although the aws CLI prints noise", () => {
    const r = sb.run();
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("aws-stub: warning: this noise goes to stderr");
    const text = sb.file("secrets.json");
    expect(text).not.toContain("noise");
    expect(text).not.toContain("reading secret");
    expect(text).toBe(
      JSON.stringify(
        { p2p_private_key: sb.keys.p2p, near_signer_key: sb.keys.account, near_responder_keys: [sb.keys.account] },
        null,
        2,
      ) + "\n",
    );
  });
});

describe("mpc-node bootstrap: refuses bad secrets before any container starts", () => {
  const cases: Array<[string, Partial<Keys>, string, RegExp]> = [
    [
      "placeholder account key",
      { account: "PLACEHOLDER" },
      "mpc-node-0-mpc_account_sk",
      /\(NEAR account key\) is empty or a placeholder/,
    ],
    [
      "changeme P2P key",
      { p2p: "changeme" },
      "mpc-node-0-mpc_p2p_private_key",
      /\(P2P key\) is empty or a placeholder/,
    ],
    [
      "empty store key",
      { store: "" },
      "mpc-node-0-mpc_secret_store_key",
      /\(secret-store key\) is empty or a placeholder/,
    ],
    [
      "store key of 31 hex characters",
      { store: "0123456789abcdef0123456789abcde" },
      "mpc-node-0-mpc_secret_store_key",
      /must be exactly 32 hex characters/,
    ],
    [
      "store key that is not hex",
      { store: "0123456789abcdefg123456789abcdef" },
      "mpc-node-0-mpc_secret_store_key",
      /must be exactly 32 hex characters/,
    ],
    [
      "account key holding only a public key",
      { account: "ed25519:Fu8CVLoATvSCswYiSaSP1RxTxykF1DUmybXkcEJyyzZk" },
      "mpc-node-0-mpc_account_sk",
      /decodes to 32 bytes; a NEAR ed25519 secret key has 64/,
    ],
    [
      "P2P key of another curve",
      { p2p: "secp256k1:5Jbcd8rnxUc3V4rQ2TBXvF8N4XJpWfkGdCUrS" },
      "mpc-node-0-mpc_p2p_private_key",
      /is not a NEAR key/,
    ],
    [
      "account key on two lines",
      { account: "ed25519:abc\ned25519:def" },
      "mpc-node-0-mpc_account_sk",
      /contains whitespace or several lines/,
    ],
  ];
  test.each(cases)("%s", (_name, keys, id, message) => {
    sb.setSecrets(keys);
    const r = sb.run();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`ERROR: secret '${id}' .*`));
    expect(r.stderr).toMatch(message);
    const bad = Object.values(keys)[0]!;
    if (bad.length > 0) expect(r.stderr).not.toContain(bad);
    expect(dockerCalls(r.calls)).toEqual([]);
    expect(existsSync(join(sb.home, "secrets.json"))).toBe(false);
  });

  test("a missing secret names the secret and starts nothing", () => {
    rmSync(join(sb.secrets, "mpc-node-0-mpc_p2p_private_key"));
    const r = sb.run();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("ERROR: cannot read secret 'mpc-node-0-mpc_p2p_private_key' (P2P key)");
    expect(r.calls.filter((c) => c.includes("mpc-node-0-mpc_p2p_private_key"))).toHaveLength(5); // bounded retries
    expect(dockerCalls(r.calls)).toEqual([]);
  });

  test("a key whose decoded length is right but whose alphabet is not base58 is refused", () => {
    sb.setSecrets({ account: sb.keys.account.replace(/.$/, "0") });
    const r = sb.run();
    expect(r.stderr).toContain("ERROR: secret 'mpc-node-0-mpc_account_sk' (NEAR account key) is not a NEAR key");
    expect(dockerCalls(r.calls)).toEqual([]);
  });
});

describe("mpc-node bootstrap: genesis", () => {
  test("waits until the base publishes the genesis of ITS volume, with the image already pulled", () => {
    sb.setGenesis(sb.genesis, [
      "404",
      `${"cd".repeat(32)}\tvol-0old0000000000001`,
      `${sha256(sb.genesis)}\t${BASE_VOLUME}`,
    ]);
    const r = sb.run();
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(
      `waiting for the genesis of base volume ${BASE_VOLUME} at s3://genesis-bucket/localnet/genesis.json (not published yet)`,
    );
    expect(r.stderr).toContain(`(${"cd".repeat(32)} vol-0old0000000000001)`);
    expect(r.stderr).toContain(`genesis sha256 ${sha256(sb.genesis)} from base volume ${BASE_VOLUME}`);
    const heads = r.calls.filter((c) => c.startsWith("aws s3api head-object"));
    expect(heads).toHaveLength(3);
    expect(heads[0]).toBe(
      `aws s3api head-object --region us-east-1 --bucket genesis-bucket --key localnet/genesis.json --query [Metadata.sha256,Metadata."data-volume-id"] --output text`,
    );
    // The image was pulled (and the volume mounted) before the first look at the genesis.
    expect(r.calls.indexOf("docker pull nearone/mpc-node:3.14.1")).toBeLessThan(r.calls.indexOf(heads[0]));
    expect(r.calls.findIndex((c) => c.startsWith("mount "))).toBeLessThan(r.calls.indexOf(heads[0]));
    // Fetched once: only when the metadata named the current base volume.
    expect(r.calls.filter((c) => c.startsWith("aws s3 cp"))).toHaveLength(1);
  });

  test("bytes that do not hash to the declared sha256 are never used; the wait ends with the reason", () => {
    sb.setGenesis(sb.genesis, [`${"ab".repeat(32)}\t${BASE_VOLUME}`]);
    const r = sb.run({}, { GENESIS_WAIT_SECONDS: "0" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      `ERROR: no genesis of base volume ${BASE_VOLUME} at s3://genesis-bucket/localnet/genesis.json in time ` +
        `(last: the bytes hash to ${sha256(sb.genesis)}, not the declared ${"ab".repeat(32)})`,
    );
    expect(dockerCalls(r.calls).filter((c) => c.startsWith("docker run"))).toEqual([]);
  });

  test("a genesis of another chain id stops before the node is initialised", () => {
    const r = sb.run({ CHAIN_ID: "other-net" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("ERROR: the genesis has chain_id 'localnet' but CHAIN_ID is 'other-net'");
    expect(dockerCalls(r.calls).filter((c) => c.startsWith("docker run"))).toEqual([]);
  });

  test("a changed genesis wipes the old chain's state and re-initialises", () => {
    expect(sb.run().status).toBe(0);
    // State the old chain left behind: neard's store, triples, a keyshare.
    for (const d of ["data", "assets", "permanent_keys"]) {
      mkdirSync(join(sb.home, d), { recursive: true });
      writeFileSync(join(sb.home, d, "old"), "old chain");
    }
    const oldLabel = readFileSync(join(sb.state, "docker/container"), "utf8").split(" ")[1];

    sb.setGenesis(genesisText("2025-02-02T00:00:00.000000000Z"));
    const r = sb.run();
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`initialising the data dir for chain 'localnet' (genesis ${sha256(sb.genesis)})`);
    const docker = dockerCalls(r.calls);
    const init = docker.findIndex((c) => c.includes(" init --dir /data"));
    expect(init).toBeGreaterThan(-1);
    expect(docker.indexOf("docker rm -f mpc-node")).toBeGreaterThan(-1);
    expect(docker.indexOf("docker rm -f mpc-node")).toBeLessThan(init); // stopped before the wipe
    expect(docker.at(-1)).toMatch(/^docker run -d --name mpc-node .* start$/);
    for (const d of ["data", "assets", "permanent_keys"]) expect(existsSync(join(sb.home, d))).toBe(false);
    expect(readFileSync(join(sb.home, "genesis.json"), "utf8")).toBe(sb.genesis);
    expect(readFileSync(join(sb.root, "srv/mpc/bootstrap/chain"), "utf8")).toContain(
      `genesis_sha256=${sha256(sb.genesis)}\n`,
    );
    expect(readFileSync(join(sb.state, "docker/container"), "utf8").split(" ")[1]).not.toBe(oldLabel);
    expect(r.calls.some((c) => c.startsWith("mkfs"))).toBe(false); // the volume itself is kept
  });

  test("a config.json left by an interrupted init (no marker) is re-initialised, not trusted", () => {
    expect(sb.run().status).toBe(0);
    rmSync(join(sb.root, "srv/mpc/bootstrap/chain"));
    const r = sb.run();
    expect(r.status).toBe(0);
    expect(dockerCalls(r.calls).some((c) => c.includes(" init --dir /data"))).toBe(true);
  });
});

describe("mpc-node bootstrap: container logs", () => {
  test("with LOG_GROUP the node logs to CloudWatch (stream mpc-node-<i>/mpc-node); a change replaces the container", () => {
    expect(sb.run().status).toBe(0);
    const r = sb.run({ LOG_GROUP: "/near-localnet/dev/containers" });
    expect(r.status).toBe(0);
    const run = dockerCalls(r.calls).filter((c) => c.startsWith("docker run -d"));
    expect(run).toHaveLength(1);
    // NODE_INDEX of the sandbox's settings, and the stream the logs command reads (containerLogStream)
    expect(run[0]).toContain(
      `--ulimit nofile=65535:65535 --log-driver=awslogs --log-opt=awslogs-region=us-east-1 ` +
        `--log-opt=awslogs-group=/near-localnet/dev/containers --log-opt=tag=mpc-node-${sb.settings().NODE_INDEX}/{{.Name}} ` +
        `--log-opt=mode=non-blocking --log-opt=max-buffer-size=4m -v `,
    );
    expect(dockerCalls(r.calls)).toContain("docker rm -f mpc-node");
    expect(sb.run({ LOG_GROUP: "bad group" }).stderr).toContain("setting LOG_GROUP='bad group' is invalid");
  });
});

describe("mpc-node bootstrap: re-runs", () => {
  test("a second boot is a no-op", () => {
    expect(sb.run().status).toBe(0);
    const snapshot = (): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const f of [
        "home/config.yaml",
        "home/config.json",
        "home/secrets.json",
        "home/genesis.json",
        "bootstrap/chain",
        "bootstrap/config.yaml",
        "secrets/store-key",
      ]) {
        const p = join(sb.root, "srv/mpc", f);
        out[f] = `${statSync(p).mtimeMs} ${readFileSync(p, "utf8")}`;
      }
      for (const f of ["etc/fstab", "etc/systemd/system/docker.service.d/10-mpc-data.conf"]) {
        const p = join(sb.root, f);
        out[f] = `${statSync(p).mtimeMs} ${readFileSync(p, "utf8")}`;
      }
      return out;
    };
    const before = snapshot();
    const container = readFileSync(join(sb.state, "docker/container"), "utf8");

    const r = sb.run();
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("container mpc-node is up to date");
    expect(snapshot()).toEqual(before);
    expect(readFileSync(join(sb.state, "docker/container"), "utf8")).toBe(container);
    expect(dockerCalls(r.calls)).toEqual([
      "docker info",
      `docker image inspect ${MPC_RUN}`,
      `docker image inspect --format {{range .RepoDigests}}{{println .}}{{end}} ${MPC_RUN}`,
      `docker inspect --type container -f {{.Config.Image}} {{index .Config.Labels "near-localnet.config-hash"}} {{.State.Status}} mpc-node`,
    ]);
    for (const prefix of ["mkfs", "mount", "systemctl daemon-reload", "systemctl enable", "dnf"]) {
      expect(r.calls.filter((c) => c.startsWith(prefix))).toEqual([]);
    }
  });

  test("a stopped container with the same configuration is started again, not replaced", () => {
    expect(sb.run().status).toBe(0);
    const file = join(sb.state, "docker/container");
    writeFileSync(file, readFileSync(file, "utf8").replace("running", "exited"));
    const r = sb.run();
    expect(dockerCalls(r.calls).at(-1)).toBe("docker start mpc-node");
    expect(r.calls.some((c) => c.startsWith("docker rm") || c.startsWith("docker run"))).toBe(false);
  });

  test("a dead container is replaced", () => {
    expect(sb.run().status).toBe(0);
    const file = join(sb.state, "docker/container");
    writeFileSync(file, readFileSync(file, "utf8").replace("running", "dead"));
    const r = sb.run();
    expect(r.status).toBe(0);
    expect(dockerCalls(r.calls).slice(-2)).toEqual([
      "docker rm -f mpc-node",
      expect.stringMatching(/^docker run -d --name mpc-node .* start$/),
    ]);
  });

  test("a replacement instance on the kept volume neither formats nor re-initialises", () => {
    expect(sb.run().status).toBe(0);
    // New instance: no docker state, nothing mounted, docker not yet enabled; same volume and files.
    rmSync(join(sb.state, "docker"), { recursive: true });
    rmSync(join(sb.state, "docker-enabled"));
    rmSync(join(sb.root, "proc"), { recursive: true });
    const r = sb.run();
    expect(r.status).toBe(0);
    expect(r.calls.some((c) => c.startsWith("mkfs"))).toBe(false);
    expect(r.calls.some((c) => c.startsWith("mount "))).toBe(true);
    const docker = dockerCalls(r.calls);
    expect(docker.some((c) => c.includes(" init "))).toBe(false);
    expect(docker.filter((c) => c.startsWith("docker run -d"))).toHaveLength(1);
  });

  test("new boot nodes only update config.json and replace the container", () => {
    expect(sb.run().status).toBe(0);
    const nodeKey = sb.file("node_key.json");
    const r = sb.run({ BOOT_NODES: `${BOOT_A},${BOOT_B}` });
    expect(r.status).toBe(0);
    expect(JSON.parse(sb.file("config.json")).network.boot_nodes).toBe(`${BOOT_A},${BOOT_B}`);
    expect(sb.file("node_key.json")).toBe(nodeKey);
    const docker = dockerCalls(r.calls);
    expect(docker.some((c) => c.includes(" init "))).toBe(false);
    expect(docker.slice(-2)).toEqual([
      "docker rm -f mpc-node",
      expect.stringMatching(/^docker run -d --name mpc-node .* start$/),
    ]);
    expect(readFileSync(join(sb.root, "srv/mpc/bootstrap/chain"), "utf8")).toMatch(/\nboot_nodes=.*,ed25519:7PGse/);
  });

  test("new keys in Secrets Manager replace a stale secrets.json on the kept volume and the container", () => {
    expect(sb.run().status).toBe(0);
    const oldKeys = sb.keys;
    sb.setSecrets({ account: KeyPair.fromRandom("ed25519").toString(), p2p: KeyPair.fromRandom("ed25519").toString() });
    const r = sb.run();
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("secrets.json written");
    expect(JSON.parse(sb.file("secrets.json"))).toEqual({
      p2p_private_key: sb.keys.p2p,
      near_signer_key: sb.keys.account,
      near_responder_keys: [sb.keys.account],
    });
    expect(sb.file("secrets.json")).not.toContain(oldKeys.account);
    expect(dockerCalls(r.calls).slice(-2)).toEqual([
      "docker rm -f mpc-node",
      expect.stringMatching(/^docker run -d --name mpc-node .* start$/),
    ]);
  });

  test("a secrets.json edited on disk is restored to the stored keys", () => {
    expect(sb.run().status).toBe(0);
    const good = sb.file("secrets.json");
    writeFileSync(
      join(sb.home, "secrets.json"),
      JSON.stringify({ p2p_private_key: "ed25519:old", near_signer_key: "ed25519:old", near_responder_keys: [] }),
    );
    const r = sb.run();
    expect(r.status).toBe(0);
    expect(sb.file("secrets.json")).toBe(good);
    expect(mode(join(sb.home, "secrets.json"))).toBe(0o600);
  });

  test("a pinned mpcImage whose pulled digest differs is refused; the running container is left alone", () => {
    expect(sb.run().status).toBe(0);
    const container = readFileSync(join(sb.state, "docker/container"), "utf8");
    const pinned = `nearone/mpc-node:3.14.1@sha256:${"9b".repeat(32)}`;
    const r = sb.run({ MPC_IMAGE: pinned, STUB_SERVED_DIGEST: TAG_DIGEST });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `image-pin: mpcImage: nearone/mpc-node@sha256:${"9b".repeat(32)} has digest ${TAG_DIGEST} (RepoDigests), not the pinned sha256:${"9b".repeat(32)}; refusing to run it.`,
    );
    expect(dockerCalls(r.calls).filter((c) => /^docker (run|rm)/.test(c))).toEqual([]);
    expect(readFileSync(join(sb.state, "docker/container"), "utf8")).toBe(container);
  });

  test("a changed image or setting replaces the container; its secret files are rewritten in place", () => {
    expect(sb.run().status).toBe(0);
    const r = sb.run({ MPC_IMAGE: "nearone/mpc-node:3.14.2", TRIPLES_TO_BUFFER: "256" });
    expect(r.status).toBe(0);
    expect(sb.file("config.yaml")).toContain("desired_triples_to_buffer: 256\n");
    expect(dockerCalls(r.calls)).toContain("docker pull -q nearone/mpc-node:3.14.2");
    expect(readFileSync(join(sb.root, "srv/mpc/bootstrap/image-pins"), "utf8")).toBe(
      `mpcImage nearone/mpc-node:3.14.1 ${TAG_DIGEST}\nmpcImage nearone/mpc-node:3.14.2 ${TAG_DIGEST}\n`,
    );
    expect(dockerCalls(r.calls).at(-1)).toMatch(/^docker run -d .* nearone\/mpc-node@sha256:(78){32} -c .* start$/);
  });
});

describe("mpc-node bootstrap: volume and settings", () => {
  test("a volume that never appears fails with a clear message", () => {
    rmSync(join(sb.root, "dev"), { recursive: true });
    const r = sb.run({ VOLUME_WAIT_SECONDS: "0" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`ERROR: data volume ${VOLUME} did not appear at`);
    expect(dockerCalls(r.calls)).toEqual([]);
  });

  test("a volume blkid cannot read is never formatted", () => {
    const r = sb.run({}, { STUB_BLKID_RC: "4" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("(blkid exit 4); not formatting it");
    expect(r.calls.some((c) => c.startsWith("mkfs"))).toBe(false);
  });

  test("a failing init stops before the node starts", () => {
    const r = sb.run({}, { STUB_INIT_FAIL: "1" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("ERROR: mpc-node init failed");
    expect(dockerCalls(r.calls).some((c) => c.startsWith("docker run -d"))).toBe(false);
  });

  test.each([
    [{ P2P_PORT: "8080" }, "port 8080 is out of range or used twice"],
    [{ P2P_PORT: "24567" }, "port 24567 is out of range or used twice"],
    [{ CHAIN_ID: "" }, "setting CHAIN_ID is missing"],
    [{ DATA_VOLUME_ID: "/dev/xvdf" }, "setting DATA_VOLUME_ID='/dev/xvdf' is invalid"],
    [{ BOOT_NODES: "ed25519:abc@10.0.0.1" }, "setting BOOT_NODES='ed25519:abc@10.0.0.1' is invalid"],
    [{ CORES: "0" }, "setting CORES='0' is invalid"],
    [{ ACCOUNT_ID: "MPC-node-0.localnet" }, "setting ACCOUNT_ID='MPC-node-0.localnet' is invalid"],
  ] as Array<[Record<string, string>, string]>)("invalid settings %j are refused", (over, message) => {
    const r = sb.run(over);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`ERROR: ${message}`);
    expect(r.calls).toEqual([]);
  });
});

describe("mpc-node bootstrap: user data", () => {
  test("renders well under the EC2 limit with realistic settings and holds no secret", () => {
    const env = {
      ...sb.settings(),
      DATA_VOLUME_ID: "vol-0123456789abcdef0",
      ACCOUNT_SK_SECRET: "near-localnet/localnet-stack/mpc-node-12-mpc_account_sk",
      P2P_KEY_SECRET: "near-localnet/localnet-stack/mpc-node-12-mpc_p2p_private_key",
      STORE_KEY_SECRET: "near-localnet/localnet-stack/mpc-node-12-mpc_secret_store_key",
      GENESIS_BUCKET: "near-localnet-genesis-123456789012-ap-southeast-2",
      BOOT_NODES: `${BOOT_A},${BOOT_B}`,
      LOG_GROUP: "/near-localnet/localnet-stack/containers",
    };
    const text = renderUserData({
      script: MPC_SCRIPTS.bootstrap,
      env,
      files: [MPC_SCRIPTS.nearConfig, HOST_SCRIPTS.imagePin],
    });
    expect(text).toContain(`cat > "$LIB_DIR/image-pin.sh"`);
    // well under EC2's limit, with room left (the image-pin library it ships is part of it)
    expect(Buffer.from(gzipUserData(text), "base64").length).toBeLessThan(USER_DATA_LIMIT * 0.6);
    for (const secret of Object.values(sb.keys)) expect(text).not.toContain(secret);
    expect(text).toContain(`cat > "$LIB_DIR/near-config.jq"`);
    const syntax = spawnSync("bash", ["-n"], { input: text, encoding: "utf8" });
    expect(syntax.stderr).toBe("");
    expect(syntax.status).toBe(0);
  });
});
