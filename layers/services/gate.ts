// Layer 2's health gate: every core contract runs its pinned code, the faucet container is up.
import type { Finding, LayerVerdict } from "../gate.js";
import type { StackOutputs } from "../outputs.js";
import { EMPTY_CODE_HASH as NO_CODE } from "../../platform/near/code-hash.js";

interface ContractProbe {
  accountId: string;
  /** Pinned hash from the stack outputs. */
  expectedCodeHash: string;
  /** On-chain code_hash; NO_CODE means no contract. */
  actualCodeHash?: string;
  error?: string;
}

export interface ServicesProbe {
  contracts: ContractProbe[];
  faucet?: { ok: boolean; detail?: string };
  /** The destination chain (when the stack runs one): answers with its chain id, blocks advance. */
  evm?: { ok: boolean; from?: number; to?: number; detail: string };
}

function verdict(findings: Finding[]): LayerVerdict {
  return { layer: "services", done: findings.length === 0, findings };
}

/** What is wrong with one contract account: unreadable, no code, or other code than the pinned. */
function contractFinding(accountId: string, expected: string, c: ContractProbe | undefined): Finding | undefined {
  if (!c || c.error) {
    return {
      kind: "unreachable",
      subject: accountId,
      message: `could not read ${accountId}${c?.error ? `: ${c.error}` : ""}`,
    };
  }
  if (!c.actualCodeHash || c.actualCodeHash === NO_CODE) {
    return { kind: "contract-missing", subject: accountId, message: `${accountId} has no contract deployed` };
  }
  if (c.actualCodeHash !== expected) {
    const message = `${accountId} runs code ${c.actualCodeHash}, but the pinned code hash is ${expected}`;
    return { kind: "code-hash-mismatch", subject: accountId, message };
  }
  return undefined;
}

export function evaluateServices(outputs: StackOutputs, probe: ServicesProbe | undefined): LayerVerdict {
  const services = outputs.services;
  if (!services || Object.keys(services.contracts).length === 0) {
    const message = "Layer 2 is not deployed (the stack has no services outputs)";
    return verdict([{ kind: "not-deployed", subject: "services", message }]);
  }
  if (!probe) return verdict([{ kind: "unreachable", subject: "services", message: "Layer 2 was not probed" }]);
  const f: Finding[] = [];
  for (const [accountId, expected] of Object.entries(services.contracts)) {
    const finding = contractFinding(
      accountId,
      expected,
      probe.contracts.find((x) => x.accountId === accountId),
    );
    if (finding) f.push(finding);
  }
  if (services.faucetUrl && probe.faucet && !probe.faucet.ok) {
    const detail = probe.faucet.detail ? `: ${probe.faucet.detail}` : "";
    f.push({
      kind: "faucet",
      subject: services.faucetUrl,
      message: `the faucet at ${services.faucetUrl} does not answer${detail}`,
    });
  }
  if (services.evm && probe.evm && !probe.evm.ok) {
    const message = `the destination chain at ${services.evm.rpcUrl} is not healthy: ${probe.evm.detail}`;
    f.push({ kind: "evm-chain", subject: services.evm.rpcUrl, message });
  }
  return verdict(f);
}
