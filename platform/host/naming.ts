// Names that must not collide between two stacks in one AWS account.

/** The parts of a stack's configuration that its names are made of. */
export interface StackNames {
  stack: string;
  namePrefix: string;
  tags: Record<string, string>;
  /** SSM parameter path prefix for this stack's keys. */
  ssmPrefix: string;
  /** Secrets Manager name prefix for this stack's secrets ("" for the default stack). */
  secretsPrefix: string;
}

/** SSM parameter name for one of this stack's values: /near-localnet/<leaf>, or /near-localnet/<stack>/<leaf>. */
export function ssmName(cfg: StackNames, leaf: string): string {
  return `${cfg.ssmPrefix}/${leaf}`;
}

/** Secrets Manager name: <leaf> for the default stack, near-localnet/<stack>/<leaf> otherwise. */
export function secretName(cfg: StackNames, leaf: string): string {
  return `${cfg.secretsPrefix}${leaf}`;
}

/** The Name tag / physical-name stem of a resource: <prefix>-<stack>-<leaf>. */
export function physicalName(cfg: StackNames, leaf: string): string {
  return `${cfg.namePrefix}-${cfg.stack}-${leaf}`;
}

/** SSM parameter leaves of the keys the base host uses (its own, and Layer 2's on its behalf). */
export const FAUCET_KEY_LEAF = "faucet-key";
export const rootKeyLeaf = (rootAccountId: string) => `${rootAccountId}-account-key`;

/** Tags on everything the stack creates. */
function baseTags(cfg: StackNames, extra: Record<string, string> = {}): Record<string, string> {
  return { ...cfg.tags, "near-localnet:stack": cfg.stack, ...extra };
}

export function nameTags(cfg: StackNames, leaf: string, layer: string): Record<string, string> {
  return { ...baseTags(cfg), Name: physicalName(cfg, leaf), "near-localnet:layer": layer };
}
