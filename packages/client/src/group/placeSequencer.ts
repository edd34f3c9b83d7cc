/**
 * Fair places (docs/PROTOCOL.md "Fair places"): after a sync, a host's device confirms places at
 * the events it hosts, in the order *it* received the answers, and every device notes when its
 * person gained or lost a place.
 *
 * Receipt order: each pass runs right after this device stored what a sync brought, and the people
 * still asking are exactly those whose answers reached this device since its last confirmation — so
 * a pass appends them after everyone confirmed before. Answers that reached the device in the same
 * fetch cannot be told apart by arrival; they are put in a random order drawn by this device, never
 * by the answers' own `created_at` or id, which their authors choose (a backdated or ground id would
 * otherwise win every tie).
 *
 * Who sequences: the event's owner and co-hosts who are members; when none of them is a member any
 * more, the group's admins. Several such devices online at once agree as places.ts describes: each
 * extends the confirmation in force, numbers decide, a tie is settled by id and extended again.
 * Hosts-only events: the confirmation is sealed to the hosts, like the answers it orders.
 *
 * Repeating events (PROTOCOL.md 13.10): each date has a line; one without answers or a
 * confirmation of its own follows the event's. A second pass confirms, for the dates shown (the
 * next OCCURRENCE_WINDOW), only those whose own line has someone asking.
 *
 * Runs in: Node and browsers. The caller holds `core.exclusive`.
 */
import {
  buildPlaces,
  type CalendarEventState,
  expandOccurrences,
  type MyPlace,
  nextPlaces,
  type Occurrence,
  occurrenceAnswers,
  occurrenceLine,
  type PlaceEntry,
  type RsvpState,
  type Rumor,
  sealRumor,
} from "@rally/protocol/app";
import type { GroupRecord } from "./groupRecord.ts";

/** Dates of a repeating event a host's device confirms: those event lists show (views.ts defaults). */
export const OCCURRENCE_WINDOW = 10;
const OCCURRENCE_HORIZON = 366 * 86_400;

/** A change of place the person did not make themselves: a host confirmed it, or it was lost. */
export type PlaceChange = "gained" | "lost";

/** What this device last saw of its person's place at one event. */
export interface MyPlaceRecord {
  place: MyPlace;
  /** Id of the person's answer that counted then (a new answer is the person's own act). */
  answer: string | null;
  change: PlaceChange | null;
}

/** Whether `me` sequences places at this event (see the module header). */
export function sequencesFor(
  e: CalendarEventState,
  me: string,
  rec: Pick<GroupRecord, "members" | "admins">,
): boolean {
  const hosts = [e.owner, ...e.hosts].filter((h) => rec.members.includes(h));
  if (hosts.length > 0) return hosts.includes(me);
  return rec.admins.includes(me) && rec.members.includes(me);
}

