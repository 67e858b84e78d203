// The stack's outputs as the Automation API returns them, read into the typed view: each layer
// parses its own section (layers/<layer>/outputs.ts), Layer 1's channel outputs come alongside.
// Unknown-value placeholders and secrets are handled here, once.
import { LAYERS } from "../layers/registry.js";
import { isObject, parseChannelOutputs, type Raw, type StackOutputs } from "../layers/outputs.js";

export interface OutputValue {
  value: unknown;
  secret: boolean;
}

/**
 * What Pulumi saves for a value that was unknown when the outputs were recorded (e.g. a targeted
 * `up` that skipped the resource producing it): a fixed UUID instead of the value. Such a value
 * is missing, not a value.
 */
export const UNKNOWN_OUTPUT = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The value with every unknown placeholder removed (object keys dropped, list entries too). */
function withoutUnknowns(v: unknown): unknown {
  if (v === UNKNOWN_OUTPUT) return undefined;
  if (Array.isArray(v)) return v.map(withoutUnknowns).filter((x) => x !== undefined);
  if (isObject(v)) {
    const out: Raw = {};
    for (const [k, x] of Object.entries(v)) {
      const kept = withoutUnknowns(x);
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  }
  return v;
}

/** Plain values of the outputs (the Automation API gives {value, secret} pairs), unknowns removed. */
function outputValues(raw: Record<string, OutputValue | unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const value = withoutUnknowns(isObject(v) && "value" in v && "secret" in v ? v.value : v);
    if (value !== undefined) values[k] = value;
  }
  return values;
}

export function parseStackOutputs(raw: Record<string, OutputValue | unknown>): StackOutputs {
  const values = outputValues(raw);
  const problems: string[] = [];
  const outputs: StackOutputs = { ...parseChannelOutputs(values, problems), problems };
  for (const l of LAYERS) {
    const parsed = l.parseOutputs(values[l.id], problems);
    if (parsed) Object.assign(outputs, { [l.id]: parsed });
  }
  return outputs;
}

/**
 * How an exported deployment (`pulumi stack export` without --show-secrets) records a secret
 * value: an object {<sig key>: <secret sig>, ciphertext} (pulumi sdk resource/sig).
 */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretMarker(v: unknown): boolean {
  return isObject(v) && v[SECRET_SIG_KEY] === SECRET_SIG;
}

/** `plain` with every part that `recorded` (the same value as the state records it) marks secret replaced. */
function maskLikeRecorded(plain: unknown, recorded: unknown): unknown {
  if (isSecretMarker(recorded)) return "[secret]";
  if (Array.isArray(plain) && Array.isArray(recorded)) return plain.map((v, i) => maskLikeRecorded(v, recorded[i]));
  if (isObject(plain) && isObject(recorded)) {
    const out: Raw = {};
    for (const [k, v] of Object.entries(plain)) out[k] = maskLikeRecorded(v, recorded[k]);
    return out;
  }
  return plain;
}

/**
 * Outputs for display: secret values are replaced, never printed. The Automation API flags only
 * top-level secrets; `recorded` (the root stack resource's outputs from the exported state) marks
 * the nested ones.
 */
export function maskedOutputs(
  raw: Record<string, OutputValue>,
  recorded?: Record<string, unknown>,
): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw))
    shown[k] = v.secret ? "[secret]" : recorded ? maskLikeRecorded(v.value, recorded[k]) : v.value;
  return shown;
}

/** One resource of the stack's state (the Automation API's exported deployment). */
export interface StateResource {
  urn: string;
  type: string;
  outputs?: Record<string, unknown>;
}
