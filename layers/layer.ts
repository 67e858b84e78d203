// What a layer is to the driver, `health`, `status` and the CLI: its place in the stack, its
// component, how to read its outputs, how to probe and judge it, and what `status` shows of it.
// Every layer folder exports one `Layer`; layers/registry.ts lists them.
import type { EvidenceRow, Finding, FindingLookup, LayerVerdict } from "./gate.js";
import type { StackOutputs } from "./outputs.js";
import type { ProbeOptions, ProbeTransport } from "./probe.js";
import type { LayerId, LayerProbes, LayerTypes } from "./registry.js";

/** What `status` hands each layer to describe itself. */
export interface StatusContext {
  stack: string;
  outputs: StackOutputs;
  probes: LayerProbes;
  verdicts: LayerVerdict[];
  /** Whether a verdict holds a finding of a kind (about a subject). */
  bad: FindingLookup;
}

interface LayerStatus {
  /** The layer's rows of the evidence table. */
  evidence(ctx: StatusContext): EvidenceRow[];
  /** Sentences of the executive summary: on-chain facts and runtime facts. */
  summary(ctx: StatusContext): { onChain: string[]; runtime: string[] };
  /** Findings that only the checkpoint reports (the `up` gate checks them its own way). */
  findings?(ctx: StatusContext): Finding[];
}

export interface Layer<Id extends LayerId> {
  id: Id;
  /** 1-based position in the stack (Layer 1 = NEAR Base). */
  index: number;
  title: string;
  /** The component resource: its type token and name (they make its URN). */
  component: { type: string; name: string };
  /** Other names the CLI accepts for the layer. */
  aliases: readonly string[];
  /** Reads the layer's stack output (exported under the layer's id); undefined when there is none. */
  parseOutputs(raw: unknown, problems: string[]): LayerTypes[Id]["outputs"] | undefined;
  /** The outputs say the layer has been deployed. */
  isDeployed(outputs: StackOutputs): boolean;
  /**
   * A layer whose infrastructure may come up early: on a cold deploy Layer 1's `up` also creates
   * this layer's resources except its children of the `deferred` types (its on-chain steps, which
   * wait for the gates below), so that its hosts boot while the layers below are still coming up.
   */
  earlyStart?: { deferred: readonly string[] };
  /** Lower layers whose probes this layer's gate also reads, taken afresh before each of its checks. */
  reads?: readonly LayerId[];
  probe(t: ProbeTransport, outputs: StackOutputs, options?: ProbeOptions): Promise<LayerTypes[Id]["probe"]>;
  /** The probe result that stands for a probe that threw; without it the error fails the check. */
  probeFailed?(message: string): LayerTypes[Id]["probe"];
  evaluate(outputs: StackOutputs, probes: LayerProbes): LayerVerdict;
  status: LayerStatus;
}
