import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addMonths,
  describeEventTime,
  eventDayKey,
  instantToWallTime,
  isTimeZone,
  monthGrid,
  wallTimeNote,
  wallTimeToInstant,
} from "../src/lib/time.ts";

describe("wall time ↔ instant", () => {
  it("converts in zones with and without daylight saving", () => {
    expect(wallTimeToInstant("2026-07-01T18:00", "Europe/Berlin").toISOString()).toBe(
      "2026-07-01T16:00:00.000Z",
    );
    expect(wallTimeToInstant("2026-01-15T18:00", "Europe/Berlin").toISOString()).toBe(
      "2026-01-15T17:00:00.000Z",
    );
    expect(wallTimeToInstant("2026-03-10T09:30", "Asia/Kolkata").toISOString()).toBe(
      "2026-03-10T04:00:00.000Z",
    );
    expect(wallTimeToInstant("2026-03-10T09:30", "UTC").toISOString()).toBe("2026-03-10T09:30:00.000Z");
    expect(wallTimeToInstant("2026-06-01T20:00", "America/Los_Angeles").toISOString()).toBe(
      "2026-06-02T03:00:00.000Z",
    );
  });

  it("handles the spring-forward gap and the fall-back overlap", () => {
    // 02:30 does not exist in Berlin on 29 March 2026; the next real time is 03:30 CEST = 01:30Z.
    expect(wallTimeToInstant("2026-03-29T02:30", "Europe/Berlin").toISOString()).toBe(
      "2026-03-29T01:30:00.000Z",
    );
    // 02:30 happens twice on 25 October 2026; the first one is CEST (00:30Z).
    expect(wallTimeToInstant("2026-10-25T02:30", "Europe/Berlin").toISOString()).toBe(
      "2026-10-25T00:30:00.000Z",
    );
  });

  it("says which wall times the clocks skip (the form refuses them) or show twice (the first is taken)", () => {
    expect(wallTimeNote("2026-03-29T02:30", "Europe/Berlin")).toEqual({
      kind: "gap",
      message:
        "2:30 on 29 March 2026 does not exist in Europe/Berlin (clocks go forward from 2:00 to 3:00). Use 3:30 (or 1:30).",
    });
    expect(wallTimeNote("2026-10-25T02:30", "Europe/Berlin")).toMatchObject({
      kind: "overlap",
      message:
        "2:30 on 25 October 2026 happens twice in Europe/Berlin (clocks go back from 3:00 to 2:00). Taken as the first 2:30, before the clocks go back.",
    });
    // The instant the form saves for a repeated time is the first, as the note says.
    expect(wallTimeToInstant("2026-10-25T02:30", "Europe/Berlin").toISOString()).toBe(
      "2026-10-25T00:30:00.000Z",
    );
    expect(wallTimeNote("2026-10-04T02:15", "Australia/Lord_Howe")?.kind).toBe("gap");
    expect(wallTimeNote("2026-07-01T18:00", "Europe/Berlin")).toBeNull();
    expect(wallTimeNote("", "Europe/Berlin")).toBeNull();
    expect(wallTimeNote("2026-03-29T02:30", "Mars/Olympus")).toBeNull();
  });

  it("round-trips any instant on a whole minute", () => {
    const zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2060, 0, 1) / 60_000 }),
        fc.constantFrom(...zones),
        (minutes, zone) => {
          const instant = new Date(minutes * 60_000);
          const wall = instantToWallTime(instant, zone);
          const back = wallTimeToInstant(wall, zone);
          // In a repeated hour both instants show the same wall time; either is a right answer.
          expect(instantToWallTime(back, zone)).toBe(wall);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses malformed input clearly", () => {
    expect(() => wallTimeToInstant("tomorrow", "UTC")).toThrow('Not a date and time: "tomorrow"');
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("Europe/Paris")).toBe(true);
  });
});

