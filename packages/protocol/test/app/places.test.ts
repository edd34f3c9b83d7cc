/**
 * Fair places (issue 8 item 5): the confirmation rumor's codec, and the reducer seating by the
 * host's confirmation against what a hostile attendee might try — backdating, a forged
 * confirmation, a flood of answers, growing their party after being confirmed.
 */
import { describe, expect, test } from "vitest";
import {
  buildCalendarEvent,
  buildPlaces,
  buildRsvp,
  type GroupContext,
  KIND_PLACES,
  MAX_PLACES,
  makeRumor,
  nextPlaces,
  type PlaceEntry,
  parsePlaces,
  type RsvpStatus,
  type Rumor,
  reduceGroup,
  supersedes,
} from "../../src/app/index.ts";
import { alice, bob, carol, dave, erin, from, type Person } from "./people.ts";

const everyone = [alice, bob, carol, dave, erin].map((p) => p.pk);
const ctx: GroupContext = { admins: [alice.pk], members: everyone };
const hex = (n: number) => n.toString(16).padStart(64, "0");

// erin owns the event, with dave as co-host; alice is the group's admin.
const ev = (capacity: number | null = 1, t = 1) =>
  buildCalendarEvent({
    pubkey: erin.pk,
    createdAt: t,
    d: "ev",
    title: "Workshop",
    time: { allDay: false, start: 2_000_000_000, end: null, tz: null, endTz: null },
    capacity,
    hosts: [dave.pk],
  });
const rsvp = (p: Person, t: number, status: RsvpStatus = "going", guests = 0) =>
  buildRsvp({ pubkey: p.pk, createdAt: t, event: { kind: 31923, owner: erin.pk, d: "ev" }, status, guests });
const place = (answer: Rumor): PlaceEntry => {
  const guests = answer.tags.find((t) => t[0] === "rally_guests")?.[1];
  return { pubkey: answer.pubkey, answer: answer.id, guests: guests === undefined ? 0 : Number(guests) };
};
const confirm = (by: Person, seq: number, answers: Rumor[], t = 500) =>
  buildPlaces({
    pubkey: by.pk,
    createdAt: t,
    event: { kind: 31923, owner: erin.pk, d: "ev" },
    seq,
    places: answers.map(place),
  });
const reduce = (rumors: Rumor[], context = ctx) =>
  reduceGroup(
    rumors.map((r) => from(r, 0)),
    context,
  ).events[0]!;

