/**
 * Our expansion of repeating events against ical.js's: for each series (rules across daylight-saving
 * changes in three zones, with cancelled and moved occurrences) we export an .ics, let ical.js — an
 * independent RFC 5545 implementation reading our RRULE, EXDATE, RECURRENCE-ID and VTIMEZONE —
 * expand it, and compare every occurrence's start and end with `expandOccurrences`.
 */

import ICAL from "ical.js";
import { describe, expect, test } from "vitest";
import {
  addDays,
  type EventTime,
  expandOccurrences,
  isoToUnix,
  type MovedOccurrence,
  type OccurrenceKey,
  type RepeatFields,
  readWallClock,
  zonedParts,
} from "../../src/app/index.ts";
import { calendarToIcs, type IcsEventSource } from "../../src/ics/index.ts";

const owner = "7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e";

interface Case {
  name: string;
  time: EventTime;
  rule: string;
  exdates?: OccurrenceKey[];
  moved?: MovedOccurrence[];
  /** The series' wall-clock time falls in a gap or an overlap on some dates (see `rfcReading`). */
  edge?: boolean;
}

function timed(start: string, end: string | null, tz: string): EventTime {
  return {
    allDay: false,
    start: isoToUnix(start, tz),
    end: end === null ? null : isoToUnix(end, tz),
    tz,
    endTz: tz,
  };
}

const at = (iso: string, tz: string) => isoToUnix(iso, tz);

const BERLIN = "Europe/Berlin";
const NEW_YORK = "America/New_York";
const LORD_HOWE = "Australia/Lord_Howe";

const cases: Case[] = [
  {
    name: "weekly BYDAY in Berlin across both changes, one cancelled and one moved, COUNT",
    time: timed("2026-03-03T19:00", "2026-03-03T21:00", BERLIN),
    rule: "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=70",
    exdates: [at("2026-03-31T19:00", BERLIN)],
    moved: [
      {
        original: at("2026-10-27T19:00", BERLIN),
        start: at("2026-10-28T18:30", BERLIN),
        end: at("2026-10-28T20:00", BERLIN),
      },
    ],
  },
  {
    name: "monthly last Friday in New York until a date-time",
    time: timed("2026-01-30T18:30", "2026-01-30T20:00", NEW_YORK),
    rule: "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20271231T235959Z",
    exdates: [at("2026-03-27T18:30", NEW_YORK)],
    moved: [
      { original: at("2026-11-27T18:30", NEW_YORK), start: at("2026-11-20T18:30", NEW_YORK), end: null },
    ],
  },
  {
    name: "monthly on the 31st in Lord Howe (30-minute changes), months without one skipped",
    time: timed("2026-01-31T09:00", "2026-01-31T10:00", LORD_HOWE),
    rule: "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=14",
    exdates: [at("2026-05-31T09:00", LORD_HOWE)],
  },
  {
    name: "every third day in Lord Howe across both changes, until a date",
    time: timed("2026-03-20T20:00", "2026-03-20T22:30", LORD_HOWE),
    rule: "FREQ=DAILY;INTERVAL=3;UNTIL=20261231T125959Z",
    moved: [
      {
        original: at("2026-04-07T20:00", LORD_HOWE),
        start: at("2026-04-08T07:00", LORD_HOWE),
        end: at("2026-04-08T08:00", LORD_HOWE),
      },
    ],
  },
  {
    name: "yearly on the day Berlin's clocks go back, in the evening",
    time: timed("2026-10-25T18:00", "2026-10-25T19:00", BERLIN),
    rule: "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;COUNT=6",
    exdates: [at("2028-10-29T18:00", BERLIN)],
  },
  {
    name: "yearly on a date in New York, every second year",
    time: timed("2026-03-08T12:00", "2026-03-08T13:00", NEW_YORK),
    rule: "FREQ=YEARLY;INTERVAL=2;COUNT=5",
  },
  {
    name: "monthly second Tuesday in Berlin without end, first two years",
    time: timed("2026-01-13T19:30", null, BERLIN),
    rule: "FREQ=MONTHLY;BYDAY=2TU",
    exdates: [at("2026-04-14T19:30", BERLIN), at("2027-02-09T19:30", BERLIN)],
  },
  {
    name: "weekly every two weeks on Mondays and Saturdays in New York, WKST=SU",
    time: timed("2026-02-28T10:00", "2026-02-28T11:00", NEW_YORK),
    rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SA;WKST=SU;COUNT=40",
  },
  {
    name: "weekly on Sundays at 02:30 in Berlin: the day it does not exist and the day it happens twice",
    time: timed("2026-03-15T02:30", "2026-03-15T03:15", BERLIN),
    rule: "FREQ=WEEKLY;BYDAY=SU;COUNT=40",
    edge: true,
  },
  {
    name: "daily at 02:15 in Lord Howe around its 30-minute changes",
    time: timed("2026-04-01T02:15", "2026-04-01T02:45", LORD_HOWE),
    rule: "FREQ=DAILY;UNTIL=20261010T000000Z",
    edge: true,
  },
  {
    name: "all-day weekly, cancelled and moved",
    time: { allDay: true, start: "2026-03-06", end: "2026-03-07" },
    rule: "FREQ=WEEKLY;COUNT=20",
    exdates: ["2026-03-20"],
    moved: [{ original: "2026-04-03", start: "2026-04-04", end: "2026-04-06" }],
  },
  {
    name: "all-day monthly last Friday until a date",
    time: { allDay: true, start: "2026-01-30", end: null },
    rule: "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20270101",
  },
];

