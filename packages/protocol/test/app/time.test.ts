import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  addDays,
  isIsoDate,
  isoToUnix,
  isValidTimeZone,
  localTimeNote,
  localTimeNoteOf,
  offsetSeconds,
  parseIso,
  readWallClock,
  unixToIso,
  unixToZonedIso,
  zonedParts,
  zonedToUnix,
} from "../../src/app/index.ts";

const at = (iso: string) => Date.parse(iso) / 1000;

describe("time zones through Intl", () => {
  test("known offsets", () => {
    expect(offsetSeconds(at("2025-07-01T12:00:00Z"), "Europe/Berlin")).toBe(7200);
    expect(offsetSeconds(at("2025-01-01T12:00:00Z"), "Europe/Berlin")).toBe(3600);
    expect(offsetSeconds(at("2025-01-01T12:00:00Z"), "Asia/Kathmandu")).toBe(5 * 3600 + 45 * 60);
    expect(offsetSeconds(at("2025-01-01T12:00:00Z"), "America/St_Johns")).toBe(-(3 * 3600 + 30 * 60));
  });

  test("local wall time to instant", () => {
    const local = { year: 2025, month: 6, day: 1, hour: 18, minute: 0, second: 0 };
    expect(zonedToUnix(local, "Europe/Berlin")).toBe(at("2025-06-01T16:00:00Z"));
    expect(zonedToUnix(local, "America/New_York")).toBe(at("2025-06-01T22:00:00Z"));
    expect(zonedToUnix(local, "UTC")).toBe(at("2025-06-01T18:00:00Z"));
  });

  test("RFC 5545 §3.3.5: a repeated local time means its first occurrence", () => {
    // 2007-11-04 01:30 happened twice in New York; the first was EDT (UTC-4).
    const t = zonedToUnix(
      { year: 2007, month: 11, day: 4, hour: 1, minute: 30, second: 0 },
      "America/New_York",
    );
    expect(t).toBe(at("2007-11-04T05:30:00Z"));
  });

  test("RFC 5545 §3.3.5: a skipped local time uses the offset from before the gap", () => {
    // 2007-03-11 02:30 never happened in New York; read with EST it is 07:30Z = 03:30 EDT.
    const t = zonedToUnix(
      { year: 2007, month: 3, day: 11, hour: 2, minute: 30, second: 0 },
      "America/New_York",
    );
    expect(t).toBe(at("2007-03-11T07:30:00Z"));
  });

  test("zonedParts and zonedToUnix are inverse for every instant and zone", () => {
    const zones = [
      "Europe/Berlin",
      "America/New_York",
      "Australia/Lord_Howe",
      "Asia/Kathmandu",
      "Pacific/Chatham",
      "UTC",
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4102444800 }), fc.constantFrom(...zones), (unix, tz) => {
        const parts = zonedParts(unix, tz);
        const back = zonedToUnix(parts, tz);
        // Equal, except in a repeated hour where the first occurrence is chosen.
        if (back !== unix) {
          expect(back).toBeLessThan(unix);
          expect(zonedParts(back, tz)).toEqual(parts);
        }
      }),
      { numRuns: 400 },
    );
  });

  test("zone names", () => {
    expect(isValidTimeZone("Europe/Berlin")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone("W. Europe Standard Time")).toBe(false);
  });
});

