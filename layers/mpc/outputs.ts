// Layer 3's stack output `mpc`: what index.ts exports and what the driver reads back.
import { instanceIdOf, isObject, numberOf, optionalString, requiredString, type Raw } from "../outputs.js";
import { MPC_NODE_ACCOUNT_PREFIX } from "../accounts.js";

/** One MPC node as the program exports it. */
interface MpcNodeExport {
  instanceId: string;
  privateIp: string;
  /** Stable DNS name of the node (Cloud Map). */
  address: string;
  /** Participant URL written on chain, http://<address>:<p2p port>. */
  url: string;
  accountId: string;
  accountPublicKey: string;
  p2pPublicKey: string;
}

interface MpcDomainExport {
  id: number;
  /** secp256k1 | ed25519 */
  scheme: string;
  /** CaitSith | Frost | ... */
  protocol: string;
  /** Sign | CKD | ForeignTx */
  purpose: string;
}

interface MpcRootKeyOutput {
  domainId: number;
  scheme: string;
  publicKey: string;
}

/** The `mpc` output as the program exports it. */
export interface MpcExport {
  nodes: MpcNodeExport[];
  /** Undefined until the signer set-up ran (a per-layer `up` of a lower layer skips it). */
  contractId: string | undefined;
  /** Pinned signer contract code hash (base58). */
  codeHash: string;
  threshold: number;
  domains: MpcDomainExport[];
  /** Each domain's root public key, once key generation completed. */
  rootKeys: MpcRootKeyOutput[];
  /** Cloud Map namespace of the node addresses. */
  namespace: string;
}

export type MpcNodeOutputs = Pick<MpcNodeExport, "instanceId" | "privateIp" | "accountId" | "p2pPublicKey"> &
  Partial<Pick<MpcNodeExport, "address" | "url" | "accountPublicKey">>;

type MpcDomainOutput = Partial<MpcDomainExport> & { id: number; [extra: string]: unknown };

export interface MpcOutputs {
  nodes: MpcNodeOutputs[];
  contractId: string;
  domains: MpcDomainOutput[];
  threshold: number;
  codeHash?: string;
  rootKeys: MpcRootKeyOutput[];
  namespace?: string;
}

function nodeOf(n: unknown, where: string, problems: string[]): MpcNodeOutputs | undefined {
  if (!isObject(n)) {
    problems.push(`${where} is not an object`);
    return undefined;
  }
  const p: string[] = [];
  const instanceId = instanceIdOf(n, where, p);
  if (!instanceId) {
    problems.push(...p);
    return undefined;
  }
  const node: MpcNodeOutputs = {
    instanceId,
    privateIp: requiredString(n, "privateIp", where, p),
    address: optionalString(n, "address"),
    url: optionalString(n, "url"),
    accountId: requiredString(n, "accountId", where, p),
    accountPublicKey: optionalString(n, "accountPublicKey"),
    p2pPublicKey: requiredString(n, "p2pPublicKey", where, p),
  };
  problems.push(...p);
  return node;
}

function nodesOf(v: Raw, problems: string[]): MpcNodeOutputs[] {
  if (v.nodes !== undefined && !Array.isArray(v.nodes)) problems.push("mpc.nodes is not a list");
  if (!Array.isArray(v.nodes)) return [];
  return v.nodes.flatMap((n, i) => nodeOf(n, `mpc.nodes[${i}]`, problems) ?? []);
}

function domainsOf(v: Raw, problems: string[]): MpcDomainOutput[] {
  if (!Array.isArray(v.domains)) return [];
  return v.domains.flatMap((d, i) => {
    const id = isObject(d) ? numberOf(d.id) : undefined;
    if (!isObject(d) || id === undefined) {
      problems.push(`mpc.domains[${i}] has no numeric id`);
      return [];
    }
    return [{ ...d, id }];
  });
}

function rootKeysOf(v: Raw, problems: string[]): MpcRootKeyOutput[] {
  if (!Array.isArray(v.rootKeys)) return [];
  return v.rootKeys.flatMap((k, i) => {
    const domainId = isObject(k) ? numberOf(k.domainId) : undefined;
    const publicKey = isObject(k) ? optionalString(k, "publicKey") : undefined;
    if (!isObject(k) || domainId === undefined || !publicKey) {
      problems.push(`mpc.rootKeys[${i}] needs a numeric domainId and a publicKey`);
      return [];
    }
    return [{ domainId, scheme: optionalString(k, "scheme") ?? "", publicKey }];
  });
}

export function parseMpcOutputs(v: unknown, problems: string[]): MpcOutputs | undefined {
  if (!isObject(v)) return undefined;
  const nodes = nodesOf(v, problems);
  const domains = domainsOf(v, problems);
  const rootKeys = rootKeysOf(v, problems);
  const contractId = optionalString(v, "contractId");
  if (!contractId) problems.push("mpc.contractId is missing or not a string");
  return {
    nodes,
    contractId: contractId ?? "",
    domains,
    threshold: numberOf(v.threshold) ?? 0,
    codeHash: optionalString(v, "codeHash"),
    rootKeys,
    namespace: optionalString(v, "namespace"),
  };
}

const MPC_INSTANCE = /::mpc-node-(\d+)-instance$/;

/**
 * Layer 3 as far as the state knows it, for failure diagnostics when the stack exports no `mpc`
 * outputs yet (a first deploy that failed, e.g. at the keygen wait): the MPC instances that exist,
 * with the account ids and contract id the program derives from the root account.
 */
export function mpcFromState(
  resources: ReadonlyArray<{ urn: string; type: string; outputs?: Record<string, unknown> }>,
  rootAccountId: string,
): MpcOutputs | undefined {
  const nodes: Array<MpcNodeOutputs & { index: number }> = [];
  for (const r of resources) {
    const m = MPC_INSTANCE.exec(r.urn);
    if (!m || r.type !== "aws:ec2/instance:Instance" || !r.urn.includes("near-localnet:index:ChainSignatures$"))
      continue;
    const id = r.outputs?.id;
    if (typeof id !== "string" || !id) continue;
    const ip = r.outputs?.privateIp;
    const index = Number(m[1]);
    const accountId = `${MPC_NODE_ACCOUNT_PREFIX}${index}.${rootAccountId}`;
    nodes.push({ index, instanceId: id, privateIp: typeof ip === "string" ? ip : "", accountId, p2pPublicKey: "" });
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
