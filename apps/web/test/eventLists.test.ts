import type { EventView, OccurrenceView } from "@rally/client";
import { describe, expect, it } from "vitest";
import { comingOccurrences, nextTime, splitByTime } from "../src/screens/events/eventLists.ts";

type Listed = Pick<EventView, "start" | "end" | "allDay" | "repeat" | "occurrences"> & { id: string };

const NOW = Date.parse("2026-06-10T12:00:00Z");

function occurrence(
  start: string,
  end: string,
  status: OccurrenceView["status"] = "confirmed",
): OccurrenceView {
  return {
    original: start,
    start,
    end,
    status,
    moved: false,
    rsvps: { going: [], maybe: [], declined: [], waitlist: [], asking: [] },
    guests: {},
    seatsTaken: 0,
    myRsvp: null,
    myGuests: 0,
    myPlace: null,
  };
}

const single = (id: string, start: string): Listed => ({
  id,
  start,
  end: null,
  allDay: false,
  repeat: null,
  occurrences: [],
});

describe("event lists", () => {
  it("lists a repeating event once, at its next date that is not cancelled", () => {
    const series: Listed = {
      id: "series",
      start: "2026-05-26T17:00:00Z",
      end: "2026-05-26T19:00:00Z",
      allDay: false,
      repeat: { rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", cancelled: ["2026-06-09T17:00:00Z"], moved: [] },
      occurrences: [
        occurrence("2026-06-09T17:00:00Z", "2026-06-09T19:00:00Z", "cancelled"),
        occurrence("2026-06-23T17:00:00Z", "2026-06-23T19:00:00Z"),
        occurrence("2026-07-07T17:00:00Z", "2026-07-07T19:00:00Z"),
      ],
    };
    expect(comingOccurrences(series, NOW).map((o) => o.start)).toEqual([
      "2026-06-23T17:00:00Z",
      "2026-07-07T17:00:00Z",
    ]);
    expect(nextTime(series, NOW)).toMatchObject({
      start: "2026-06-23T17:00:00Z",
      end: "2026-06-23T19:00:00Z",
    });
    const { upcoming, past } = splitByTime(
      [series, single("soon", "2026-06-15T10:00:00Z"), single("gone", "2026-06-01T10:00:00Z")],
      NOW,
    );
    expect(upcoming.map((e) => e.id)).toEqual(["soon", "series"]);
    expect(past.map((e) => e.id)).toEqual(["gone"]);
  });

  it("keeps a series with no dates left at its first date, with the past", () => {
    const over: Listed = {
      ...single("over", "2026-05-01T10:00:00Z"),
      repeat: { rule: "FREQ=DAILY;COUNT=2", cancelled: [], moved: [] },
      occurrences: [],
    };
    expect(nextTime(over, NOW).start).toBe("2026-05-01T10:00:00Z");
    expect(splitByTime([over], NOW).past.map((e) => e.id)).toEqual(["over"]);
  });
});