/** A uniformly random order drawn by this device (Fisher–Yates over crypto randomness). */
export function shuffled<T>(list: readonly T[], random: (n: number) => Uint32Array = randomWords): T[] {
  const out = [...list];
  const words = random(out.length);
  for (let i = out.length - 1; i > 0; i--) {
    const j = words[i]! % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function randomWords(n: number): Uint32Array {
  return globalThis.crypto.getRandomValues(new Uint32Array(Math.max(1, n)));
}

interface PassInput {
  events: readonly CalendarEventState[];
  me: string;
  rec: Pick<GroupRecord, "members" | "admins">;
  now: number;
  secretKey: Uint8Array | null;
  random?: (n: number) => Uint32Array;
}

/** The people asking, in an order drawn by this device, as entries naming the answer that counts. */
function arrivalsOf(
  asking: readonly string[],
  answers: readonly RsvpState[],
  random?: (n: number) => Uint32Array,
): PlaceEntry[] {
  const byPerson = new Map(answers.map((r) => [r.pubkey, r]));
  const arrivals: PlaceEntry[] = [];
  for (const pubkey of shuffled(asking, random)) {
    const r = byPerson.get(pubkey);
    if (r) arrivals.push({ pubkey, answer: r.id, guests: r.guests });
  }
  return arrivals;
}

/** A confirmation as the group gets it: sealed to the hosts when the answers are. */
function outgoing(e: CalendarEventState, inner: Rumor, input: PassInput): Rumor | null {
  if (!e.hostsOnlyRsvps) return inner;
  if (!input.secretKey) return null;
  // The line names who is coming: as private as the answers it orders.
  return sealRumor({
    inner,
    senderSecretKey: input.secretKey,
    recipients: [e.owner, ...e.hosts],
    createdAt: input.now,
    address: e.address,
  });
}

function sequenced(e: CalendarEventState, input: PassInput): boolean {
  return e.capacity !== null && !e.cancelled && sequencesFor(e, input.me, input.rec);
}

/** The event-wide confirmations this device should send now, as rumors ready for the group. */
export function confirmationsToSend(input: PassInput): Rumor[] {
  const out: Rumor[] = [];
  for (const e of input.events) {
    if (!sequenced(e, input) || e.asking.length === 0) continue;
    const next = nextPlaces({
      inForce: e.places?.entries ?? [],
      holding: [...e.going, ...e.waitlist],
      arrivals: arrivalsOf(e.asking, e.rsvps, input.random),
    });
    if (next === null) continue;
    const inner = buildPlaces({
      pubkey: input.me,
      createdAt: input.now,
      event: { kind: e.kind, owner: e.owner, d: e.d },
      seq: (e.places?.seq ?? 0) + 1,
      places: next,
    });
    const rumor = outgoing(e, inner, input);
    if (rumor) out.push(rumor);
  }
  return out;
}

/**
 * The confirmations for single dates of repeating events: only dates people see (the next
 * OCCURRENCE_WINDOW, as event lists show them) whose own line has someone asking. Run after the
 * event-wide pass has been applied: a date without a line of its own follows the event's
 * confirmation, so a series answer needs no confirmation per date.
 */
export function occurrenceConfirmationsToSend(input: PassInput): Rumor[] {
  const out: Rumor[] = [];
  for (const e of input.events) {
    if (!e.repeat || !sequenced(e, input)) continue;
    let dates: Occurrence[];
    try {
      dates = expandOccurrences(
        { time: e.time, rule: e.repeat.rule, exdates: e.repeat.exdates, moved: e.repeat.moved },
        { from: input.now, to: input.now + OCCURRENCE_HORIZON, limit: OCCURRENCE_WINDOW },
      );
    } catch {
      continue; // A rule Rally cannot read has no dates to seat.
    }
    for (const o of dates) {
      const line = occurrenceLine(e, o.original);
      if (line.asking.length === 0) continue;
      const next = nextPlaces({
        inForce: (line.places ?? e.places)?.entries ?? [],
        holding: [...line.going, ...line.waitlist],
        arrivals: arrivalsOf(line.asking, occurrenceAnswers(e, o.original), input.random),
      });
      if (next === null) continue;
      const inner = buildPlaces({
        pubkey: input.me,
        createdAt: input.now,
        event: { kind: e.kind, owner: e.owner, d: e.d },
        seq: (line.places?.seq ?? 0) + 1,
        places: next,
        occurrence: o.original,
      });
      const rumor = outgoing(e, inner, input);
      if (rumor) out.push(rumor);
    }
  }
  return out;
}

/** The new record of `me`'s place, given what was stored and what the state says now. */
export function nextPlaceRecord(
  stored: MyPlaceRecord | undefined,
  now: { place: MyPlace; answer: string | null; going: boolean; limited: boolean },
): MyPlaceRecord {
  // Without a capacity every "going" person has a place: nothing to tell.
  if (now.place === null || !now.limited) return { place: now.place, answer: now.answer, change: null };
  // A new answer of one's own (or the first this device sees) starts from "asking": what follows
  // is the hosts' doing.
  const before: MyPlace =
    stored === undefined || stored.answer !== now.answer ? (now.going ? "asking" : null) : stored.place;
  let change: PlaceChange | null = null;
  if (before === now.place) change = stored?.answer === now.answer ? (stored?.change ?? null) : null;
  else if (now.place === "confirmed" && (before === "asking" || before === "waitlist")) change = "gained";
  else if (before === "confirmed" && (now.place === "waitlist" || now.place === "asking")) change = "lost";
  return { place: now.place, answer: now.answer, change };
}

/** The change to show with an event: only while the place it led to still holds. */
export function placeChangeOf(stored: MyPlaceRecord | undefined, place: MyPlace): PlaceChange | null {
  return stored !== undefined && stored.place === place ? stored.change : null;
}
