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
  /** s3://bucket/key (index.ts exports it with the location). */
  uri?: string;
  sha256: string;
}

export interface BaseOutputs {
  instanceId: string;
  privateIp: string;
  rpcUrl: string;
  chainId: string;
  rootAccountId: string;
  /**
   * The published boot nodes as a list. index.ts exports ONE string,
   * "ed25519:<node public key>@<private ip>:24567" (neard's comma-separated format), split here.
   */
  bootNodes: string[];
  /** The base node's peer id (neard node_key.json public key) as published. */
  nodePublicKey?: string;
  rootPublicKey?: string;
  /** SSM SecureString parameter holding the root account's key (a name, never the key). */
  rootAccountKeyParameter?: string;
  artifactsBucket?: string;
  genesis?: GenesisLocation;
}

export interface ServicesOutputs {
  /** accountId -> expected (pinned) on-chain code hash. */
  contracts: Record<string, string>;
  /** http://<base private ip>:<faucet port> */
  faucetUrl?: string;
  /** The account that pays the faucet's top-ups (faucet.<root>). */
  faucetAccountId?: string;
}

export interface MpcNodeOutputs {
  instanceId: string;
  privateIp: string;
  /** Stable DNS name of the node (Cloud Map). */
  address?: string;
  /** Participant URL written on chain, http://<address>:<p2p port>. */
  url?: string;
  accountId: string;
  accountPublicKey?: string;
  p2pPublicKey: string;
}

export interface MpcDomainOutput {
  id: number;
  /** secp256k1 | ed25519 */
  scheme?: string;
  /** CaitSith | Frost | ... */
  protocol?: string;
  /** Sign | CKD | ForeignTx */
  purpose?: string;
  [extra: string]: unknown;
}

export interface MpcRootKeyOutput {
  domainId: number;
  scheme: string;
  publicKey: string;
}

export interface MpcOutputs {
  nodes: MpcNodeOutputs[];
  contractId: string;
  /** Domains as configured, e.g. [{id:0, scheme:"secp256k1", protocol:"CaitSith", purpose:"Sign"}]. */
  domains: MpcDomainOutput[];
  threshold: number;
  /** Pinned signer contract code hash (base58). */
  codeHash?: string;
  /** Each domain's root public key, once key generation completed. */
  rootKeys: MpcRootKeyOutput[];
  /** Cloud Map namespace of the node addresses. */
  namespace?: string;
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
  const uri = optStr(v, "uri");
  return bucket && key && sha256 ? { bucket, key, sha256, ...(uri ? { uri } : {}) } : undefined;
}