describe("calendar helpers", () => {
  it("lays out a month Monday first with whole weeks", () => {
    const may = monthGrid(2026, 5); // 1 May 2026 is a Friday
    expect(may[0]!.map((c) => c.day)).toEqual([27, 28, 29, 30, 1, 2, 3]);
    expect(may[0]![4]).toEqual({ key: "2026-05-01", day: 1, inMonth: true });
    expect(may.every((w) => w.length === 7)).toBe(true);
    const last = may[may.length - 1]!;
    expect(last.some((c) => c.key === "2026-05-31")).toBe(true);
    expect(monthGrid(2021, 2).length).toBe(4); // February 2021 starts on a Monday and has 28 days
  });

  it("steps months across years", () => {
    expect(addMonths(2026, 12, 1)).toEqual({ year: 2027, month: 1 });
    expect(addMonths(2026, 1, -1)).toEqual({ year: 2025, month: 12 });
    expect(addMonths(2026, 5, -17)).toEqual({ year: 2024, month: 12 });
  });

  it("places events on the viewer's day, all-day events on their own date", () => {
    expect(eventDayKey({ start: "2026-05-01T23:30:00Z", allDay: false }, "Europe/Berlin")).toBe("2026-05-02");
    expect(eventDayKey({ start: "2026-05-01T23:30:00Z", allDay: false }, "UTC")).toBe("2026-05-01");
    expect(eventDayKey({ start: "2026-05-01", allDay: true }, "Pacific/Auckland")).toBe("2026-05-01");
    expect(eventDayKey({ start: "garbage", allDay: false }, "UTC")).toBeNull();
  });

  it("describes an event on the reader's clock, with its own zone beside where it differs", () => {
    const event = {
      start: "2026-05-02T16:00:00Z",
      end: "2026-05-02T18:00:00Z",
      tz: "Europe/Berlin",
      allDay: false,
    };
    const now = new Date("2026-01-10T12:00:00Z");
    const there = describeEventTime(event, "Europe/Berlin", "en-GB", now);
    expect(there.main).toBe("Sat 2 May, 18:00 – 20:00");
    expect(there.there).toBeNull();
    expect(there.full).toBe(there.main);
    // Paris keeps Berlin's clock: nothing to add.
    expect(describeEventTime(event, "Europe/Paris", "en-GB", now).there).toBeNull();
    const away = describeEventTime(event, "Europe/London", "en-GB", now);
    expect(away.main).toBe("Sat 2 May, 17:00 – 19:00");
    expect(away.there).toBe("18:00 – 20:00 in Europe/Berlin");
    expect(away.full).toBe("Sat 2 May, 17:00 – 19:00 (18:00 – 20:00 in Europe/Berlin)");
    // Another day on the event's clock is said with its date; another year shows the year.
    const tokyo = describeEventTime(
      { start: "2026-06-09T18:00:00Z", end: null, tz: "Asia/Tokyo", allDay: false },
      "America/New_York",
      "en-GB",
      new Date("2025-12-01T00:00:00Z"),
    );
    expect(tokyo.full).toBe("Tue, 9 Jun 2026, 14:00 (Wed, 10 Jun 2026, 03:00 in Asia/Tokyo)");
    // No zone with the event: the reader's clock alone.
    expect(describeEventTime({ ...event, tz: null }, "America/New_York", "en-GB", now).full).toBe(
      "Sat 2 May, 12:00 – 14:00",
    );
  });

  it("shows all-day events as dates, the same in every zone", () => {
    const now = new Date("2026-01-10T12:00:00Z");
    const one = { start: "2026-05-02", end: null, tz: "Asia/Tokyo", allDay: true };
    expect(describeEventTime(one, "UTC", "en-GB", now).full).toBe("Sat 2 May (all day)");
    expect(describeEventTime(one, "Pacific/Honolulu", "en-GB", now).full).toBe("Sat 2 May (all day)");
    expect(
      describeEventTime({ ...one, end: "2026-05-04" }, "UTC", "en-GB", new Date("2027-02-01T00:00:00Z")).full,
    ).toBe("Sat, 2 May 2026 – Mon, 4 May 2026 (all day)");
  });
});