function source(c: Case, repeat: RepeatFields): IcsEventSource {
  return {
    owner,
    d: "series",
    title: c.name,
    time: c.time,
    description: "",
    location: null,
    cancelled: false,
    createdAt: 1_767_225_600,
    updatedAt: 1_767_225_600,
    repeat,
  };
}

type Seen = { start: OccurrenceKey; end: OccurrenceKey | null };

/** ical.js's occurrences of the exported series: the master with its exceptions related. */
function icalOccurrences(ics: string, limit: number): Seen[] {
  const calendar = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  const vevents = calendar.getAllSubcomponents("vevent");
  const master = vevents.find((v) => !v.hasProperty("recurrence-id"));
  if (!master) throw new Error("no master VEVENT");
  const event = new ICAL.Event(master);
  for (const v of vevents) if (v !== master) event.relateException(v);
  const it = event.iterator();
  const out: Seen[] = [];
  const value = (t: InstanceType<typeof ICAL.Time>): OccurrenceKey =>
    t.isDate
      ? `${String(t.year).padStart(4, "0")}-${String(t.month).padStart(2, "0")}-${String(t.day).padStart(2, "0")}`
      : t.toUnixTime();
  for (let next = it.next(); next && out.length < limit; next = it.next()) {
    const details = event.getOccurrenceDetails(next);
    const hasEnd = details.item.component.hasProperty("dtend");
    out.push({ start: value(details.startDate), end: hasEnd ? value(details.endDate) : null });
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/**
 * ical.js reads a wall-clock time the clocks skip with the offset after the gap (2:30 → 1:30) and
 * one they show twice as its second pass; RFC 5545 §3.3.5, and Rally, take the offset before the
 * gap (2:30 → 3:30) and the first pass. On those dates only, ical.js's instant is turned into the
 * RFC's reading of the same wall-clock time; every other occurrence is compared as ical.js gives it.
 * Returns how many occurrences needed it.
 */
function rfcReading(list: Seen[], time: EventTime): number {
  if (time.allDay || time.tz === null) return 0;
  const tz = time.tz;
  const clock = zonedParts(time.start, tz);
  let changed = 0;
  for (const o of list) {
    if (typeof o.start !== "number") continue;
    const date = zonedParts(o.start, tz);
    const reading = readWallClock({ ...clock, year: date.year, month: date.month, day: date.day }, tz);
    const rfc =
      reading.kind === "never" && o.start === reading.earlier
        ? reading.later
        : reading.kind === "twice" && o.start === reading.second
          ? reading.first
          : null;
    if (rfc === null) continue;
    if (typeof o.end === "number") o.end += rfc - o.start;
    o.start = rfc;
    changed++;
  }
  return changed;
}

describe("expansion equals ical.js's expansion of the exported .ics", () => {
  for (const c of cases) {
    test(c.name, () => {
      const repeat: RepeatFields = { rule: c.rule, exdates: c.exdates ?? [], moved: c.moved ?? [] };
      const ics = calendarToIcs([source(c, repeat)]);
      expect(ics).toContain(`RRULE:${c.rule}`);
      for (const _ of c.exdates ?? []) expect(ics).toMatch(/EXDATE[;:]/);
      expect(ics.match(/RECURRENCE-ID/g)?.length ?? 0).toBe(c.moved?.length ?? 0);

      const limit = 200;
      const ours = expandOccurrences({ time: c.time, ...repeat }, { limit });
      const theirs = icalOccurrences(ics, limit);
      const adjusted = rfcReading(theirs, c.time);
      expect(adjusted > 0).toBe(c.edge === true);
      // An endless rule: compare the first two years' worth.
      const cut = c.rule.includes("COUNT") || c.rule.includes("UNTIL") ? limit : 24;
      // An all-day event without an end lasts its one day (NIP-52 and RFC 5545 alike).
      const oneDay = (d: OccurrenceKey) => addDays(String(d), 1);
      const mine: Seen[] = ours.slice(0, cut).map((o) => ({
        start: o.start,
        end: o.end === null && typeof o.start === "string" ? oneDay(o.start) : o.end,
      }));
      expect(theirs.slice(0, cut)).toEqual(mine);
      expect(mine.length).toBeGreaterThan(4);
      // The cancelled ones are gone and the moved ones are at their new time.
      for (const x of c.exdates ?? []) expect(mine.some((o) => o.start === x)).toBe(false);
      for (const m of c.moved ?? []) expect(mine.some((o) => o.start === m.start)).toBe(true);
    });
  }
});

describe("wall-clock time is kept across daylight-saving changes", () => {
  test("Berlin 19:00 stays 19:00 before and after the clocks change", () => {
    const c = cases[0]!;
    const list = expandOccurrences({ time: c.time, rule: c.rule }, { limit: 70 });
    const hours = new Set(
      list.map((o) =>
        new Intl.DateTimeFormat("en-GB", { timeZone: BERLIN, hour: "2-digit", minute: "2-digit" }).format(
          new Date(Number(o.start) * 1000),
        ),
      ),
    );
    expect([...hours]).toEqual(["19:00"]);
    // Not a fixed number of seconds apart: the UTC hour moves with the clocks.
    const utcHours = new Set(list.map((o) => new Date(Number(o.start) * 1000).getUTCHours()));
    expect([...utcHours].sort()).toEqual([17, 18]);
  });
});
