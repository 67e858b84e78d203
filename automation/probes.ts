// The live checks the driver needs, as an injected interface: gates during `up`, `health`,
// `status` and `logs` use it. ssm-probes.ts implements it over the SSM channel (each layer's
// probe, layers/<layer>/probe.ts); tests pass canned results.
import type { StackOutputs } from "../layers/outputs.js";
import type { ProbeOptions } from "../layers/probe.js";
import type { LayerId, LayerTypes } from "../layers/registry.js";

export interface LogTarget {
  instanceId: string;
  /** Container name on the instance, e.g. "neard", "mpc-node". */
  container: string;
  label: string;
}

/** One probe per layer of the registry, and the container logs. */
export type Probes = {
  [K in LayerId]: (outputs: StackOutputs, options?: ProbeOptions) => Promise<LayerTypes[K]["probe"]>;
} & {
  /** Recent container log lines (redacted by the caller before display). */
  logs(target: LogTarget, lines: number): Promise<string[]>;
  /** The image digests a host pinned on first use: lines "KEY IMAGE sha256:<digest>" (automation/image-pins.ts). */
  imagePins(instanceId: string): Promise<string[]>;
};

/** Output sink shared by all commands: human text on stderr, data on stdout. */
export interface Out {
  stdout(line: string): void;
  stderr(line: string): void;
}

export const processOut: Out = {
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
};
