// Value rules for the parameters of the stack-owned SSM Command documents.
//
// SSM interpolates "{{ parameter }}" text into the document's shell script, so every parameter
// is restricted by an allowedPattern (or allowedValues) that admits no quote, space, `$`,
// backquote, backslash or newline. The same patterns are checked here, on the caller's side,
// so a bad value fails fast with a clear message instead of as an SSM InvalidParameters error.
// The pattern strings use only anchors, character classes, bounded repetition, groups and
// alternation, which both SSM's validator and JavaScript read the same way.

/** An ops operation name, per the bundle contract. */
export const OPERATION_PATTERN = "^[a-z][a-z0-9-]{0,63}$";

/** Longest payload (base64 characters) the run-op document accepts: 12 KiB of JSON. */
export const PAYLOAD_MAX_CHARS = 16384;

/** Standard-alphabet base64 with correct padding, 4 to PAYLOAD_MAX_CHARS characters. */
export const PAYLOAD_PATTERN = "^([A-Za-z0-9+/]{4}){0,4095}([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$";

/** s3://<bucket>/<key>; keys limited to a safe subset of characters. */
export const BUNDLE_URI_PATTERN = "^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[A-Za-z0-9_./-]{1,900}$";

/** Lower-case hex sha256. */
export const SHA256_PATTERN = "^[a-f0-9]{64}$";

/** A container image reference without registry port: name[:tag][@sha256:digest]. */
export const IMAGE_PATTERN =
  "^[a-z0-9]([a-z0-9._/-]{0,126}[a-z0-9])?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$";

/** Execution timeout of the shell step, in seconds (1 to 99999). */
export const EXECUTION_TIMEOUT_PATTERN = "^[1-9][0-9]{0,4}$";

/** Number of log lines the diagnostics document returns (1 to 999). */
export const LOG_LINES_PATTERN = "^[1-9][0-9]{0,2}$";

export const DEFAULT_NODE_IMAGE = "node:22-slim";

/** Name of the detached faucet container on the base instance. */
const FAUCET_CONTAINER = "near-faucet";

/** Read-only probes of the diagnostics document. */
export const DIAGNOSTIC_PROBES = [
  "containers",
  "logs",
  "near-status",
  "near-health",
  "mpc-health",
  "mpc-metrics",
  "mpc-public-data",
  "system",
  "ops-bundles",
  "mpc-bootstrap",
  "sign-test-result",
  "image-pins",
] as const;

/** Containers whose logs the diagnostics document may read. */
export const DIAGNOSTIC_CONTAINERS = ["neard", "mpc-node", FAUCET_CONTAINER] as const;

function matcher(pattern: string): RegExp {
  return new RegExp(pattern);
}

const CHECKS: Record<string, { pattern: string; what: string }> = {
  operation: { pattern: OPERATION_PATTERN, what: "an operation name (^[a-z][a-z0-9-]{0,63}$)" },
  payload: { pattern: PAYLOAD_PATTERN, what: `standard base64 of at most ${PAYLOAD_MAX_CHARS} characters` },
  bundleUri: { pattern: BUNDLE_URI_PATTERN, what: "s3://<bucket>/<key> (key characters A-Za-z0-9_./-)" },
  bundleSha256: { pattern: SHA256_PATTERN, what: "64 lower-case hex characters" },
  nodeImage: { pattern: IMAGE_PATTERN, what: "an image reference name[:tag][@sha256:digest]" },
  executionTimeout: { pattern: EXECUTION_TIMEOUT_PATTERN, what: "a number of seconds from 1 to 99999" },
  lines: { pattern: LOG_LINES_PATTERN, what: "a number of lines from 1 to 999" },
};

/** Throws a clear error when `value` would be refused by the document parameter `name`. */
export function checkParameter(name: keyof typeof CHECKS | string, value: string): void {
  const check = CHECKS[name];
  if (!check) throw new Error(`unknown SSM document parameter ${name}`);
  if (!matcher(check.pattern).test(value)) {
    const shown = value.length > 80 ? `${value.slice(0, 80)}... (${value.length} characters)` : value;
    throw new Error(`SSM parameter ${name} must be ${check.what}; got ${JSON.stringify(shown)}`);
  }
}

/** Base64 (standard alphabet) of the JSON text of a payload object, checked against the document's limits. */
export function encodePayload(payload: Record<string, unknown>): string {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new Error("an ops payload must be a JSON object");
  }
  const encoded = Buffer.from(JSON.stringify(payload), "utf8").toString("base64");
  if (encoded.length > PAYLOAD_MAX_CHARS) {
    throw new Error(
      `ops payload is ${encoded.length} base64 characters; the run-op document accepts at most ${PAYLOAD_MAX_CHARS}`,
    );
  }
  checkParameter("payload", encoded);
  return encoded;
}

/** Decodes and checks a base64 payload: it must hold a JSON object. */
export function decodePayload(encoded: string): Record<string, unknown> {
  checkParameter("payload", encoded);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
  } catch {
    throw new Error("ops payload is not base64 of JSON text");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error("ops payload must decode to a JSON object");
  }
  return value as Record<string, unknown>;
}
