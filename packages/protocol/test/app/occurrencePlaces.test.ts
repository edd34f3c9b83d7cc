/**
 * Places per occurrence (PROTOCOL.md 13.5, 13.10): a repeating event with a capacity has a line
 * for each date, fed by the answers that apply to that date — a person's series answer unless
 * they answered that date on its own — with guests counted, seated by the host's confirmation for
 * that date, or else by the event's.
 */
import { describe, expect, test } from "vitest";
import {
  buildCalendarEvent,
  buildPlaces,
  buildRsvp,
  type CalendarEventState,
  eventView,
  type GroupContext,
  occurrenceLine,
  type PlaceEntry,
  parsePlaces,
  type RsvpStatus,
  type Rumor,
  reduceGroup,
} from "../../src/app/index.ts";
import { alice, bob, carol, dave, erin, from, type Person } from "./people.ts";

const everyone = [alice, bob, carol, dave, erin].map((p) => p.pk);
const ctx: GroupContext = { admins: [alice.pk], members: everyone };
const WEEK = 7 * 86400;
const T0 = 2_000_000_000;
const week = (n: number) => T0 + n * WEEK;

// erin's weekly event, two places a week, four weeks.
const series = (capacity: number | null = 2) =>
  buildCalendarEvent({
    pubkey: erin.pk,
    createdAt: 1,
    d: "ev",
    title: "Climbing",
    time: { allDay: false, start: T0, end: T0 + 7200, tz: null, endTz: null },
    capacity,
    repeat: { rule: "FREQ=WEEKLY;COUNT=4", exdates: [], moved: [] },
  });
const rsvp = (p: Person, t: number, status: RsvpStatus, opts: { guests?: number; on?: number } = {}) =>
  buildRsvp({
    pubkey: p.pk,
    createdAt: t,
    event: { kind: 31923, owner: erin.pk, d: "ev" },
    status,
    guests: opts.guests ?? 0,
    ...(opts.on !== undefined ? { occurrence: opts.on } : {}),
  });
const place = (answer: Rumor): PlaceEntry => {
  const guests = answer.tags.find((t) => t[0] === "rally_guests")?.[1];
  return { pubkey: answer.pubkey, answer: answer.id, guests: guests === undefined ? 0 : Number(guests) };
};
const confirm = (seq: number, answers: Rumor[], on?: number, by: Person = erin) =>
  buildPlaces({
    pubkey: by.pk,
    createdAt: 500 + seq,
    event: { kind: 31923, owner: erin.pk, d: "ev" },
    seq,
    places: answers.map(place),
    ...(on !== undefined ? { occurrence: on } : {}),
  });
const reduce = (rumors: Rumor[]): { e: CalendarEventState; state: ReturnType<typeof reduceGroup> } => {
  const state = reduceGroup(
    rumors.map((r) => from(r, 0)),
    ctx,
  );
  return { e: state.events[0]!, state };
};
const line = (e: CalendarEventState, n: number) => {
  const l = occurrenceLine(e, week(n));
  return { going: l.going, waitlist: l.waitlist, asking: l.asking, seatsTaken: l.seatsTaken };
};

describe("the confirmation for one date", () => {
  test("carries rally_occurrence; without it, it is the event's as before", () => {
    const a = rsvp(bob, 10, "going", { on: week(1) });
    expect(parsePlaces(confirm(1, [a], week(1)))).toMatchObject({
      ok: true,
      value: { occurrence: String(week(1)) },
    });
    expect(parsePlaces(confirm(1, [a]))).toMatchObject({ ok: true, value: { occurrence: null } });
    const bad = { ...confirm(1, [a]), tags: [...confirm(1, [a]).tags, ["rally_occurrence", "next week"]] };
    expect(parsePlaces(bad)).toMatchObject({ ok: false });
    expect(() =>
      buildPlaces({
        pubkey: erin.pk,
        createdAt: 1,
        event: { kind: 31923, owner: erin.pk, d: "ev" },
        seq: 1,
        places: [],
        occurrence: "soon",
      }),
    ).toThrow(/occurrence/);
  });
});

