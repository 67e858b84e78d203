// The MPC releases this program can deploy, keyed by near/mpc release version. One entry is one
// release, changed as one: the node image, the nearcore the node embeds (the base node must run
// the same nearcore release, see layers/mpc/config.ts), and the signer contract it ships.
// Pure data: the Pulumi program, the config and the ops bundle (which must not import Pulumi) read it.
import type { WasmSource } from "../../platform/near/client.js";

export interface SignerContract {
  /** Where the ops bundle fetches the wasm from, and its size and sha256 (checked before deploying it). */
  wasm: WasmSource;
  /** The deployed contract's on-chain code hash: base58 of the wasm's sha256. */
  codeHash: string;
}

export interface MpcRelease {
  version: string;
  /** The MPC node image. */
  image: string;
  /** The nearcore release the node embeds (its indexer is a nearcore node). */
  nearcoreVersion: string;
  signer: SignerContract;
}

/** near/mpc keeps every release's contract under crates/contract-history/archive/. */
const archivedContract = (commit: string, file: string) =>
  `https://raw.githubusercontent.com/near/mpc/${commit}/crates/contract-history/archive/${file}`;

export const MPC_RELEASES: Readonly<Record<string, Omit<MpcRelease, "version">>> = {
  // Tag 3.14.1 = d76a82548ce6a7aea346aa6c56f4af914366abf8. Its Cargo.toml pins every nearcore
  // crate (nearcore, near-indexer, near-client, ...) to near/nearcore tag 2.13.3, and its
  // Cargo.lock resolves them to that tag (5af9ca74631e6cf0dae33e77d1a632e94d2952ce).
  // The tag itself does not contain the wasm: near/mpc archives each release's contract
  // afterwards, and crates/contract-history/archive/signer-3_14_1.wasm was added on main by commit
  // e1ce929e0736a067262e253ecccdb3ca6c6ee9fa ("chore: add 3.14.1 contract to history (#4200)"),
  // which no tag contains. The raw URL is therefore pinned to that commit, never to a branch.
  // The file is 1,182,130 bytes; its sha256 and on-chain code hash (base58 of the sha256) below
  // were computed from that blob.
  "3.14.1": {
    image: "nearone/mpc-node:3.14.1",
    nearcoreVersion: "2.13.3",
    signer: {
      wasm: {
        url: archivedContract("e1ce929e0736a067262e253ecccdb3ca6c6ee9fa", "signer-3_14_1.wasm"),
        sha256: "d1e760b1056232e3853d214b301c7d82d8e8911f9bf22078d3c8da00d61f636b",
        size: 1_182_130,
      },
      codeHash: "F8NqkFhF97BxjYrweg3hFFhdH57k4qgqoPdLDwP6H9dL",
    },
  },
};

/** The release a stack gets when it sets no `mpcVersion`. */
export const DEFAULT_MPC_VERSION = "3.14.1";

/** The entry for a release version; undefined when the table has none. */
export function mpcRelease(version: string): MpcRelease | undefined {
  return Object.hasOwn(MPC_RELEASES, version) ? { version, ...MPC_RELEASES[version] } : undefined;
}

export const DEFAULT_MPC_RELEASE: MpcRelease = (() => {
  const release = mpcRelease(DEFAULT_MPC_VERSION);
  if (!release) throw new Error(`DEFAULT_MPC_VERSION ${DEFAULT_MPC_VERSION} has no entry in MPC_RELEASES`);
  return release;
})();
