// The contract between the ops bundle's entry (ops/main.ts) and the operations each layer adds
// to it: an operation takes the decoded payload and this context and returns its result object.
import type { ConnectOptions } from "./client.js";
import type { KeyResolver } from "./keys.js";

export interface OperationContext {
  keys: KeyResolver;
  /** Writes one JSON line (a step) to stdout. */
  emit: (line: Record<string, unknown>) => void;
  /** Human progress on stderr. */
  log: (message: string) => void;
  connectOptions: ConnectOptions;
  /** Resolves when a long-running operation (the faucet) should stop; default: SIGTERM/SIGINT. */
  stopSignal?: Promise<void>;
  /** The SSM client an operation sends Run Commands with (tests); default an SSMClient for the instance's region. */
  ssm?: { send(command: any): Promise<any> };
}

type Operation = (payload: Record<string, unknown>, ctx: OperationContext) => Promise<Record<string, unknown>>;

/** Operations by name (names match ^[a-z][a-z0-9-]{0,63}$). */
export type OperationTable = Record<string, Operation>;
