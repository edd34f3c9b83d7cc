/**
 * The shape of a group's application state: what `reduceGroup` returns. Plain, JSON-serialisable
 * data with every list in a defined order, so two members holding the same rumors hold equal states
 * (deep equality), whatever order the rumors came in.
 *
 * Every time here (`createdAt`, `updatedAt`) is a rumor's effective time: its `created_at`, capped
 * at the time this device read it plus MAX_CLOCK_SKEW and raised to the start of the epoch that
 * carried it (reducer.ts), never a date its author chose further ahead or further back.
 */

import type { CalendarEventFields } from "./calendar.ts";
import type { PollOption } from "./poll.ts";
import type { RsvpStatus } from "./rsvp.ts";
import type { PlaceEntry } from "./waitlist.ts";

export interface ReactionGroup {
  emoji: string;
  /** Hex pubkeys, in the order their reactions were made. */
  authors: string[];
}

export interface ChatMessageState {
  id: string;
  author: string;
  createdAt: number;
  /** Milliseconds within `createdAt`'s second, from its author's `ms` tag (0 without one; order.ts). */
  ms: number;
  /** Empty once deleted: a tombstone keeps only who wrote it, when, and what it answered. */
  text: string;
  replyTo: string | null;
  reactions: ReactionGroup[];
  deleted: boolean;
  deletedBy: string | null;
}

export interface RsvpState {
  pubkey: string;
  status: RsvpStatus;
  guests: number;
  note: string;
  /** The answer that counts (newest). */
  id: string;
  createdAt: number;
}

export interface CalendarEventState extends CalendarEventFields {
  /** Stable id: SHA-256 of `owner:d` (see calendarEventId). */
  id: string;
  owner: string;
  d: string;
  kind: number;
  /** NIP-01 address of the current version, for RSVP `a` tags. */
  address: string;
  /** Id of the version that won (newest created_at, ties lowest id). */
  versionId: string;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
  /** Counted answers, one per person, ordered by pubkey (answers for every occurrence of a series). */
  rsvps: RsvpState[];
  /**
   * Answers for single occurrences of a repeating event (RSVP `rally_occurrence`), newest per
   * person, by occurrence (its original start as text) then pubkey. For that occurrence they
   * override the person's answer in `rsvps` (views.ts `occurrenceAnswers`).
   */
  occurrenceRsvps: { occurrence: string; rsvps: RsvpState[] }[];
  /**
   * The line of each occurrence of a series that differs from the event's own: one someone
   * answered for on its own, or that has a confirmation of its own (places.ts), by occurrence.
   * Every other occurrence's line is the event's (`going`, `waitlist`, `asking`, `places`) — see
   * views.ts `occurrenceLine`.
   */
  occurrenceLines: OccurrenceLine[];
  /**
   * Seated "going" people in confirmed order; waitlist in confirmed order; then "going" people a
   * host has not confirmed yet (asking for a place), maybe and declined, by pubkey. Without a
   * capacity nobody needs confirming and `asking` is empty.
   */
  going: string[];
  waitlist: string[];
  asking: string[];
  maybe: string[];
  declined: string[];
  seatsTaken: number;
  /** Members who sent an answer sealed to the hosts (whether or not this device can read it). */
  sealedAnswers: string[];
  /** The host's confirmation of places in force (places.ts), if any. */
  places: PlacesInForce | null;
}

/** One occurrence's line: as the event's fields of the same names, for that date. */
export interface OccurrenceLine {
  /** The occurrence's original start as text (Unix seconds, or a date). */
  occurrence: string;
  going: string[];
  waitlist: string[];
  asking: string[];
  seatsTaken: number;
  /** Its own confirmation in force; null: the event's confirmation stands for it. */
  places: PlacesInForce | null;
}

export interface PlacesInForce {
  id: string;
  author: string;
  seq: number;
  entries: PlaceEntry[];
}

export interface PollOptionState extends PollOption {
  /** Hex pubkeys whose newest counted response chose this option, in response order. */
  votes: string[];
}

export interface PollState {
  id: string;
  author: string;
  createdAt: number;
  /** Milliseconds within `createdAt`'s second, from its author's `ms` tag (order.ts). */
  ms: number;
  question: string;
  options: PollOptionState[];
  multiple: boolean;
  dates: boolean;
  endsAt: number | null;
  deleted: boolean;
  /** How many people's newest response counts (including empty responses, which clear a vote). */
  voters: number;
}

export interface IgnoredRumor {
  id: string;
  kind: number;
  sender: string;
  reason: string;
}

export interface GroupAppState {
  /** Ordered by (created_at, id). */
  messages: ChatMessageState[];
  /** Ordered by start, then id. */
  events: CalendarEventState[];
  /** Ordered by (created_at, id). */
  polls: PollState[];
  /** Current admins, sorted. */
  admins: string[];
  /** Rumors that had no effect and why, ordered by id then reason — for diagnostics. */
  ignored: IgnoredRumor[];
}
