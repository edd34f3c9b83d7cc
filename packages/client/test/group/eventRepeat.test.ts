/** Repeating events as people ask for them: rule, end, first start, and occurrences by time. */
import {
  buildCalendarEvent,
  type CalendarEventState,
  eventTimeFromIso,
  isoToUnix,
  reduceGroup,
} from "@rally/protocol/app";
import { getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import {
  carryExceptions,
  repeatFromInput,
  resolveOccurrence,
  untilInNewZone,
} from "../../src/group/eventRepeat.ts";

const BERLIN = "Europe/Berlin";
const pk = getPublicKey(new Uint8Array(32).fill(7));
const time = eventTimeFromIso({ start: "2026-03-03T19:00", end: "2026-03-03T21:00", tz: BERLIN });

describe("a rule with its end", () => {
  it("until a local date-time or a date, or a count, in canonical form", () => {
    expect(repeatFromInput({ rule: "freq=weekly;byday=tu", count: 5 }, time).rule).toBe(
      "FREQ=WEEKLY;BYDAY=TU;COUNT=5",
    );
    expect(repeatFromInput({ rule: "FREQ=WEEKLY", until: "2026-06-30" }, time).rule).toBe(
      "FREQ=WEEKLY;UNTIL=20260630T215959Z",
    );
    expect(repeatFromInput({ rule: "FREQ=WEEKLY", until: "2026-06-30T19:00" }, time).rule).toBe(
      "FREQ=WEEKLY;UNTIL=20260630T170000Z",
    );
  });

  it("refuses in plain words", () => {
    expect(() => repeatFromInput({ rule: "FREQ=WEEKLY", until: "2026-06-30", count: 3 }, time)).toThrow(
      /not both/,
    );
    expect(() => repeatFromInput({ rule: "FREQ=WEEKLY;COUNT=2", count: 3 }, time)).toThrow(
      /already says when it ends/,
    );
    expect(() => repeatFromInput({ rule: "FREQ=MONTHLY;BYSETPOS=1" }, time)).toThrow(
      /The repeat rule "FREQ=MONTHLY;BYSETPOS=1" cannot be used: BYSETPOS is not supported/,
    );
    expect(() => repeatFromInput({ rule: "FREQ=MONTHLY;BYDAY=-1FR" }, time)).toThrow(
      "The event starts on 2026-03-03, which is not a day the rule FREQ=MONTHLY;BYDAY=-1FR gives (it gives 2026-03-27, 2026-04-24, 2026-05-29, …). Start it on one of those days.",
    );
    expect(() => repeatFromInput({ rule: "FREQ=WEEKLY", until: "2026-01-01" }, time)).toThrow(/before/);
  });
});

describe("an occurrence by the time a person types", () => {
  const rumor = buildCalendarEvent({
    pubkey: pk,
    createdAt: 1,
    d: "ev",
    title: "Plenum",
    time,
    repeat: repeatFromInput({ rule: "FREQ=WEEKLY", count: 10 }, time),
  });
  const e: CalendarEventState = reduceGroup([{ rumor, sender: pk }], { admins: [pk] }).events[0]!;

  it("finds it by local time in the event's zone, across the change to summer time", () => {
    expect(resolveOccurrence(e, "2026-04-07T19:00").original).toBe(isoToUnix("2026-04-07T19:00", BERLIN));
  });

  it("names the nearest ones when it is not one", () => {
    expect(() => resolveOccurrence(e, "2026-04-08T19:00")).toThrow(
      '2026-04-08T19:00 is not an occurrence of "Plenum" (FREQ=WEEKLY;COUNT=10). The nearest: 2026-04-07T19:00:00+02:00 and 2026-04-14T19:00:00+02:00.',
    );
  });
});

describe("exceptions follow the series when its first time changes", () => {
  it("the same evenings, at the new time", () => {
    const later = eventTimeFromIso({ start: "2026-03-03T18:30", end: "2026-03-03T20:30", tz: BERLIN });
    const repeat = {
      rule: "FREQ=WEEKLY",
      exdates: [isoToUnix("2026-04-07T19:00", BERLIN)],
      moved: [{ original: isoToUnix("2026-03-10T19:00", BERLIN), start: 1, end: null }],
    };
    expect(carryExceptions(repeat, time, later)).toEqual({
      exdates: [isoToUnix("2026-04-07T18:30", BERLIN)],
      moved: [{ original: isoToUnix("2026-03-10T18:30", BERLIN), start: 1, end: null }],
    });
    const allDay = eventTimeFromIso({ start: "2026-03-03" });
    expect(carryExceptions(repeat, time, allDay)).toEqual({ exdates: [], moved: [] });
  });
});

describe("the end day follows a new time zone", () => {
  it("UNTIL keeps its wall-clock day and time, read in the new zone", () => {
    const rule = repeatFromInput({ rule: "FREQ=WEEKLY", until: "2026-06-30" }, time).rule;
    expect(rule).toBe("FREQ=WEEKLY;UNTIL=20260630T215959Z");
    const tokyo = eventTimeFromIso({ start: "2026-03-03T19:00", end: "2026-03-03T21:00", tz: "Asia/Tokyo" });
    const moved = untilInNewZone(rule, time, tokyo);
    expect(moved).toBe("FREQ=WEEKLY;UNTIL=20260630T235959");
    // Made to fit the series, it is the end of June 30 in Tokyo, in UTC.
    expect(repeatFromInput({ rule: moved }, tokyo).rule).toBe("FREQ=WEEKLY;UNTIL=20260630T145959Z");
    // Same zone, a date-only series, a count: nothing to carry.
    expect(untilInNewZone(rule, time, time)).toBe(rule);
    expect(untilInNewZone("FREQ=WEEKLY;COUNT=3", time, tokyo)).toBe("FREQ=WEEKLY;COUNT=3");
    expect(untilInNewZone(rule, time, eventTimeFromIso({ start: "2026-03-03" }))).toBe(rule);
  });
});
