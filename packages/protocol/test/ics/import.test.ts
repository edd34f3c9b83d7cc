/** Import of .ics files as calendar apps write them, and refusal of files that are not usable. */

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { expandOccurrences, isoToUnix } from "../../src/app/index.ts";
import { IcsError, icsToEvents } from "../../src/ics/index.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ics/${name}`, import.meta.url), "utf8");
const at = (iso: string) => Date.parse(iso) / 1000;

describe("importing calendar apps' files", () => {
  test("Google Calendar: VTIMEZONE with RRULEs, all-day, UTC, a repeating event, escaped text", () => {
    const { events, skipped } = icsToEvents(fixture("google-calendar.ics"));
    expect(skipped).toEqual([]);
    expect(events.map((e) => e.title)).toEqual([
      "Mieter*innenversammlung",
      "Straßenfest",
      "Online-Plenum",
      "Wöchentliches Treffen",
    ]);
    const [meeting, fest, online, weekly] = events;
    expect(meeting!.time).toEqual({
      allDay: false,
      start: at("2025-06-12T17:00:00Z"),
      end: at("2025-06-12T19:15:00Z"),
      tz: "Europe/Berlin",
      endTz: "Europe/Berlin",
    });
    expect(meeting!.location).toBe("Nachbarschaftsheim, Schierker Str. 26, 12051 Berlin, Deutschland");
    expect(meeting!.description).toContain(
      "Modernisierung und die nächsten Schritte. Bitte bringt eure Unterlagen mit;",
    );
    expect(meeting!.description).toContain("\n\nFragen an kiezgruppe@example.org");
    expect(meeting!.uid).toBe("7kq3h2v0p1m9c8n5b4x6z2l0ad@google.com");
    expect(fest!.time).toEqual({ allDay: true, start: "2025-07-04", end: null });
    expect(fest!.location).toBeNull();
    expect(online!.time).toMatchObject({
      start: at("2025-08-01T17:00:00Z"),
      end: at("2025-08-01T18:30:00Z"),
      tz: null,
    });
    // The repeating event keeps its rule (docs/PROTOCOL.md 13.10), no longer only its first occurrence.
    expect(weekly!.warnings).toEqual([]);
    expect(weekly!.repeat).toEqual({ rule: "FREQ=WEEKLY;BYDAY=TU", exdates: [], moved: [] });
    expect(meeting!.repeat).toBeNull();
    expect(weekly!.time).toMatchObject({ start: at("2025-09-02T16:00:00Z") });
  });

  test("Google Calendar series: RRULE, EXDATE (several per line), moved and cancelled occurrences", () => {
    const berlin = (iso: string) => isoToUnix(iso, "Europe/Berlin");
    const { events, skipped } = icsToEvents(fixture("google-calendar-series.ics"));
    expect(events.map((e) => e.title)).toEqual(["Plenum", "Critical Mass", "Kassenbericht"]);
    const [plenum, mass, report] = events;
    expect(plenum!.repeat).toEqual({
      rule: "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630T215959Z",
      exdates: [
        berlin("2026-03-31T19:00"),
        berlin("2026-04-07T19:00"),
        berlin("2026-04-14T19:00"),
        berlin("2026-05-19T19:00"),
      ],
      moved: [
        {
          original: berlin("2026-05-12T19:00"),
          start: berlin("2026-05-12T20:00"),
          end: berlin("2026-05-12T22:00"),
        },
        {
          original: berlin("2026-06-02T19:00"),
          start: berlin("2026-06-02T19:00"),
          end: berlin("2026-06-02T21:30"),
        },
      ],
    });
    // One occurrence with its own title and place: its time is kept, the rest is said.
    expect(plenum!.warnings).toEqual([
      "one occurrence had its own title, location, which was not kept (its time was)",
    ]);
    // What Rally shows is what Google shows: 19:00 local across the change to summer time.
    const next = expandOccurrences(
      { time: plenum!.time, ...plenum!.repeat! },
      { from: berlin("2026-03-20T00:00"), limit: 4 },
    );
    expect(next.map((o) => o.start)).toEqual([
      berlin("2026-03-24T19:00"),
      berlin("2026-04-21T19:00"),
      berlin("2026-04-28T19:00"),
      berlin("2026-05-05T19:00"),
    ]);
    expect(mass!.time).toEqual({ allDay: true, start: "2026-03-27", end: null });
    expect(mass!.repeat).toEqual({
      rule: "FREQ=MONTHLY;BYDAY=-1FR;COUNT=6",
      exdates: ["2026-04-24"],
      moved: [],
    });
    // Outside Rally's rules: the first occurrence, and why.
    expect(report!.repeat).toBeNull();
    expect(report!.warnings).toEqual([
      "the event repeats in a way Rally cannot keep (BYSETPOS is not supported (Rally repeats events with FREQ=DAILY, WEEKLY, MONTHLY or YEARLY and INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, WKST, COUNT or UNTIL)); only its first occurrence was imported",
    ]);
    expect(skipped).toEqual([
      {
        index: 7,
        uid: "someone-elses-series-1@google.com",
        reason:
          'event 7 ("Nur eine Änderung") was not imported: it changes one occurrence of a repeating event that is not in the file',
      },
    ]);
  });

  test("Apple Calendar: structured location, URL, multi-day all-day, and a time in the repeated hour", () => {
    const { events } = icsToEvents(fixture("apple-calendar.ics"));
    const [bank, retreat] = events;
    expect(bank!.title).toBe("Phone bank 📞 — all hands");
    expect(bank!.location).toBe(
      "Brooklyn Public Library\nGrand Army Plaza, Brooklyn, NY 11238, United States",
    );
    expect(bank!.links).toEqual(["https://example.org/phonebank"]);
    // 22:00 EDT; ends 01:30 on the night clocks go back — the first 01:30 (EDT), per RFC 5545 §3.3.5.
    expect(bank!.time).toEqual({
      allDay: false,
      start: at("2025-11-02T02:00:00Z"),
      end: at("2025-11-02T05:30:00Z"),
      tz: "America/New_York",
      endTz: "America/New_York",
    });
    expect(retreat!.time).toEqual({ allDay: true, start: "2025-10-10", end: "2025-10-13" });
  });

  test("Outlook: Windows zone names resolved through the file's VTIMEZONE, organizer, cancelled", () => {
    const { events } = icsToEvents(fixture("outlook.ics"));
    const [meeting, rally] = events;
    expect(meeting).toMatchObject({
      title: "Vernetzungstreffen der Initiativen",
      location: "Gewerkschaftshaus, Raum 3.14",
      organizer: { uri: "mailto:sam@example.org", name: "Sam Organiser" },
      cancelled: false,
      time: {
        allDay: false,
        start: at("2025-09-12T17:00:00Z"),
        end: at("2025-09-12T19:30:00Z"),
        tz: "Europe/Berlin",
      },
    });
    expect(meeting!.description.startsWith("Liebe alle,\n\nhier die Einladung")).toBe(true);
    expect(rally).toMatchObject({ cancelled: true, time: { start: at("2025-11-07T09:00:00Z") } });
  });

  test("Thunderbird: southern-hemisphere zone, categories, floating time with DURATION; CRLF or LF", () => {
    for (const file of ["thunderbird.ics", "thunderbird-lf.ics"]) {
      const { events } = icsToEvents(fixture(file));
      const [planning, garden] = events;
      expect(planning).toMatchObject({
        title: "Climate strike planning",
        hashtags: ["Meeting", "Community"],
        location: "Trades Hall, 4 Goulburn St",
        time: { start: at("2025-02-15T03:00:00Z"), end: at("2025-02-15T05:30:00Z"), tz: "Australia/Sydney" },
      });
      expect(garden!.time).toEqual({
        allDay: false,
        start: at("2025-03-01T09:00:00Z"),
        end: at("2025-03-01T12:00:00Z"),
        tz: null,
        endTz: null,
      });
    }
    // Floating times are read in the zone the importer chooses.
    const { events } = icsToEvents(fixture("thunderbird.ics"), { defaultTz: "Australia/Sydney" });
    expect(events[1]!.time).toMatchObject({ start: at("2025-02-28T22:00:00Z"), tz: "Australia/Sydney" });
  });

  test("a Windows zone name without a VTIMEZONE is read as its IANA zone", () => {
    const { events } = icsToEvents(fixture("windows-zone-without-vtimezone.ics"));
    expect(events[0]!.time).toEqual({
      allDay: false,
      start: at("2025-06-01T08:00:00Z"),
      end: at("2025-06-01T09:30:00Z"),
      tz: "Europe/Paris",
      endTz: "Europe/Paris",
    });
  });

  test("a bad event is skipped with its reason while the others import", () => {
    const { events, skipped } = icsToEvents(fixture("one-bad-event.ics"));
    expect(events.map((e) => e.title)).toEqual(["Good one"]);
    expect(skipped).toEqual([
      {
        index: 1,
        uid: "no-start@example.org",
        reason: 'event 1 ("Meeting with no time") was not imported: it has no start (DTSTART)',
      },
      {
        index: 3,
        uid: "mars@example.org",
        reason:
          'event 3 ("Off-world") was not imported: its start uses the time zone "Mars/Olympus_Mons", which the file does not define',
      },
    ]);
  });
});

describe("refusing unusable files with a clear error", () => {
  test.each([
    ["not-a-calendar.ics", "not an iCalendar (.ics) file"],
    ["truncated.ics", "malformed"],
    ["no-events.ics", "no events"],
    ["unknown-zone.ics", 'time zone "Customized Time Zone", which the file does not define'],
    ["bad-value.ics", "not imported"],
  ])("%s", (name, message) => {
    expect(() => icsToEvents(fixture(name))).toThrow(IcsError);
    expect(() => icsToEvents(fixture(name))).toThrow(message);
  });

  test("empty, oversized and non-text input", () => {
    expect(() => icsToEvents("")).toThrow(/not an iCalendar/);
    expect(() => icsToEvents(42 as unknown as string)).toThrow(IcsError);
    expect(() => icsToEvents(`BEGIN:VCALENDAR\r\n${"X".repeat(5 * 1024 * 1024)}`)).toThrow(/too large/);
    expect(() => icsToEvents("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", { defaultTz: "Nowhere" })).toThrow(
      /unknown time zone/,
    );
  });
});
