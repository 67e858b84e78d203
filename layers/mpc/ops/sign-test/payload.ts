// The `sign-test` operation's payload: parsed and checked before anything touches the chain.
// Keys are named by reference only ("ssm:<name>", "secretsmanager:<id>", "env:<VAR>").
//
//   {
//     "rpcUrl": "http://127.0.0.1:3030",          optional (default: the local neard)
//     "expectChainId": "localnet",                optional: fail unless the node serves it
//     "contractId": "v1.signer.localnet",         the signer contract
//     "path": "near-localnet-sign-test",          optional derivation path
//     "tester": {                                 the account that calls `sign` (the predecessor)
//       "accountId": "sign-tester.localnet",
//       "keyRef": "ssm:/near-localnet/sign-tester-key",   optional: defaults to funder.keyRef
//       "parent": "localnet",                     optional: default the id after the first dot
//       "balance": "1 NEAR"                       optional: given at creation ("<n> NEAR" or yocto)
//     },
//     "funder": { "accountId": "localnet", "keyRef": "ssm:/near-localnet/localnet-account-key" },
//                                                 creates the tester when it is missing; optional
//                                                 when the tester exists; accountId defaults to parent
//     "domains": [{"domainId":0,"scheme":"Secp256k1"},{"domainId":1,"scheme":"Ed25519"}],
//                                                 optional (this default); scheme also accepts
//                                                 ecdsa/secp256k1/CaitSith and eddsa/ed25519/Frost
//     "timeoutSeconds": 300,                      optional: bound for each sign request
//     "evm": {...}                                optional: the Ethereum leg (evm.ts) on the
//                                                 secp256k1 domain
//   }
import { isValidAccountId } from "../../../../platform/near/account-id.js";
import { OpsError } from "../../../../platform/near/errors.js";
import { parseKeyRef } from "../../../../platform/near/keys.js";
import { toYocto } from "../../../../platform/near/client.js";
import { LOCAL_RPC_URL } from "../../../../platform/near/ports.js";
import { parseEvmLegPayload, type EvmLegPayload } from "./evm.js";
import {
  DEFAULT_SIGN_DOMAINS,
  describeSignatureSchemes,
  signatureSchemeNamed,
  signingOf,
  type SignResponseScheme,
} from "../../../../platform/chainsig/schemes.js";

export type SignScheme = SignResponseScheme;

export interface SignTestDomain {
  domainId: number;
  scheme: SignScheme;
}

export interface SignTestPayload {
  rpcUrl: string;
  expectChainId?: string;
  contractId: string;
  path: string;
  tester: { accountId: string; keyRef: string; parent: string; balance: bigint };
  funder?: { accountId: string; keyRef: string };
  domains: SignTestDomain[];
  timeoutSeconds: number;
  evm?: EvmLegPayload;
}

export const DEFAULT_SIGN_TEST_PATH = "near-localnet-sign-test";
const DEFAULT_TESTER_BALANCE = "1 NEAR";
const DEFAULT_SIGN_TIMEOUT_SECONDS = 300;
const MAX_SIGN_TIMEOUT_SECONDS = 3600;
const DEFAULT_DOMAINS: readonly SignTestDomain[] = DEFAULT_SIGN_DOMAINS;

