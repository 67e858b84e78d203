// The one place that knows the shape of the stack's outputs (index.ts exports `base`,
// `services`, `mpc`, `opsDocument`, `diagnosticsDocument` and the ops bundle location).
// Everything else in the driver works with the typed view returned here, so aligning with a
// change in index.ts means changing this file only.

export interface OutputValue {
  value: unknown;
  secret: boolean;
}

export interface GenesisLocation {
  bucket: string;
  key: string;
  sha256: string;
}

export interface BaseOutputs {
  instanceId: string;
  privateIp: string;
  rpcUrl: string;
  chainId: string;
  rootAccountId: string;
  bootNodes: string[];
  genesis?: GenesisLocation;
}

export interface ServicesOutputs {
  /** accountId -> expected (pinned) on-chain code hash. */
  contracts: Record<string, string>;
  faucetUrl?: string;
}

export interface MpcNodeOutputs {
  instanceId: string;
  privateIp: string;
  accountId: string;
  p2pPublicKey: string;
}

export interface MpcOutputs {
  nodes: MpcNodeOutputs[];
  contractId: string;
  /** Domains as configured, e.g. [{id:0, protocol:"CaitSith", purpose:"Sign"}]. */
  domains: Array<Record<string, unknown>>;
  threshold: number;
  /** Pinned signer contract code hash (base58), when the layer exports it. */
  codeHash?: string;
}

export interface OpsBundleLocation {
  /** s3://bucket/key */
  uri: string;
  sha256: string;
}

export interface StackOutputs {
  base?: BaseOutputs;
  services?: ServicesOutputs;
  mpc?: MpcOutputs;
  opsDocument?: string;
  diagnosticsDocument?: string;
  opsBundle?: OpsBundleLocation;
  /** Output keys that were present but could not be read, with the reason. */
  problems: string[];
}

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(o: Raw, key: string, where: string, problems: string[]): string {
  const v = o[key];
  if (typeof v === "string" && v.length > 0) return v;
  problems.push(`${where}.${key} is missing or not a string`);
  return "";
}

function optStr(o: Raw, key: string): string | undefined {
  const v = o[key];
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

function location(v: unknown): GenesisLocation | undefined {
  if (!isObject(v)) return undefined;
  const bucket = optStr(v, "bucket");
  const key = optStr(v, "key");
  const sha256 = optStr(v, "sha256");
  return bucket && key && sha256 ? { bucket, key, sha256 } : undefined;
}

function parseBase(v: unknown, problems: string[]): BaseOutputs | undefined {
  if (!isObject(v)) return undefined;
  const p: string[] = [];
  const bootRaw = v.bootNodes;
  const bootNodes = Array.isArray(bootRaw)
    ? bootRaw.filter((b): b is string => typeof b === "string")
    : typeof bootRaw === "string"
      ? bootRaw.split(",").map((s) => s.trim()).filter(Boolean)
      : [];
  const out: BaseOutputs = {
    instanceId: str(v, "instanceId", "base", p),
    privateIp: str(v, "privateIp", "base", p),
    rpcUrl: str(v, "rpcUrl", "base", p),
    chainId: str(v, "chainId", "base", p),
    rootAccountId: str(v, "rootAccountId", "base", p),
    bootNodes,
    genesis: location(v.genesis),
  };
  problems.push(...p);
  return out.instanceId ? out : undefined;
}

function parseServices(v: unknown): ServicesOutputs | undefined {
  if (!isObject(v)) return undefined;
  const contracts: Record<string, string> = {};
  if (isObject(v.contracts)) {
    for (const [account, hash] of Object.entries(v.contracts)) {
      if (typeof hash === "string") contracts[account] = hash;
    }
  }
  return { contracts, faucetUrl: optStr(v, "faucetUrl") };
}

function parseMpc(v: unknown, problems: string[]): MpcOutputs | undefined {
  if (!isObject(v)) return undefined;
  const nodes: MpcNodeOutputs[] = [];
  if (Array.isArray(v.nodes)) {
    v.nodes.forEach((n, i) => {
      if (!isObject(n)) {
        problems.push(`mpc.nodes[${i}] is not an object`);
        return;
      }
      const p: string[] = [];
      nodes.push({
        instanceId: str(n, "instanceId", `mpc.nodes[${i}]`, p),
        privateIp: str(n, "privateIp", `mpc.nodes[${i}]`, p),
        accountId: str(n, "accountId", `mpc.nodes[${i}]`, p),
        p2pPublicKey: str(n, "p2pPublicKey", `mpc.nodes[${i}]`, p),
      });
      problems.push(...p);
    });
  }
  const threshold = typeof v.threshold === "number" ? v.threshold : Number(v.threshold);
  return {
    nodes,
    contractId: optStr(v, "contractId") ?? "",
    domains: Array.isArray(v.domains) ? v.domains.filter(isObject) : [],
    threshold: Number.isFinite(threshold) ? threshold : 0,
    codeHash: optStr(v, "codeHash") ?? optStr(v, "contractCodeHash"),
  };
}

/** Plain values of the outputs (the Automation API gives {value, secret} pairs). */
export function outputValues(raw: Record<string, OutputValue | unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    values[k] = isObject(v) && "value" in v && "secret" in v ? v.value : v;
  }
  return values;
}

export function parseStackOutputs(raw: Record<string, OutputValue | unknown>): StackOutputs {
  const values = outputValues(raw);
  const problems: string[] = [];
  const rawBundle = values.opsBundle;
  let bundle: OpsBundleLocation | undefined;
  if (isObject(rawBundle)) {
    const loc = location(rawBundle);
    const uri = optStr(rawBundle, "uri") ?? (loc ? `s3://${loc.bucket}/${loc.key}` : undefined);
    const sha256 = optStr(rawBundle, "sha256");
    if (uri && sha256) bundle = { uri, sha256 };
  }
  return {
    base: parseBase(values.base, problems),
    services: parseServices(values.services),
    mpc: parseMpc(values.mpc, problems),
    opsDocument: typeof values.opsDocument === "string" ? values.opsDocument : undefined,
    diagnosticsDocument: typeof values.diagnosticsDocument === "string" ? values.diagnosticsDocument : undefined,
    opsBundle: bundle,
    problems,
  };
}

/** Outputs for display: secret values are replaced, never printed. */
export function maskedOutputs(raw: Record<string, OutputValue>): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) shown[k] = v.secret ? "[secret]" : v.value;
  return shown;
}
