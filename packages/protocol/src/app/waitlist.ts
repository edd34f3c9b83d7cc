/**
 * Capacity and the fair waitlist, as a pure function every member evaluates the same way.
 *
 * Each "going" answer takes 1 + guests seats. Parties are queued by when they started standing in
 * line: the created_at of the person's first "going" answer since their last other answer (so
 * changing the number of guests keeps one's place, while "maybe" then "going" again goes to the back),
 * ties broken by that answer's id. Seats are then given strictly in queue order: once a party does
 * not fit, everyone behind it waits too, so nobody overtakes — except a party larger than the whole
 * capacity, which can never fit and therefore waits without blocking others.
 */

export interface QueuedParty {
  pubkey: string;
  guests: number;
  /** created_at of the first still-standing going answer. */
  since: number;
  /** id of that answer (tie-break). */
  sinceId: string;
}

export interface Seating {
  seated: QueuedParty[];
  waitlist: QueuedParty[];
  seatsTaken: number;
}

export function compareQueue(a: QueuedParty, b: QueuedParty): number {
  if (a.since !== b.since) return a.since - b.since;
  if (a.sinceId !== b.sinceId) return a.sinceId < b.sinceId ? -1 : 1;
  return a.pubkey < b.pubkey ? -1 : a.pubkey > b.pubkey ? 1 : 0;
}

export function seat(parties: readonly QueuedParty[], capacity: number | null): Seating {
  const queue = [...parties].sort(compareQueue);
  if (capacity === null) {
    return { seated: queue, waitlist: [], seatsTaken: queue.reduce((n, p) => n + 1 + p.guests, 0) };
  }
  const seated: QueuedParty[] = [];
  const waitlist: QueuedParty[] = [];
  let taken = 0;
  let blocked = false;
  for (const party of queue) {
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
