import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  addDays,
  isIsoDate,
  isoToUnix,
  isValidTimeZone,
  offsetSeconds,
  parseIso,
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
