// Layer 1's stack output `base`: what index.ts exports (BaseExport) and what the driver reads back.
import { NEAR_P2P_PORT } from "../../platform/near/ports.js";
import { instanceIdOf, isObject, optionalString, requiredString, type Raw } from "../outputs.js";

export interface GenesisLocation {
  bucket: string;
  key: string;
  /** s3://bucket/key */
  uri: string;
  sha256: string;
}

/** The `base` output as the program exports it. */
export interface BaseExport {
  instanceId: string;
  privateIp: string;
  rpcUrl: string;
  chainId: string;
  /** neard's boot_nodes format: comma-separated "ed25519:<node public key>@<ip>:<port>" entries. */
  bootNodes: string;
  /** The base node's peer id (neard node_key.json public key). */
  nodePublicKey: string;
  genesis: GenesisLocation;
  rootAccountId: string;
  rootPublicKey: string;
  /** SSM SecureString parameter holding the root account's key (a name, never the key). */
  rootAccountKeyParameter: string;
  rootAccountIdParameter: string;
  vpcId: string;
  subnetIds: string[];
  securityGroupId: string;
  artifactsBucket: string;
  /** CloudWatch Logs group of the containers' logs (streams "<host>/<container>"). */
  logGroup: string;
}

/** The `base` output as the driver reads it: boot nodes as a list; what older stacks may lack is optional. */
export type BaseOutputs = Pick<BaseExport, "instanceId" | "privateIp" | "rpcUrl" | "chainId" | "rootAccountId"> &
  Partial<
    Pick<BaseExport, "nodePublicKey" | "rootPublicKey" | "rootAccountKeyParameter" | "artifactsBucket" | "logGroup">
  > & {
    bootNodes: string[];
    genesis?: Omit<GenesisLocation, "uri"> & { uri?: string };
  };

/** Splits neard's comma-separated boot_nodes string. */
export function splitBootNodes(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The boot node entry Layer 1 must publish for a node public key and IP. */
export function bootNodeFor(nodePublicKey: string, ip: string): string {
  const key = nodePublicKey.startsWith("ed25519:") ? nodePublicKey : `ed25519:${nodePublicKey}`;
  return `${key}@${ip}:${NEAR_P2P_PORT}`;
}

function genesisOf(v: unknown): BaseOutputs["genesis"] {
  if (!isObject(v)) return undefined;
  const bucket = optionalString(v, "bucket");
  const key = optionalString(v, "key");
  const sha256 = optionalString(v, "sha256");
  const uri = optionalString(v, "uri");
  return bucket && key && sha256 ? { bucket, key, sha256, ...(uri ? { uri } : {}) } : undefined;
}

function bootNodesOf(v: Raw, problems: string[]): string[] {
  const raw = v.bootNodes;
  if (typeof raw === "string") return splitBootNodes(raw);
  if (Array.isArray(raw)) return raw.filter((b): b is string => typeof b === "string");
  problems.push("base.bootNodes is missing or not a string");
  return [];
}

/** The `base` output; undefined when the stack has none (or no instance to speak of). */
export function parseBaseOutputs(v: unknown, problems: string[]): BaseOutputs | undefined {
  if (!isObject(v)) return undefined;
  const p: string[] = [];
  const bootNodes = bootNodesOf(v, p);
  const out: BaseOutputs = {
    instanceId: instanceIdOf(v, "base", p),
    privateIp: requiredString(v, "privateIp", "base", p),
    rpcUrl: requiredString(v, "rpcUrl", "base", p),
    chainId: requiredString(v, "chainId", "base", p),
    rootAccountId: requiredString(v, "rootAccountId", "base", p),
    bootNodes,
    nodePublicKey: optionalString(v, "nodePublicKey"),
    rootPublicKey: optionalString(v, "rootPublicKey"),
    rootAccountKeyParameter: optionalString(v, "rootAccountKeyParameter"),
    artifactsBucket: optionalString(v, "artifactsBucket"),
    logGroup: optionalString(v, "logGroup"),
    genesis: genesisOf(v.genesis),
  };
  problems.push(...p);
  return out.instanceId ? out : undefined;
}
