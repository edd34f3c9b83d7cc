/**
 * Capacity and the fair waitlist, as a pure function every member evaluates the same way.
 *
 * Who stands where in line is not decided by the answers themselves — their `created_at` and id
 * are chosen by the people answering, so a backdated or lucky answer would jump the queue — but by
 * a host's confirmation (places.ts): the ordered list of parties in the order a host's device
 * received their answers. For an event with a capacity:
 *
 * - a "going" person named in the confirmation in force is *confirmed* in that order, with the
 *   guests they have now, provided the entry still holds: it names an answer of the person's
 *   current unbroken run of "going" answers (so "maybe" then "going" again goes to the back), with
 *   that answer's guests, and the person has not asked for more guests since (fewer keeps the place,
 *   more needs a new confirmation, and so does growing back after shrinking);
 * - every other "going" person is *asking* for a place and holds no seat.
 *
 * Seats are then given strictly in confirmed order: once a party does not fit, everyone behind it
 * waits too, so nobody overtakes — except a party larger than the whole capacity, which can never
 * fit and therefore waits without blocking others. A decline or "maybe" drops the party from the
 * line, and the next in confirmed order takes the freed seats.
 *
 * Without a capacity there is nothing to share out: every "going" person is seated, confirmed ones
 * first in confirmed order, then the others by when they started standing in line.
 */

/** One entry of a host's confirmation: a person, the answer confirmed, and its guests. */
export interface PlaceEntry {
  pubkey: string;
  /** Id of the RSVP the host confirmed. */
  answer: string;
  guests: number;
}

/** A person whose newest answer is "going". */
export interface GoingParty {
  pubkey: string;
  /** Guests of the newest answer. */
  guests: number;
  /** The current unbroken run of "going" answers, oldest first (the last is the newest answer). */
  run: readonly { id: string; guests: number }[];
  /** created_at and id of the first answer of that run (order of unconfirmed parties without capacity). */
  since: number;
  sinceId: string;
}

export interface Party {
  pubkey: string;
  guests: number;
}

export interface Seating {
  seated: Party[];
  waitlist: Party[];
  /** Going, but not (or no longer) confirmed by a host: no seat yet. Ordered by pubkey. */
  asking: Party[];
  seatsTaken: number;
}

const byPubkey = (a: Party, b: Party) => (a.pubkey < b.pubkey ? -1 : a.pubkey > b.pubkey ? 1 : 0);

/**
 * Whether a confirmation entry still holds for this person's answers (see the module header). The
 * place covers at most the smallest party answered since the confirmed answer: shrinking to free
 * seats for others and then growing back would otherwise push those others out again.
 */
export function entryHolds(entry: PlaceEntry, party: GoingParty | undefined): party is GoingParty {
  if (party === undefined) return false;
  const at = party.run.findIndex((a) => a.id === entry.answer);
  if (at < 0 || party.run[at]!.guests !== entry.guests) return false;
  return party.run.slice(at).every((a) => party.guests <= a.guests);
}

/** Splits the going parties into the confirmed line (in confirmed order) and those still asking. */
export function confirmedLine(
  going: readonly GoingParty[],
  places: readonly PlaceEntry[],
): { line: Party[]; asking: Party[] } {
  const byKey = new Map(going.map((p) => [p.pubkey, p]));
  const line: Party[] = [];
  const placed = new Set<string>();
  for (const entry of places) {
    const party = byKey.get(entry.pubkey);
    if (placed.has(entry.pubkey) || !entryHolds(entry, party)) continue;
    placed.add(entry.pubkey);
    line.push({ pubkey: party.pubkey, guests: party.guests });
  }
  const asking = going
    .filter((p) => !placed.has(p.pubkey))
    .map((p) => ({ pubkey: p.pubkey, guests: p.guests }))
    .sort(byPubkey);
  return { line, asking };
}

/** Seats an already ordered line under a capacity (null: no limit). */
export function seatLine(line: readonly Party[], capacity: number | null): Omit<Seating, "asking"> {
  if (capacity === null) {
    return { seated: [...line], waitlist: [], seatsTaken: line.reduce((n, p) => n + 1 + p.guests, 0) };
  }
  const seated: Party[] = [];
  const waitlist: Party[] = [];
  let taken = 0;
  let blocked = false;
  for (const party of line) {
    const size = 1 + party.guests;
    if (size > capacity) {
      waitlist.push(party);
      continue;
    }
    if (!blocked && taken + size <= capacity) {
      seated.push(party);
      taken += size;
    } else {
      blocked = true;
      waitlist.push(party);
    }
  }
  return { seated, waitlist, seatsTaken: taken };
}

function compareSince(a: GoingParty, b: GoingParty): number {
  if (a.since !== b.since) return a.since - b.since;
  if (a.sinceId !== b.sinceId) return a.sinceId < b.sinceId ? -1 : 1;
  return a.pubkey < b.pubkey ? -1 : a.pubkey > b.pubkey ? 1 : 0;
}

/** The whole rule: confirmed line, then capacity; without capacity nobody needs to ask. */
export function seat(
  going: readonly GoingParty[],
  places: readonly PlaceEntry[],
  capacity: number | null,
): Seating {
  const { line, asking } = confirmedLine(going, places);
  if (capacity === null) {
    const unconfirmed = new Set(asking.map((a) => a.pubkey));
    const rest = going
      .filter((p) => unconfirmed.has(p.pubkey))
      .sort(compareSince)
      .map((p) => ({ pubkey: p.pubkey, guests: p.guests }));
    return { ...seatLine([...line, ...rest], null), asking: [] };
  }
  return { ...seatLine(line, capacity), asking };
}
