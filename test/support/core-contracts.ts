/**
 * JS stand-ins for the three NEAR core contracts (near/core-contracts) for fake-nearcore, with
 * the methods the Layer 2 plan uses and their real panic messages:
 *   whitelist: new {foundation_account_id}, add_factory {factory_account_id} (foundation only),
 *              is_whitelisted_factory {factory_account_id}, add_staking_pool {staking_pool_account_id}
 *              (foundation or a whitelisted factory), is_whitelisted {staking_pool_account_id}
 *   staking pool factory: new {staking_pool_whitelist_account_id}, get_min_attached_balance,
 *              create_staking_pool {staking_pool_id, ...} (>= 30 NEAR attached, whitelists the
 *              pool through the whitelist contract)
 *   w-near:    new {}, ft_metadata
 * Register them on a FakeNearcore by the code hash of the stand-in wasm bytes.
 */
import { ContractPanic, nearSdkContract, type ContractBehaviour, type FakeNearcore } from "./fake-nearcore.js";

const NEAR = 10n ** 24n;

export const whitelistBehaviour: ContractBehaviour = nearSdkContract({
  init: {
    new: (ctx) => {
      ctx.state.set("STATE", { foundation_account_id: ctx.args.foundation_account_id, factories: [], pools: [] });
    },
  },
  view: {
    is_whitelisted_factory: (ctx) =>
      (ctx.state.get("STATE") as { factories: string[] }).factories.includes(ctx.args.factory_account_id),
    is_whitelisted: (ctx) =>
      (ctx.state.get("STATE") as { pools: string[] }).pools.includes(ctx.args.staking_pool_account_id),
  },
  call: {
    add_factory: (ctx) => {
      const s = ctx.state.get("STATE") as { foundation_account_id: string; factories: string[] };
      if (ctx.predecessorId !== s.foundation_account_id) {
        throw new ContractPanic("Can only be called by NEAR Foundation");
      }
      if (s.factories.includes(ctx.args.factory_account_id)) return false;
      s.factories.push(ctx.args.factory_account_id);
      return true;
    },
    add_staking_pool: (ctx) => {
      const s = ctx.state.get("STATE") as { foundation_account_id: string; factories: string[]; pools: string[] };
      if (ctx.predecessorId !== s.foundation_account_id && !s.factories.includes(ctx.predecessorId)) {
        throw new ContractPanic("Can only be called by NEAR Foundation or by a whitelisted factory");
      }
      s.pools.push(ctx.args.staking_pool_account_id);
      return true;
    },
  },
});

export function stakingPoolFactoryBehaviour(chain: FakeNearcore): ContractBehaviour {
  return nearSdkContract({
    init: {
      new: (ctx) => {
        ctx.state.set("STATE", { whitelist: ctx.args.staking_pool_whitelist_account_id });
      },
    },
    view: { get_min_attached_balance: () => (30n * NEAR).toString() },
    call: {
      create_staking_pool: (ctx) => {
        if (ctx.attachedDeposit < 30n * NEAR)
          throw new ContractPanic("Not enough attached deposit to complete staking pool creation");
        const s = ctx.state.get("STATE") as { whitelist: string };
        const poolId = `${ctx.args.staking_pool_id}.${ctx.contractId}`;
        // stands in for the factory's promise to the whitelist: only a whitelisted factory may add pools
        const whitelisted = ctx.view(s.whitelist, "is_whitelisted_factory", { factory_account_id: ctx.contractId });
        if (!whitelisted) throw new ContractPanic("The staking pool factory is not whitelisted");
        const wl = chain.contractState(s.whitelist).get("STATE") as { pools: string[] };
        wl.pools.push(poolId);
        return true;
      },
    },
  });
}

export const wrapBehaviour: ContractBehaviour = nearSdkContract({
  init: { new: (ctx) => void ctx.state.set("STATE", { total_supply: "0" }) },
  view: {
    ft_metadata: () => ({ spec: "ft-1.0.0", name: "Wrapped NEAR fungible token", symbol: "wNEAR", decimals: 24 }),
  },
});
