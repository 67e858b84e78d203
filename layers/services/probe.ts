// Layer 2's probe: each core contract's code hash through the ops bundle's `check`, the
// destination chain's blocks (`evm-status`, in the same check), and the faucet container on the base host.
import { RESTART_LOOP_THRESHOLD } from "../gate.js";
import { readContainer, type ProbeTransport } from "../probe.js";
import type { StackOutputs } from "../outputs.js";
import type { ServicesProbe } from "./gate.js";
import { evmLoopbackUrl } from "./evm/outputs.js";

export async function probeServices(t: ProbeTransport, o: StackOutputs): Promise<ServicesProbe> {
  const contracts = o.services?.contracts ?? {};
  const accounts = Object.keys(contracts);
  const evm = o.services?.evm;
  const chk = await t.check(
    { accounts, ...(evm ? { evm: { rpcUrl: evmLoopbackUrl(evm), chainId: evm.chainId } } : {}) },
    o,
  );
  const probe: ServicesProbe = {
    contracts: accounts.map((accountId) => {
      const a = chk.accounts?.[accountId];
      return {
        accountId,
        expectedCodeHash: contracts[accountId],
        actualCodeHash: a?.exists ? a.codeHash : undefined,
        error: a ? undefined : "no answer for this account",
      };
    }),
    ...(evm ? { evm: chk.evm ?? { ok: false, detail: "no answer from evm-status" } } : {}),
  };
  if (o.services?.faucetUrl && o.base) {
    const c = await readContainer(t, o, o.base.instanceId, "near-faucet");
    probe.faucet = c
      ? {
          ok: c.running && c.restartCount < RESTART_LOOP_THRESHOLD,
          detail: `container ${c.status}, ${c.restartCount} restarts`,
        }
      : { ok: false, detail: "no near-faucet container" };
  }
  return probe;
}
