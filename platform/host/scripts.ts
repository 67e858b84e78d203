// The shell libraries every host gets: sourced by the bootstraps (shipped into LIB_DIR beside them)
// and included in the run-op SSM document ahead of its body.
import { shippedScript } from "./render.js";

export const HOST_SCRIPTS = {
  imagePin: shippedScript("host/image-pin.sh", import.meta.url, "scripts/image-pin.sh"),
  redact: shippedScript("host/redact.sh", import.meta.url, "scripts/redact.sh"),
};
