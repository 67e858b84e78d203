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

test("a Pulumi.<stack>.yaml that is not YAML: a message with its line, before the program runs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "synth-bad-"));
  writeFileSync(join(dir, "Pulumi.yaml"), `name: near-localnet\nruntime: nodejs\nmain: ${resolve("index.ts")}\n`);
  writeFileSync(join(dir, "Pulumi.broken.yaml"), "config:\n  aws:region: us-east-1\n near-localnet:egress: nat\n");
  const msgs: string[] = [];
  expect(await runSynth({ stack: "broken", out: join(dir, "out"), projectDir: dir, log: (l) => msgs.push(l) })).toBe(2);
  expect(msgs).toHaveLength(1);
  expect(msgs[0]).toMatch(/Pulumi\.broken\.yaml is not valid YAML at line 3, column \d+: .+\. Fix: correct that line/);
  expect(msgs[0]).not.toMatch(/\n\s+at /);
});
