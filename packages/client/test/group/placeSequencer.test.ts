/**
 * The sequencer's pure parts (docs/PROTOCOL.md "Fair places"): which device confirms, how a pass
 * extends the confirmation in force in receipt order, what it sends for hosts-only events, and how a
 * person's own place changes are recorded as "gained" or "lost".
 */
import {
  buildCalendarEvent,
  buildRsvp,
  type CalendarEventState,
  KIND_PLACES,
  KIND_SEALED,
  parsePlaces,
  type Rumor,
  reduceGroup,
  unsealRumor,
} from "@rally/protocol/app";
import { getPublicKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import {
  confirmationsToSend,
  nextPlaceRecord,
  OCCURRENCE_WINDOW,
  occurrenceConfirmationsToSend,
  placeChangeOf,
  sequencesFor,
  shuffled,
} from "../../src/group/placeSequencer.ts";

const key = (n: number) => new Uint8Array(32).fill(n);
const who = (n: number) => ({ sk: key(n), pk: getPublicKey(key(n)) });
const host = who(1);
const cohost = who(2);
const bob = who(3);
const carol = who(4);
const admin = who(5);
const everyone = [host, cohost, bob, carol, admin].map((p) => p.pk);
const rec = { members: everyone, admins: [admin.pk] };

const event = (extra: { capacity?: number | null; hostsOnlyRsvps?: boolean } = {}) =>
  buildCalendarEvent({
    pubkey: host.pk,
    createdAt: 1,
    d: "ev",
    title: "Assembly",
    time: { allDay: false, start: 2_000_000_000, end: null, tz: null, endTz: null },
    capacity: extra.capacity === undefined ? 1 : extra.capacity,
    hostsOnlyRsvps: extra.hostsOnlyRsvps ?? false,
    hosts: [cohost.pk],
  });
const going = (p: { pk: string }, t: number) =>
  buildRsvp({ pubkey: p.pk, createdAt: t, event: { kind: 31923, owner: host.pk, d: "ev" }, status: "going" });
const stateOf = (rumors: Rumor[]): CalendarEventState =>
  reduceGroup(
    rumors.map((r) => ({ rumor: r, sender: r.pubkey, epoch: 0 })),
    { admins: [admin.pk], members: everyone },
  ).events[0]!;

describe("who confirms places", () => {
  it("hosts who are members; admins only when no host is a member any more", () => {
    const e = stateOf([event()]);
    expect(sequencesFor(e, host.pk, rec)).toBe(true);
    expect(sequencesFor(e, cohost.pk, rec)).toBe(true);
    expect(sequencesFor(e, admin.pk, rec)).toBe(false);
    expect(sequencesFor(e, bob.pk, rec)).toBe(false);
    const hostsGone = { members: [bob.pk, carol.pk, admin.pk], admins: [admin.pk] };
    expect(sequencesFor(e, admin.pk, hostsGone)).toBe(true);
    expect(sequencesFor(e, bob.pk, hostsGone)).toBe(false);
  });
});

describe("a sequencer pass", () => {
  const fixed = (n: number) => new Uint32Array(Math.max(1, n)); // a fixed draw

  it("appends the people asking after those already confirmed, under the next number", () => {
    const a = going(bob, 100);
    const first = confirmationsToSend({
      events: [stateOf([event(), a])],
      me: host.pk,
      rec,
      now: 200,
      secretKey: null,
      random: fixed,
    });
    expect(first).toHaveLength(1);
    expect(first[0]!.kind).toBe(KIND_PLACES);
    const b = going(carol, 50); // backdated, arrives later
    const e = stateOf([event(), a, first[0]!, b]);
    expect(e.asking).toEqual([carol.pk]);
    const [second] = confirmationsToSend({
      events: [e],
      me: cohost.pk,
      rec,
      now: 300,
      secretKey: null,
      random: fixed,
    });
    const parsed = parsePlaces(second!);
    expect(parsed.ok && parsed.value.seq).toBe(2);
    expect(parsed.ok && parsed.value.places.map((p) => p.pubkey)).toEqual([bob.pk, carol.pk]);
    const after = stateOf([event(), a, first[0]!, b, second!]);
    expect(after).toMatchObject({ going: [bob.pk], waitlist: [carol.pk], asking: [] });
    // Nothing new: nothing to send.
    expect(confirmationsToSend({ events: [after], me: host.pk, rec, now: 400, secretKey: null })).toEqual([]);
  });

  it("sends nothing for events without capacity, cancelled ones, or from members who do not sequence", () => {
    const a = going(bob, 100);
    expect(
      confirmationsToSend({
        events: [stateOf([event({ capacity: null }), a])],
        me: host.pk,
        rec,
        now: 1,
        secretKey: null,
      }),
    ).toEqual([]);
    expect(
      confirmationsToSend({ events: [stateOf([event(), a])], me: carol.pk, rec, now: 1, secretKey: null }),
    ).toEqual([]);
  });

  it("hosts-only events: the confirmation goes sealed to the hosts", () => {
    const ev = event({ hostsOnlyRsvps: true });
    const a = going(bob, 100);
    const [sealed] = confirmationsToSend({
      events: [stateOf([ev, a])],
      me: host.pk,
      rec,
      now: 200,
      secretKey: host.sk,
    });
    expect(sealed!.kind).toBe(KIND_SEALED);
    const opened = unsealRumor(sealed!, cohost.sk);
    expect(opened.ok && opened.value.kind).toBe(KIND_PLACES);
    expect(unsealRumor(sealed!, carol.sk).ok).toBe(false);
  });

  it("people who arrived together are put in an order this device draws", () => {
    const list = ["a", "b", "c", "d"];
    expect(shuffled(list, () => new Uint32Array([0, 0, 0, 0]))).toEqual(["b", "c", "d", "a"]);
    expect([...shuffled(list)].sort()).toEqual(list);
  });
});

describe("a pass over the dates of a repeating event", () => {
  const WEEK = 7 * 86400;
  const T0 = 2_000_000_000;
  const weekly = buildCalendarEvent({
    pubkey: host.pk,
    createdAt: 1,
    d: "ev",
    title: "Assembly",
    time: { allDay: false, start: T0, end: null, tz: null, endTz: null },
    capacity: 1,
    hosts: [cohost.pk],
    repeat: { rule: "FREQ=WEEKLY;COUNT=30", exdates: [], moved: [] },
  });
  const on = (p: { pk: string }, t: number, week: number) =>
    buildRsvp({
      pubkey: p.pk,
      createdAt: t,
      event: { kind: 31923, owner: host.pk, d: "ev" },
      status: "going",
      occurrence: T0 + week * WEEK,
    });
  const pass = (rumors: Rumor[], now = T0 - 86400) =>
    occurrenceConfirmationsToSend({
      events: [stateOf([weekly, ...rumors])],
      me: host.pk,
      rec,
      now,
      secretKey: null,
    });

  it("series answers need no confirmation per date", () => {
    const a = going(bob, 100);
    const [series] = confirmationsToSend({
      events: [stateOf([weekly, a])],
      me: host.pk,
      rec,
      now: 200,
      secretKey: null,
    });
    expect(pass([a, series!])).toEqual([]);
  });

  it("confirms only the shown dates whose own line has someone asking", () => {
    const answers = [on(bob, 100, 2), on(carol, 101, 9), on(carol, 102, OCCURRENCE_WINDOW + 3)];
    const sent = pass(answers).map((r) => parsePlaces(r));
    expect(
      sent.map((p) => p.ok && [p.value.occurrence, p.value.seq, p.value.places.map((x) => x.pubkey)]),
    ).toEqual([
      [String(T0 + 2 * WEEK), 1, [bob.pk]],
      [String(T0 + 9 * WEEK), 1, [carol.pk]],
    ]);
    // Once applied, nothing is asking: nothing more to send.
    expect(pass([...answers, ...pass(answers)])).toEqual([]);
    // Weeks later the far date comes into the window, and gets its own.
    const later = pass([...answers, ...pass(answers)], T0 + 5 * WEEK).map((r) => parsePlaces(r));
    expect(later.map((p) => p.ok && p.value.occurrence)).toEqual([
      String(T0 + (OCCURRENCE_WINDOW + 3) * WEEK),
    ]);
  });
});

describe("telling a person their place changed", () => {
  const at = (place: "confirmed" | "asking" | "waitlist" | null, answer = "x", limited = true) => ({
    place,
    answer,
    going: place !== null,
    limited,
  });

  it("asking, then confirmed by a host: gained; then pushed back: lost", () => {
    let r = nextPlaceRecord(undefined, at("asking"));
    expect(r.change).toBeNull();
    r = nextPlaceRecord(r, at("confirmed"));
    expect(r.change).toBe("gained");
    expect(placeChangeOf(r, "confirmed")).toBe("gained");
    r = nextPlaceRecord(r, at("confirmed"));
    expect(r.change).toBe("gained"); // it stays while the place holds
    r = nextPlaceRecord(r, at("waitlist"));
    expect(r.change).toBe("lost");
    expect(placeChangeOf(r, "confirmed")).toBeNull(); // stale once the place changed again
  });

  it("a new answer of one's own starts from asking; confirmed before the next look is still gained", () => {
    const r = nextPlaceRecord({ place: null, answer: "old", change: null }, at("confirmed", "new"));
    expect(r.change).toBe("gained");
    const declined = nextPlaceRecord(r, { place: null, answer: "later", going: false, limited: true });
    expect(declined.change).toBeNull();
  });

  it("no capacity: nothing to tell", () => {
    expect(nextPlaceRecord(undefined, at("confirmed", "x", false)).change).toBeNull();
  });
});