/** neard's boot_nodes format: comma-separated "ed25519:<key>@<host>:<port>" entries. */
export function splitBootNodes(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function parseBase(v: unknown, problems: string[]): BaseOutputs | undefined {
  if (!isObject(v)) return undefined;
  const p: string[] = [];
  const bootRaw = v.bootNodes;
  let bootNodes: string[] = [];
  if (typeof bootRaw === "string") bootNodes = splitBootNodes(bootRaw);
  else if (Array.isArray(bootRaw)) bootNodes = bootRaw.filter((b): b is string => typeof b === "string");
  else p.push("base.bootNodes is missing or not a string");
  const out: BaseOutputs = {
    instanceId: instanceId(v, "base", p),
    privateIp: str(v, "privateIp", "base", p),
    rpcUrl: str(v, "rpcUrl", "base", p),
    chainId: str(v, "chainId", "base", p),
    rootAccountId: str(v, "rootAccountId", "base", p),
    bootNodes,
    nodePublicKey: optStr(v, "nodePublicKey"),
    rootPublicKey: optStr(v, "rootPublicKey"),
    rootAccountKeyParameter: optStr(v, "rootAccountKeyParameter"),
    artifactsBucket: optStr(v, "artifactsBucket"),
    genesis: location(v.genesis),
  };
  problems.push(...p);
  return out.instanceId ? out : undefined;
}

function parseServices(v: unknown, problems: string[]): ServicesOutputs | undefined {
  if (!isObject(v)) return undefined;
  const contracts: Record<string, string> = {};
  if (isObject(v.contracts)) {
    for (const [account, hash] of Object.entries(v.contracts)) {
      if (typeof hash === "string") contracts[account] = hash;
      else problems.push(`services.contracts["${account}"] is not a code hash string`);
    }
  } else if (v.contracts !== undefined) {
    problems.push("services.contracts is not an object of account -> code hash");
  }
  return { contracts, faucetUrl: optStr(v, "faucetUrl"), faucetAccountId: optStr(v, "faucetAccountId") };
}

function num(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function parseMpc(v: unknown, problems: string[]): MpcOutputs | undefined {
  if (!isObject(v)) return undefined;
  const nodes: MpcNodeOutputs[] = [];
  if (Array.isArray(v.nodes)) {
    v.nodes.forEach((n, i) => {
      const where = `mpc.nodes[${i}]`;
      if (!isObject(n)) {
        problems.push(`${where} is not an object`);
        return;
      }
      const p: string[] = [];
      const id = instanceId(n, where, p);
      if (!id) {
        problems.push(...p);
        return;
      }
      nodes.push({
        instanceId: id,
        privateIp: str(n, "privateIp", where, p),
        address: optStr(n, "address"),
        url: optStr(n, "url"),
        accountId: str(n, "accountId", where, p),
        accountPublicKey: optStr(n, "accountPublicKey"),
        p2pPublicKey: str(n, "p2pPublicKey", where, p),
      });
      problems.push(...p);
    });
  } else if (v.nodes !== undefined) {
    problems.push("mpc.nodes is not a list");
  }
  const domains: MpcDomainOutput[] = [];
  if (Array.isArray(v.domains)) {
    v.domains.forEach((d, i) => {
      const id = isObject(d) ? num(d.id) : undefined;
      if (!isObject(d) || id === undefined) {
        problems.push(`mpc.domains[${i}] has no numeric id`);
        return;
      }
      domains.push({ ...d, id });
    });
  }
  const rootKeys: MpcRootKeyOutput[] = [];
  if (Array.isArray(v.rootKeys)) {
    v.rootKeys.forEach((k, i) => {
      const domainId = isObject(k) ? num(k.domainId) : undefined;
      const publicKey = isObject(k) ? optStr(k, "publicKey") : undefined;
      if (!isObject(k) || domainId === undefined || !publicKey) {
        problems.push(`mpc.rootKeys[${i}] needs a numeric domainId and a publicKey`);
        return;
      }
      rootKeys.push({ domainId, scheme: optStr(k, "scheme") ?? "", publicKey });
    });
  }
  const contractId = optStr(v, "contractId");
  if (!contractId) problems.push("mpc.contractId is missing or not a string");
  return {
    nodes,
    contractId: contractId ?? "",
    domains,
    threshold: num(v.threshold) ?? 0,
    codeHash: optStr(v, "codeHash"),
    rootKeys,
    namespace: optStr(v, "namespace"),
  };
}

/**
 * What Pulumi saves for a value that was unknown when the outputs were recorded (e.g. a targeted
 * `up` that skipped the resource producing it): a fixed UUID instead of the value. Such a value
 * is missing, not a value.
 */
export const UNKNOWN_OUTPUT = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The value with every unknown placeholder removed (object keys dropped, list entries too). */
export function withoutUnknowns(v: unknown): unknown {
  if (v === UNKNOWN_OUTPUT) return undefined;
  if (Array.isArray(v)) return v.map(withoutUnknowns).filter((x) => x !== undefined);
  if (isObject(v)) {
    const out: Raw = {};
    for (const [k, x] of Object.entries(v)) {
      const kept = withoutUnknowns(x);
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  }
  return v;
}

/** Plain values of the outputs (the Automation API gives {value, secret} pairs), unknowns removed. */
export function outputValues(raw: Record<string, OutputValue | unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const value = withoutUnknowns(isObject(v) && "value" in v && "secret" in v ? v.value : v);
    if (value !== undefined) values[k] = value;
  }
  return values;
}

/** EC2 instance ids look like i-0123456789abcdef0. */
const INSTANCE_ID = /^i-[0-9a-z]+$/;

function instanceId(o: Raw, where: string, problems: string[]): string {
  const v = o.instanceId;
  if (typeof v === "string" && INSTANCE_ID.test(v)) return v;
  problems.push(`${where}.instanceId is ${v === undefined || v === "" ? "missing" : `not an EC2 instance id (${JSON.stringify(v)})`}`);
  return "";
}

export function parseStackOutputs(raw: Record<string, OutputValue | unknown>): StackOutputs {
  const values = outputValues(raw);
  const problems: string[] = [];
  const rawBundle = values.opsBundle;
  let bundle: OpsBundleLocation | undefined;
  if (isObject(rawBundle)) {
    const uri = optStr(rawBundle, "uri");
    const sha256 = optStr(rawBundle, "sha256");
    if (uri && sha256) bundle = { uri, sha256 };
    else problems.push("opsBundle needs uri and sha256");
  }
  return {
    base: parseBase(values.base, problems),
    services: parseServices(values.services, problems),
    mpc: parseMpc(values.mpc, problems),
    opsDocument: typeof values.opsDocument === "string" ? values.opsDocument : undefined,
    diagnosticsDocument: typeof values.diagnosticsDocument === "string" ? values.diagnosticsDocument : undefined,
    opsBundle: bundle,
    problems,
  };
}

/**
 * How an exported deployment (`pulumi stack export` without --show-secrets) records a secret
 * value: an object {<sig key>: <secret sig>, ciphertext} (pulumi sdk resource/sig).
 */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretMarker(v: unknown): boolean {
  return isObject(v) && v[SECRET_SIG_KEY] === SECRET_SIG;
}

/** `plain` with every part that `recorded` (the same value as the state records it) marks secret replaced. */
export function maskLikeRecorded(plain: unknown, recorded: unknown): unknown {
  if (isSecretMarker(recorded)) return "[secret]";
  if (Array.isArray(plain) && Array.isArray(recorded)) return plain.map((v, i) => maskLikeRecorded(v, recorded[i]));
  if (isObject(plain) && isObject(recorded)) {
    const out: Raw = {};
    for (const [k, v] of Object.entries(plain)) out[k] = maskLikeRecorded(v, recorded[k]);
    return out;
  }
  return plain;
}

/**
 * Outputs for display: secret values are replaced, never printed. The Automation API flags only
 * top-level secrets; `recorded` (the root stack resource's outputs from the exported state) marks
 * the nested ones.
 */
export function maskedOutputs(raw: Record<string, OutputValue>, recorded?: Record<string, unknown>): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) shown[k] = v.secret ? "[secret]" : recorded ? maskLikeRecorded(v.value, recorded[k]) : v.value;
  return shown;
}

