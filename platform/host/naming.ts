// Names that must not collide between two stacks in one AWS account.
import type { LocalnetConfig } from "../config/config.js";

/** SSM parameter name for one of this stack's values: /near-localnet/<leaf>, or /near-localnet/<stack>/<leaf>. */
export function ssmName(cfg: LocalnetConfig, leaf: string): string {
  return `${cfg.ssmPrefix}/${leaf}`;
}

/** Secrets Manager name: <leaf> for the default stack, near-localnet/<stack>/<leaf> otherwise. */
export function secretName(cfg: LocalnetConfig, leaf: string): string {
  return `${cfg.secretsPrefix}${leaf}`;
}

/** The Name tag / physical-name stem of a resource: <prefix>-<stack>-<leaf>. */
export function physicalName(cfg: LocalnetConfig, leaf: string): string {
  return `${cfg.namePrefix}-${cfg.stack}-${leaf}`;
}

/** SSM parameter leaves of the keys the base host uses (its own, and Layer 2's on its behalf). */
export const FAUCET_KEY_LEAF = "faucet-key";
export const rootKeyLeaf = (cfg: LocalnetConfig) => `${cfg.base.rootAccountId}-account-key`;

/** Tags on everything the stack creates. */
export function baseTags(cfg: LocalnetConfig, extra: Record<string, string> = {}): Record<string, string> {
  return { ...cfg.tags, "near-localnet:stack": cfg.stack, ...extra };
}

export function nameTags(cfg: LocalnetConfig, leaf: string, layer: string): Record<string, string> {
  return { ...baseTags(cfg), Name: physicalName(cfg, leaf), "near-localnet:layer": layer };
}