describe("the confirmation rumor", () => {
  test("round trip; the line keeps its order", () => {
    const a = rsvp(bob, 10);
    const b = rsvp(carol, 10, "going", 2);
    const r = confirm(erin, 3, [b, a]);
    expect(r.kind).toBe(KIND_PLACES);
    expect(parsePlaces(r)).toEqual({
      ok: true,
      value: { owner: erin.pk, d: "ev", seq: 3, places: [place(b), place(a)], occurrence: null },
    });
  });

  test("refuses a person listed twice, non-canonical numbers, bad guests, missing parts", () => {
    const a = rsvp(bob, 10);
    expect(() => confirm(erin, 1, [a, a])).toThrow(/twice/);
    expect(() => confirm(erin, 0, [a])).toThrow(/at least 1/);
    const raw = (tags: string[][]) =>
      parsePlaces(makeRumor({ pubkey: erin.pk, createdAt: 1, kind: KIND_PLACES, tags, content: "" }));
    const at = ["a", `31923:${erin.pk}:ev`];
    const p = (...rest: string[]) => ["rally_place", bob.pk, a.id, ...rest];
    expect(raw([at, ["rally_seq", "1"], p("0")]).ok).toBe(true);
    expect(raw([at, ["rally_seq", "01"], p("0")]).ok).toBe(false);
    expect(raw([at, ["rally_seq", "-1"], p("0")]).ok).toBe(false);
    expect(raw([at, p("0")]).ok).toBe(false);
    expect(raw([["rally_seq", "1"], p("0")]).ok).toBe(false);
    expect(raw([at, ["rally_seq", "1"], p("01")]).ok).toBe(false);
    expect(raw([at, ["rally_seq", "1"], p("100")]).ok).toBe(true);
    expect(raw([at, ["rally_seq", "1"], p("101")]).ok).toBe(false);
    expect(raw([at, ["rally_seq", "1"], p()]).ok).toBe(false);
    expect(raw([at, ["rally_seq", "1"], ["rally_place", "bob", a.id, "0"]]).ok).toBe(false);
    expect(raw([at, ["rally_seq", "1"], p("0"), p("1")]).ok).toBe(false);
  });

  test(`at most ${MAX_PLACES} people: n-1 and n pass, n+1 is refused`, () => {
    const entries = (n: number) =>
      Array.from({ length: n }, (_, i) => ["rally_place", hex(i + 1), hex(1), "0"]);
    const raw = (n: number) =>
      makeRumor({
        pubkey: erin.pk,
        createdAt: 1,
        kind: KIND_PLACES,
        tags: [["a", `31923:${erin.pk}:ev`], ["rally_seq", "1"], ...entries(n)],
        content: "",
      });
    expect(parsePlaces(raw(MAX_PLACES - 1)).ok).toBe(true);
    expect(parsePlaces(raw(MAX_PLACES)).ok).toBe(true);
    expect(parsePlaces(raw(MAX_PLACES + 1)).ok).toBe(false);
  });

  test("the higher number is in force, ties go to the lowest id", () => {
    expect(supersedes({ seq: 2, id: hex(9) }, { seq: 1, id: hex(1) })).toBe(true);
    expect(supersedes({ seq: 1, id: hex(1) }, { seq: 1, id: hex(9) })).toBe(true);
    expect(supersedes({ seq: 1, id: hex(9) }, { seq: 1, id: hex(1) })).toBe(false);
  });

  test("nextPlaces keeps what holds in order, drops the rest, appends arrivals; nothing new: null", () => {
    const [a, b, c] = [rsvp(bob, 1), rsvp(carol, 2), rsvp(alice, 3)].map(place) as [
      PlaceEntry,
      PlaceEntry,
      PlaceEntry,
    ];
    expect(nextPlaces({ inForce: [a, b], holding: [bob.pk], arrivals: [c] })).toEqual([a, c]);
    expect(nextPlaces({ inForce: [a, b], holding: [bob.pk, carol.pk], arrivals: [] })).toBeNull();
    expect(nextPlaces({ inForce: [a], holding: [bob.pk], arrivals: [a] })).toBeNull();
  });
});

