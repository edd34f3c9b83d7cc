/**
 * Confirmed places (Rally kind 1926, docs/PROTOCOL.md "Fair places"): a host's device tells the
 * group in which order it received the "going" answers to an event with a capacity. Members seat
 * people in that order (waitlist.ts), never in the order the answers claim for themselves.
 *
 *   kind 1926, content ""
 *   tags: ["a", "<event address>"]
 *         ["rally_seq", "<n>"]                                  n ≥ 1: the confirmation's number
 *         ["rally_place", "<pubkey>", "<answer id>", "<guests>"] … in line order, one per person
 *         ["rally_occurrence", "<original start>"]               optional: one date of a series
 *
 * A repeating event has a line per occurrence (PROTOCOL.md 13.10). A confirmation with
 * `rally_occurrence` is that occurrence's own line, numbered on its own; one without it is the
 * event's (a single event's only line) and also the line of every occurrence that has none of its
 * own yet — so a series answer needs one confirmation, not one per date.
 *
 * Numbers, not times, order confirmations: the one in force is the highest `rally_seq`, ties by
 * lowest id, among those written by someone who may (the event's owner or a co-host who is a
 * member, or a group admin in the carrying epoch — the reducer checks). A host device that sees a
 * confirmation newer than its own takes it as the start of its line and adds, after it, the answers
 * it holds that are missing, under the next number. So two host devices online at once agree: each
 * extends the other's list, and a tie between two lists of the same number is settled by id and
 * then extended by the loser.
 */

import { eventAddress, parseEventAddress } from "./calendar.ts";
import { KIND_PLACES, TAG_OCCURRENCE, TAG_PLACE, TAG_SEQ } from "./kinds.ts";
import { MAX_GUESTS, OCCURRENCE_TEXT } from "./rsvp.ts";
import {
  fail,
  findTag,
  InvalidInputError,
  isHex64,
  makeRumor,
  ok,
  type Parsed,
  type Rumor,
  tagValue,
} from "./rumor.ts";
import type { PlaceEntry } from "./waitlist.ts";

/** An inner message holds at most 1000 tags (rumor.ts); a line this long is far past any room. */
export const MAX_PLACES = 990;
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export interface PlacesFields {
  owner: string;
  d: string;
  seq: number;
  places: PlaceEntry[];
  /** The occurrence of a series this line is for (its original start as text); null: the event's. */
  occurrence: string | null;
}

export function buildPlaces(input: {
  pubkey: string;
  createdAt: number;
  event: { kind: number; owner: string; d: string };
  seq: number;
  places: readonly PlaceEntry[];
  /** One occurrence of a repeating event (its original start); absent: the event's own line. */
  occurrence?: number | string;
}): Rumor {
  const { kind, owner, d } = input.event;
  const address = eventAddress(kind, owner, d);
  if (!parseEventAddress(address).ok) throw new InvalidInputError("event", "not a calendar event address");
  if (!Number.isSafeInteger(input.seq) || input.seq < 1) {
    throw new InvalidInputError("seq", "a confirmation number is a whole number of at least 1");
  }
  if (input.places.length > MAX_PLACES) {
    throw new InvalidInputError("places", `at most ${MAX_PLACES} people in one confirmation`);
  }
  const seen = new Set<string>();
  const tags: string[][] = [
    ["a", address],
    [TAG_SEQ, String(input.seq)],
  ];
  for (const p of input.places) {
    if (!isHex64(p.pubkey) || !isHex64(p.answer)) throw new InvalidInputError("places", "not a pubkey or id");
    if (!Number.isSafeInteger(p.guests) || p.guests < 0 || p.guests > MAX_GUESTS) {
      throw new InvalidInputError("places", `guests must be a whole number from 0 to ${MAX_GUESTS}`);
    }
    if (seen.has(p.pubkey)) throw new InvalidInputError("places", "a person is listed twice");
    seen.add(p.pubkey);
    tags.push([TAG_PLACE, p.pubkey, p.answer, String(p.guests)]);
  }
  if (input.occurrence !== undefined) {
    const occurrence = String(input.occurrence);
    if (!OCCURRENCE_TEXT.test(occurrence))
      throw new InvalidInputError("occurrence", "an occurrence is Unix seconds or a date (YYYY-MM-DD)");
    tags.push([TAG_OCCURRENCE, occurrence]);
  }
  return makeRumor({
    pubkey: input.pubkey,
    createdAt: input.createdAt,
    kind: KIND_PLACES,
    tags,
    content: "",
  });
}

