/**
 * Order independence of the group reducer (DESIGN.md "Group application state"): whatever order
 * the rumors arrive in and however often, every member computes the same state. Random group
 * histories mix chat, reactions, deletions, event edits by owners, admins and others, cancellations,
 * RSVP changes at capacity with guests, sealed answers, polls and votes, with admin changes between
 * epochs and a member removed part-way.
 */

import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  buildCalendarEvent,
  buildChatMessage,
  buildDeletion,
  buildPlaces,
  buildPoll,
  buildPollResponse,
  buildReaction,
  buildRsvp,
  effectiveCreatedAt,
  type GroupAppState,
  type GroupContext,
  MAX_CLOCK_SKEW,
  parsePlaces,
  parseRsvp,
  type Rumor,
  type RumorEntry,
  reduceGroup,
  sealRumor,
  seatLine,
  withUnsealed,
} from "../../src/app/index.ts";
import { alice, bob, carol, dave, erin } from "./people.ts";

const people = [alice, bob, carol, dave, erin];
const context: GroupContext = {
  admins: [alice.pk],
  // bob was an admin in epochs 0 and 1 and lost it in epoch 2.
  adminsByEpoch: new Map([
    [0, [alice.pk, bob.pk]],
    [1, [alice.pk, bob.pk]],
    [2, [alice.pk]],
  ]),
  members: [alice.pk, bob.pk, carol.pk, erin.pk],
  removedAt: { [dave.pk]: 60 },
};

const who = fc.integer({ min: 0, max: people.length - 1 });
const time = fc.integer({ min: 0, max: 80 });
const epoch = fc.integer({ min: 0, max: 2 });
const pick = fc.nat();
// Events are owned by alice or bob so that answers and edits often meet the same event.
const owner = fc.integer({ min: 0, max: 1 });

const op = fc.oneof(
  fc.record({
    t: fc.constant("chat" as const),
    by: who,
    at: time,
    epoch,
    reply: fc.option(pick),
    text: fc.constantFrom("hi", "ok", "no"),
  }),
  fc.record({
    t: fc.constant("react" as const),
    by: who,
    at: time,
    epoch,
    target: pick,
    emoji: fc.constantFrom("👍", "✊", "+"),
  }),
  fc.record({ t: fc.constant("delete" as const), by: who, at: time, epoch, target: pick }),
  fc.record({
    t: fc.constant("event" as const),
    by: who,
    at: time,
    epoch,
    owner,
    d: fc.constantFrom("a", "b"),
    title: fc.constantFrom("Picnic", "Rally", "Meeting"),
    capacity: fc.constantFrom(null, 1, 2, 3),
    cancelled: fc.boolean(),
    hostsOnly: fc.boolean(),
  }),
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("rsvp" as const),
      by: who,
      at: time,
      epoch,
      owner,
      d: fc.constantFrom("a", "b"),
      status: fc.constantFrom("going" as const, "going" as const, "maybe" as const, "declined" as const),
      guests: fc.integer({ min: 0, max: 2 }),
      sealed: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: pick }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("places" as const),
      by: who,
      at: time,
      epoch,
      owner,
      d: fc.constantFrom("a", "b"),
      seq: fc.integer({ min: 1, max: 4 }),
      picks: fc.array(fc.record({ i: pick, tamper: fc.boolean() }), { maxLength: 6 }),
    }),
  },
  fc.record({
    t: fc.constant("poll" as const),
    by: who,
    at: time,
    epoch,
    multiple: fc.boolean(),
    endsAt: fc.constantFrom(null, 50),
  }),
  fc.record({
    t: fc.constant("vote" as const),
    by: who,
    at: time,
    epoch,
    poll: pick,
    choices: fc.subarray(["0", "1", "2", "7"]),
  }),
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** Every history opens with both owners creating their events, so that answers have targets. */
const opening = fc
  .tuple(fc.constantFrom(null, 1, 2, 3), fc.constantFrom(null, 1, 2, 3))
  .map(([capA, capB]): Op[] => [
    {
      t: "event" as const,
      by: 0,
      at: 0,
      epoch: 0,
      owner: 0,
      d: "a",
      title: "Picnic",
      capacity: capA,
      cancelled: false,
      hostsOnly: false,
    },
    {
      t: "event" as const,
      by: 1,
      at: 0,
      epoch: 0,
      owner: 1,
      d: "b",
      title: "Rally",
      capacity: capB,
      cancelled: false,
      hostsOnly: true,
    },
  ]);
const ops = fc
  .tuple(opening, fc.array(op, { minLength: 5, maxLength: 40, size: "max" }))
  .map(([first, rest]) => [...first, ...rest]);

