/**
 * The real Layer 2 contracts (w_near, whitelist, staking_pool_factory, linkdrop) served from a loopback HTTP
 * server at the paths of their pinned upstream URLs, so that a plan deploys them through the
 * toolkit's download-and-checksum path without the network.
 *
 *   const files = await CoreContractFiles.start();
 *   files.source("whitelist")       // { url: "http://127.0.0.1:<port>/near/core-contracts/...", sha256, size }
 *   files.local(pinnedUrl)          // the same path on the loopback server
 *   files.hits("whitelist"); await files.close();
 */
import type { WasmSource } from "../../platform/near/client.js";
import { coreContractSource, type CoreContract } from "../../platform/near/plan.js";
import { contractWasm, type ContractName } from "./contracts.js";
import { StaticServer } from "./static-server.js";

const NAMES: Record<CoreContract, ContractName> = {
  wrap: "w_near",
  whitelist: "whitelist",
  poolv1: "staking_pool_factory",
  linkdrop: "linkdrop",
};

export class CoreContractFiles {
  private constructor(private readonly server: StaticServer) {}

  static async start(): Promise<CoreContractFiles> {
    const files: Record<string, Uint8Array> = {};
    for (const [k, name] of Object.entries(NAMES)) {
      files[new URL(coreContractSource(k as CoreContract).url).pathname] = contractWasm(name);
    }
    return new CoreContractFiles(await StaticServer.start(files));
  }

  /** A URL of a pinned file, moved onto the loopback server (same path). */
  local(url: string): string {
    return this.server.url(new URL(url).pathname);
  }

  source(k: CoreContract): WasmSource {
    const pin = coreContractSource(k);
    return { ...pin, url: this.local(pin.url) };
  }

  hits(k: CoreContract): number {
    return this.server.hits(new URL(coreContractSource(k).url).pathname);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
