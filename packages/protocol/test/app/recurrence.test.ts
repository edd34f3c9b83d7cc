import { describe, expect, test } from "vitest";
import {
  buildCalendarEvent,
  buildEventEdit,
  buildRsvp,
  eventView,
  expandOccurrences,
  findOccurrence,
  formatRule,
  InvalidInputError,
  isoToUnix,
  nearestOccurrences,
  occurrenceAnswers,
  parseCalendarEvent,
  parseRsvp,
  parseRule,
  reduceGroup,
  ruleFitsStart,
  seriesEndsAt,
  unixToZonedIso,
} from "../../src/app/index.ts";
import { alice, bob, carol, from } from "./people.ts";

const BERLIN = "Europe/Berlin";
const at = (iso: string, tz = BERLIN) => isoToUnix(iso, tz);
const weekly = {
  allDay: false as const,
  start: at("2026-03-03T19:00"),
  end: at("2026-03-03T21:00"),
  tz: BERLIN,
  endTz: BERLIN,
};

describe("rules: the subset Rally reads, refused clearly otherwise", () => {
  test("canonical spelling", () => {
    expect(formatRule(parseRule("rrule:freq=monthly;byday=-1fr;interval=1"))).toBe("FREQ=MONTHLY;BYDAY=-1FR");
    expect(formatRule(parseRule("FREQ=YEARLY;BYDAY=4TH;BYMONTH=11;COUNT=3"))).toBe(
      "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=3",
    );
    expect(parseRule("FREQ=DAILY;UNTIL=20261231T235959Z").until).toEqual({
      kind: "instant",
      unix: Date.UTC(2026, 11, 31, 23, 59, 59) / 1000,
    });
  });

  test.each([
    ["", /empty/],
    ["FREQ=HOURLY", /FREQ=HOURLY is not supported/],
    ["FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR", /BYSETPOS is not supported/],
    ["FREQ=WEEKLY;COUNT=3;UNTIL=20270101", /COUNT or UNTIL, not both/],
    ["FREQ=WEEKLY;BYDAY=1MO", /needs FREQ=MONTHLY or YEARLY/],
    ["FREQ=MONTHLY;BYDAY=6MO", /1 to 5/],
    ["FREQ=MONTHLY;BYMONTHDAY=32", /BYMONTHDAY must be from -31 to 31/],
    ["FREQ=WEEKLY;BYDAY=XX", /not a weekday/],
    ["INTERVAL=2", /needs FREQ/],
    ["FREQ=DAILY;INTERVAL=0", /INTERVAL must be from 1/],
    ["FREQ=DAILY;UNTIL=tomorrow", /UNTIL must be a date/],
    ["FREQ=YEARLY;BYDAY=1MO", /needs BYMONTH/],
  ])("%s", (rule, message) => {
    expect(() => parseRule(rule)).toThrow(InvalidInputError);
    expect(() => parseRule(rule)).toThrow(message);
  });

  test("a start the rule does not give is told apart", () => {
    const lastFriday = parseRule("FREQ=MONTHLY;BYDAY=-1FR");
    expect(ruleFitsStart(lastFriday, "2026-03-27")).toBe(true);
    expect(ruleFitsStart(lastFriday, "2026-03-20")).toBe(false);
  });
});

