// Its own file: the program runs once per process (the module is evaluated once).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runSynth } from "../../synth.js";

test("a key no section reads is refused with the nearest known one, with or without the namespace", async () => {
  const dir = mkdtempSync(join(tmpdir(), "synth-typo-"));
  writeFileSync(join(dir, "Pulumi.yaml"), `name: near-localnet\nruntime: nodejs\nmain: ${resolve("index.ts")}\n`);
  writeFileSync(
    join(dir, "Pulumi.typo.yaml"),
    "config:\n  aws:region: us-east-1\n  near-localnet:egres: public\n  faucetPortt: 4000\n",
  );
  const msgs: string[] = [];
  expect(await runSynth({ stack: "typo", out: join(dir, "out"), projectDir: dir, log: (l) => msgs.push(l) })).toBe(2);
  const text = msgs.join("\n");
  expect(text).toMatch(/^Invalid configuration \(2 problems\); nothing was created:/);
  expect(text).toContain(
    'near-localnet:egres is not a configuration key of this program (README "Configuration" lists them); did you ' +
      "mean near-localnet:egress? Fix: pulumi config rm near-localnet:egres --stack typo and set near-localnet:egress instead",
  );
  // a key without a namespace in the stack file is the project's
  expect(text).toContain("near-localnet:faucetPortt is not a configuration key of this program");
  expect(text).toContain("did you mean near-localnet:faucetPort?");
});
