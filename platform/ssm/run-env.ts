// The environment that configures automation/ssm-run.ts. Shared with platform/ssm/operation.ts,
// which sets exactly these variables on its local.Command. None of them is a secret.
import { checkParameter, decodePayload } from "./patterns.js";

export const SSM_RUN_ENV = {
  instanceId: "SSM_RUN_INSTANCE_ID",
  document: "SSM_RUN_DOCUMENT",
  operation: "SSM_RUN_OPERATION",
  payload: "SSM_RUN_PAYLOAD",
  bundleUri: "SSM_RUN_BUNDLE_URI",
  bundleSha256: "SSM_RUN_BUNDLE_SHA256",
  nodeImage: "SSM_RUN_NODE_IMAGE",
  timeoutSeconds: "SSM_RUN_TIMEOUT_SECONDS",
  onlineTimeoutSeconds: "SSM_RUN_ONLINE_TIMEOUT_SECONDS",
  pollIntervalMs: "SSM_RUN_POLL_INTERVAL_MS",
  region: "AWS_REGION",
} as const;

export const SSM_RUN_DEFAULTS = {
  timeoutSeconds: 900,
  onlineTimeoutSeconds: 600,
  pollIntervalMs: 3000,
};

export interface SsmRunSettings {
  instanceId: string;
  document: string;
  operation: string;
  /** base64 of the JSON payload. */
  payload: string;
  bundleUri: string;
  bundleSha256: string;
  /** Unset: the run-op document's default (the stack's opsImage). */
  nodeImage?: string;
  timeoutSeconds: number;
  /** 0 skips the wait for the instance to be online in SSM. */
  onlineTimeoutSeconds: number;
  pollIntervalMs: number;
  region: string;
}

export class SsmRunConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SsmRunConfigError";
  }
}

const INSTANCE_ID = /^(i|mi)-[0-9a-f]{8,17}$/;
const DOCUMENT = /^[a-zA-Z0-9_.-]{3,128}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;

/** Reads and checks the settings; every problem is listed in one error. */
export function parseSsmRunEnv(env: Record<string, string | undefined>): SsmRunSettings {
  const problems: string[] = [];
  const get = (key: keyof typeof SSM_RUN_ENV, required: boolean): string => {
    const value = (env[SSM_RUN_ENV[key]] ?? "").trim();
    if (required && value === "") problems.push(`${SSM_RUN_ENV[key]} is required`);
    return value;
  };
  const check = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      problems.push((err as Error).message);
    }
  };
  const num = (key: "timeoutSeconds" | "onlineTimeoutSeconds" | "pollIntervalMs", min: number): number => {
    const raw = get(key, false);
    if (raw === "") return SSM_RUN_DEFAULTS[key];
    const n = Number(raw);
    if (!/^[0-9]+$/.test(raw) || n < min) {
      problems.push(`${SSM_RUN_ENV[key]} must be a whole number >= ${min}; got ${JSON.stringify(raw)}`);
      return SSM_RUN_DEFAULTS[key];
    }
    return n;
  };

  const s: SsmRunSettings = {
    instanceId: get("instanceId", true),
    document: get("document", true),
    operation: get("operation", true),
    payload: get("payload", true),
    bundleUri: get("bundleUri", true),
    bundleSha256: get("bundleSha256", true),
    nodeImage: get("nodeImage", false) || undefined,
    timeoutSeconds: num("timeoutSeconds", 1),
    onlineTimeoutSeconds: num("onlineTimeoutSeconds", 0),
    pollIntervalMs: num("pollIntervalMs", 1),
    region: get("region", true),
  };
  if (s.instanceId && !INSTANCE_ID.test(s.instanceId))
    problems.push(`${SSM_RUN_ENV.instanceId} is not an instance id: ${JSON.stringify(s.instanceId)}`);
  if (s.document && !DOCUMENT.test(s.document))
    problems.push(`${SSM_RUN_ENV.document} is not an SSM document name: ${JSON.stringify(s.document)}`);
  if (s.region && !REGION.test(s.region))
    problems.push(`${SSM_RUN_ENV.region} is not a region: ${JSON.stringify(s.region)}`);
  if (s.operation) check(() => checkParameter("operation", s.operation));
  if (s.payload) check(() => decodePayload(s.payload));
  if (s.bundleUri) check(() => checkParameter("bundleUri", s.bundleUri));
  if (s.bundleSha256) check(() => checkParameter("bundleSha256", s.bundleSha256));
  const image = s.nodeImage;
  if (image !== undefined) check(() => checkParameter("nodeImage", image));
  if (problems.length > 0) throw new SsmRunConfigError(`ssm-run: bad settings:\n  - ${problems.join("\n  - ")}`);
  return s;
}
