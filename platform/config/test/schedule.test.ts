// near-localnet:schedule: times and cron expressions, days, the IANA zone, and the errors naming the key.
import { describe, expect, it } from "@jest/globals";
import { ConfigReader } from "../reader.js";
import { readSchedule } from "../schedule.js";

function read(value: unknown) {
  const r = new ConfigReader((key) => (key === "near-localnet:schedule" ? value : undefined), "localnet");
  return { schedule: readSchedule(r), problems: r.problems };
}

describe("schedule", () => {
  it("is absent unless set", () => {
    expect(read(undefined)).toEqual({ schedule: undefined, problems: [] });
  });

  it("turns HH:MM and days into EventBridge Scheduler cron expressions", () => {
    expect(read({ stop: "19:30", start: "08:05", days: "mon-fri", timeZone: "Europe/Berlin" })).toEqual({
      schedule: { stop: "cron(30 19 ? * MON-FRI *)", start: "cron(5 8 ? * MON-FRI *)", timeZone: "Europe/Berlin" },
      problems: [],
    });
    expect(read(JSON.stringify({ stop: "23:00", timeZone: "UTC" }))).toEqual({
      schedule: { stop: "cron(0 23 * * ? *)", timeZone: "UTC" },
      problems: [],
    });
  });

  it("takes a full cron expression as it is", () => {
    const stop = "cron(0 20 ? * FRI *)";
    expect(read({ stop, timeZone: "America/New_York" }).schedule).toEqual({ stop, timeZone: "America/New_York" });
  });

  it("names the key and the fix for every bad entry", () => {
    const { problems } = read({
      stop: "7pm",
      start: "cron(0 8 * * MON-FRI *)",
      days: "WEEKDAYS",
      timeZone: "Mars/Olympus",
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^near-localnet:schedule\.days = "WEEKDAYS": must be "\*" or days of the week such as MON-FRI/,
      ),
      expect.stringMatching(
        /^near-localnet:schedule\.stop = "7pm": must be HH:MM or "cron\(minutes hours day-of-month month day-of-week year\)"\. Fix: pulumi config set --path 'near-localnet:schedule\.stop' 19:00 --stack localnet$/,
      ),
      expect.stringMatching(
        /^near-localnet:schedule\.start = "cron\(0 8 \* \* MON-FRI \*\)": needs "\?" in exactly one of day-of-month and day-of-week/,
      ),
      expect.stringMatching(/^near-localnet:schedule\.timeZone = "Mars\/Olympus": must be an IANA time zone name/),
    ]);
  });

  it("refuses a cron with the wrong number of fields, an offset for a zone, and a schedule with no time", () => {
    expect(read({ stop: "cron(0 19 * * ?)", timeZone: "+02:00" }).problems).toEqual([
      expect.stringContaining("has 5 cron fields; EventBridge Scheduler takes 6"),
      expect.stringContaining('near-localnet:schedule.timeZone = "+02:00"'),
    ]);
    expect(read({ timeZone: "UTC" }).problems).toEqual([
      expect.stringContaining("needs a stop time, a start time, or both"),
    ]);
    expect(read({ stop: "19:00", timeZone: "UTC", at: "x" }).problems).toEqual([
      expect.stringContaining('has an unknown entry "at"'),
    ]);
  });
});
