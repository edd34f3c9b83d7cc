/**
 * Export → parse round trips. The writer is ours; the reader is ical.js, an independent RFC 5545
 * parser (timed events with a zone are converted by ical.js through the VTIMEZONE we wrote, not
 * through Intl). A second, hand-written reading of the folded text checks the raw lines.
 */

import fc from "fast-check";
import ICAL from "ical.js";
import { describe, expect, test } from "vitest";
import type { EventTime } from "../../src/app/index.ts";
import { zonedParts, zonedToUnix } from "../../src/app/index.ts";
import {
  calendarToIcs,
  eventToIcs,
  eventUid,
  type IcsEventSource,
  icsToEvents,
} from "../../src/ics/index.ts";

const owner = "7e7e9c42a91bfef19fa929e5fda1b72e0ebc1a4c1141673e2794234d86addf4e";
const octets = (s: string) => new TextEncoder().encode(s).length;

/** A small independent reading of an .ics text: unfold, split name/params/value, unescape TEXT. */
function handParse(ics: string): { name: string; params: string; value: string }[] {
  expect(ics.endsWith("\r\n")).toBe(true);
  expect(/\r(?!\n)|(?<!\r)\n/.test(ics)).toBe(false);
  for (const line of ics.slice(0, -2).split("\r\n")) expect(octets(line)).toBeLessThanOrEqual(75);
  return ics
    .replace(/\r\n /g, "")
    .split("\r\n")
    .filter(Boolean)
    .map((line) => {
      let quoted = false;
      let i = 0;
      for (; i < line.length; i++) {
        if (line[i] === '"') quoted = !quoted;
        if (line[i] === ":" && !quoted) break;
      }
      const head = line.slice(0, i);
      const semi = head.indexOf(";");
      return {
        name: semi < 0 ? head : head.slice(0, semi),
        params: semi < 0 ? "" : head.slice(semi + 1),
        value: line.slice(i + 1),
      };
    });
}

const unescapeText = (v: string) =>
  v.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === "n" || c === "N" ? "\n" : c));

const zones = [
  "Europe/Berlin",
  "America/New_York",
  "Australia/Lord_Howe",
  "Asia/Kathmandu",
  "America/St_Johns",
  "Pacific/Chatham",
  "America/Sao_Paulo",
  "Europe/Dublin",
  "Africa/Casablanca",
] as const;

const text = (min: number) =>
  fc
    .string({
      unit: fc.constantFrom("a", "Z", " ", ",", ";", "\\", "\n", "é", "✊🏽", "😀", '"', ":", "ß", "\t"),
      minLength: min,
      maxLength: 120,
    })
    .map((s) => s.trim());

const timed = fc
  .record({
    start: fc.integer({ min: 946684800, max: 2082758400 }),
    length: fc.option(fc.integer({ min: 60, max: 3 * 86400 })),
    tz: fc.option(fc.constantFrom(...zones)),
  })
  .map(
    ({ start, length, tz }): EventTime => ({
      allDay: false,
      start,
      end: length === null ? null : start + length,
      tz,
      endTz: tz,
    }),
  );

const allDay = fc
  .record({ day: fc.integer({ min: 10957, max: 24106 }), days: fc.option(fc.integer({ min: 2, max: 14 })) })
  .map(({ day, days }): EventTime => {
    const iso = (d: number) => new Date(d * 86400000).toISOString().slice(0, 10);
    return { allDay: true, start: iso(day), end: days === null ? null : iso(day + days) };
  });

const event = fc.record({
  d: fc.string({ minLength: 1, maxLength: 20 }),
  title: text(1).filter((s) => s.length > 0),
  time: fc.oneof(timed, allDay),
  description: text(0),
  location: fc.option(text(1).filter((s) => s.length > 0)),
  // No backslash in categories: ical.js splits the multi-valued CATEGORIES at `\\,` (an escaped
  // backslash before a separator) as if the comma were escaped, a reader quirk, not a writer error.
  hashtags: fc.uniqueArray(
    text(1).filter((s) => s.length > 0 && !s.includes("\n") && !s.includes("\\")),
    { maxLength: 3 },
  ),
  links: fc
    .option(fc.constantFrom("https://example.org/a?b=c,d", "http://example.net/"))
    .map((l) => (l ? [l] : [])),
  cancelled: fc.boolean(),
  createdAt: fc.integer({ min: 1_600_000_000, max: 1_700_000_000 }),
  updatedAt: fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }),
});

/** What the zone label should read back as: exact local times keep it, a repeated hour goes to UTC. */
function expectedZone(unix: number, tz: string | null): string | null {
  if (tz === null) return null;
  return zonedToUnix(zonedParts(unix, tz), tz) === unix ? tz : null;
}