describe("daylight-saving gaps and overlaps in times people type", () => {
  const local = (iso: string) => {
    const p = parseIso(iso);
    if (p.kind !== "local") throw new Error(iso);
    return p.local;
  };

  test("a time in the spring gap does not exist, and the times meant are offered", () => {
    // Berlin, 28 March 2027: 2:00 CET becomes 3:00 CEST.
    const reading = readWallClock(local("2027-03-28T02:30"), "Europe/Berlin");
    expect(reading).toMatchObject({
      kind: "never",
      later: at("2027-03-28T01:30:00Z"),
      earlier: at("2027-03-28T00:30:00Z"),
      change: {
        at: at("2027-03-28T01:00:00Z"),
        from: { hour: 2, minute: 0 },
        to: { hour: 3, minute: 0 },
      },
    });
    const message =
      "2:30 on 28 March 2027 does not exist in Europe/Berlin (clocks go forward from 2:00 to 3:00). Use 3:30 (or 1:30).";
    expect(localTimeNote(local("2027-03-28T02:30"), "Europe/Berlin")).toEqual({ kind: "gap", message });
    expect(() => isoToUnix("2027-03-28T02:30", "Europe/Berlin")).toThrow(message);
    // The first minute of the gap, too; its end exists.
    expect(() => isoToUnix("2027-03-28T02:00", "Europe/Berlin")).toThrow(/does not exist/);
    expect(isoToUnix("2027-03-28T03:00", "Europe/Berlin")).toBe(at("2027-03-28T01:00:00Z"));
    expect(isoToUnix("2027-03-28T01:59:59", "Europe/Berlin")).toBe(at("2027-03-28T00:59:59Z"));
    // Written with an offset it is an instant, whatever the zone.
    expect(isoToUnix("2027-03-28T02:30+01:00", "Europe/Berlin")).toBe(at("2027-03-28T01:30:00Z"));
  });

  test("a time in the autumn overlap is taken as the first, and said so", () => {
    // Berlin, 31 October 2027: 3:00 CEST becomes 2:00 CET; 2:30 happens twice.
    expect(readWallClock(local("2027-10-31T02:30"), "Europe/Berlin")).toMatchObject({
      kind: "twice",
      first: at("2027-10-31T00:30:00Z"),
      second: at("2027-10-31T01:30:00Z"),
      change: { at: at("2027-10-31T01:00:00Z"), from: { hour: 3 }, to: { hour: 2 } },
    });
    expect(localTimeNote(local("2027-10-31T02:30"), "Europe/Berlin")).toEqual({
      kind: "overlap",
      message:
        "2:30 on 31 October 2027 happens twice in Europe/Berlin (clocks go back from 3:00 to 2:00). Taken as the first 2:30, before the clocks go back.",
      secondIso: "2027-10-31T02:30:00+01:00",
    });
    expect(isoToUnix("2027-10-31T02:30", "Europe/Berlin")).toBe(at("2027-10-31T00:30:00Z"));
    expect(isoToUnix("2027-10-31T02:30:00+01:00", "Europe/Berlin")).toBe(at("2027-10-31T01:30:00Z"));
  });

  test("an ordinary time is read once, with no note", () => {
    expect(readWallClock(local("2027-03-27T02:30"), "Europe/Berlin")).toEqual({
      kind: "once",
      unix: at("2027-03-27T01:30:00Z"),
    });
    expect(localTimeNote(local("2027-06-01T18:00"), "Europe/Berlin")).toBeNull();
    expect(localTimeNote(local("2027-03-28T02:30"), "UTC")).toBeNull();
    expect(localTimeNote(local("2027-03-14T02:30"), "Europe/Berlin")).toBeNull();
    expect(localTimeNoteOf("2027-03-28T02:30Z", "Europe/Berlin")).toBeNull();
    expect(localTimeNoteOf("2027-03-28", "Europe/Berlin")).toBeNull();
    expect(localTimeNoteOf("not a time", "Europe/Berlin")).toBeNull();
    expect(localTimeNoteOf("2027-03-28T02:30", "Mars/Base")).toBeNull();
  });

  test("half-hour changes: Lord Howe Island goes forward and back by 30 minutes", () => {
    // 4 October 2026: 2:00 (+10:30) becomes 2:30 (+11:00). 5 April 2026: 2:00 becomes 1:30.
    expect(localTimeNote(local("2026-10-04T02:15"), "Australia/Lord_Howe")).toEqual({
      kind: "gap",
      message:
        "2:15 on 4 October 2026 does not exist in Australia/Lord_Howe (clocks go forward from 2:00 to 2:30). Use 2:45 (or 1:45).",
    });
    expect(localTimeNote(local("2026-10-04T02:30"), "Australia/Lord_Howe")).toBeNull();
    expect(localTimeNote(local("2026-04-05T01:45"), "Australia/Lord_Howe")).toEqual({
      kind: "overlap",
      message:
        "1:45 on 5 April 2026 happens twice in Australia/Lord_Howe (clocks go back from 2:00 to 1:30). Taken as the first 1:45, before the clocks go back.",
      secondIso: "2026-04-05T01:45:00+10:30",
    });
    expect(isoToUnix("2026-04-05T01:45", "Australia/Lord_Howe")).toBe(at("2026-04-04T14:45:00Z"));
    expect(localTimeNote(local("2026-04-05T02:00"), "Australia/Lord_Howe")).toBeNull();
  });

  test("a gap at midnight offers a time on the day before", () => {
    // Santiago, 7 September 2025: 0:00 (-04:00) becomes 1:00 (-03:00).
    expect(localTimeNote(local("2025-09-07T00:30"), "America/Santiago")).toEqual({
      kind: "gap",
      message:
        "0:30 on 7 September 2025 does not exist in America/Santiago (clocks go forward from 0:00 to 1:00). Use 1:30 (or 23:30 on 6 September 2025).",
    });
  });

  test("every instant's wall time reads back to it, its overlap twin, or never a gap (property)", () => {
    const zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham"];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4102444800 }), fc.constantFrom(...zones), (unix, tz) => {
        const parts = zonedParts(unix, tz);
        const reading = readWallClock(parts, tz);
        if (reading.kind === "once") expect(reading.unix).toBe(unix);
        else if (reading.kind === "twice") expect([reading.first, reading.second]).toContain(unix);
        else expect.unreachable(`a time clocks showed was read as skipped: ${unix} ${tz}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe("ISO 8601", () => {
  test("parses dates, absolute and local date-times", () => {
    expect(parseIso("2025-06-01")).toEqual({ kind: "date", date: "2025-06-01" });
    expect(parseIso("2025-06-01T18:00:00Z")).toEqual({ kind: "absolute", unix: at("2025-06-01T18:00:00Z") });
    expect(parseIso("2025-06-01T18:00+02:00")).toEqual({
      kind: "absolute",
      unix: at("2025-06-01T16:00:00Z"),
    });
    expect(parseIso("2025-06-01T18:00:00.250-0530")).toEqual({
      kind: "absolute",
      unix: at("2025-06-01T23:30:00Z"),
    });
    expect(parseIso("2025-06-01T18:00")).toEqual({
      kind: "local",
      local: { year: 2025, month: 6, day: 1, hour: 18, minute: 0, second: 0 },
    });
  });

  test.each([
    "2025-02-30",
    "2025-13-01",
    "2025-06-01T24:00",
    "2025-06-01T18:60",
    "June 1st",
    "",
    "2025-06-01T18:00+25:00",
    "20250601",
  ])("refuses %j with a reason", (text) => {
    expect(() => parseIso(text)).toThrow(RangeError);
  });

  test("leap years", () => {
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2023-02-29")).toBe(false);
    expect(isIsoDate("2000-02-29")).toBe(true);
    expect(isIsoDate("1900-02-29")).toBe(false);
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2024-12-31", 1)).toBe("2025-01-01");
  });

  test("isoToUnix reads local times in the given zone and refuses unknown zones", () => {
    expect(isoToUnix("2025-06-01T18:00", "Europe/Berlin")).toBe(at("2025-06-01T16:00:00Z"));
    expect(isoToUnix("2025-06-01T18:00Z", "Europe/Berlin")).toBe(at("2025-06-01T18:00:00Z"));
    expect(() => isoToUnix("2025-06-01T18:00", "Nowhere/Land")).toThrow(/unknown time zone/);
  });

  test("writing instants", () => {
    const t = at("2025-06-01T16:00:00Z");
    expect(unixToIso(t)).toBe("2025-06-01T16:00:00Z");
    expect(unixToZonedIso(t, "Europe/Berlin")).toBe("2025-06-01T18:00:00+02:00");
    expect(unixToZonedIso(t, "America/St_Johns")).toBe("2025-06-01T13:30:00-02:30");
    expect(unixToZonedIso(t, "UTC")).toBe("2025-06-01T16:00:00Z");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4102444800 }), (unix) => {
        expect(Date.parse(unixToZonedIso(unix, "Asia/Kathmandu")) / 1000).toBe(unix);
        expect(Date.parse(unixToIso(unix)) / 1000).toBe(unix);
      }),
      { numRuns: 200 },
    );
  });
});
