/**
 * Reminders in exported feeds (the `alarms` option), read back by ical.js: a DISPLAY alarm an hour
 * before a timed event, and at 09:00 the day before an all-day one.
 */

import ICAL from "ical.js";
import { describe, expect, test } from "vitest";
import { calendarToIcs, type IcsEventSource } from "../../src/ics/index.ts";

const owner = "7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e";
const base = { owner, description: "", location: null, cancelled: false, createdAt: 1, updatedAt: 2 };
const timed: IcsEventSource = {
  ...base,
  d: "a",
  title: "Open meeting",
  time: { allDay: false, start: 1_900_000_000, end: null, tz: "Europe/Berlin", endTz: null },
};
const allDay: IcsEventSource = {
  ...base,
  d: "b",
  title: "Street fair",
  time: { allDay: true, start: "2031-06-14", end: null },
};

const alarmsOf = (ics: string) =>
  new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents("vevent").map((v) => {
    const event = new ICAL.Event(v);
    return v.getAllSubcomponents("valarm").map((a) => {
      const trigger = a.getFirstPropertyValue("trigger") as ICAL.Duration;
      return {
        action: a.getFirstPropertyValue("action"),
        description: a.getFirstPropertyValue("description"),
        at: event.startDate.toUnixTime() + trigger.toSeconds(),
        start: event.startDate,
      };
    });
  });

describe("feed reminders", () => {
  test("none unless asked for", () => {
    expect(calendarToIcs([timed, allDay])).not.toContain("VALARM");
  });

  test("an hour before a timed event, at 09:00 the day before an all-day one", () => {
    const [forTimed, forAllDay] = alarmsOf(calendarToIcs([timed, allDay], { alarms: true }));
    expect(forTimed).toHaveLength(1);
    expect(forTimed![0]).toMatchObject({ action: "DISPLAY", description: "Open meeting" });
    expect(forTimed![0]!.at).toBe(1_900_000_000 - 3600);
    expect(forAllDay).toHaveLength(1);
    const start = forAllDay![0]!.start;
    expect(start.toString()).toBe("2031-06-14");
    // A floating date: the alarm's wall-clock time, read in UTC, is 09:00 on the 13th.
    expect(new Date(forAllDay![0]!.at * 1000).toISOString()).toBe("2031-06-13T09:00:00.000Z");
  });
});
