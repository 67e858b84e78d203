// The live checks the driver needs, as an injected interface: gates during `up`, `health`,
// `status` and `logs` use it. ssm-probes.ts implements it over the SSM channel and the ops
// bundle's `check` operation; tests pass canned results.
import type { BaseProbe, MpcProbe, ServicesProbe } from "./health.js";
import type { StackOutputs } from "./stack-outputs.js";

export interface LogTarget {
  instanceId: string;
  /** Container name on the instance, e.g. "neard", "mpc-node". */
  container: string;
  label: string;
}

export interface MpcProbeOptions {
  /** Read this many last container log lines from EVERY node (failure diagnostics); default:
   *  only from nodes whose container is down or has restarted. */
  logLines?: number;
}

export interface Probes {
  base(outputs: StackOutputs): Promise<BaseProbe>;
  services(outputs: StackOutputs): Promise<ServicesProbe>;
  mpc(outputs: StackOutputs, options?: MpcProbeOptions): Promise<MpcProbe>;
  /** Recent container log lines (redacted by the caller before display). */
  logs(target: LogTarget, lines: number): Promise<string[]>;
}

/** Output sink shared by all commands: human text on stderr, data on stdout. */
export interface Out {
  stdout(line: string): void;
  stderr(line: string): void;
}

export const processOut: Out = {
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
};