function bad(message: string): never {
  throw new OpsError("INVALID_INPUT", `sign-test payload: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(o: Record<string, unknown>, allowed: string[], where: string): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length) bad(`${where} has unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(", ")}`);
}

function accountId(v: unknown, where: string): string {
  if (!isValidAccountId(v)) {
    bad(`${where} must be a NEAR account id, got ${JSON.stringify(typeof v === "string" ? v.slice(0, 80) : v)}`);
  }
  return v;
}

/** A key reference; a value that looks like a key itself is refused without being echoed. */
function keyRef(v: unknown, where: string): string {
  if (typeof v !== "string") bad(`${where} must be a key reference "ssm:<name>", "secretsmanager:<id>" or "env:<VAR>"`);
  if (/^(ed25519|secp256k1):/.test(v)) {
    bad(`${where} holds a key, not a reference to one: payloads must name keys ("ssm:<name>", "secretsmanager:<id>")`);
  }
  parseKeyRef(v);
  return v;
}

/** "Secp256k1" | "Ed25519" from the names the contract, the config and people use. */
function normaliseScheme(v: unknown): SignScheme | undefined {
  const scheme = signatureSchemeNamed(v);
  return scheme && signingOf(scheme).response;
}

export function parseSignTestPayload(raw: unknown): SignTestPayload {
  if (!isObject(raw)) bad("must be a JSON object");
  onlyKeys(
    raw,
    ["rpcUrl", "expectChainId", "contractId", "path", "tester", "funder", "domains", "timeoutSeconds", "evm"],
    "payload",
  );

  let rpcUrl = LOCAL_RPC_URL;
  if (raw.rpcUrl !== undefined) {
    if (typeof raw.rpcUrl !== "string" || !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(raw.rpcUrl))
      bad(`rpcUrl must be an http(s) URL, got ${JSON.stringify(raw.rpcUrl)}`);
    rpcUrl = raw.rpcUrl;
  }
  if (raw.expectChainId !== undefined && (typeof raw.expectChainId !== "string" || raw.expectChainId === "")) {
    bad("expectChainId must be a non-empty string");
  }
  const contractId = accountId(raw.contractId, "contractId");
  let path = DEFAULT_SIGN_TEST_PATH;
  if (raw.path !== undefined) {
    if (typeof raw.path !== "string" || raw.path.length > 256) bad("path must be a string of at most 256 characters");
    path = raw.path;
  }

  if (!isObject(raw.tester)) bad("tester must be an object {accountId, keyRef?, parent?, balance?}");
  const t = raw.tester;
  onlyKeys(t, ["accountId", "keyRef", "parent", "balance"], "tester");
  const testerId = accountId(t.accountId, "tester.accountId");
  const dot = testerId.indexOf(".");
  const parent =
    t.parent === undefined ? (dot > 0 ? testerId.slice(dot + 1) : "") : accountId(t.parent, "tester.parent");
  if (typeof t.balance !== "undefined" && typeof t.balance !== "string")
    bad('tester.balance must be a string ("1 NEAR" or yoctoNEAR digits)');
  let balance: bigint;
  try {
    balance = toYocto((t.balance as string | undefined) ?? DEFAULT_TESTER_BALANCE);
  } catch (e) {
    bad(`tester.balance: ${(e as Error).message}`);
  }

  let funder: SignTestPayload["funder"];
  if (raw.funder !== undefined) {
    if (!isObject(raw.funder)) bad("funder must be an object {accountId?, keyRef}");
    onlyKeys(raw.funder, ["accountId", "keyRef"], "funder");
    const fid = raw.funder.accountId === undefined ? parent : accountId(raw.funder.accountId, "funder.accountId");
    if (!fid) bad("funder.accountId is needed: the tester is a top-level account and has no parent");
    funder = { accountId: fid, keyRef: keyRef(raw.funder.keyRef, "funder.keyRef") };
  }
  const testerKeyRef = t.keyRef === undefined ? funder?.keyRef : keyRef(t.keyRef, "tester.keyRef");
  if (!testerKeyRef) bad("tester.keyRef is needed (or funder.keyRef, whose key the tester then uses)");

  let domains: SignTestDomain[] = DEFAULT_DOMAINS.map((d) => ({ ...d }));
  if (raw.domains !== undefined) {
    if (!Array.isArray(raw.domains) || raw.domains.length === 0)
      bad("domains must be a non-empty array of {domainId, scheme}");
    domains = raw.domains.map((d, i) => {
      if (!isObject(d)) bad(`domains[${i}] must be an object {domainId, scheme}`);
      onlyKeys(d, ["domainId", "scheme"], `domains[${i}]`);
      if (typeof d.domainId !== "number" || !Number.isSafeInteger(d.domainId) || d.domainId < 0) {
        bad(`domains[${i}].domainId must be a non-negative integer, got ${JSON.stringify(d.domainId)}`);
      }
      const scheme = normaliseScheme(d.scheme);
      if (!scheme) {
        const names = describeSignatureSchemes((s) => signingOf(s).response);
        bad(`domains[${i}].scheme must be ${names}, got ${JSON.stringify(d.scheme)}`);
      }
      return { domainId: d.domainId, scheme };
    });
    const ids = domains.map((d) => d.domainId);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup !== undefined) bad(`domain ${dup} is listed twice`);
  }

  let timeoutSeconds = DEFAULT_SIGN_TIMEOUT_SECONDS;
  if (raw.timeoutSeconds !== undefined) {
    const n = raw.timeoutSeconds;
    if (typeof n !== "number" || !Number.isFinite(n) || n <= 0 || n > MAX_SIGN_TIMEOUT_SECONDS) {
      bad(`timeoutSeconds must be a number of seconds in (0, ${MAX_SIGN_TIMEOUT_SECONDS}], got ${JSON.stringify(n)}`);
    }
    timeoutSeconds = n;
  }

  return {
    rpcUrl,
    expectChainId: raw.expectChainId as string | undefined,
    contractId,
    path,
    tester: { accountId: testerId, keyRef: testerKeyRef, parent, balance },
    funder,
    domains,
    timeoutSeconds,
    ...(raw.evm === undefined ? {} : { evm: parseEvmLegPayload(raw.evm) }),
  };
}
