import { mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runSynth } from "../../synth.js";

// A project dir whose Pulumi.yaml points at this repository's program, with a broken stack config.
test("bad configuration: exit 2, every problem named, nothing written", async () => {
  const dir = mkdtempSync(join(tmpdir(), "synth-bad-"));
  writeFileSync(join(dir, "Pulumi.yaml"), `name: near-localnet\nruntime: nodejs\nmain: ${resolve("index.ts")}\n`);
  writeFileSync(
    join(dir, "Pulumi.bad.yaml"),
    "config:\n  near-localnet:vpcCidr: 10.0.0/16\n  near-localnet:chainId: 'Bad Chain'\n",
  );
  const out = join(dir, "out");
  const msgs: string[] = [];
  expect(await runSynth({ stack: "bad", out, projectDir: dir, log: (l) => msgs.push(l) })).toBe(2);
  const text = msgs.join("\n");
  expect(text).toMatch(/^Invalid configuration \(3 problems\); nothing was created:/);
  expect(text).toContain("aws:region is required. Fix: pulumi config set aws:region us-east-1");
  expect(text).toContain('near-localnet:vpcCidr = "10.0.0/16"');
  expect(text).toContain('near-localnet:chainId = "Bad Chain"');
  expect(existsSync(out)).toBe(false);
});
