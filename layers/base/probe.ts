// Layer 1's probe: the neard container, two /status samples (chain id, peer id, head moving) and
// the root account through the ops bundle's `check`.
import { NEAR_RPC_PORT } from "../../platform/near/ports.js";
import { parseHttpProbe, readContainer, type ProbeTransport } from "../probe.js";
import type { StackOutputs } from "../outputs.js";
import type { BaseProbe } from "./gate.js";

/** The pause between the two /status samples that tell whether blocks advance. */
const HEAD_SAMPLE_GAP_MS = 3000;

type NearStatus = {
  chain_id?: string;
  node_public_key?: string;
  sync_info?: { latest_block_height?: unknown; earliest_block_height?: unknown };
};

/** GET /status on the host's neard (through the diagnostics document); undefined when it does not answer. */
async function nearStatus(t: ProbeTransport, o: StackOutputs, instanceId: string): Promise<NearStatus | undefined> {
  const r = parseHttpProbe((await t.diag(instanceId, "near-status", undefined, o)).stdout);
  if (r.code !== 200) return undefined;
  try {
    return JSON.parse(r.body) as NearStatus;
  } catch {
    return undefined;
  }
}

export async function probeBase(t: ProbeTransport, o: StackOutputs): Promise<BaseProbe> {
  const b = o.base!;
  const probe: BaseProbe = { rpcReachable: false, container: await readContainer(t, o, b.instanceId, "neard") };
  const first = await nearStatus(t, o, b.instanceId);
  if (!first) return { ...probe, error: `GET /status on :${NEAR_RPC_PORT} failed` };
  probe.rpcReachable = true;
  probe.chainId = first.chain_id;
  probe.nodePublicKey = first.node_public_key;
  const h1 = Number(first.sync_info?.latest_block_height);
  await t.sleep(HEAD_SAMPLE_GAP_MS);
  const second = await nearStatus(t, o, b.instanceId);
  const h2 = Number(second?.sync_info?.latest_block_height);
  probe.blockHeight = Number.isFinite(h2) ? h2 : h1;
  probe.blocksAdvancing = Number.isFinite(h1) && Number.isFinite(h2) ? h2 > h1 : undefined;
  const earliest = Number((second ?? first).sync_info?.earliest_block_height);
  if (Number.isFinite(earliest)) probe.earliestBlockHeight = earliest;
  const chk = await t.check({ accounts: [b.rootAccountId] }, o);
  probe.rootAccountExists = chk.accounts?.[b.rootAccountId]?.exists;
  return probe;
}