/** One resource of the stack's state (the Automation API's exported deployment). */
export interface StateResource {
  urn: string;
  type: string;
  outputs?: Record<string, unknown>;
}

const MPC_INSTANCE = /::mpc-node-(\d+)-instance$/;

/**
 * Layer 3 as far as the state knows it, for failure diagnostics when the stack exports no `mpc`
 * outputs yet (a first deploy that failed, e.g. at the keygen wait): the MPC instances that exist,
 * with the account ids and contract id the program derives from the root account.
 */
export function mpcFromState(resources: StateResource[], rootAccountId: string): MpcOutputs | undefined {
  const nodes: Array<MpcNodeOutputs & { index: number }> = [];
  for (const r of resources) {
    const m = MPC_INSTANCE.exec(r.urn);
    if (!m || r.type !== "aws:ec2/instance:Instance" || !r.urn.includes("near-localnet:index:ChainSignatures$")) continue;
    const id = r.outputs?.id;
    if (typeof id !== "string" || !id) continue;
    const ip = r.outputs?.privateIp;
    const index = Number(m[1]);
    nodes.push({ index, instanceId: id, privateIp: typeof ip === "string" ? ip : "", accountId: `mpc-node-${index}.${rootAccountId}`, p2pPublicKey: "" });
  }
  if (nodes.length === 0) return undefined;
  nodes.sort((a, b) => a.index - b.index);
  return {
    nodes: nodes.map(({ index: _i, ...n }) => n),
    contractId: `v1.signer.${rootAccountId}`,
    domains: [],
    threshold: 0,
    rootKeys: [],
  };
}
