// Keys of the project's namespace that no section reads: most often a typo, which would otherwise leave the
// default in force without a word. The known keys are the ones the sections read (ConfigReader.read): there is no
// second list to keep in step. Dependency-free.
import { NAMESPACE, type ConfigReader } from "./reader.js";

/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[y.length];
}

/** The known key nearest to `key`, when it is near enough to be the one meant. */
export function nearestKey(key: string, known: Iterable<string>): string | undefined {
  let best: { key: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(key, k);
    if (!best || d < best.d) best = { key: k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

/** Reports every configured near-localnet:* key that no section read. Call it after all sections have read. */
export function checkUnknownKeys(r: ConfigReader, configured: Iterable<string>): void {
  const prefix = `${NAMESPACE}:`;
  const known = [...r.read].filter((k) => k.startsWith(prefix));
  for (const key of configured) {
    if (!key.startsWith(prefix) || r.read.has(key)) continue;
    const near = nearestKey(
      key.slice(prefix.length),
      known.map((k) => k.slice(prefix.length)),
    );
    const hint = near ? `did you mean ${prefix}${near}? ` : "";
    r.problem(
      `${key} is not a configuration key of this program (README "Configuration" lists them); ${hint}` +
        `Fix: ${near ? `${r.rmCommand(key)} and set ${prefix}${near} instead` : r.rmCommand(key)}`,
    );
  }
}
