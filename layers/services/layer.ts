// Layer 2, NEAR Services, as the driver, `health` and `status` see it.
import { evidenceRow as row, type EvidenceRow } from "../gate.js";
import type { Layer, StatusContext } from "../layer.js";
import { evaluateServices } from "./gate.js";
import { parseServicesOutputs } from "./outputs.js";
import { probeServices } from "./probe.js";
import { EMPTY_CODE_HASH as NO_CODE } from "../../platform/near/code-hash.js";

function evidence({ outputs: o, probes: p }: StatusContext): EvidenceRow[] {
  if (!o.services) return [];
  const rows: EvidenceRow[] = [];
  for (const [account, pinned] of Object.entries(o.services.contracts)) {
    const actual = p.services?.contracts.find((x) => x.accountId === account)?.actualCodeHash;
    const shown = actual === NO_CODE ? "no code" : actual;
    const value =
      actual === undefined ? `pinned ${pinned}` : actual === pinned ? actual : `${shown} (pinned ${pinned})`;
    rows.push(row(`Code hash ${account}`, value, actual === undefined ? "" : actual === pinned ? "ok" : "FAIL"));
  }
  if (o.services.faucetUrl) {
    const faucet = p.services?.faucet;
    rows.push(row("Faucet", o.services.faucetUrl, faucet ? (faucet.ok ? "ok" : "FAIL") : ""));
  }
  if (o.services.evm) {
    const evm = p.services?.evm;
    const at = evm?.to === undefined ? "" : `, block ${evm.to}${evm.ok ? " (advancing)" : ""}`;
    const value = `${o.services.evm.rpcUrl} chain ${o.services.evm.chainId}${at}`;
    rows.push(row("Destination chain", value, evm ? (evm.ok ? "ok" : "FAIL") : ""));
  }
  return rows;
}

function summary({ outputs: o, probes: p }: StatusContext): { onChain: string[]; runtime: string[] } {
  if (!p.services || !o.services) return { onChain: [], runtime: [] };
  const pinned = Object.entries(o.services.contracts);
  const good = pinned.filter(([a, h]) => p.services!.contracts.find((c) => c.accountId === a)?.actualCodeHash === h);
  const evm = p.services.evm;
  const id = o.services.evm?.chainId;
  const chain: string[] = [];
  if (evm && id !== undefined) {
    const prefix = `chain ${id} `; // evm-status's own wording of a healthy or stalled chain
    chain.push(
      `destination chain ${id}${evm.detail.startsWith(prefix) ? ` ${evm.detail.slice(prefix.length)}` : `: ${evm.detail}`}`,
    );
  }
  return { onChain: [`${good.length}/${pinned.length} core contracts run their pinned code`], runtime: chain };
}

export const servicesLayer: Layer<"services"> = {
  id: "services",
  index: 2,
  title: "NEAR Services",
  component: { type: "near-localnet:index:NearServices", name: "services" },
  aliases: ["near-services"],
  parseOutputs: parseServicesOutputs,
  isDeployed: (o) => !!o.services && Object.keys(o.services.contracts).length > 0,
  probe: probeServices,
  evaluate: (o, p) => evaluateServices(o, p.services),
  status: { evidence, summary },
};
