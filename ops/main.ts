// CLI entry of the NEAR operations bundle:  node ops.mjs <operation> <payload>
//   <operation>  ^[a-z][a-z0-9-]{0,63}$ : apply | check | view | call | faucet | fund, plus the mpc-* and
//                sign-test operations of ops/mpc and ops/sign-test
//   <payload>    base64 (standard alphabet) of a JSON object; keys only as references
// stdout: JSON lines only, zero or more {"event":"step",...} then exactly one
//   {"event":"result","ok":true,"operation":op,"result":{...}}  or
//   {"event":"result","ok":false,"operation":op,"error":{"code","message"}}
// stderr: human progress. Exit 0 ok, 1 failure, 2 malformed operation/payload.
import { pathToFileURL } from "node:url";
import { OpsError } from "../platform/near/errors.js";
import { startFaucet, type FaucetConfig } from "../layers/services/ops/faucet.js";
import { fund } from "../layers/services/ops/fund.js";
import { KeyResolver, type KeyClients } from "../platform/near/keys.js";
import { TGAS, callMethod, connect, toYocto, view, type ConnectOptions } from "../platform/near/client.js";
import { isValidAccountId } from "../platform/near/account-id.js";
import { LOCAL_RPC_URL } from "../platform/near/ports.js";
import { apply, check, toGas, type CheckInput } from "../platform/near/plan.js";
import { mpcOperations } from "../layers/mpc/ops/index.js";
import { signTestOperations } from "../layers/mpc/ops/sign-test/index.js";

export const OPERATION_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface RunIO {
  stdout: (line: string) => void;
  stderr: (text: string) => void;
  keyClients?: KeyClients;
  connectOptions?: ConnectOptions;
  /** Resolves when a long-running operation (faucet) should stop; default: SIGTERM/SIGINT. */
  stopSignal?: Promise<void>;
}

interface OpContext {
  io: RunIO;
  keys: KeyResolver;
  emit: (line: Record<string, unknown>) => void;
  log: (m: string) => void;
  connectOptions: ConnectOptions;
}

type Operation = (payload: Record<string, unknown>, ctx: OpContext) => Promise<Record<string, unknown>>;

function need(payload: Record<string, unknown>, field: string): string {
  const v = payload[field];
  if (typeof v !== "string" || v === "") throw new OpsError("INVALID_INPUT", `payload.${field} must be a non-empty string`);
  return v;
}

export const OPERATIONS: Record<string, Operation> = {
  apply: async (payload, ctx) => {
    const r = await apply(payload, { keys: ctx.keys, emit: ctx.emit, connectOptions: ctx.connectOptions });
    return { chainId: r.chainId, transactions: r.transactions, steps: r.steps.map(({ event: _e, ...rest }) => rest) };
  },
  check: async (payload, ctx) => {
    const r = await check(payload as CheckInput, { emit: ctx.emit, connectOptions: ctx.connectOptions });
    return { ...r };
  },
  view: async (payload, ctx) => {
    const contractId = need(payload, "contractId");
    const method = need(payload, "method");
    const conn = await connect((payload.rpcUrl as string) ?? LOCAL_RPC_URL, ctx.connectOptions);
    return { contractId, method, value: await view(conn, contractId, method, payload.args ?? {}) };
  },
  call: async (payload, ctx) => {
    const signerId = need(payload, "signer");
    if (!isValidAccountId(signerId)) throw new OpsError("INVALID_INPUT", `payload.signer "${signerId}" is not an account id`);
    const keyPair = await ctx.keys.resolve(need(payload, "key"));
    const conn = await connect((payload.rpcUrl as string) ?? LOCAL_RPC_URL, ctx.connectOptions);
    const r = await callMethod(conn, {
      signer: { accountId: signerId, keyPair },
      contractId: need(payload, "contractId"),
      method: need(payload, "method"),
      args: payload.args ?? {},
      deposit: payload.deposit === undefined ? 0n : toYocto(payload.deposit as string),
      gas: toGas(payload.gas as string | undefined, 30n * TGAS),
      unless: payload.unless as never,
      expect: payload.expect as never,
    });
    return { ...r };
  },
  faucet: async (payload, ctx) => {
    const handle = await startFaucet(payload as unknown as FaucetConfig, {
      keys: ctx.keys,
      log: ctx.log,
      connectOptions: ctx.connectOptions,
    });
    ctx.emit({ event: "step", action: "listening", url: handle.url });
    await (ctx.io.stopSignal ??
      new Promise<void>((resolve) => {
        process.once("SIGTERM", () => resolve());
        process.once("SIGINT", () => resolve());
      }));
    await handle.close();
    return { stopped: true, funded: Object.fromEntries([...handle.ledger].map(([k, v]) => [k, v.toString()])) };
  },
  // asks the local faucet (on this instance) to fund or create an account: `npm run automate -- fund`
  fund: async (payload, ctx) => fund(payload, ctx.log),
  // Layer 3 (signer contract set-up, votes, keygen) and the chain-signature sign test
  ...mpcOperations,
  ...signTestOperations,
};

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
  if (!op) return fail("UNKNOWN_OPERATION", `unknown operation "${opName}" (known: ${Object.keys(OPERATIONS).join(", ")})`, 2);
  let payload: Record<string, unknown>;
  try {
    payload = decodePayload(payloadText);
  } catch (e) {
    return fail("INVALID_INPUT", (e as Error).message, 2);
  }
  const log = (m: string) => io.stderr(`[${opName}] ${m}\n`);
  const ctx: OpContext = {
    io,
    keys: new KeyResolver(io.keyClients),
    emit: (line) => io.stdout(json(line)),
    log,
    connectOptions: { log, ...io.connectOptions },
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