export function parsePlaces(rumor: Rumor): Parsed<PlacesFields> {
  if (rumor.kind !== KIND_PLACES) return fail(`expected kind ${KIND_PLACES}, got ${rumor.kind}`);
  const a = findTag(rumor, "a")?.[1];
  if (a === undefined) return fail("confirmation has no `a` tag");
  const address = parseEventAddress(a);
  if (!address.ok) return fail(`confirmation \`a\` tag: ${address.error}`);
  const seqText = tagValue(rumor, TAG_SEQ);
  // Canonical decimal only: "01" and "1" must not be two numbers for the same confirmation.
  if (seqText === undefined || !/^[1-9]\d{0,15}$/.test(seqText) || Number(seqText) > MAX_SEQ) {
    return fail("`rally_seq` must be a whole number of at least 1");
  }
  const places: PlaceEntry[] = [];
  const seen = new Set<string>();
  for (const tag of rumor.tags) {
    if (tag[0] !== TAG_PLACE) continue;
    const [, pubkey, answer, guestsText] = tag;
    if (!isHex64(pubkey) || !isHex64(answer)) return fail("`rally_place` names no person or answer");
    if (
      guestsText === undefined ||
      !/^(0|[1-9]\d{0,2})$/.test(guestsText) ||
      Number(guestsText) > MAX_GUESTS
    ) {
      return fail(`\`rally_place\` guests must be a whole number from 0 to ${MAX_GUESTS}`);
    }
    if (seen.has(pubkey)) return fail("a person is listed twice");
    seen.add(pubkey);
    places.push({ pubkey, answer, guests: Number(guestsText) });
  }
  if (places.length > MAX_PLACES) return fail(`more than ${MAX_PLACES} people in one confirmation`);
  const occurrence = tagValue(rumor, TAG_OCCURRENCE);
  if (occurrence !== undefined && !OCCURRENCE_TEXT.test(occurrence))
    return fail("`rally_occurrence` is not Unix seconds or a date");
  return ok({
    owner: address.value.owner,
    d: address.value.d,
    seq: Number(seqText),
    places,
    occurrence: occurrence ?? null,
  });
}

/** Whether confirmation `a` is in force over `b`: higher number, then lower id. */
export function supersedes(a: { seq: number; id: string }, b: { seq: number; id: string }): boolean {
  return a.seq > b.seq || (a.seq === b.seq && a.id < b.id);
}

/**
 * The sequencer's step: the next confirmation for an event, or null when there is nothing to add.
 * `inForce` is the confirmation members seat by now; `holding` the people whose entry in it still
 * holds (the event's seated and waiting people); `arrivals` the people asking for a place, in the
 * order this device received their answers. Entries that no longer hold are dropped, the rest keep
 * their order, and the arrivals go after them.
 */
export function nextPlaces(input: {
  inForce: readonly PlaceEntry[];
  holding: Iterable<string>;
  arrivals: readonly PlaceEntry[];
}): PlaceEntry[] | null {
  const holding = new Set(input.holding);
  const kept: PlaceEntry[] = [];
  const listed = new Set<string>();
  for (const e of input.inForce) {
    if (!holding.has(e.pubkey) || listed.has(e.pubkey)) continue;
    listed.add(e.pubkey);
    kept.push(e);
  }
  const added: PlaceEntry[] = [];
  for (const e of input.arrivals) {
    if (listed.has(e.pubkey)) continue;
    listed.add(e.pubkey);
    added.push(e);
  }
  const out = [...kept, ...added].slice(0, MAX_PLACES);
  return out.length > kept.length ? out : null;
}
