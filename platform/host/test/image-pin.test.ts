// platform/host/scripts/image-pin.sh run for real by bash with a stub docker (a registry whose tags
// resolve to STUB_TAG_DIGEST): a pinned digest that matches runs, one that does not is refused, and a
// tag-only reference is resolved once, recorded, and pulled by that digest from then on.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { logLines, runScript, tempDir } from "../../../test/support/script-sandbox.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const LIB = join(HERE, "..", "scripts", "image-pin.sh");
const STUBS = join(HERE, "stubs");
const digest = (seed: string) => `sha256:${createHash("sha256").update(seed).digest("hex")}`;
const TAG_DIGEST = digest("nearcore 2.13.3 as first pulled");

function pin(image: string, env: Record<string, string> = {}, dir = tempDir("image-pin-")) {
  const script = join(dir, "run.sh");
  writeFileSync(
    script,
    `set -euo pipefail\nsource '${LIB}'\nimage_pin nearcoreImage "$IMAGE" "$RECORD"\necho "run $REPLY"\n`,
  );
  const record = join(dir, "volume", "image-pins");
  const r = runScript(script, STUBS, {
    IMAGE: image,
    RECORD: record,
    STUB_LOG: join(dir, "calls.log"),
    STUB_STATE: dir,
    STUB_TAG_DIGEST: TAG_DIGEST,
    ...env,
  });
  return { ...r, dir, record, calls: logLines(join(dir, "calls.log")) };
}

test("a digest reference that the pulled image carries runs by that digest", () => {
  const d = digest("pinned");
  const r = pin(`nearprotocol/nearcore:2.13.3@${d}`);
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(`run nearprotocol/nearcore@${d}\n`);
  expect(r.calls).toEqual([
    `docker image inspect nearprotocol/nearcore@${d}`,
    `docker pull -q nearprotocol/nearcore@${d}`,
    `docker image inspect --format {{range .RepoDigests}}{{println .}}{{end}} nearprotocol/nearcore@${d}`,
  ]);
  expect(existsSync(r.record)).toBe(false);
});

test("an image whose digest differs from the pin is refused, naming the key and the fix", () => {
  const d = digest("pinned");
  const served = digest("something else");
  const r = pin(`nearprotocol/nearcore:2.13.3@${d}`, { STUB_SERVED_DIGEST: served });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim()).toBe(
    `image-pin: nearcoreImage: nearprotocol/nearcore@${d} has digest ${served} (RepoDigests), not the pinned ${d}; ` +
      "refusing to run it. If the new image is wanted, pin it on purpose: " +
      "pulumi config set near-localnet:nearcoreImage 'nearprotocol/nearcore:2.13.3@<digest>'",
  );
});

test("trust on first use: a tag is resolved once, recorded, and later runs pull the recorded digest", () => {
  const first = pin("nearprotocol/nearcore:2.13.3");
  expect(first.status).toBe(0);
  expect(first.stdout).toBe(`run nearprotocol/nearcore@${TAG_DIGEST}\n`);
  expect(first.calls).toEqual([
    "docker image inspect nearprotocol/nearcore:2.13.3",
    "docker pull -q nearprotocol/nearcore:2.13.3",
    "docker image inspect --format {{range .RepoDigests}}{{println .}}{{end}} nearprotocol/nearcore:2.13.3",
  ]);
  expect(readFileSync(first.record, "utf8")).toBe(`nearcoreImage nearprotocol/nearcore:2.13.3 ${TAG_DIGEST}\n`);
  expect(first.stderr).toContain(
    `image-pin: nearcoreImage: nearprotocol/nearcore:2.13.3 resolved to ${TAG_DIGEST} on its first pull (trust on first use)`,
  );
  expect(first.stderr).toContain(
    `Pin it: pulumi config set near-localnet:nearcoreImage 'nearprotocol/nearcore:2.13.3@${TAG_DIGEST}'`,
  );

  // Another host: its first pull records the tag's digest at that time.
  const dir = tempDir("image-pin-replacement-");
  const record = join(dir, "volume", "image-pins");
  const moved = digest("a re-pushed tag");
  const again = pin("nearprotocol/nearcore:2.13.3", { STUB_TAG_DIGEST: moved }, dir);
  expect(again.status).toBe(0);
  // Rebooted, with the tag moved once more: the recorded digest, no pull.
  const rebooted = pin("nearprotocol/nearcore:2.13.3", { STUB_TAG_DIGEST: digest("moved again") }, dir);
  expect(rebooted.stdout).toBe(`run nearprotocol/nearcore@${moved}\n`);
  expect(rebooted.calls.slice(-2)[0]).toBe(`docker image inspect nearprotocol/nearcore@${moved}`);
  expect(rebooted.calls.filter((c) => c.startsWith("docker pull"))).toHaveLength(1);
  expect(readFileSync(record, "utf8")).toBe(`nearcoreImage nearprotocol/nearcore:2.13.3 ${moved}\n`);

  // The instance is replaced: a fresh image store, the same volume.
  for (const f of readdirSync(dir).filter((n) => n.startsWith("present-"))) rmSync(join(dir, f));
  const replaced = pin("nearprotocol/nearcore:2.13.3", { STUB_TAG_DIGEST: digest("moved again") }, dir);
  expect(replaced.status).toBe(0);
  expect(replaced.stdout).toBe(`run nearprotocol/nearcore@${moved}\n`);
  expect(replaced.calls.slice(-3)).toEqual([
    `docker image inspect nearprotocol/nearcore@${moved}`,
    `docker pull -q nearprotocol/nearcore@${moved}`,
    `docker image inspect --format {{range .RepoDigests}}{{println .}}{{end}} nearprotocol/nearcore@${moved}`,
  ]);
  expect(replaced.stderr).toContain(`was pinned to ${moved} on its first pull here; pulling that digest`);
  expect(readFileSync(record, "utf8")).toBe(`nearcoreImage nearprotocol/nearcore:2.13.3 ${moved}\n`);
});

test("references without tag or digest, or malformed ones, are refused", () => {
  expect(pin("nearprotocol/nearcore").stderr.trim()).toBe(
    "image-pin: nearcoreImage: 'nearprotocol/nearcore' names neither a tag nor a digest",
  );
  const bad = pin("registry.example:5000/nearcore:2.13.3");
  expect(bad.status).toBe(1);
  expect(bad.stderr).toContain("is not an image reference repository[:tag][@sha256:<64 hex>]");
});

test("a failed pull is reported", () => {
  const r = pin("node:22-slim", { STUB_PULL_FAILS: "1" });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("image-pin: nearcoreImage: cannot pull node:22-slim");
  expect(r.calls.filter((c) => c.startsWith("docker pull"))).toHaveLength(5);
});
