// CLI entry of the NEAR operations bundle:  node ops.mjs <operation> <payload>
//   <operation>  ^[a-z][a-z0-9-]{0,63}$ : the generic apply | check | view | call (platform/near/operations.ts)
//                and what each layer adds (its ops/ folder): faucet | fund, the mpc-* operations, sign-test
//   <payload>    base64 (standard alphabet) of a JSON object; keys only as references
// stdout: JSON lines only, zero or more {"event":"step",...} then exactly one
//   {"event":"result","ok":true,"operation":op,"result":{...}}  or
//   {"event":"result","ok":false,"operation":op,"error":{"code","message"}}
// stderr: human progress. Exit 0 ok, 1 failure, 2 malformed operation/payload.
import { pathToFileURL } from "node:url";
import { OpsError } from "../platform/near/errors.js";
import { KeyResolver, type KeyClients } from "../platform/near/keys.js";
import type { ConnectOptions } from "../platform/near/client.js";
import type { OperationContext, OperationTable } from "../platform/near/operation.js";
import { nearOperations } from "../platform/near/operations.js";
import type { LayerId } from "../layers/registry.js";
import { servicesOperations } from "../layers/services/ops/operations.js";
import { chainSignaturesOperations } from "../layers/mpc/ops/operations-table.js";

export const OPERATION_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface RunIO {
  stdout: (line: string) => void;
  stderr: (text: string) => void;
  keyClients?: KeyClients;
  connectOptions?: ConnectOptions;
  /** Resolves when a long-running operation (faucet) should stop; default: SIGTERM/SIGINT. */
  stopSignal?: Promise<void>;
  /** SSM client for the Run Commands an operation sends (default: one for the instance's region). */
  ssm?: OperationContext["ssm"];
}

/** What each layer adds to the bundle (Layer 1's gate needs only the generic operations). */
const LAYER_OPERATIONS: { [K in LayerId]: OperationTable } = {
  base: {},
  services: servicesOperations,
  mpc: chainSignaturesOperations,
};

function mergeOperations(tables: OperationTable[]): OperationTable {
  const all: OperationTable = {};
  for (const table of tables) {
    for (const [name, op] of Object.entries(table)) {
      if (all[name]) throw new Error(`ops bundle: operation "${name}" is defined twice`);
      if (!OPERATION_PATTERN.test(name))
        throw new Error(`ops bundle: operation name "${name}" is not ${OPERATION_PATTERN}`);
      all[name] = op;
    }
  }
  return all;
}

export const OPERATIONS: OperationTable = mergeOperations([nearOperations, ...Object.values(LAYER_OPERATIONS)]);

function decodePayload(text: string | undefined): Record<string, unknown> {
  if (text === undefined) throw new OpsError("INVALID_INPUT", "missing <payload> (base64 of a JSON object)");
  if (!BASE64.test(text)) throw new OpsError("INVALID_INPUT", "the payload is not base64 (standard alphabet, padded)");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, "base64").toString("utf8"));
  } catch {
    throw new OpsError("INVALID_INPUT", "the payload does not decode to JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new OpsError("INVALID_INPUT", "the payload must be a JSON object");
  }
  return value as Record<string, unknown>;
}

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));

/** Runs one operation; returns the exit code. Never throws. */
export async function run(argv: string[], io: RunIO): Promise<number> {
  const [operation, payloadText] = argv;
  const opName = typeof operation === "string" && OPERATION_PATTERN.test(operation) ? operation : "";
  const result = (ok: boolean, body: Record<string, unknown>) =>
    io.stdout(json({ event: "result", ok, operation: opName, ...body }));
  const fail = (code: string, message: string, exit: number) => {
    io.stderr(`error ${code}: ${message}\n`);
    result(false, { error: { code, message } });
    return exit;
  };
  if (!opName) return fail("INVALID_INPUT", `operation must match ${OPERATION_PATTERN}`, 2);
  const op = OPERATIONS[opName];
  if (!op)
    return fail("UNKNOWN_OPERATION", `unknown operation "${opName}" (known: ${Object.keys(OPERATIONS).join(", ")})`, 2);
  let payload: Record<string, unknown>;
  try {
    payload = decodePayload(payloadText);
  } catch (e) {
    return fail("INVALID_INPUT", (e as Error).message, 2);
  }
  const log = (m: string) => io.stderr(`[${opName}] ${m}\n`);
  const ctx: OperationContext = {
    keys: new KeyResolver(io.keyClients),
    emit: (line) => io.stdout(json(line)),
    log,
    connectOptions: { log, ...io.connectOptions },
    stopSignal: io.stopSignal,
    ssm: io.ssm,
  };
  try {
    const r = await op(payload, ctx);
    result(true, { result: r });
    return 0;
  } catch (e) {
    if (e instanceof OpsError) {
      // a plan or payload that does not validate is malformed input, found before any change
      return fail(e.code, e.message, e.code === "INVALID_INPUT" || e.code === "KEY_REF_INVALID" ? 2 : 1);
    }
    return fail("INTERNAL", (e as Error)?.stack ?? String(e), 1);
  }
}

async function main(): Promise<void> {
  const code = await run(process.argv.slice(2), {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (text) => process.stderr.write(text),
  });
  // pending sockets (a hung RPC request) must not keep a finished run alive
  process.stdout.write("", () => process.exit(code));
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) void main();
