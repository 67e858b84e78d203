// NEAR amounts: balances and deposits are whole yoctoNEAR, 1 NEAR = 10^24 yoctoNEAR
// (near/near-token-rs src/lib.rs, ONE_NEAR). Dependency-free: the config loader, the CLI and the
// ops bundle share it.

const NEAR_DECIMALS = 24;
export const YOCTO_PER_NEAR = 10n ** BigInt(NEAR_DECIMALS);

const DECIMAL = new RegExp(`^(\\d+)(?:\\.(\\d{1,${NEAR_DECIMALS}}))?$`);

/** A decimal amount of NEAR without unit ("1", "0.5") in yoctoNEAR; null when it is not one. */
export function nearToYocto(decimal: string): bigint | null {
  const m = DECIMAL.exec(decimal.trim());
  if (!m) return null;
  return BigInt(m[1]) * YOCTO_PER_NEAR + BigInt((m[2] ?? "").padEnd(NEAR_DECIMALS, "0") || "0");
}

/** "<n> NEAR" (any case, up to 24 decimals) or plain yoctoNEAR digits, in yoctoNEAR; null otherwise. */
export function parseAmount(amount: string): bigint | null {
  const s = amount.trim();
  if (/^\d+$/.test(s)) return BigInt(s);
  const m = /^(.+?)\s*near$/i.exec(s);
  return m ? nearToYocto(m[1]) : null;
}

/** yoctoNEAR as "<n> NEAR", without trailing zeros. */
export function formatNear(yocto: bigint): string {
  const whole = yocto / YOCTO_PER_NEAR;
  const frac = (yocto % YOCTO_PER_NEAR).toString().padStart(NEAR_DECIMALS, "0").replace(/0+$/, "");
  return `${whole}${frac ? `.${frac}` : ""} NEAR`;
}