describe("seating by the host's confirmation", () => {
  test("same second, one place: the one the host's device received first gets it, whatever the ids", () => {
    const first = rsvp(bob, 100);
    const second = rsvp(carol, 100);
    // Before any confirmation both are asking; nobody holds the place.
    expect(reduce([ev(), first, second])).toMatchObject({ going: [], asking: [bob.pk, carol.pk].sort() });
    for (const [received, other] of [
      [first, second],
      [second, first],
    ] as const) {
      const e = reduce([ev(), first, second, confirm(erin, 1, [received, other])]);
      expect(e.going).toEqual([received.pubkey]);
      expect(e.waitlist).toEqual([other.pubkey]);
      expect(e.asking).toEqual([]);
    }
  });

  test("a backdated answer does not jump the queue", () => {
    const bobAnswer = rsvp(bob, 100);
    const c1 = confirm(erin, 1, [bobAnswer]);
    const backdated = rsvp(carol, 1); // claims to be 99 seconds earlier
    expect(reduce([ev(), bobAnswer, c1, backdated])).toMatchObject({ going: [bob.pk], asking: [carol.pk] });
    const c2 = confirm(erin, 2, [bobAnswer, backdated], 600);
    expect(reduce([ev(), bobAnswer, c1, backdated, c2])).toMatchObject({
      going: [bob.pk],
      waitlist: [carol.pk],
    });
  });

  test("a confirmation from someone who is neither host nor admin is ignored, whatever its number", () => {
    const bobAnswer = rsvp(bob, 100);
    const carolAnswer = rsvp(carol, 101);
    const honest = confirm(erin, 1, [bobAnswer, carolAnswer]);
    const forged = confirm(carol, 99, [carolAnswer, bobAnswer]);
    const s = reduceGroup(
      [ev(), bobAnswer, carolAnswer, honest, forged].map((r) => from(r, 0)),
      ctx,
    );
    expect(s.events[0]).toMatchObject({ going: [bob.pk], waitlist: [carol.pk] });
    expect(s.events[0]!.places?.id).toBe(honest.id);
    expect(s.ignored).toContainEqual({
      id: forged.id,
      kind: KIND_PLACES,
      sender: carol.pk,
      reason: "only the event's hosts or a group admin may confirm places",
    });
  });

  test("co-hosts and admins of the carrying epoch confirm; a co-host who left and a demoted admin do not", () => {
    const bobAnswer = rsvp(bob, 100);
    const carolAnswer = rsvp(carol, 101);
    const byCohost = confirm(dave, 2, [carolAnswer, bobAnswer]);
    const byOwner = confirm(erin, 1, [bobAnswer, carolAnswer]);
    expect(reduce([ev(), bobAnswer, carolAnswer, byOwner, byCohost]).going).toEqual([carol.pk]);
    const daveLeft: GroupContext = { admins: [alice.pk], members: everyone.filter((p) => p !== dave.pk) };
    expect(reduce([ev(), bobAnswer, carolAnswer, byOwner, byCohost], daveLeft).going).toEqual([bob.pk]);
    // bob was an admin in epoch 0 only.
    const epochs: GroupContext = {
      admins: [alice.pk],
      adminsByEpoch: new Map([
        [0, [alice.pk, bob.pk]],
        [1, [alice.pk]],
      ]),
      members: everyone,
    };
    const byAdmin = confirm(bob, 3, [bobAnswer, carolAnswer]);
    const entries = (epoch: number) => [
      ...[ev(), bobAnswer, carolAnswer, byCohost].map((r) => from(r, 0)),
      from(byAdmin, epoch),
    ];
    expect(reduceGroup(entries(0), epochs).events[0]!.going).toEqual([bob.pk]);
    expect(reduceGroup(entries(1), epochs).events[0]!.going).toEqual([carol.pk]);
  });

  test("a decline releases the place to the next in confirmed order; coming back goes to the back", () => {
    const a = rsvp(bob, 100);
    const b = rsvp(carol, 101);
    const c = rsvp(alice, 102);
    const line = confirm(erin, 1, [a, b, c]);
    expect(reduce([ev(), a, b, c, line])).toMatchObject({ going: [bob.pk], waitlist: [carol.pk, alice.pk] });
    const bobOut = rsvp(bob, 200, "declined");
    expect(reduce([ev(), a, b, c, line, bobOut])).toMatchObject({
      going: [carol.pk],
      waitlist: [alice.pk],
      declined: [bob.pk],
    });
    // "maybe" releases too.
    expect(reduce([ev(), a, b, c, line, rsvp(bob, 200, "maybe")]).going).toEqual([carol.pk]);
    // bob says going again: his old confirmation is for an answer before his decline.
    const bobBack = rsvp(bob, 300);
    expect(reduce([ev(), a, b, c, line, bobOut, bobBack])).toMatchObject({
      going: [carol.pk],
      waitlist: [alice.pk],
      asking: [bob.pk],
    });
  });

  test("a flood of answers gains nothing: each change of mind goes to the back", () => {
    const bobAnswer = rsvp(bob, 100);
    const carolFirst = rsvp(carol, 101);
    const line = confirm(erin, 1, [bobAnswer, carolFirst]);
    const flood: Rumor[] = [];
    for (let i = 0; i < 50; i++) flood.push(rsvp(carol, 200 + i, i % 2 ? "maybe" : "going"));
    const last = rsvp(carol, 1000);
    const e = reduce([ev(2), bobAnswer, carolFirst, line, ...flood, last]);
    expect(e).toMatchObject({ going: [bob.pk], asking: [carol.pk] });
  });

  test("growing one's party after being confirmed asks again; shrinking keeps the place", () => {
    const bobAnswer = rsvp(bob, 100);
    const carolAnswer = rsvp(carol, 101);
    const line = confirm(erin, 1, [bobAnswer, carolAnswer]);
    expect(reduce([ev(2), bobAnswer, carolAnswer, line])).toMatchObject({ going: [bob.pk, carol.pk] });
    const bobGrows = rsvp(bob, 200, "going", 1);
    expect(reduce([ev(2), bobAnswer, carolAnswer, line, bobGrows])).toMatchObject({
      going: [carol.pk],
      asking: [bob.pk],
      seatsTaken: 1,
    });
    const withGuests = rsvp(bob, 100, "going", 2);
    const line2 = confirm(erin, 1, [withGuests, carolAnswer]);
    const shrink = rsvp(bob, 200, "going", 0);
    expect(reduce([ev(4), withGuests, carolAnswer, line2, shrink])).toMatchObject({
      going: [bob.pk, carol.pk],
      seatsTaken: 2,
    });
    // ... and growing back to the confirmed size after the seats were given away asks again.
    const regrow = rsvp(bob, 300, "going", 2);
    expect(reduce([ev(4), withGuests, carolAnswer, line2, shrink, regrow])).toMatchObject({
      going: [carol.pk],
      asking: [bob.pk],
    });
  });

  test("an entry whose answer has not arrived yet waits for it", () => {
    const bobAnswer = rsvp(bob, 100);
    const line = confirm(erin, 1, [bobAnswer]);
    expect(reduce([ev(), line])).toMatchObject({ going: [], asking: [] });
    expect(reduce([ev(), line, bobAnswer])).toMatchObject({ going: [bob.pk] });
  });

  test("two host devices: a tie is settled by id, then extended by the other", () => {
    const a = rsvp(bob, 100);
    const b = rsvp(carol, 100);
    const byErin = confirm(erin, 1, [a]);
    const byDave = confirm(dave, 1, [b]);
    const winner = byErin.id < byDave.id ? byErin : byDave;
    const loser = winner === byErin ? byDave : byErin;
    const e = reduce([ev(1), a, b, byErin, byDave]);
    expect(e.places?.id).toBe(winner.id);
    // The loser's device takes the winner's list as its start and adds what it had.
    const ext = nextPlaces({
      inForce: e.places!.entries,
      holding: [...e.going, ...e.waitlist],
      arrivals: parsePlacesOk(loser),
    })!;
    const next = buildPlaces({
      pubkey: loser.pubkey,
      createdAt: 600,
      event: { kind: 31923, owner: erin.pk, d: "ev" },
      seq: 2,
      places: ext,
    });
    const after = reduce([ev(1), a, b, byErin, byDave, next]);
    expect([...after.going, ...after.waitlist]).toEqual(ext.map((x) => x.pubkey));
    expect(after.asking).toEqual([]);
  });

  test("without capacity there is no asking: everyone going has a place", () => {
    const e = reduce([ev(null), rsvp(bob, 100), rsvp(carol, 100)]);
    expect(e.asking).toEqual([]);
    expect([...e.going].sort()).toEqual([bob.pk, carol.pk].sort());
  });
});

function parsePlacesOk(r: Rumor): PlaceEntry[] {
  const p = parsePlaces(r);
  if (!p.ok) throw new Error(p.error);
  return p.value.places;
}
