// Run by Layer 1's `genesis-published` command: waits until the base node's first boot has
// published the genesis of its data volume (metadata sha256 and data-volume-id), checks the
// bytes against the declared sha256, and prints {"sha256","bytes"} as one JSON line. Progress
// goes to stderr.
import { createHash } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { sleep as defaultSleep } from "../platform/time.js";

export interface AwaitGenesisOptions {
  client: Pick<S3Client, "send">;
  bucket: string;
  key: string;
  /** The base node's data volume: only a genesis published from it counts. */
  dataVolumeId?: string;
  timeoutSeconds: number;
  pollMs?: number;
  log?: (line: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export async function awaitGenesis(o: AwaitGenesisOptions): Promise<{ sha256: string; bytes: number }> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? defaultSleep;
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = now();
  let last = "not yet published";
  for (;;) {
    try {
      const head = await o.client.send(new HeadObjectCommand({ Bucket: o.bucket, Key: o.key }));
      const declared = head.Metadata?.sha256;
      const volume = head.Metadata?.["data-volume-id"];
      if (!declared) {
        last = "object present without sha256 metadata (upload in progress?)";
      } else if (o.dataVolumeId && volume !== o.dataVolumeId) {
        last = `the object was published from data volume ${volume ?? "(unknown)"}, not ${o.dataVolumeId}`;
      } else {
        const body = await o.client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key }));
        const bytes = await body.Body!.transformToByteArray();
        const actual = createHash("sha256").update(bytes).digest("hex");
        if (actual !== declared)
          throw new Error(`s3://${o.bucket}/${o.key}: declared sha256 ${declared} but the bytes hash to ${actual}`);
        return { sha256: actual, bytes: bytes.length };
      }
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === "NotFound" || e.$metadata?.httpStatusCode === 404) last = "not yet published";
      else if (e.name === "AccessDenied" || e.name === "Forbidden" || e.$metadata?.httpStatusCode === 403)
        throw new Error(`access denied reading s3://${o.bucket}/${o.key}: check the credentials' S3 permissions`);
      else if (err instanceof Error && err.message.includes("declared sha256")) throw err;
      else last = `error: ${e.name ?? String(err)}`;
    }
    const elapsed = Math.round((now() - started) / 1000);
    if (elapsed >= o.timeoutSeconds) {
      throw new Error(
        `timed out after ${elapsed}s waiting for the base node to publish s3://${o.bucket}/${o.key} (last: ${last}). ` +
          "The base node's bootstrap log is /var/log/cloud-init-output.log on the instance; npm run automate -- status shows its state.",
      );
    }
    log(`waiting for genesis s3://${o.bucket}/${o.key}: ${last} (${elapsed}s elapsed)`);
    await sleep(o.pollMs ?? 10_000);
  }
}

async function main(): Promise<number> {
  const env = process.env;
  const missing = ["AWS_REGION", "GENESIS_BUCKET", "GENESIS_KEY"].filter((k) => !env[k]);
  if (missing.length) {
    process.stderr.write(`await-genesis: missing environment ${missing.join(", ")}\n`);
    return 2;
  }
  const result = await awaitGenesis({
    client: new S3Client({ region: env.AWS_REGION }),
    bucket: env.GENESIS_BUCKET!,
    key: env.GENESIS_KEY!,
    dataVolumeId: env.DATA_VOLUME_ID || undefined,
    timeoutSeconds: Number(env.TIMEOUT_SECONDS ?? 900),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`await-genesis: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
