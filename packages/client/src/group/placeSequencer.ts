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
 * Runs in: Node and browsers. The caller holds `core.exclusive`.
 */
import {
  buildPlaces,
  type CalendarEventState,
  type MyPlace,
  nextPlaces,
  type PlaceEntry,
  type Rumor,
  sealRumor,
} from "@rally/protocol/app";
import type { GroupRecord } from "./groupRecord.ts";

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

/** The confirmations this device should send now, as rumors ready for the group. */
export function confirmationsToSend(input: {
  events: readonly CalendarEventState[];
  me: string;
  rec: Pick<GroupRecord, "members" | "admins">;
  now: number;
  secretKey: Uint8Array | null;
  random?: (n: number) => Uint32Array;
}): Rumor[] {
  const out: Rumor[] = [];
  for (const e of input.events) {
    if (e.capacity === null || e.cancelled || !sequencesFor(e, input.me, input.rec)) continue;
    if (e.asking.length === 0) continue;
    const answers = new Map(e.rsvps.map((r) => [r.pubkey, r]));
    const arrivals: PlaceEntry[] = [];
    for (const pubkey of shuffled(e.asking, input.random)) {
      const r = answers.get(pubkey);
      if (r) arrivals.push({ pubkey, answer: r.id, guests: r.guests });
    }
    const next = nextPlaces({
      inForce: e.places?.entries ?? [],
      holding: [...e.going, ...e.waitlist],
      arrivals,
    });
    if (next === null) continue;
    const inner = buildPlaces({
      pubkey: input.me,
      createdAt: input.now,
      event: { kind: e.kind, owner: e.owner, d: e.d },
      seq: (e.places?.seq ?? 0) + 1,
      places: next,
    });
    if (!e.hostsOnlyRsvps) {
      out.push(inner);
    } else if (input.secretKey) {
      // The line names who is coming: as private as the answers it orders.
      out.push(
        sealRumor({
          inner,
          senderSecretKey: input.secretKey,
          recipients: [e.owner, ...e.hosts],
          createdAt: input.now,
          address: e.address,
        }),
      );
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