// Sealing costs three ECDHs, so sealed answers come from a pool made once: answers from four
// members to both events, going with a guest or declining, at spread-out times.
const sealedPool: { rumor: Rumor; inner: Rumor; by: (typeof people)[number] }[] = [];
for (const [i, by] of [bob, carol, dave, erin].entries()) {
  for (const [j, [owner, d]] of (
    [
      [alice, "a"],
      [bob, "b"],
    ] as const
  ).entries()) {
    for (const [k, status] of (["going", "declined"] as const).entries()) {
      const createdAt = 5 + i * 17 + j * 7 + k * 29;
      const inner = buildRsvp({
        pubkey: by.pk,
        createdAt,
        event: { kind: 31923, owner: owner.pk, d },
        status,
        guests: status === "going" ? 1 : 0,
      });
      const rumor = sealRumor({
        inner,
        senderSecretKey: by.sk,
        recipients: [owner.pk, erin.pk],
        createdAt,
        address: `31923:${owner.pk}:${d}`,
      });
      sealedPool.push({ rumor, inner, by });
    }
  }
}

/** What withUnsealed gives a host of both events (erin): each pooled seal followed by its answer. */
function opened(entries: RumorEntry[]): RumorEntry[] {
  return entries.flatMap((e) => {
    const pooled = sealedPool.find((p) => p.rumor.id === e.rumor.id);
    return pooled ? [e, { ...e, rumor: pooled.inner }] : [e];
  });
}

/** Turns generated operations into the entries a member would receive. */
function history(ops: Op[]): RumorEntry[] {
  const entries: RumorEntry[] = [];
  const chats: Rumor[] = [];
  const polls: Rumor[] = [];
  const all: Rumor[] = [];
  const answers: Rumor[] = [];
  for (const o of ops) {
    const p = people[o.by]!;
    let rumor: Rumor | null = null;
    switch (o.t) {
      case "chat": {
        const parent = o.reply === null || chats.length === 0 ? null : chats[o.reply % chats.length]!;
        rumor = buildChatMessage({ pubkey: p.pk, createdAt: o.at, text: o.text, replyTo: parent });
        chats.push(rumor);
        break;
      }
      case "react":
        if (chats.length === 0) continue;
        rumor = buildReaction({
          pubkey: p.pk,
          createdAt: o.at,
          target: chats[o.target % chats.length]!,
          emoji: o.emoji,
        });
        break;
      case "delete":
        if (all.length === 0) continue;
        rumor = buildDeletion({
          pubkey: p.pk,
          createdAt: o.at,
          targets: [{ id: all[o.target % all.length]!.id }],
        });
        break;
      case "event":
        rumor = buildCalendarEvent({
          pubkey: p.pk,
          createdAt: o.at,
          owner: people[o.owner]!.pk,
          d: o.d,
          title: o.title,
          time: { allDay: false, start: 2_000_000_000, end: null, tz: null, endTz: null },
          capacity: o.capacity,
          cancelled: o.cancelled,
          hostsOnlyRsvps: o.hostsOnly,
          hosts: [erin.pk],
        });
        break;
      case "rsvp": {
        const owner = people[o.owner]!;
        const answer = buildRsvp({
          pubkey: p.pk,
          createdAt: o.at,
          event: { kind: 31923, owner: owner.pk, d: o.d },
          status: o.status,
          guests: o.status === "going" ? o.guests : 0,
        });
        if (o.sealed !== null) {
          const pooled = sealedPool[o.sealed % sealedPool.length]!;
          all.push(pooled.rumor);
          entries.push({ rumor: pooled.rumor, sender: pooled.by.pk, epoch: o.epoch });
          continue;
        }
        rumor = answer;
        answers.push(answer);
        break;
      }
      case "places": {
        // A confirmation by anyone (hosts, admins, or an attendee forging one), naming answers
        // to that event, sometimes with guests the answer did not ask for.
        const address = `31923:${people[o.owner]!.pk}:${o.d}`;
        const candidates = answers.filter((a) => a.tags.some((t) => t[0] === "a" && t[1] === address));
        const listed = new Map<string, { pubkey: string; answer: string; guests: number }>();
        for (const pickOne of candidates.length ? o.picks : []) {
          const a = candidates[pickOne.i % candidates.length]!;
          const g = Number(a.tags.find((t) => t[0] === "rally_guests")?.[1] ?? 0);
          if (!listed.has(a.pubkey))
            listed.set(a.pubkey, { pubkey: a.pubkey, answer: a.id, guests: pickOne.tamper ? g + 1 : g });
        }
        rumor = buildPlaces({
          pubkey: p.pk,
          createdAt: o.at,
          event: { kind: 31923, owner: people[o.owner]!.pk, d: o.d },
          seq: o.seq,
          places: [...listed.values()],
        });
        break;
      }
      case "poll":
        rumor = buildPoll({
          pubkey: p.pk,
          createdAt: o.at,
          question: "Q?",
          options: ["x", "y", "z"],
          multiple: o.multiple,
          endsAt: o.endsAt,
        });
        polls.push(rumor);
        break;
      case "vote":
        if (polls.length === 0) continue;
        rumor = buildPollResponse({
          pubkey: p.pk,
          createdAt: o.at,
          poll: polls[o.poll % polls.length]!.id,
          choices: o.choices,
        });
        break;
    }
    all.push(rumor);
    entries.push({ rumor, sender: p.pk, epoch: o.epoch });
  }
  return entries;
}

