import { DEFAULT_MPC_RELEASE, DEFAULT_MPC_VERSION, MPC_RELEASES, mpcRelease } from "../releases.js";
import { codeHashFromSha256 } from "../../../platform/near/client.js";

describe("MPC releases", () => {
  test.each(Object.keys(MPC_RELEASES))("%s: image, nearcore and a signer wasm pinned to a commit", (version) => {
    const r = mpcRelease(version)!;
    expect(r.version).toBe(version);
    expect(r.image).toBe(`nearone/mpc-node:${version}`);
    expect(r.nearcoreVersion).toMatch(/^\d+\.\d+\.\d+$/);
    // pinned to a commit of near/mpc, never to a branch
    const archive = "https://raw.githubusercontent.com/near/mpc/<commit>/crates/contract-history/archive/";
    expect(r.signer.wasm.url.replace(/\/mpc\/[0-9a-f]{40}\//, "/mpc/<commit>/")).toBe(
      `${archive}signer-${version.replaceAll(".", "_")}.wasm`,
    );
    expect(r.signer.wasm.size).toBeGreaterThan(0);
    expect(codeHashFromSha256(r.signer.wasm.sha256)).toBe(r.signer.codeHash);
  });

  test("the default release is in the table; other versions, even inherited names, are not", () => {
    expect(DEFAULT_MPC_RELEASE).toEqual({ version: DEFAULT_MPC_VERSION, ...MPC_RELEASES[DEFAULT_MPC_VERSION] });
    expect(mpcRelease("3.13.0")).toBeUndefined();
    expect(mpcRelease("constructor")).toBeUndefined();
  });
});
