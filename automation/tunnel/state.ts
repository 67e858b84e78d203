// The record of a running `connect` (foreground or background): which process holds the
// sessions and which local URL reaches what. `env` reads it to hand out the tunnel's URLs,
// `connect --stop` to end a background connection. One file per stack under
// <repo>/.near-localnet/connect/; the process that holds the sessions writes it when they are up
// and removes it when it ends. No session token is ever written here.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The forward of the destination EVM chain's JSON-RPC. */
export const EVM_FORWARD = "evm";

export interface Forward {
  /** "rpc", "faucet", "evm" or "mpc-node-<i>". */
  name: string;
  instanceId: string;
  remotePort: number;
  localPort: number;
  /** http://127.0.0.1:<localPort> */
  url: string;
}

export interface ConnectionState {
  stack: string;
  pid: number;
  /** ISO time the sessions first came up. */
  since: string;
  forwards: Forward[];
  /** The background process's log file (background only). */
  log?: string;
}

export function stateFile(workDir: string, stack: string): string {
  return join(workDir, ".near-localnet", "connect", `${stack}.json`);
}

export function writeState(workDir: string, state: ConnectionState): void {
  const file = stateFile(workDir, state.stack);
  mkdirSync(join(file, ".."), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Removes the record, but only the one this process wrote (a newer connection keeps its own). */
export function removeState(workDir: string, stack: string, pid = process.pid): void {
  const current = readStateFile(workDir, stack);
  if (current && current.pid !== pid) return;
  rmSync(stateFile(workDir, stack), { force: true });
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readStateFile(workDir: string, stack: string): ConnectionState | undefined {
  try {
    const parsed = JSON.parse(readFileSync(stateFile(workDir, stack), "utf8")) as ConnectionState;
    return Number.isInteger(parsed.pid) && Array.isArray(parsed.forwards) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The running connection of a stack; a record left by a process that is gone is removed and ignored. */
export function readConnection(workDir: string, stack: string): ConnectionState | undefined {
  const state = readStateFile(workDir, stack);
  if (!state) return undefined;
  if (isAlive(state.pid)) return state;
  rmSync(stateFile(workDir, stack), { force: true });
  return undefined;
}

/** The URL of one forward of a running connection. */
export function forwardUrl(state: ConnectionState | undefined, name: string): string | undefined {
  return state?.forwards.find((f) => f.name === name)?.url;
}
