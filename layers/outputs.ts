// The stack's outputs as the driver reads them: each layer's own section (index.ts exports it under
// the layer's id, typed by the layer's outputs module), plus the operations channel that Layer 1
// owns. The helpers here read raw output values without guessing: what cannot be read is named
// in `problems`, never turned into a value.
import type { LayerOutputs } from "./registry.js";

interface OpsBundleLocation {
  /** s3://bucket/key */
  uri: string;
  sha256: string;
}

/** The in-VPC operations channel: SSM documents and the ops bundle (Layer 1 creates them). */
export interface ChannelOutputs {
  opsDocument?: string;
  diagnosticsDocument?: string;
  opsBundle?: OpsBundleLocation;
}

export type StackOutputs = LayerOutputs &
  ChannelOutputs & {
    /** Output keys that were present but could not be read, with the reason. */
    problems: string[];
  };

export type Raw = Record<string, unknown>;

export function isObject(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A required non-empty string; "" with a problem when it is not one. */
export function requiredString(o: Raw, key: string, where: string, problems: string[]): string {
  const v = o[key];
  if (typeof v === "string" && v.length > 0) return v;
  problems.push(`${where}.${key} is missing or not a string`);
  return "";
}

export function optionalString(o: Raw, key: string): string | undefined {
  const v = o[key];
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** A number, or a numeric string (Pulumi may record numbers either way). */
export function numberOf(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** EC2 instance ids look like i-0123456789abcdef0. */
const INSTANCE_ID = /^i-[0-9a-z]+$/;

export function instanceIdOf(o: Raw, where: string, problems: string[]): string {
  const v = o.instanceId;
  if (typeof v === "string" && INSTANCE_ID.test(v)) return v;
  const what = v === undefined || v === "" ? "missing" : `not an EC2 instance id (${JSON.stringify(v)})`;
  problems.push(`${where}.instanceId is ${what}`);
  return "";
}

/** The channel outputs from the plain output values. */
export function parseChannelOutputs(values: Raw, problems: string[]): ChannelOutputs {
  const rawBundle = values.opsBundle;
  let opsBundle: OpsBundleLocation | undefined;
  if (isObject(rawBundle)) {
    const uri = optionalString(rawBundle, "uri");
    const sha256 = optionalString(rawBundle, "sha256");
    if (uri && sha256) opsBundle = { uri, sha256 };
    else problems.push("opsBundle needs uri and sha256");
  }
  return {
    opsDocument: typeof values.opsDocument === "string" ? values.opsDocument : undefined,
    diagnosticsDocument: typeof values.diagnosticsDocument === "string" ? values.diagnosticsDocument : undefined,
    opsBundle,
  };
}
