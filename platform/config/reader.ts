// The machinery every configuration section reads through: one getter, one list of problems
// (so one run reports them all), the `pulumi config set ... --stack <stack>` that fixes each, the
// keys the sections read (which makes every other near-localnet:* key an unknown one), and the
// validators more than one section uses. A section reads each of its keys on every run, whichever
// mode the rest of the configuration selects: that is how a key becomes known.
// Pure: no Pulumi import, so the program, `synth`, the driver and tests share it.
import { nearToYocto } from "../near/amounts.js";
import { isImageReference, IMAGE_REFERENCE_RULE } from "./image.js";

export const NAMESPACE = "near-localnet";

/** Reads one raw value: a string, or an object/array already parsed from YAML/JSON. */
export type ConfigGetter = (key: string) => unknown;

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was created:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

export const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\d[a-z0-9-]*\.(nano|micro|small|medium|large|metal|\d*xlarge|metal-\d+xl)$/;
// Graviton families (t4g, m7g, c7gn, ...): the nearcore and MPC images are amd64-only.
const ARM_FAMILY = /^[a-z]+\d+[a-z]*g[a-z]*\./;
// Xen (pre-Nitro) families: their EBS volumes are not NVMe devices named by volume id, which the
// bootstraps use to find the data volume.
const XEN_FAMILY = /^(t1|t2|m1|m2|m3|m4|c1|c3|c4|r3|r4|i2|i3|d2|g2|g3|g3s|p2|p3|x1|x1e|h1|f1|cc2|cr1|hs1)\./;
const NEAR_AMOUNT = "must be a non-negative decimal amount of NEAR (up to 24 decimals), without unit";

/** "near-localnet:<key>" for a project key; a namespaced key ("aws:region") as it is. */
export function fullKey(key: string): string {
  return key.includes(":") ? key : `${NAMESPACE}:${key}`;
}

/**
 * The command that sets a key on this stack. `--stack` always: without it Pulumi sets the key on whichever stack is
 * selected in the checkout, which the driver changes. `example` is the value as typed in a shell; a `--path` example
 * ("--path tags.team platform") names a nested key.
 */
export function configSetCommand(key: string, example: string, stack: string): string {
  const path = /^--path '?([\w.-]+)'? (.*)$/.exec(example);
  if (path) return `pulumi config set --path '${fullKey(path[1])}' ${path[2]} --stack ${stack}`;
  return `pulumi config set ${fullKey(key)} ${example} --stack ${stack}`;
}

function configRmCommand(key: string, stack: string): string {
  return `pulumi config rm ${fullKey(key)} --stack ${stack}`;
}

export type Pattern = RegExp | ((v: string) => boolean);

/** Reads and validates keys through one getter, collecting every problem instead of stopping at the first. */
export class ConfigReader {
  readonly problems: string[] = [];
  /** Every key read so far, in full form ("near-localnet:vpcCidr"). */
  readonly read = new Set<string>();

  constructor(
    private readonly get: ConfigGetter,
    readonly stack: string,
  ) {}

  raw(key: string): unknown {
    this.read.add(fullKey(key));
    return this.get(fullKey(key));
  }

  setCommand(key: string, example: string): string {
    return configSetCommand(key, example, this.stack);
  }

  rmCommand(key: string): string {
    return configRmCommand(key, this.stack);
  }

  isSet(key: string): boolean {
    const raw = this.raw(key);
    return raw !== undefined && raw !== null && raw !== "";
  }

  problem(text: string): void {
    this.problems.push(text);
  }

  bad(key: string, value: unknown, why: string, example: string): void {
    this.problem(`${fullKey(key)} = ${JSON.stringify(value)}: ${why}. Fix: ${this.setCommand(key, example)}`);
  }

  /** A string key; `def` undefined makes it required. */
  str(key: string, def: string | undefined, pattern: Pattern, why: string, example: string): string {
    const raw = this.raw(key);
    if (!this.isSet(key)) {
      if (def === undefined) {
        this.problem(`${fullKey(key)} is required. Fix: ${this.setCommand(key, example)}`);
        return "";
      }
      return def;
    }
    const value = typeof raw === "string" ? raw.trim() : String(raw);
    const ok = typeof pattern === "function" ? pattern(value) : pattern.test(value);
    if (typeof raw !== "string" && typeof raw !== "number") this.bad(key, raw, `must be a string (${why})`, example);
    else if (!ok) this.bad(key, raw, why, example);
    return value;
  }

  /** A string key with no default that may be left unset. */
  optional(key: string, pattern: RegExp, why: string, example: string): string | undefined {
    return this.isSet(key) ? this.str(key, undefined, pattern, why, example) : undefined;
  }

  int(key: string, def: number, min: number, max: number, example: string): number {
    const raw = this.raw(key);
    if (!this.isSet(key)) return def;
    const text = String(raw).trim();
    const n = typeof raw === "number" ? raw : /^-?\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      this.bad(key, raw, `must be a whole number from ${min} to ${max}`, example);
      return def;
    }
    return n;
  }

  /** A decimal NEAR amount: [as configured, in yoctoNEAR]. */
  near(key: string, def: string, example: string): [string, string] {
    const value = this.str(key, def, (v) => nearToYocto(v) !== null, NEAR_AMOUNT, example);
    return [value, (nearToYocto(value) ?? 0n).toString()];
  }

  /** A list: a YAML/JSON array, a JSON array in a string, or a comma-separated string. */
  list(key: string): string[] | undefined {
    const raw = this.raw(key);
    if (!this.isSet(key)) return undefined;
    if (Array.isArray(raw)) return raw.map(String);
    if (typeof raw === "string") {
      const text = raw.trim();
      if (!text.startsWith("["))
        return text
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
      try {
        const parsed = JSON.parse(text);
        if (Array.isArray(parsed)) return parsed.map(String);
      } catch {
        /* reported below */
      }
    }
    this.bad(key, raw, "must be a list", `'["a","b"]'`);
    return [];
  }

  /** A container image reference the hosts' bootstraps accept (./image.ts). */
  image(key: string, def: string, example: string): string {
    return this.str(
      key,
      def,
      isImageReference,
      `is not an image reference the hosts accept (${IMAGE_REFERENCE_RULE})`,
      example,
    );
  }

  /** An EC2 instance type the images (amd64) and the bootstraps (NVMe volume ids) can use. */
  instanceType(key: string, def: string): string {
    const v = this.str(key, def, INSTANCE_TYPE, "is not an EC2 instance type (family.size, e.g. m6i.large)", def);
    if (INSTANCE_TYPE.test(v) && ARM_FAMILY.test(v)) {
      const why = "is an Arm (Graviton) type; the nearcore and MPC images are amd64-only: use an x86_64 type";
      this.bad(key, v, why, def);
    } else if (XEN_FAMILY.test(v)) {
      const why =
        "is a pre-Nitro (Xen) type, whose data volume the bootstrap cannot find by id: " +
        "use a Nitro type such as m6i, m7i, c6i or t3";
      this.bad(key, v, why, def);
    }
    return v;
  }

  /** Fails with every problem found so far, if there is any. */
  throwIfProblems(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
