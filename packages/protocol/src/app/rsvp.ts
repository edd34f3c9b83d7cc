/**
 * RSVPs as NIP-52 kind 31925 inner messages: `a` = the calendar event's address, `d`, `status`
 * accepted / tentative / declined, optional `e` (the version answered) and `p` (the event's owner),
 * plus Rally's `rally_guests` ("+N guests", counted only with accepted). In Rally's words:
 * accepted = going, tentative = maybe, declined = can't go.
 */

import { eventAddress, parseEventAddress } from "./calendar.ts";
import { KIND_RSVP, TAG_GUESTS, TAG_OCCURRENCE } from "./kinds.ts";
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

export type RsvpStatus = "going" | "maybe" | "declined";
export const MAX_GUESTS = 100;

const TO_NIP52: Record<RsvpStatus, string> = { going: "accepted", maybe: "tentative", declined: "declined" };
const FROM_NIP52: Record<string, RsvpStatus> = {
  accepted: "going",
  tentative: "maybe",
  declined: "declined",
};

export interface RsvpFields {
  /** Address key of the event: `owner:d` (kind left out, see calendar.ts). */
  owner: string;
  d: string;
  status: RsvpStatus;
  guests: number;
  note: string;
  /**
   * The occurrence of a repeating event this answer is for (its original start: Unix seconds, or
   * a date for an all-day series, as text); null: every occurrence.
   */
  occurrence: string | null;
}

/** How a `rally_occurrence` tag writes an occurrence: Unix seconds, or a date. */
export const OCCURRENCE_TEXT = /^(\d{1,15}|\d{4}-\d{2}-\d{2})$/;

/** The answers a person can give, in the order front ends offer them. */
export const RSVP_STATUSES: readonly RsvpStatus[] = ["going", "maybe", "declined"];

export function isRsvpStatus(value: unknown): value is RsvpStatus {
  return typeof value === "string" && Object.hasOwn(TO_NIP52, value);
}

/** An answer as it is sent: the status checked, guests within the limit and only with going. */
export interface RsvpAnswer {
  status: RsvpStatus;
  guests: number;
  /** Guests asked for with maybe or declined and left out (guests come only with going). */
  guestsLeftOut: number;
}

/**
 * Rally's one rule for an answer from any front end (docs/PROTOCOL.md 13): the status is going,
 * maybe or declined; guests are a whole number from 0 to MAX_GUESTS and come along only with
 * going — with another answer they are left out (and said so) rather than refusing the answer.
 */
export function rsvpAnswer(status: unknown, guests: unknown = 0): RsvpAnswer {
  if (!isRsvpStatus(status)) {
    throw new InvalidInputError("status", `An answer is going, maybe or declined, not "${String(status)}".`);
  }
  if (typeof guests !== "number" || !Number.isSafeInteger(guests) || guests < 0 || guests > MAX_GUESTS) {
    throw new InvalidInputError("guests", `guests must be a whole number from 0 to ${MAX_GUESTS}`);
  }
  return status === "going"
    ? { status, guests, guestsLeftOut: 0 }
    : { status, guests: 0, guestsLeftOut: guests };
}

/** Builds the answer's rumor; strict: guests with an answer other than going are refused. */
export function buildRsvp(input: {
  pubkey: string;
  createdAt: number;
  event: { kind: number; owner: string; d: string; versionId?: string };
  status: RsvpStatus;
  guests?: number;
  note?: string;
  /** One occurrence of a repeating event (its original start); absent: every occurrence. */
  occurrence?: number | string;
}): Rumor {
  const answer = rsvpAnswer(input.status, input.guests ?? 0);
  if (answer.guestsLeftOut > 0) {
    throw new InvalidInputError("guests", "guests can only come along with a going answer");
  }
  const status = TO_NIP52[answer.status];
  const guests = answer.guests;
  const { kind, owner, d } = input.event;
  const address = eventAddress(kind, owner, d);
  if (!parseEventAddress(address).ok) throw new InvalidInputError("event", "not a calendar event address");
  const occurrence = input.occurrence === undefined ? null : String(input.occurrence);
  if (occurrence !== null && !OCCURRENCE_TEXT.test(occurrence))
    throw new InvalidInputError("occurrence", "an occurrence is Unix seconds or a date (YYYY-MM-DD)");
  const tags: string[][] = [
    ["a", address],
    // One RSVP slot per person per event (per occurrence), as NIP-52 replaceable semantics would give.
    ["d", occurrence === null ? `${owner}:${d}` : `${owner}:${d}:${occurrence}`],
    ["status", status],
  ];
  if (occurrence !== null) tags.push([TAG_OCCURRENCE, occurrence]);
  if (input.event.versionId !== undefined) {
    if (!isHex64(input.event.versionId))
      throw new InvalidInputError("event", "version id is not an event id");
    tags.push(["e", input.event.versionId]);
  }
  tags.push(["p", owner]);
  if (guests > 0) tags.push([TAG_GUESTS, String(guests)]);
  return makeRumor({
    pubkey: input.pubkey,
    createdAt: input.createdAt,
    kind: KIND_RSVP,
    tags,
    content: input.note ?? "",
  });
}

export function parseRsvp(rumor: Rumor): Parsed<RsvpFields> {
  if (rumor.kind !== KIND_RSVP) return fail(`expected kind ${KIND_RSVP}, got ${rumor.kind}`);
  const a = findTag(rumor, "a")?.[1];
  if (a === undefined) return fail("RSVP has no `a` tag");
  const address = parseEventAddress(a);
  if (!address.ok) return fail(`RSVP \`a\` tag: ${address.error}`);
  const statusText = tagValue(rumor, "status");
  const status = statusText === undefined ? undefined : FROM_NIP52[statusText];
  if (status === undefined) return fail("RSVP status must be accepted, tentative or declined");
  const guestsText = tagValue(rumor, TAG_GUESTS);
  let guests = 0;
  if (guestsText !== undefined) {
    guests = /^\d{1,3}$/.test(guestsText) ? Number(guestsText) : -1;
    if (guests < 0 || guests > MAX_GUESTS)
      return fail(`\`rally_guests\` must be a whole number from 0 to ${MAX_GUESTS}`);
  }
  const occurrence = tagValue(rumor, TAG_OCCURRENCE);
  if (occurrence !== undefined && !OCCURRENCE_TEXT.test(occurrence))
    return fail("`rally_occurrence` is not Unix seconds or a date");
  // Guests only come with "going"; on other answers the tag is ignored.
  return ok({
    occurrence: occurrence ?? null,
    owner: address.value.owner,
    d: address.value.d,
    status,
    guests: status === "going" ? guests : 0,
    note: rumor.content,
  });
}
