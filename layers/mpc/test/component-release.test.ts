// The release mpcVersion selects reaches the hosts and the on-chain set-up: a release other than
// the default names its own signer wasm in the set-up payload and exports its code hash.
import { harness, valueOf } from "../../../test/support/pulumi-harness.js";
import { NearBase } from "../../base/component.js";
import { NearServices } from "../../services/component.js";
import { ChainSignatures } from "../component.js";
import type { LocalnetConfig } from "../../config.js";
import { gunzipped } from "../../../platform/host/render.js";

const OTHER = {
  version: "9.9.9",
  image: "nearone/mpc-node:9.9.9",
  signer: {
    wasm: { url: "https://example.invalid/signer-9_9_9.wasm", sha256: "ab".repeat(32), size: 1_000_000 },
    codeHash: "CodeHashOfTheOtherRelease",
  },
};

test("another release's image, signer wasm and code hash", async () => {
  const h = harness({});
  const config: LocalnetConfig = { ...h.cfg, mpc: { ...h.cfg.mpc, ...OTHER } };
  const base = new NearBase("base", { config });
  const services = new NearServices("services", { config, base });
  const mpc = new ChainSignatures("mpc", { config, base, services });
  await h.settle();

  const env = (h.one("command:local:Command", "signer-setup-run").inputs as any).environment as Record<string, string>;
  const payload = JSON.parse(Buffer.from(env.SSM_RUN_PAYLOAD, "base64").toString("utf8"));
  expect(payload.wasm).toEqual(OTHER.signer.wasm);
  expect(await valueOf(mpc.codeHash)).toBe(OTHER.signer.codeHash);
  const userData = gunzipped(
    (h.one("aws:ec2/instance:Instance", "mpc-node-0-instance").inputs as any).userDataBase64 as string,
  );
  expect(userData).toContain("export MPC_IMAGE='nearone/mpc-node:9.9.9'");
});
