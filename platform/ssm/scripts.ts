// The scripts of the stack's SSM documents.
import { shippedScript } from "../host/render.js";

export const SSM_SCRIPTS = {
  runOp: shippedScript("ssm/run-op.sh", import.meta.url, "scripts/run-op.sh"),
  diagnostics: shippedScript("ssm/diagnostics.sh", import.meta.url, "scripts/diagnostics.sh"),
};
