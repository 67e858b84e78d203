/**
 * A fake SSM "instance" for the commands that run an ops operation through the run-op document
 * (sign-test, fund): an SSM client whose SendCommand runs the ops CLI for real, in process
 * (ops/main.ts run, as the document runs the bundle on the instance), and whose
 * GetCommandInvocation answers with that run's stdout, stderr and exit code the way SSM does.
 *
 *   const inst = fakeSsmInstance({ keys: new FakeKeys({ "ssm:/near-localnet/x": root }), rpcUrl: chain.url });
 *   await runSignTest(args, out, { ..., client: inst.client });
 *   inst.sent   // every SendCommand: its parameters, plus instanceId and document
 *
 * Keys the operation reads by reference come from `keys` (a FakeKeys: the instance's parameter
 * store and Secrets Manager); there is no other key source. On a real instance neard answers on
 * 127.0.0.1:3030, the operations' default; `rpcUrl` puts the fake chain's URL into the payload
 * instead (after it is recorded in `sent`, which keeps what the command really sent).
 */
import { GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import type { SsmSender } from "../../platform/ssm/channel.js";
import { run } from "../../ops/main.js";
import type { ConnectOptions } from "../../platform/near/client.js";
import { FakeKeys } from "./ops.js";

export interface FakeSsmInstanceOptions {
  /** The key store "on the instance" (default: an empty one). */
  keys?: FakeKeys;
  /** Where neard answers; set as the payload's rpcUrl (default: the payload as sent). */
  rpcUrl?: string;
  /** The operation's connection options (default: poll every 10 ms). */
  connectOptions?: ConnectOptions;
  /** SendCommand throws this (e.g. an InvalidInstanceId error) instead of running anything. */
  failSend?: Error;
  /**
   * Other documents the instances run, by name: what the command does there (e.g. the MPC restart document
   * reaching a simulated node's host). Any other document runs the ops CLI as run-op does.
   */
  documents?: Record<string, (sent: SentCommand) => Promise<Invocation>>;
}

/** One SendCommand as the instance received it: the document's parameters, the instance and the document. */
export type SentCommand = Record<string, string> & { instanceId: string; document: string };

export interface FakeSsmInstance {
  client: SsmSender;
  sent: SentCommand[];
  /** The stdout of every command, in the order sent (what GetCommandInvocation returns whole). */
  outputs: string[];
}

interface Invocation {
  stdout: string;
  stderr: string;
  exit: number;
}

export function fakeSsmInstance(opts: FakeSsmInstanceOptions = {}): FakeSsmInstance {
  const keys = opts.keys ?? new FakeKeys();
  const sent: SentCommand[] = [];
  const outputs: string[] = [];
  const invocations = new Map<string, Invocation>();
  /** ListCommands' view: every command sent, finished by the time SendCommand returns. */
  const listed: { CommandId: string; Comment: string; DocumentName: string; Status: string }[] = [];

  async function runOnInstance(operation: string, payload: string): Promise<Invocation> {
    let local = payload;
    if (opts.rpcUrl !== undefined) {
      const decoded = JSON.parse(Buffer.from(payload, "base64").toString("utf8"));
      local = Buffer.from(JSON.stringify({ ...decoded, rpcUrl: opts.rpcUrl })).toString("base64");
    }
    const stdout: string[] = [];
    let stderr = "";
    const exit = await run([operation, local], {
      stdout: (l) => stdout.push(l),
      stderr: (t) => {
        stderr += t;
      },
      keyClients: keys.clients(),
      connectOptions: opts.connectOptions ?? { pollMs: 10 },
      // Commands an operation sends from the instance go through this same fake SSM.
      ssm: client,
    });
    return { stdout: stdout.map((l) => `${l}\n`).join(""), stderr, exit };
  }

  const client: SsmSender = {
    async send(cmd: unknown) {
      if (cmd instanceof SendCommandCommand) {
        if (opts.failSend) throw opts.failSend;
        const params = Object.fromEntries(
          Object.entries(cmd.input.Parameters ?? {}).map(([k, v]) => [k, (v as string[])[0]]),
        );
        const one = { ...params, instanceId: cmd.input.InstanceIds?.[0] ?? "", document: cmd.input.DocumentName ?? "" };
        sent.push(one);
        const id = `cmd-${sent.length}`;
        const other = opts.documents?.[one.document];
        const inv = other ? await other(one) : await runOnInstance(params.operation, params.payload);
        invocations.set(id, inv);
        outputs[sent.indexOf(one)] = inv.stdout;
        const status = inv.exit === 0 ? "Success" : "Failed";
        listed.unshift({
          CommandId: id,
          Comment: cmd.input.Comment ?? "",
          DocumentName: cmd.input.DocumentName ?? "",
          Status: status,
        });
        return { Command: { CommandId: id } };
      }
      if (cmd instanceof ListCommandsCommand) return { Commands: listed };
      if (cmd instanceof GetCommandInvocationCommand) {
        const inv = invocations.get(cmd.input.CommandId ?? "");
        if (!inv)
          throw Object.assign(new Error(`no invocation ${cmd.input.CommandId}`), { name: "InvocationDoesNotExist" });
        return {
          Status: inv.exit === 0 ? "Success" : "Failed",
          StatusDetails: inv.exit === 0 ? "Success" : "Failed",
          ResponseCode: inv.exit,
          StandardOutputContent: inv.stdout,
          StandardErrorContent: inv.stderr,
        };
      }
      throw new Error(`fakeSsmInstance: unexpected SSM call ${(cmd as object).constructor.name}`);
    },
  };
  return { client, sent, outputs };
}
