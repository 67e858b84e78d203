// Stopping and starting a host's node container through SSM Run Command (the AWS-managed
// AWS-RunShellScript document with a fixed command: no parameter comes from the user). `docker
// stop` gives the node its shutdown (SIGTERM, then SIGKILL after the timeout); `sync` flushes the
// page cache, so that a snapshot taken afterwards holds everything the node wrote.
import { runOperation, type SsmSender } from "../../platform/ssm/channel.js";
import type { WaitTiming } from "../park/ec2.js";
import type { StackHost } from "../park/hosts.js";

const RUN_SHELL_DOCUMENT = "AWS-RunShellScript";
/** Seconds docker waits for the node to exit before it kills it. */
const STOP_GRACE_SECONDS = 120;

export type ContainerAction = "stop" | "start";

/** The fixed command of an action; the container name comes from the stack's host table. */
function containerCommand(action: ContainerAction, container: string): string {
  return action === "stop"
    ? `docker stop --time ${STOP_GRACE_SECONDS} ${container} && sync`
    : `docker start ${container}`;
}

export async function controlContainer(
  o: WaitTiming & { ssm: SsmSender; host: StackHost; action: ContainerAction },
): Promise<void> {
  await runOperation({
    client: o.ssm,
    instanceId: o.host.instanceId,
    documentName: RUN_SHELL_DOCUMENT,
    parameters: { commands: containerCommand(o.action, o.host.container) },
    timeoutSeconds: STOP_GRACE_SECONDS + 60,
    comment: `near-localnet snapshot: ${o.action} ${o.host.container}`,
    now: o.now,
    sleep: o.sleep,
    signal: o.signal,
    pollIntervalMs: o.pollMs,
  });
}
