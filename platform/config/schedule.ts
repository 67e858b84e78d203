// The optional `schedule` key: when EventBridge Scheduler stops and starts the stack's hosts.
//   near-localnet:schedule: { stop: "19:30", start: "08:00", days: "MON-FRI", timeZone: "Europe/Berlin" }
// A time is HH:MM (on `days`, default every day) or a full EventBridge Scheduler cron expression,
// "cron(minutes hours day-of-month month day-of-week year)" (EventBridge Scheduler user guide,
// "Schedule types": cron-based schedules; one of day-of-month and day-of-week must be "?").
import { fullKey, type ConfigReader } from "./reader.js";

export interface ScheduleConfig {
  /** EventBridge Scheduler expressions, cron(...). */
  stop?: string;
  start?: string;
  /** IANA time zone the expressions are read in. */
  timeZone: string;
}

const KEY = "schedule";
/** An example value of each entry, for the fix. */
const EXAMPLES = { stop: "19:00", start: "08:00", days: "MON-FRI", timeZone: "Europe/Berlin" } as const;
type Entry = keyof typeof EXAMPLES;

/** A problem with one entry (or the whole map), and the `pulumi config set --path` that fixes it. */
function bad(r: ConfigReader, entry: Entry | undefined, value: unknown, why: string): void {
  const key = fullKey(entry ? `${KEY}.${entry}` : KEY);
  const fix = (entry ? [entry] : (["stop", "start", "timeZone"] as const))
    .map((e) => r.setCommand(`${KEY}.${e}`, `--path '${KEY}.${e}' ${EXAMPLES[e]}`))
    .join("; ");
  r.problem(`${key} = ${JSON.stringify(value)}: ${why}. Fix: ${fix}`);
}
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY = "(SUN|MON|TUE|WED|THU|FRI|SAT|[1-7])";
const DAYS = new RegExp(`^(\\*|${DAY}(-${DAY})?(,${DAY}(-${DAY})?)*)$`);
const CRON = /^cron\(([^()]+)\)$/;
const CRON_FIELD = /^[0-9A-Z*?,/#L W-]+$/;
const ZONE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

function isTimeZone(zone: string): boolean {
  if (!ZONE.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron(...) expression is malformed, or undefined when it is well-formed. */
function cronProblem(expr: string): string | undefined {
  const m = CRON.exec(expr);
  if (!m) return 'must be HH:MM or "cron(minutes hours day-of-month month day-of-week year)"';
  const fields = m[1].trim().split(/\s+/);
  if (fields.length !== 6) return `has ${fields.length} cron fields; EventBridge Scheduler takes 6`;
  if (!fields.every((f) => CRON_FIELD.test(f))) return "has a cron field with characters cron does not allow";
  if ((fields[2] === "?") === (fields[4] === "?")) return 'needs "?" in exactly one of day-of-month and day-of-week';
  return undefined;
}

function expression(r: ConfigReader, which: "stop" | "start", raw: unknown, days: string): string | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  const text = String(raw).trim();
  const hm = HH_MM.exec(text);
  if (hm) {
    const [minute, hour] = [Number(hm[2]), Number(hm[1])];
    return days === "*" ? `cron(${minute} ${hour} * * ? *)` : `cron(${minute} ${hour} ? * ${days} *)`;
  }
  const problem = cronProblem(text);
  if (problem) bad(r, which, raw, problem);
  return text;
}

/** The schedule, or undefined when the key is not set; every problem is reported on `r`. */
export function readSchedule(r: ConfigReader): ScheduleConfig | undefined {
  if (!r.isSet(KEY)) return undefined;
  let raw = r.raw(KEY);
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(raw);
    } catch {
      /* reported below */
    }
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    bad(r, undefined, r.raw(KEY), "must be a map with stop and/or start, timeZone and optional days");
    return undefined;
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!["stop", "start", "days", "timeZone"].includes(k))
      bad(r, undefined, o, `has an unknown entry "${k}" (stop, start, days, timeZone)`);
  const days = o.days === undefined ? "*" : String(o.days).trim().toUpperCase();
  if (!DAYS.test(days)) bad(r, "days", o.days, 'must be "*" or days of the week such as MON-FRI or MON,WED,FRI');
  const stop = expression(r, "stop", o.stop, days);
  const start = expression(r, "start", o.start, days);
  if (!stop && !start) bad(r, undefined, o, "needs a stop time, a start time, or both");
  const timeZone = typeof o.timeZone === "string" ? o.timeZone.trim() : "";
  if (!isTimeZone(timeZone))
    bad(r, "timeZone", o.timeZone, "must be an IANA time zone name such as Europe/Berlin or UTC");
  return { ...(stop ? { stop } : {}), ...(start ? { start } : {}), timeZone };
}
