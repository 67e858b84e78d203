import { createHash } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { awaitGenesis } from "../../../automation/await-genesis.js";

const bytes = Buffer.from('{"chain_id":"mpc-localnet","records":[]}\n');
const sha = createHash("sha256").update(bytes).digest("hex");
const body = () => ({ transformToByteArray: async () => new Uint8Array(bytes) }) as any;
const notFound = Object.assign(new Error("NotFound"), { name: "NotFound", $metadata: { httpStatusCode: 404 } });

function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

test("waits while the object is missing, then returns the verified sha256 and size", async () => {
  const s3 = mockClient(S3Client);
  s3.on(HeadObjectCommand)
    .rejectsOnce(notFound)
    .rejectsOnce(notFound)
    .resolves({ Metadata: { sha256: sha } });
  s3.on(GetObjectCommand).resolves({ Body: body() });
  const logs: string[] = [];
  const c = clock();
  const r = await awaitGenesis({
    client: new S3Client({ region: "us-east-1" }),
    bucket: "b",
    key: "genesis/genesis.json",
    timeoutSeconds: 900,
    pollMs: 10_000,
    log: (l) => logs.push(l),
    ...c,
  });
  expect(r).toEqual({ sha256: sha, bytes: bytes.length });
  expect(logs).toEqual([
    "waiting for genesis s3://b/genesis/genesis.json: not yet published (0s elapsed)",
    "waiting for genesis s3://b/genesis/genesis.json: not yet published (10s elapsed)",
  ]);
  expect(s3.commandCalls(HeadObjectCommand)[0].args[0].input).toEqual({ Bucket: "b", Key: "genesis/genesis.json" });
});

test("an object left by a replaced data volume does not count: wait for this volume's genesis", async () => {
  const s3 = mockClient(S3Client);
  s3.on(HeadObjectCommand)
    .resolvesOnce({ Metadata: { sha256: "f".repeat(64), "data-volume-id": "vol-0old" } })
    .resolves({ Metadata: { sha256: sha, "data-volume-id": "vol-0new" } });
  s3.on(GetObjectCommand).resolves({ Body: body() });
  const logs: string[] = [];
  const r = await awaitGenesis({
    client: new S3Client({ region: "us-east-1" }),
    bucket: "b",
    key: "k",
    dataVolumeId: "vol-0new",
    timeoutSeconds: 600,
    pollMs: 5000,
    log: (l) => logs.push(l),
    ...clock(),
  });
  expect(r).toEqual({ sha256: sha, bytes: bytes.length });
  expect(logs).toEqual([
    "waiting for genesis s3://b/k: the object was published from data volume vol-0old, not vol-0new (0s elapsed)",
  ]);
  expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
});

test("bytes that do not match the declared sha256 fail at once", async () => {
  const s3 = mockClient(S3Client);
  s3.on(HeadObjectCommand).resolves({ Metadata: { sha256: "0".repeat(64) } });
  s3.on(GetObjectCommand).resolves({ Body: body() });
  await expect(
    awaitGenesis({
      client: new S3Client({ region: "us-east-1" }),
      bucket: "b",
      key: "k",
      timeoutSeconds: 60,
      ...clock(),
    }),
  ).rejects.toThrow(`s3://b/k: declared sha256 ${"0".repeat(64)} but the bytes hash to ${sha}`);
});

test("an object without the sha256 metadata is an upload in progress: keep waiting, then time out with where to look", async () => {
  const s3 = mockClient(S3Client);
  s3.on(HeadObjectCommand).resolves({ Metadata: {} });
  await expect(
    awaitGenesis({
      client: new S3Client({ region: "us-east-1" }),
      bucket: "b",
      key: "k",
      timeoutSeconds: 30,
      pollMs: 10_000,
      log: () => {},
      ...clock(),
    }),
  ).rejects.toThrow(
    "timed out after 30s waiting for the base node to publish s3://b/k (last: object present without sha256 metadata (upload in progress?)). The base node's bootstrap log is /var/log/cloud-init-output.log on the instance; npm run automate -- status shows its state.",
  );
});

test("access denied is not waited out", async () => {
  const s3 = mockClient(S3Client);
  s3.on(HeadObjectCommand).rejects(
    Object.assign(new Error("Forbidden"), { name: "Forbidden", $metadata: { httpStatusCode: 403 } }),
  );
  await expect(
    awaitGenesis({
      client: new S3Client({ region: "us-east-1" }),
      bucket: "b",
      key: "k",
      timeoutSeconds: 600,
      ...clock(),
    }),
  ).rejects.toThrow("access denied reading s3://b/k: check the credentials' S3 permissions");
});
