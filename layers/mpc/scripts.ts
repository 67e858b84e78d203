// The scripts Layer 3 ships to the MPC hosts.
import { shippedScript } from "../../platform/host/render.js";

export const MPC_SCRIPTS = {
  bootstrap: shippedScript("mpc-node/bootstrap.sh", import.meta.url, "scripts/bootstrap.sh"),
  nearConfig: shippedScript("mpc-node/near-config.jq", import.meta.url, "scripts/near-config.jq"),
  /** The body of the restart document (./restart.ts), run through SSM, not shipped in user data. */
  restart: shippedScript("mpc-node/restart-node.sh", import.meta.url, "scripts/restart-node.sh"),
};
