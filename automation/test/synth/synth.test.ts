import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSynth, type SynthPlan } from "../../synth.js";

let out: string;
let plan: SynthPlan;
const logs: string[] = [];

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), "synth-"));
  expect(await runSynth({ stack: "localnet", out, log: (l) => logs.push(l) })).toBe(0);
  plan = JSON.parse(readFileSync(join(out, "localnet.json"), "utf8"));
});

test("writes <stack>.json with every resource in the documented shape", () => {
  expect(plan.stack).toBe("localnet");
  expect(plan.project).toBe("near-localnet");
  for (const r of plan.resources)
    expect(Object.keys(r).sort()).toEqual(["custom", "dependencies", "inputs", "name", "parent", "type", "urn"]);
  const types = plan.resources.map((r) => r.type);
  expect(types).toContain("near-localnet:index:NearBase");
  expect(types).toContain("aws:ec2/instance:Instance");
  expect(logs.join("\n")).toMatch(
    new RegExp(
      `^synth: ${plan.resources.length} resources -> .*localnet\\.json; outputs -> .*localnet\\.outputs\\.json; ` +
        `${readdirSync(join(out, "scripts")).length} scripts -> `,
    ),
  );
});

test("secret values are replaced by [secret]; no private key appears anywhere", () => {
  const text = readFileSync(join(out, "localnet.json"), "utf8");
  const params = plan.resources.filter(
    (r) => r.type === "aws:ssm/parameter:Parameter" && (r.inputs as any).type === "SecureString",
  );
  expect(params.map((p) => (p.inputs as any).name)).toEqual(
    expect.arrayContaining([
      "/near-localnet/node-key",
      "/near-localnet/validator-key",
      "/near-localnet/localnet-account-key",
    ]),
  );
  for (const p of params) expect((p.inputs as any).value).toBe("[secret]");
  // A NEAR secret key is 64 bytes: ~88 base58 characters.
  expect(text).not.toMatch(/ed25519:[1-9A-HJ-NP-Za-km-z]{80,}/);
  for (const f of readdirSync(join(out, "scripts")))
    expect(readFileSync(join(out, "scripts", f), "utf8")).not.toMatch(/ed25519:[1-9A-HJ-NP-Za-km-z]{80,}/);
});

test("each rendered script is its own file", () => {
  expect(readdirSync(join(out, "scripts"))).toEqual(
    expect.arrayContaining([
      "base-instance.user-data.sh",
      "genesis-published.command.sh",
      "ssm-diagnostics.diagnostics.ssm.sh",
      "ssm-run-op.runOp.ssm.sh",
      "core-contracts-run.command.sh",
    ]),
  );
  const userData = readFileSync(join(out, "scripts", "base-instance.user-data.sh"), "utf8");
  expect(userData).toMatch(/^#!\/bin\/bash\n/);
  expect(userData).toContain("export CHAIN_ID='mpc-localnet'");
  expect(userData).toContain('cat > "$LIB_DIR/genesis-patch.jq"');
});

test("a stack without a config file fails with exit 2 and says what to do", async () => {
  const msgs: string[] = [];
  expect(await runSynth({ stack: "nope", out, log: (l) => msgs.push(l) })).toBe(2);
  expect(msgs.join("\n")).toMatch(/no .*Pulumi\.nope\.yaml: create the stack's config file first/);
});