describe("expansion", () => {
  test("monthly on the 31st skips shorter months; COUNT counts the first", () => {
    const list = expandOccurrences({
      time: { allDay: true, start: "2026-01-31", end: null },
      rule: "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4",
    });
    expect(list.map((o) => o.start)).toEqual(["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31"]);
  });

  test("windows and limits, cancelled ones on request, moved ones at their new time", () => {
    const moved = { original: at("2026-03-10T19:00"), start: at("2026-03-11T18:00"), end: null };
    const series = {
      time: weekly,
      rule: "FREQ=WEEKLY",
      exdates: [at("2026-03-17T19:00")],
      moved: [moved],
    };
    const list = expandOccurrences(series, { from: at("2026-03-05T00:00"), limit: 3 });
    expect(list.map((o) => unixToZonedIso(Number(o.start), BERLIN))).toEqual([
      "2026-03-11T18:00:00+01:00",
      "2026-03-24T19:00:00+01:00",
      "2026-03-31T19:00:00+02:00",
    ]);
    expect(list[0]).toMatchObject({ moved: true, end: at("2026-03-11T20:00") });
    const withCancelled = expandOccurrences(series, {
      from: at("2026-03-05T00:00"),
      limit: 3,
      includeCancelled: true,
    });
    expect(withCancelled.map((o) => o.cancelled)).toEqual([false, true, false]);
  });

  test("an occurrence is found by local time, offset or date; a wrong one names the nearest", () => {
    const series = { time: weekly, rule: "FREQ=WEEKLY;COUNT=10" };
    expect(findOccurrence(series, "2026-04-07T19:00")?.original).toBe(at("2026-04-07T19:00"));
    expect(findOccurrence(series, "2026-04-07T17:00:00Z")?.original).toBe(at("2026-04-07T19:00"));
    expect(findOccurrence(series, "2026-04-07")?.original).toBe(at("2026-04-07T19:00"));
    expect(findOccurrence(series, "2026-04-08T19:00")).toBeNull();
    const near = nearestOccurrences(series, at("2026-04-08T19:00"));
    expect(near.map((o) => o.original)).toEqual([at("2026-04-07T19:00"), at("2026-04-14T19:00")]);
    expect(() => findOccurrence(series, "next week")).toThrow(InvalidInputError);
  });

  test("when a series is over", () => {
    const repeat = { rule: "FREQ=WEEKLY;COUNT=3", exdates: [], moved: [] };
    expect(seriesEndsAt(weekly, repeat)).toBe(at("2026-03-17T21:00"));
    expect(seriesEndsAt(weekly, { ...repeat, rule: "FREQ=WEEKLY" })).toBe(Number.POSITIVE_INFINITY);
    expect(seriesEndsAt(weekly, null)).toBe(at("2026-03-03T21:00"));
  });
});