/**
 * Shuffles by random keys and repeats some entries, some of them re-sent in a later epoch (a retry
 * cannot travel in an epoch before the one it was first sent in).
 */
const deliveries = (n: number) =>
  fc.record({
    keys: fc.array(fc.double({ noNaN: true }), { minLength: n, maxLength: n }),
    dupes: fc.array(fc.record({ i: fc.nat(), epoch: fc.constantFrom(null, 1, 2) }), {
      minLength: 2,
      maxLength: 20,
    }),
  });

function redeliver(
  entries: RumorEntry[],
  d: { keys: number[]; dupes: { i: number; epoch: number | null }[] },
): RumorEntry[] {
  const out = entries.map((e, i) => ({ e, k: d.keys[i] ?? 0 }));
  if (entries.length > 0) {
    for (const dup of d.dupes) {
      const e = entries[dup.i % entries.length]!;
      const later = dup.epoch === null ? e : { ...e, epoch: Math.max(e.epoch ?? 0, dup.epoch) };
      out.push({ e: later, k: dup.i / 7 });
    }
  }
  return out.sort((a, b) => a.k - b.k).map((x) => x.e);
}

/**
 * An independent model of seating: a forward fold over each person's answers in time order, then
 * the line of the confirmation in force (highest number, lowest id, by the owner, the co-host erin
 * or an admin of the carrying epoch), then seats in that order.
 */
function modelSeating(state: GroupAppState, entries: RumorEntry[]) {
  const accepted = new Map<string, Rumor>();
  const confirmations = new Map<string, RumorEntry>();
  for (const e of entries) {
    const r = e.rumor;
    if (r.kind === 1926 && r.pubkey === e.sender) {
      const held = confirmations.get(r.id);
      if (held === undefined || (e.epoch ?? 9) < (held.epoch ?? 9)) confirmations.set(r.id, e);
    }
    if (r.kind !== 31925 || r.pubkey !== e.sender || r.pubkey === dave.pk) continue;
    accepted.set(r.id, r);
  }
  // Oldest first; on equal created_at the lowest id is the newer answer (newest wins, ties lowest id).
  const sorted = [...accepted.values()].sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? 1 : -1));
  return state.events.map((ev) => {
    const people = new Map<
      string,
      { status: string; guests: number; since: number; run: { id: string; guests: number }[] }
    >();
    for (const r of sorted) {
      const p = parseRsvp(r);
      if (!p.ok || p.value.owner !== ev.owner || p.value.d !== ev.d) continue;
      const prev = people.get(r.pubkey);
      const stillGoing = prev?.status === "going" && p.value.status === "going";
      const run = stillGoing ? prev.run : [];
      people.set(r.pubkey, {
        status: p.value.status,
        guests: p.value.guests,
        since: stillGoing ? prev.since : r.created_at,
        run: [...run, { id: r.id, guests: p.value.guests }],
      });
    }
    let inForce: {
      seq: number;
      id: string;
      places: { pubkey: string; answer: string; guests: number }[];
    } | null = null;
    for (const c of confirmations.values()) {
      const p = parsePlaces(c.rumor);
      if (!p.ok || p.value.owner !== ev.owner || p.value.d !== ev.d) continue;
      const author = c.rumor.pubkey;
      const admins = (context.adminsByEpoch as Map<number, string[]>).get(c.epoch!) ?? [];
      if (!(author === ev.owner || author === erin.pk || admins.includes(author))) continue;
      const mine = { seq: p.value.seq, id: c.rumor.id, places: p.value.places };
      if (!inForce || mine.seq > inForce.seq || (mine.seq === inForce.seq && mine.id < inForce.id))
        inForce = mine;
    }
    const line: { pubkey: string; guests: number }[] = [];
    for (const e of inForce?.places ?? []) {
      const who = people.get(e.pubkey);
      if (who?.status !== "going" || line.some((l) => l.pubkey === e.pubkey)) continue;
      const at = who.run.findIndex((a) => a.id === e.answer);
      if (at < 0 || who.run[at]!.guests !== e.guests) continue;
      if (who.run.slice(at).some((a) => a.guests < who.guests)) continue;
      line.push({ pubkey: e.pubkey, guests: who.guests });
    }
    const goingPeople = [...people].filter(([, v]) => v.status === "going");
    const unconfirmed = goingPeople.filter(([pk]) => !line.some((l) => l.pubkey === pk));
    if (ev.capacity === null) {
      unconfirmed.sort(
        ([a, x], [b, y]) => x.since - y.since || (x.run[0]!.id < y.run[0]!.id ? -1 : 1) || (a < b ? -1 : 1),
      );
      return {
        going: [...line.map((l) => l.pubkey), ...unconfirmed.map(([pk]) => pk)],
        waitlist: [],
        asking: [],
      };
    }
    const s = seatLine(line, ev.capacity);
    return {
      going: s.seated.map((q) => q.pubkey),
      waitlist: s.waitlist.map((q) => q.pubkey),
      asking: unconfirmed.map(([pk]) => pk).sort(),
    };
  });
}

