// The pinned destination-chain node: Foundry's anvil, as the npm registry publishes it (the
// @foundry-rs/anvil package ships its binary in per-platform packages, its optionalDependencies;
// the base host is linux x86_64). The host fetches the tarball at deploy time and refuses one whose
// sha512 differs from the registry's dist.integrity below (`npm view @foundry-rs/anvil-linux-amd64@1.7.1 dist`).
// The tests run the same version: the @foundry-rs/anvil devDependency, whose lockfile entry for
// this platform package carries the same integrity (checked by the evm tests).

export interface NpmArtifact {
  name: string;
  version: string;
  /** dist.tarball */
  tarball: string;
  /** dist.integrity: "sha512-" and the base64 of the tarball's sha512. */
  integrity: string;
  /** The file inside the tarball. */
  entry: string;
}

export const ANVIL_ARTIFACT: NpmArtifact = {
  name: "@foundry-rs/anvil-linux-amd64",
  version: "1.7.1",
  tarball: "https://registry.npmjs.org/@foundry-rs/anvil-linux-amd64/-/anvil-linux-amd64-1.7.1.tgz",
  integrity: "sha512-+XmShybEaxfCrr0OUUZwYEy2OnYZt5pHH9TzBtLv3+VrK0O/ANuNSVEahqNhKHlgX7GRJ59383ofNhxkRWIYTg==",
  entry: "package/bin/anvil",
};

/** The integrity's sha512 as hex, what `sha512sum` prints on the host. */
export function integritySha512Hex(integrity: string): string {
  const m = /^sha512-([A-Za-z0-9+/]{86}==)$/.exec(integrity);
  if (!m) throw new Error(`not an npm sha512 integrity: ${integrity}`);
  return Buffer.from(m[1], "base64").toString("hex");
}