describe("iCalendar export", () => {
  test("round trip through ical.js gives the same fields", () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 4 }), (list) => {
        const events: IcsEventSource[] = list.map((e) => ({ ...e, owner }));
        const ics = calendarToIcs(events, { name: 'Tenants, Union; "North"' });
        const back = icsToEvents(ics);
        expect(back.skipped).toEqual([]);
        expect(back.events).toHaveLength(events.length);
        back.events.forEach((got, i) => {
          const want = events[i]!;
          expect(got.uid).toBe(eventUid(owner, want.d));
          expect(got.title).toBe(want.title);
          expect(got.description).toBe(want.description);
          expect(got.location).toBe(want.location);
          expect(got.hashtags).toEqual(want.hashtags);
          expect(got.links).toEqual(want.links);
          expect(got.cancelled).toBe(want.cancelled);
          expect(got.organizer?.uri).toMatch(/^nostr:npub1/);
          const t = want.time;
          if (t.allDay) {
            // A one-day event reads back without an end, as NIP-52 writes it.
            const oneDay = t.end === null;
            expect(got.time).toEqual({ allDay: true, start: t.start, end: oneDay ? null : t.end });
          } else {
            expect(got.time.allDay).toBe(false);
            if (got.time.allDay) return;
            expect(got.time.start).toBe(t.start);
            expect(got.time.end).toBe(t.end);
            expect(got.time.tz).toBe(expectedZone(t.start, t.tz));
          }
        });
        // The independent hand reading agrees on the raw lines.
        const lines = handParse(ics);
        const summaries = lines.filter((l) => l.name === "SUMMARY").map((l) => unescapeText(l.value));
        expect(summaries).toEqual(events.map((e) => e.title));
        expect(lines.filter((l) => l.name === "STATUS").map((l) => l.value)).toEqual(
          events.map((e) => (e.cancelled ? "CANCELLED" : "CONFIRMED")),
        );
        expect(lines[0]).toEqual({ name: "BEGIN", params: "", value: "VCALENDAR" });
        expect(lines.at(-1)).toEqual({ name: "END", params: "", value: "VCALENDAR" });
      }),
      { numRuns: 60 },
    );
  });

  test("the VTIMEZONE we write is what converts the times (checked by ical.js, not Intl)", () => {
    const at = Date.parse("2025-07-01T16:00:00Z") / 1000;
    const e: IcsEventSource = {
      owner,
      d: "x",
      title: "Summer",
      time: { allDay: false, start: at, end: null, tz: "Europe/Berlin", endTz: "Europe/Berlin" },
      description: "",
      location: null,
      cancelled: false,
      createdAt: 1,
      updatedAt: 2,
    };
    const ics = eventToIcs(e);
    expect(ics).toContain("DTSTART;TZID=Europe/Berlin:20250701T180000\r\n");
    expect(icsToEvents(ics).events[0]!.time).toMatchObject({ start: at, tz: "Europe/Berlin" });
    // Rewrite every offset in our VTIMEZONE to +0500: ical.js must now read 18:00 as 13:00Z.
    const skewed = ics.replace(/TZOFFSET(FROM|TO):[+-]\d{4}/g, "TZOFFSET$1:+0500");
    expect(icsToEvents(skewed).events[0]!.time).toMatchObject({
      start: Date.parse("2025-07-01T13:00:00Z") / 1000,
    });
  });

  test("VTIMEZONE observances match the zone's real offsets across many instants and zones", () => {
    fc.assert(
      fc.property(fc.integer({ min: 946684800, max: 2082758400 }), fc.constantFrom(...zones), (start, tz) => {
        const e: IcsEventSource = {
          owner,
          d: "z",
          title: "T",
          time: { allDay: false, start, end: null, tz, endTz: tz },
          description: "",
          location: null,
          cancelled: false,
          createdAt: 1,
          updatedAt: 2,
        };
        const calendar = new ICAL.Component(ICAL.parse(eventToIcs(e)));
        const vevent = calendar.getFirstSubcomponent("vevent")!;
        const dtstart = vevent.getFirstPropertyValue("dtstart") as InstanceType<typeof ICAL.Time>;
        if (expectedZone(start, tz) === tz) {
          expect(dtstart.zone?.tzid).toBe(tz);
          expect(dtstart.toUnixTime()).toBe(start);
        } else {
          expect(dtstart.zone?.tzid).toBe("UTC");
          expect(dtstart.toUnixTime()).toBe(start);
        }
      }),
      { numRuns: 60 },
    );
  });

  test("UID is stable across edits; DTSTAMP follows `now`; names and attendees", () => {
    const base: IcsEventSource = {
      owner,
      d: "meet",
      title: "Before",
      time: { allDay: true, start: "2025-07-04", end: "2025-07-06" },
      description: "",
      location: null,
      cancelled: false,
      createdAt: 1_700_000_000,
      updatedAt: 1_700_000_100,
    };
    const a = eventToIcs(base);
    const b = eventToIcs(
      { ...base, title: "After", cancelled: true, updatedAt: 1_700_000_200 },
      { now: 1_750_000_000 },
    );
    const uid = (ics: string) => handParse(ics).find((l) => l.name === "UID")!.value;
    expect(uid(a)).toBe(uid(b));
    expect(uid(a)).not.toBe(uid(eventToIcs({ ...base, d: "other" })));
    expect(handParse(b).find((l) => l.name === "DTSTAMP")!.value).toBe("20250615T150640Z");
    expect(a).toContain("DTSTART;VALUE=DATE:20250704\r\nDTEND;VALUE=DATE:20250706\r\n");
    const named = eventToIcs(base, { nameOf: () => "Jane, Organiser" });
    expect(handParse(named).find((l) => l.name === "ORGANIZER")!.params).toBe('CN="Jane, Organiser"');
    expect(a).not.toContain("ATTENDEE");
    const cal = calendarToIcs([base], { name: "Kiez, Süd" });
    // Upcoming only: the all-day event ends (exclusive) at 2025-07-06T00:00Z.
    const over = Date.parse("2025-07-06T00:00:00Z") / 1000;
    expect(calendarToIcs([base], { upcomingAfter: over - 1 })).toContain("BEGIN:VEVENT");
    expect(calendarToIcs([base], { upcomingAfter: over })).not.toContain("BEGIN:VEVENT");
    expect(handParse(cal).find((l) => l.name === "X-WR-CALNAME")!.value).toBe("Kiez\\, Süd");
  });
});