describe("reduceGroup is independent of order and duplication", () => {
  test("shuffled and duplicated deliveries give the same state", () => {
    fc.assert(
      fc.property(
        ops.chain((list) => {
          const entries = history(list);
          return fc.tuple(fc.constant(entries), deliveries(entries.length), deliveries(entries.length));
        }),
        ([entries, d1, d2]) => {
          const reference = reduceGroup(entries, context);
          expect(reduceGroup(redeliver(entries, d1), context)).toEqual(reference);
          expect(reduceGroup(redeliver(entries, d2), context)).toEqual(reference);
          expect(reduceGroup([...entries].reverse(), context)).toEqual(reference);
          // Hosts, who also hold the opened answers (what withUnsealed adds), agree with each other.
          const host = reduceGroup(opened(entries), context);
          expect(reduceGroup(opened(redeliver(entries, d1)), context)).toEqual(host);
        },
      ),
      { numRuns: 100 },
    );
  });

  test("invariants: capacity holds, lists partition the answers, rules hold, seating matches a model", () => {
    fc.assert(
      fc.property(ops, (list) => {
        const entries = history(list);
        const state = reduceGroup(entries, context);
        const modelled = modelSeating(state, entries);
        state.events.forEach((ev, i) => {
          if (ev.capacity !== null) expect(ev.seatsTaken).toBeLessThanOrEqual(ev.capacity);
          const lists = [...ev.going, ...ev.waitlist, ...ev.asking, ...ev.maybe, ...ev.declined];
          expect(new Set(lists).size).toBe(lists.length);
          expect([...lists].sort()).toEqual(ev.rsvps.map((r) => r.pubkey).sort());
          expect(lists).not.toContain(dave.pk);
          // Each winning version was written by its owner or by someone admin in that version's epoch.
          const winner = entries.find((e) => e.rumor.id === ev.versionId)!;
          const admins = new Set((context.adminsByEpoch as Map<number, string[]>).get(winner.epoch!) ?? []);
          expect(ev.updatedBy === ev.owner || admins.has(ev.updatedBy)).toBe(true);
          expect({ going: ev.going, waitlist: ev.waitlist, asking: ev.asking }).toEqual(modelled[i]);
        });
        for (const m of state.messages) {
          // Dave, removed, counts only for what this device read in time, never for a late copy.
          if (m.author === dave.pk) {
            const read = entries.filter((e) => e.rumor.id === m.id);
            expect(read.some((e) => e.late !== true)).toBe(true);
          }
          if (m.deleted) expect(m.text).toBe("");
        }
        for (const p of state.polls) {
          for (const o of p.options) expect(o.votes).not.toContain(dave.pk);
          if (!p.multiple) {
            const votes = p.options.flatMap((o) => o.votes);
            expect(new Set(votes).size).toBe(votes.length);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});

test("the pooled answers open for the host exactly as withUnsealed opens them", () => {
  const entries = sealedPool.map((p) => ({ rumor: p.rumor, sender: p.by.pk, epoch: 0 }));
  expect(withUnsealed(entries, erin.sk)).toEqual(opened(entries));
});

/**
 * Receipt facts (issue 8): each entry read at some time around its created_at — sometimes long
 * before it, as a message dated in the future is — and sometimes late (in an epoch the group had
 * already left). Copies of one rumor may be read at other times and in time or late.
 */
/**
 * Receipt facts of one copy: read `delay` after its created_at (negative: a clock ahead), late or
 * not, and — unless `lag` is null (a record from before floors were kept) — carried in an epoch
 * that began `lag` before it was read (a positive `delay - lag`: a clock behind).
 */
const fact = {
  delay: fc.integer({ min: -400, max: 40 }),
  late: fc.boolean(),
  lag: fc.option(fc.integer({ min: 0, max: 500 })),
};
const receipts = (n: number) =>
  fc.record({
    facts: fc.array(fc.record(fact), { minLength: n, maxLength: n }),
    copies: fc.array(fc.record({ i: fc.nat(), ...fact }), { maxLength: 10 }),
  });

type Fact = { delay: number; late: boolean; lag: number | null };

function receivedAs(e: RumorEntry, f: Fact): RumorEntry {
  const receivedAt = Math.max(0, e.rumor.created_at + f.delay);
  const { floor: _, ...rest } = e;
  const out: RumorEntry = { ...rest, receivedAt, late: f.late };
  if (f.lag !== null) out.floor = Math.max(0, receivedAt - f.lag);
  return out;
}

function received(entries: RumorEntry[], r: { facts: Fact[] }): RumorEntry[] {
  return entries.map((e, i) => receivedAs(e, r.facts[i]!));
}

function withCopies(entries: RumorEntry[], r: { copies: (Fact & { i: number })[] }): RumorEntry[] {
  const out = [...entries];
  if (entries.length === 0) return out;
  for (const c of r.copies) out.push(receivedAs(entries[c.i % entries.length]!, c));
  return out;
}

describe("with receipt times and late messages", () => {
  test("any order and any copies give the same state", () => {
    fc.assert(
      fc.property(
        ops.chain((list) => {
          const entries = history(list);
          return fc.tuple(fc.constant(entries), receipts(entries.length), deliveries(entries.length));
        }),
        ([plain, r, d]) => {
          const entries = withCopies(received(plain, r), r);
          const reference = reduceGroup(entries, context);
          expect(reduceGroup(redeliver(entries, d), context)).toEqual(reference);
          expect(reduceGroup([...entries].reverse(), context)).toEqual(reference);
        },
      ),
      { numRuns: 100 },
    );
  });

  test("F13: every time lies between its epoch's start and its receipt plus the skew; F2: no late act of a former admin counts", () => {
    fc.assert(
      fc.property(
        ops.chain((list) => {
          const entries = history(list);
          return fc.tuple(fc.constant(entries), receipts(entries.length));
        }),
        ([plain, r]) => {
          const entries = withCopies(received(plain, r), r);
          const state = reduceGroup(entries, context);
          const copiesOf = (id: string) => entries.filter((e) => e.rumor.id === id);
          const effective = (e: RumorEntry) => effectiveCreatedAt(e.rumor.created_at, e.receivedAt, e.floor);
          // Bob was an admin in epochs 0 and 1 only, and is a member still: his acts on others'
          // content count only from those epochs and only when read in time.
          const inTimeAdminAct = (e: RumorEntry) => e.epoch! <= 1 && e.late !== true;
          for (const m of state.messages) {
            const copies = copiesOf(m.id);
            expect(copies.some((e) => effective(e) === m.createdAt)).toBe(true);
            expect(m.createdAt).toBeLessThanOrEqual(
              Math.max(...copies.map((e) => e.receivedAt! + MAX_CLOCK_SKEW)),
            );
            // Floors here are never after their receipt, as on a device whose clock is not set back.
            expect(m.createdAt).toBeGreaterThanOrEqual(Math.min(...copies.map((e) => e.floor ?? 0)));
            if (m.deletedBy === bob.pk && m.author !== bob.pk) {
              const acts = entries.filter(
                (e) =>
                  e.rumor.kind === 5 && e.rumor.pubkey === bob.pk && e.rumor.tags.some((t) => t[1] === m.id),
              );
              expect(acts.some(inTimeAdminAct)).toBe(true);
            }
          }
          for (const ev of state.events) {
            const winner = copiesOf(ev.versionId);
            expect(winner.some((e) => effective(e) === ev.updatedAt)).toBe(true);
            if (ev.updatedBy === bob.pk && ev.owner !== bob.pk)
              expect(winner.some(inTimeAdminAct)).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
