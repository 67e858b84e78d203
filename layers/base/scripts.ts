// The scripts Layer 1 ships to the base host.
import { shippedScript } from "../../platform/host/render.js";

export const BASE_SCRIPTS = {
  bootstrap: shippedScript("near-base/bootstrap.sh", import.meta.url, "scripts/bootstrap.sh"),
  genesisPatch: shippedScript("near-base/genesis-patch.jq", import.meta.url, "scripts/genesis-patch.jq"),
  configPatch: shippedScript("near-base/config-patch.jq", import.meta.url, "scripts/config-patch.jq"),
};