describe("tags on 31923 and answers per occurrence", () => {
  const repeat = {
    rule: "freq=weekly;until=20260601",
    exdates: [at("2026-03-17T19:00")],
    moved: [{ original: at("2026-03-10T19:00"), start: at("2026-03-11T18:00"), end: at("2026-03-11T19:30") }],
  };
  const rumor = buildCalendarEvent({
    pubkey: alice.pk,
    createdAt: 100,
    d: "ev",
    title: "Weekly meeting",
    time: weekly,
    repeat,
  });

  test("written in canonical form, UNTIL in UTC, and read back", () => {
    expect(rumor.tags).toContainEqual(["rally_rrule", "FREQ=WEEKLY;UNTIL=20260601T215959Z"]);
    expect(rumor.tags).toContainEqual(["rally_exdate", String(at("2026-03-17T19:00"))]);
    expect(rumor.tags).toContainEqual([
      "rally_moved",
      String(at("2026-03-10T19:00")),
      String(at("2026-03-11T18:00")),
      String(at("2026-03-11T19:30")),
    ]);
    const parsed = parseCalendarEvent(rumor);
    expect(parsed.ok && parsed.value.repeat).toEqual({
      ...repeat,
      rule: "FREQ=WEEKLY;UNTIL=20260601T215959Z",
    });
  });

  test("a bad rule or exception is refused when written", () => {
    const base = { pubkey: alice.pk, createdAt: 100, d: "ev", title: "x", time: weekly };
    expect(() =>
      buildCalendarEvent({ ...base, repeat: { rule: "FREQ=SECONDLY", exdates: [], moved: [] } }),
    ).toThrow(/not supported/);
    expect(() =>
      buildCalendarEvent({ ...base, repeat: { rule: "FREQ=DAILY", exdates: ["2026-03-04"], moved: [] } }),
    ).toThrow(/Unix seconds/);
  });

  test("a rule from another version that Rally cannot read leaves a single event, not none", () => {
    const other = {
      ...rumor,
      tags: rumor.tags.map((t) => (t[0] === "rally_rrule" ? [t[0], "FREQ=MINUTELY"] : t)),
    };
    const parsed = parseCalendarEvent(other);
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.value.repeat).toBeUndefined();
  });

  test("an answer for one occurrence overrides the answer for all, for that occurrence only", () => {
    const event = { kind: 31923, owner: alice.pk, d: "ev" };
    const second = at("2026-03-24T19:00");
    const bobAll = buildRsvp({ pubkey: bob.pk, createdAt: 200, event, status: "going" });
    const bobOne = buildRsvp({
      pubkey: bob.pk,
      createdAt: 150,
      event,
      status: "declined",
      occurrence: second,
    });
    const carolOne = buildRsvp({
      pubkey: carol.pk,
      createdAt: 210,
      event,
      status: "maybe",
      occurrence: second,
    });
    expect(bobOne.tags).toContainEqual(["d", `${alice.pk}:ev:${second}`]);
    expect(bobOne.tags).toContainEqual(["rally_occurrence", String(second)]);
    expect(parseRsvp(bobOne)).toMatchObject({ ok: true, value: { occurrence: String(second) } });

    const state = reduceGroup(
      [rumor, bobAll, bobOne, carolOne].map((r) => from(r)),
      {
        admins: [alice.pk],
        members: [alice.pk, bob.pk, carol.pk],
      },
    );
    const e = state.events[0]!;
    // The series answer alone decides places; occurrence answers are kept apart.
    expect(e.rsvps.map((r) => [r.pubkey, r.status])).toEqual([[bob.pk, "going"]]);
    const forSecond = occurrenceAnswers(e, second).map((r) => [r.pubkey, r.status]);
    expect(forSecond).toEqual(
      [
        [bob.pk, "declined"],
        [carol.pk, "maybe"],
      ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
    expect(occurrenceAnswers(e, at("2026-03-31T19:00")).map((r) => r.status)).toEqual(["going"]);

    const view = eventView(state, e, bob.pk, { now: at("2026-03-20T00:00"), occurrences: 3 });
    expect(view.repeat?.rule).toBe("FREQ=WEEKLY;UNTIL=20260601T215959Z");
    expect(view.occurrences.map((o) => [o.start, o.myRsvp, o.status])).toEqual([
      ["2026-03-24T19:00:00+01:00", "declined", "confirmed"],
      ["2026-03-31T19:00:00+02:00", "going", "confirmed"],
      ["2026-04-07T19:00:00+02:00", "going", "confirmed"],
    ]);
    const fromStart = eventView(state, e, bob.pk, { occurrences: 3 });
    expect(fromStart.occurrences.map((o) => [o.original, o.start, o.status, o.moved])).toEqual([
      ["2026-03-03T19:00:00+01:00", "2026-03-03T19:00:00+01:00", "confirmed", false],
      ["2026-03-10T19:00:00+01:00", "2026-03-11T18:00:00+01:00", "confirmed", true],
      ["2026-03-17T19:00:00+01:00", "2026-03-17T19:00:00+01:00", "cancelled", false],
    ]);
  });

  test("an edit keeps the series", () => {
    const parsed = parseCalendarEvent(rumor);
    if (!parsed.ok) throw new Error(parsed.error);
    const edited = buildEventEdit(
      parsed.value,
      { title: "Weekly meeting (new room)" },
      { pubkey: alice.pk, createdAt: 300 },
    );
    const again = parseCalendarEvent(edited);
    expect(again.ok && again.value.repeat).toEqual(parsed.value.repeat);
  });
});
