// The operations Layer 2 adds to the ops bundle: the faucet service, `fund` (which asks the
// faucet on this instance to fund or create an account: `npm run automate -- fund`) and
// `evm-status` (the destination chain's health).
import type { OperationTable } from "../../../platform/near/operation.js";
import { startFaucet, type FaucetConfig } from "./faucet.js";
import { fund } from "./fund.js";
import { evmStatusOperations } from "./evm-status.js";

function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
}

export const servicesOperations: OperationTable = {
  faucet: async (payload, ctx) => {
    const config = payload as unknown as FaucetConfig;
    const handle = await startFaucet(config, { keys: ctx.keys, log: ctx.log, connectOptions: ctx.connectOptions });
    ctx.emit({ event: "step", action: "listening", url: handle.url });
    await (ctx.stopSignal ?? untilStopped());
    await handle.close();
    return { stopped: true, funded: Object.fromEntries([...handle.funded()].map(([k, v]) => [k, v.toString()])) };
  },
  fund: async (payload, ctx) => fund(payload, ctx.log),
  ...evmStatusOperations,
};
