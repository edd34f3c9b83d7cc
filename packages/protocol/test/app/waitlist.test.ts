import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  confirmedLine,
  entryHolds,
  type GoingParty,
  type Party,
  type PlaceEntry,
  seat,
  seatLine,
} from "../../src/app/index.ts";

const id = (n: number) => n.toString(16).padStart(64, "0");
/** A person whose run of "going" answers has these guests (oldest first). */
const going = (pubkey: string, guests: number[] = [0], since = 0, first = 1): GoingParty => ({
  pubkey,
  guests: guests[guests.length - 1]!,
  run: guests.map((g, i) => ({ id: id(first + i), guests: g })),
  since,
  sinceId: id(first),
});
const entry = (p: GoingParty, i = 0): PlaceEntry => ({
  pubkey: p.pubkey,
  answer: p.run[i]!.id,
  guests: p.run[i]!.guests,
});
const names = (list: Party[]) => list.map((p) => p.pubkey);
const line = (...parties: [string, number][]): Party[] =>
  parties.map(([pubkey, guests]) => ({ pubkey, guests }));

describe("seating a confirmed line", () => {
  test("no capacity: everyone is seated in line order", () => {
    const s = seatLine(line(["b", 0], ["a", 3]), null);
    expect(names(s.seated)).toEqual(["b", "a"]);
    expect(s.seatsTaken).toBe(5);
  });

  test("seats count guests; later parties wait in line order", () => {
    const s = seatLine(line(["a", 1], ["b", 0], ["c", 0], ["d", 0]), 3);
    expect(names(s.seated)).toEqual(["a", "b"]);
    expect(names(s.waitlist)).toEqual(["c", "d"]);
    expect(s.seatsTaken).toBe(3);
  });

  test("nobody overtakes: a small party behind a big one that does not fit waits too", () => {
    const s = seatLine(line(["a", 0], ["big", 2], ["small", 0]), 3);
    expect(names(s.seated)).toEqual(["a"]);
    expect(names(s.waitlist)).toEqual(["big", "small"]);
  });

  test("a party larger than the whole capacity waits without blocking", () => {
    const s = seatLine(line(["a", 0], ["huge", 10], ["b", 0]), 3);
    expect(names(s.seated)).toEqual(["a", "b"]);
    expect(names(s.waitlist)).toEqual(["huge"]);
  });
});

describe("the confirmed line", () => {
  test("order is the confirmation's, whatever the answers' times or ids say", () => {
    // carol answered "earlier" (backdated) and has the lower id: the host received bob's first.
    const bob = going("bob", [0], 100, 9);
    const carol = going("carol", [0], 1, 1);
    const s = seat([carol, bob], [entry(bob), entry(carol)], 1);
    expect(names(s.seated)).toEqual(["bob"]);
    expect(names(s.waitlist)).toEqual(["carol"]);
    expect(s.asking).toEqual([]);
  });

  test("going but not confirmed: asking, no seat, even with seats free", () => {
    const bob = going("bob");
    const carol = going("carol", [0], 0, 5);
    const s = seat([bob, carol], [entry(bob)], 10);
    expect(names(s.seated)).toEqual(["bob"]);
    expect(names(s.asking)).toEqual(["carol"]);
    expect(s.seatsTaken).toBe(1);
  });

  test("an entry holds only for an answer of the current going run, with its guests", () => {
    const bob = going("bob", [2]);
    expect(entryHolds(entry(bob), bob)).toBe(true);
    expect(entryHolds({ ...entry(bob), guests: 1 }, bob)).toBe(false); // not what bob asked
    expect(entryHolds({ ...entry(bob), answer: id(77) }, bob)).toBe(false); // an older run
    expect(entryHolds(entry(bob), undefined)).toBe(false); // no longer going
  });

  test("fewer guests keep the place; more, or growing back after shrinking, ask again", () => {
    const confirmed = going("bob", [2]);
    const e = entry(confirmed);
    expect(entryHolds(e, going("bob", [2, 1]))).toBe(true);
    expect(entryHolds(e, going("bob", [2, 3]))).toBe(false);
    // Shrinking to 0 freed seats that others took; growing back must not push them out.
    expect(entryHolds(e, going("bob", [2, 0, 2]))).toBe(false);
    expect(entryHolds(e, going("bob", [2, 0, 0]))).toBe(true);
    const { line: l, asking } = confirmedLine([going("bob", [2, 3])], [e]);
    expect(l).toEqual([]);
    expect(names(asking)).toEqual(["bob"]);
  });

  test("a person listed twice counts once, at the first place", () => {
    const bob = going("bob");
    const carol = going("carol", [0], 0, 5);
    const { line: l } = confirmedLine([bob, carol], [entry(bob), entry(carol), entry(bob)]);
    expect(names(l)).toEqual(["bob", "carol"]);
  });

  test("without capacity nobody asks: confirmed first, then the rest by when they started", () => {
    const a = going("a", [0], 5, 1);
    const b = going("b", [0], 3, 2);
    const c = going("c", [0], 4, 3);
    const s = seat([a, b, c], [entry(c)], null);
    expect(names(s.seated)).toEqual(["c", "b", "a"]);
    expect(s.asking).toEqual([]);
  });

  test("property: capacity holds; seated, waiting and asking partition the going; seats follow the line", () => {
    const party = fc.record({
      guests: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
      since: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(
        fc.array(party, { maxLength: 8 }),
        fc.array(fc.record({ who: fc.nat(), at: fc.nat(), guests: fc.integer({ min: 0, max: 3 }) }), {
          maxLength: 10,
        }),
        fc.option(fc.integer({ min: 1, max: 6 })),
        (specs, picks, capacity) => {
          const people = specs.map((s, i) => going(`p${i}`, s.guests, s.since, i * 10 + 1));
          const places: PlaceEntry[] = people.length
            ? picks.map((p) => {
                const who = people[p.who % people.length]!;
                const run = who.run[p.at % who.run.length]!;
                return { pubkey: who.pubkey, answer: run.id, guests: p.at % 2 ? p.guests : run.guests };
              })
            : [];
          const s = seat(people, places, capacity);
          if (capacity !== null) expect(s.seatsTaken).toBeLessThanOrEqual(capacity);
          const all = [...s.seated, ...s.waitlist, ...s.asking].map((p) => p.pubkey);
          expect([...all].sort()).toEqual(people.map((p) => p.pubkey).sort());
          // Every seated or waiting person holds a valid entry, and the line keeps the entries' order.
          const order = [...s.seated, ...s.waitlist].map((p) => p.pubkey);
          const firstValid = (pk: string) =>
            places.findIndex(
              (e) =>
                e.pubkey === pk &&
                entryHolds(
                  e,
                  people.find((x) => x.pubkey === pk),
                ),
            );
          if (capacity !== null) {
            for (const pk of order) expect(firstValid(pk)).toBeGreaterThanOrEqual(0);
            for (const p of s.asking) expect(firstValid(p.pubkey)).toBe(-1);
            const line = confirmedLine(people, places).line.map((p) => p.pubkey);
            expect(order.every((pk) => line.includes(pk))).toBe(true);
            expect(names(s.seated)).toEqual(line.filter((pk) => names(s.seated).includes(pk)));
          }
        },
      ),
    );
  });
});
