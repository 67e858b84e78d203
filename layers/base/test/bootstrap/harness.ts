// Runs layers/base/scripts/bootstrap.sh for real with bash, in a temporary ROOT, with the stub
// commands of ./stubs first on PATH (they log to <state>/calls.log) and the real jq.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ed25519 } from "@noble/curves/ed25519.js";
import { libDir, logLines, removeTempDir, runScript, tempDir } from "../../../../test/support/script-sandbox.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "..", "..", "..", "..");
export const STUBS = join(HERE, "stubs");
export const FIXTURES = join(HERE, "fixtures");
export const LIB = join(REPO, "layers", "base", "scripts");
const SCRIPT = join(LIB, "bootstrap.sh");
/** The host's LIB_DIR: the patches beside the bootstrap and the shared image-pin.sh. */
const LIB_DIR = libDir(LIB, [join(REPO, "platform", "host", "scripts", "image-pin.sh")]);

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let out = "";
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = "1" + out;
  }
  return out;
}

export interface KeyPair {
  publicKey: string;
  secretKey: string;
}

/** A NEAR ed25519 key pair: "ed25519:<base58 pub>" and "ed25519:<base58 seed||pub>". */
export function keyPair(seed?: Uint8Array): KeyPair {
  const secret = seed ?? ed25519.utils.randomSecretKey();
  const pub = ed25519.getPublicKey(secret);
  const full = new Uint8Array(64);
  full.set(secret, 0);
  full.set(pub, 32);
  return { publicKey: `ed25519:${base58(pub)}`, secretKey: `ed25519:${base58(full)}` };
}

export const VOLUME_ID = "vol-0123456789abcdef0";
export const DEVICE = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0";
export const IMAGE = "nearprotocol/nearcore:2.13.3";
/** What the stub registry resolves IMAGE's tag to, and so what the bootstrap runs. */
export const TAG_DIGEST = `sha256:${"12".repeat(32)}`;
export const RUN_IMAGE = `nearprotocol/nearcore@${TAG_DIGEST}`;
export const NODE_PARAM = "/near-localnet/node0/node-key";
export const VALIDATOR_PARAM = "/near-localnet/node0/validator-key";

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[];
}

export class Sandbox {
  readonly dir = tempDir("near-base-");
  readonly root = join(this.dir, "root");
  readonly state = join(this.dir, "state");
  readonly home = join(this.root, "srv", "near");
  readonly node = keyPair();
  readonly validator = keyPair();
  readonly rootAccount = keyPair();
  env: Record<string, string>;

  constructor() {
    mkdirSync(join(this.root, "etc"), { recursive: true });
    mkdirSync(join(this.state, "ssm"), { recursive: true });
    this.attachVolume();
    this.putParam(NODE_PARAM, this.node.secretKey);
    this.putParam(VALIDATOR_PARAM, this.validator.secretKey);
    this.env = {
      AWS_REGION: "eu-central-1",
      CHAIN_ID: "localnet",
      NEAR_IMAGE: IMAGE,
      DATA_VOLUME_ID: VOLUME_ID,
      NODE_KEY_PARAM: NODE_PARAM,
      VALIDATOR_KEY_PARAM: VALIDATOR_PARAM,
      NODE_PUBLIC_KEY: this.node.publicKey,
      VALIDATOR_PUBLIC_KEY: this.validator.publicKey,
      VALIDATOR_ACCOUNT_ID: "node0",
      ROOT_ACCOUNT_ID: "localnet",
      ROOT_PUBLIC_KEY: this.rootAccount.publicKey,
      ROOT_BALANCE_YOCTO: "1000000000000000000000000000000000",
      GENESIS_BUCKET: "near-localnet-genesis-123456789012",
      GENESIS_KEY: "localnet/genesis.json",
      GC_NUM_EPOCHS_TO_KEEP: "10000",
      DATA_VOLUME_WAIT_SECONDS: "0",
    };
  }

  attachVolume(): void {
    const dev = this.root + DEVICE;
    mkdirSync(dirname(dev), { recursive: true });
    writeFileSync(dev, "");
  }

  putParam(name: string, value: string): void {
    writeFileSync(join(this.state, "ssm", name.replace(/\//g, "%")), value + "\n");
  }

  deleteParam(name: string): void {
    rmSync(join(this.state, "ssm", name.replace(/\//g, "%")), { force: true });
  }

  /** The instance is replaced: docker, systemd and mounts start empty; volume, SSM and S3 stay. */
  newInstance(): void {
    for (const d of ["containers", "images", "active", "mounts"])
      rmSync(join(this.state, d), { recursive: true, force: true });
    rmSync(join(this.root, "etc"), { recursive: true, force: true });
    mkdirSync(join(this.root, "etc"));
  }

  s3Object(): string | undefined {
    const path = join(this.state, "s3", this.env.GENESIS_BUCKET, this.env.GENESIS_KEY);
    return existsSync(path) ? readFileSync(path, "utf8") : undefined;
  }

  /** The genesis object's user metadata as the stub aws recorded it (undefined: never uploaded). */
  s3Metadata(): Record<string, string> | undefined {
    const path = this.s3MetadataPath();
    if (!existsSync(path)) return undefined;
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  }

  /** Replaces the genesis object's user metadata (an object left by someone else). */
  setS3Metadata(meta: Record<string, string>): void {
    writeFileSync(
      this.s3MetadataPath(),
      Object.entries(meta)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(""),
    );
  }

  private s3MetadataPath(): string {
    return join(this.state, "s3", this.env.GENESIS_BUCKET, this.env.GENESIS_KEY + ".metadata");
  }

  homeFile(name: string): string {
    return readFileSync(join(this.home, name), "utf8");
  }

  run(extraEnv: Record<string, string> = {}, unset: string[] = []): RunResult {
    const log = join(this.state, "calls.log");
    writeFileSync(log, "");
    const env: Record<string, string | undefined> = {
      HOME: this.dir,
      LANG: "C.UTF-8",
      ROOT: this.root,
      LIB_DIR,
      STUB_STATE: this.state,
      ...this.env,
      ...extraEnv,
    };
    for (const name of unset) env[name] = undefined;
    return { ...runScript(SCRIPT, STUBS, env), calls: logLines(log) };
  }

  cleanup(): void {
    removeTempDir(this.dir);
  }
}

/** Sum of amount + locked over the Account records, as BigInt. */
export function balanceSum(genesis: { records: Array<Record<string, any>> }): bigint {
  let sum = 0n;
  for (const r of genesis.records) {
    if (r.Account) sum += BigInt(r.Account.account.amount) + BigInt(r.Account.account.locked);
  }
  return sum;
}

/**
 * The two records genesis-patch.jq appends for the root account (an Account with the empty
 * code hash and storage_usage 182, and its full-access key with nonce 0), as nearcore 2.13 writes them.
 */
export function rootAccountRecords(
  publicKey: string,
  amount = "1000000000000000000000000000000000",
  accountId = "localnet",
): object[] {
  return [
    {
      Account: {
        account_id: accountId,
        account: {
          amount,
          locked: "0",
          code_hash: "11111111111111111111111111111111",
          storage_usage: 182,
          version: "V1",
        },
      },
    },
    { AccessKey: { account_id: accountId, public_key: publicKey, access_key: { nonce: 0, permission: "FullAccess" } } },
  ];
}
