// The stack's hosts as parking sees them: the base host (Layer 1, which also runs the faucet) and
// the MPC hosts (Layer 3), from the stack outputs, else (a Layer 3 whose first deploy failed) the state.
import type { StackOutputs } from "../../layers/outputs.js";
import { mpcFromState } from "../../layers/mpc/outputs.js";
import type { StateResource } from "../stack-outputs.js";

export interface StackHost {
  /** "base" or the MPC node's name, "mpc-node-<i>". */
  name: string;
  layer: "base" | "mpc";
  instanceId: string;
  /** Its node container: neard on the base host, mpc-node on an MPC host (their bootstraps name them). */
  container: string;
}

const NODE_CONTAINER: Record<StackHost["layer"], string> = { base: "neard", mpc: "mpc-node" };

export function stackHosts(outputs: StackOutputs, resources: StateResource[] = []): StackHost[] {
  const hosts: StackHost[] = [];
  if (outputs.base?.instanceId)
    hosts.push({ name: "base", layer: "base", instanceId: outputs.base.instanceId, container: NODE_CONTAINER.base });
  const root = outputs.base?.rootAccountId || "localnet";
  const nodes = outputs.mpc?.nodes.length ? outputs.mpc.nodes : (mpcFromState(resources, root)?.nodes ?? []);
  for (const n of nodes)
    hosts.push({
      name: n.accountId.split(".")[0],
      layer: "mpc",
      instanceId: n.instanceId,
      container: NODE_CONTAINER.mpc,
    });
  return hosts;
}

/** "base (i-0abc) stopped, mpc-node-0 (i-0def) running" */
export function describeHosts(hosts: StackHost[], states: Record<string, string>): string {
  return hosts.map((h) => `${h.name} (${h.instanceId}) ${states[h.instanceId] ?? "unknown"}`).join(", ");
}