describe("a weekly event with two places", () => {
  test("different people each week: a date's answers go to that date's line only", () => {
    const b1 = rsvp(bob, 10, "going", { on: week(0) });
    const c1 = rsvp(carol, 11, "going", { on: week(0) });
    const d1 = rsvp(dave, 12, "going", { on: week(0) });
    const a2 = rsvp(alice, 13, "going", { on: week(1) });
    const { e } = reduce([
      series(),
      b1,
      c1,
      d1,
      a2,
      confirm(1, [d1, b1, c1], week(0)),
      confirm(1, [a2], week(1)),
    ]);
    // Week 0: three asked, the host received dave's first; carol, third, waits.
    expect(line(e, 0)).toEqual({ going: [dave.pk, bob.pk], waitlist: [carol.pk], asking: [], seatsTaken: 2 });
    expect(line(e, 1)).toEqual({ going: [alice.pk], waitlist: [], asking: [], seatsTaken: 1 });
    // Nobody answered week 2: it has the event's (empty) line.
    expect(line(e, 2)).toEqual({ going: [], waitlist: [], asking: [], seatsTaken: 0 });
    // The event's own line counts only answers for every date.
    expect(e.going).toEqual([]);
  });

  test("before a host confirms a date, its people are asking", () => {
    const b1 = rsvp(bob, 10, "going", { on: week(0) });
    const { e } = reduce([series(), b1]);
    expect(line(e, 0)).toEqual({ going: [], waitlist: [], asking: [bob.pk], seatsTaken: 0 });
  });

  test("a series answer plus a decline for one date frees a place that week only", () => {
    const b = rsvp(bob, 10, "going");
    const c = rsvp(carol, 11, "going");
    const d = rsvp(dave, 12, "going");
    const bobOff = rsvp(bob, 20, "declined", { on: week(2) });
    // One confirmation for the event seats every date that has none of its own.
    const { e, state } = reduce([series(), b, c, d, confirm(1, [b, c, d]), bobOff]);
    for (const n of [0, 1, 3])
      expect(line(e, n)).toEqual({
        going: [bob.pk, carol.pk],
        waitlist: [dave.pk],
        asking: [],
        seatsTaken: 2,
      });
    // Week 2: bob cannot come; dave, next in the event's order, takes his place that week.
    expect(line(e, 2)).toEqual({ going: [carol.pk, dave.pk], waitlist: [], asking: [], seatsTaken: 2 });

    const daves = eventView(state, e, dave.pk).occurrences;
    expect(daves.map((o) => o.myPlace)).toEqual(["waitlist", "waitlist", "confirmed", "waitlist"]);
    const bobs = eventView(state, e, bob.pk).occurrences;
    expect(bobs.map((o) => [o.myRsvp, o.myPlace])).toEqual([
      ["going", "confirmed"],
      ["going", "confirmed"],
      ["declined", null],
      ["going", "confirmed"],
    ]);
    expect(bobs[2]!.rsvps).toEqual({
      going: [carol.pk, dave.pk],
      maybe: [],
      declined: [bob.pk],
      waitlist: [],
      asking: [],
    });
    expect(bobs[2]!.seatsTaken).toBe(2);
  });

  test("a date's own going keeps the place the series answer was confirmed for", () => {
    const b = rsvp(bob, 10, "going");
    const c = rsvp(carol, 11, "going");
    const bobAgain = rsvp(bob, 20, "going", { on: week(1) });
    const { e } = reduce([series(), b, c, confirm(1, [b, c]), bobAgain]);
    expect(line(e, 1)).toEqual({ going: [bob.pk, carol.pk], waitlist: [], asking: [], seatsTaken: 2 });
    // Declined for the date, then going again: back of that date's line, asking.
    const bobOff = rsvp(bob, 21, "declined", { on: week(1) });
    const bobBack = rsvp(bob, 22, "going", { on: week(1) });
    const d = rsvp(dave, 12, "going");
    const { e: later } = reduce([series(), b, c, d, confirm(1, [b, c, d]), bobOff, bobBack]);
    expect(line(later, 1)).toEqual({
      going: [carol.pk, dave.pk],
      waitlist: [],
      asking: [bob.pk],
      seatsTaken: 2,
    });
    // The host confirms that date on its own: bob stands behind those confirmed before him.
    const { e: confirmed } = reduce([
      series(),
      b,
      c,
      d,
      confirm(1, [b, c, d]),
      bobOff,
      bobBack,
      confirm(1, [c, d, bobBack], week(1)),
    ]);
    expect(line(confirmed, 1)).toEqual({
      going: [carol.pk, dave.pk],
      waitlist: [bob.pk],
      asking: [],
      seatsTaken: 2,
    });
    expect(line(confirmed, 0)).toEqual({
      going: [bob.pk, carol.pk],
      waitlist: [dave.pk],
      asking: [],
      seatsTaken: 2,
    });
  });

  test("guests count on each date's line", () => {
    const b = rsvp(bob, 10, "going");
    const c = rsvp(carol, 11, "going");
    // Carol brings a friend on week 3 only: she no longer fits behind bob, and nobody overtakes.
    const cPlus = rsvp(carol, 20, "going", { guests: 1, on: week(3) });
    const d = rsvp(dave, 12, "going");
    const { e, state } = reduce([
      series(),
      b,
      c,
      d,
      confirm(1, [b, c, d]),
      cPlus,
      confirm(1, [b, d, cPlus], week(3)),
    ]);
    expect(line(e, 0)).toEqual({ going: [bob.pk, carol.pk], waitlist: [dave.pk], asking: [], seatsTaken: 2 });
    expect(line(e, 3)).toEqual({ going: [bob.pk, dave.pk], waitlist: [carol.pk], asking: [], seatsTaken: 2 });
    const o = eventView(state, e, carol.pk).occurrences[3]!;
    expect(o.guests).toEqual({ [carol.pk]: 1 });
    expect(o.myGuests).toBe(1);
    expect(o.myPlace).toBe("waitlist");
  });

  test("a confirmation for one date from someone who is not a host counts for nothing", () => {
    const b = rsvp(bob, 10, "going", { on: week(0) });
    const { e } = reduce([series(), b, confirm(1, [b], week(0), bob)]);
    expect(line(e, 0).asking).toEqual([bob.pk]);
  });

  test("without a capacity every going person has a place on each date", () => {
    const b = rsvp(bob, 10, "going");
    const c = rsvp(carol, 11, "going", { on: week(1) });
    const bobOff = rsvp(bob, 12, "maybe", { on: week(1) });
    const { e } = reduce([series(null), b, c, bobOff]);
    expect(line(e, 0)).toEqual({ going: [bob.pk], waitlist: [], asking: [], seatsTaken: 1 });
    expect(line(e, 1)).toEqual({ going: [carol.pk], waitlist: [], asking: [], seatsTaken: 1 });
  });
});
