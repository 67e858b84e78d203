// The destination chain's part of Layer 2's stack output (`services.evm`).
import { isObject, optionalString } from "../../outputs.js";

export interface EvmExport {
  /** http://<base private ip>:<evm port>: reachable from inside the VPC (and through `connect`). */
  rpcUrl: string;
  chainId: number;
  /** The dev account (public); its key is in the SSM SecureString devKeyParameter. */
  devAddress: string;
  /** SSM parameter name of the dev account's key (a name, never the key). */
  devKeyParameter: string;
}

export function parseEvmOutputs(v: unknown, problems: string[]): EvmExport | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) {
    problems.push("services.evm is not an object");
    return undefined;
  }
  const rpcUrl = optionalString(v, "rpcUrl");
  const devAddress = optionalString(v, "devAddress");
  const devKeyParameter = optionalString(v, "devKeyParameter");
  const chainId = v.chainId;
  if (!rpcUrl || !devAddress || !devKeyParameter || typeof chainId !== "number" || !Number.isSafeInteger(chainId)) {
    problems.push("services.evm needs rpcUrl, chainId (a number), devAddress and devKeyParameter");
    return undefined;
  }
  return { rpcUrl, chainId, devAddress, devKeyParameter };
}

/** The chain as the operations on the base host reach it: the host's loopback, the chain's port. */
export function evmLoopbackUrl(evm: EvmExport): string {
  return `http://127.0.0.1:${new URL(evm.rpcUrl).port || "80"}`;
}
