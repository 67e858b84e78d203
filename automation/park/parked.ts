// Whether a stack is parked (some of its hosts stopped): up, health and status say so, and how to
// start it, instead of running probes that can only time out.
import type { StackOutputs } from "../../layers/outputs.js";
import type { StateResource } from "../stack-outputs.js";
import { describeHosts, stackHosts } from "./hosts.js";
import { instanceStates, type Ec2Sender } from "./ec2.js";

const PARKED_STATES = ["stopping", "stopped"];

/** The message for a parked stack; undefined when no host is stopped (or the stack has none yet). */
export async function parkedMessage(
  ec2: Ec2Sender,
  stack: string,
  outputs: StackOutputs,
  resources: StateResource[] = [],
): Promise<string | undefined> {
  const hosts = stackHosts(outputs, resources);
  if (!hosts.length) return undefined;
  const states = await instanceStates(
    ec2,
    hosts.map((h) => h.instanceId),
  );
  const parked = hosts.filter((h) => PARKED_STATES.includes(states[h.instanceId]));
  if (!parked.length) return undefined;
  const s = stack === "localnet" ? "" : ` --stack ${stack}`;
  return (
    `Stack "${stack}" is stopped (${describeHosts(parked, states)}). ` +
    `Start it with \`npm run automate -- start${s}\`: it starts the hosts, waits for them, and runs the gates and the sign test.`
  );
}
