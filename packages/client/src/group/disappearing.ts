/**
 * Disappearing messages: the timers a group may set, their words, and which stored inner messages
 * a timer has run out for.
 *
 * What goes when (every device decides alone, from its own store and corrected clock):
 * - chat messages, reactions and deletions: once the timer has passed since they were written
 *   (the store's `created_at`, the time the chat files them at);
 * - calendar events with everything about them (edits, answers, sealed answers, confirmed places):
 *   once the event is over (its newest version's end) *and* the timer has passed since each was
 *   written — an invitation must not vanish before the day it is for;
 * - polls and their answers: likewise once the poll is closed; an open-ended poll never closes, so
 *   it follows the timer alone;
 * - names (profiles) and anything else stay: they are not messages.
 *
 * Runs in: Node and browsers (pure).
 */
import {
  eventEndsAt,
  KIND_CHAT,
  KIND_DATE_EVENT,
  KIND_DELETION,
  KIND_PLACES,
  KIND_POLL,
  KIND_POLL_RESPONSE,
  KIND_REACTION,
  KIND_RSVP,
  KIND_SEALED,
  KIND_TIME_EVENT,
  parseCalendarEvent,
  parseEventAddress,
  parsePlaces,
  parsePoll,
  parsePollResponse,
  parseRsvp,
  parseSealed,
} from "@rally/protocol/app";
import type { StoredRumor } from "../store/store.ts";
import { envelopeOf } from "./appViews.ts";

/**
 * The timers on offer, shortest first: what the CLI takes and the web app lists. The protocol's
 * DISAPPEAR_AFTER_CHOICES is the rule (a test keeps the two equal); this list is kept here so a web
 * page that shows it does not load the MLS engine.
 */
export const DISAPPEAR_CHOICES: readonly { seconds: number; short: string; words: string }[] = [
  { seconds: 3600, short: "1h", words: "1 hour" },
  { seconds: 86_400, short: "1d", words: "1 day" },
  { seconds: 604_800, short: "1w", words: "1 week" },
  { seconds: 2_419_200, short: "4w", words: "4 weeks" },
];

/** A timer in words ("1 day"), or "off". */
export function disappearWords(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "off";
  return DISAPPEAR_CHOICES.find((c) => c.seconds === seconds)?.words ?? `${seconds} seconds`;
}

/** Kinds that follow the timer from the time they were written. */
export const CHAT_TIMER_KINDS: readonly number[] = [KIND_CHAT, KIND_REACTION, KIND_DELETION];
/** Kinds that wait for the event or poll they belong to to be over. */
export const LASTING_KINDS: readonly number[] = [
  KIND_TIME_EVENT,
  KIND_DATE_EVENT,
  KIND_RSVP,
  KIND_SEALED,
  KIND_PLACES,
  KIND_POLL,
  KIND_POLL_RESPONSE,
];

/** When each calendar event is over (`owner:d` → unix seconds), from its newest version. */
export function eventEnds(rows: readonly StoredRumor[]): Map<string, number> {
  const newest = new Map<string, { at: number; ends: number }>();
  for (const row of rows) {
    const env = envelopeOf(row);
    if (!env) continue;
    const parsed = parseCalendarEvent(env.r);
    if (!parsed.ok) continue;
    const key = `${parsed.value.owner}:${parsed.value.d}`;
    const seen = newest.get(key);
    if (!seen || row.created_at > seen.at) {
      newest.set(key, { at: row.created_at, ends: eventEndsAt(parsed.value.time) });
    }
  }
  return new Map([...newest].map(([k, v]) => [k, v.ends]));
}

/** The `owner:d` of the event a row belongs to, if it belongs to one. */
function eventKeyOf(row: StoredRumor): string | null {
  const env = envelopeOf(row);
  if (!env) return null;
  const r = env.r;
  switch (row.kind) {
    case KIND_TIME_EVENT:
    case KIND_DATE_EVENT: {
      const p = parseCalendarEvent(r);
      return p.ok ? `${p.value.owner}:${p.value.d}` : null;
    }
    case KIND_RSVP: {
      const p = parseRsvp(r);
      return p.ok ? `${p.value.owner}:${p.value.d}` : null;
    }
    case KIND_PLACES: {
      const p = parsePlaces(r);
      return p.ok ? `${p.value.owner}:${p.value.d}` : null;
    }
    case KIND_SEALED: {
      const p = parseSealed(r);
      if (!p.ok || p.value.address === null) return null;
      const a = parseEventAddress(p.value.address);
      return a.ok ? `${a.value.owner}:${a.value.d}` : null;
    }
    default:
      return null;
  }
}

/** The poll a row belongs to (a poll's own id, or the poll an answer is for). */
function pollIdOf(row: StoredRumor): string | null {
  if (row.kind === KIND_POLL) return row.id;
  if (row.kind !== KIND_POLL_RESPONSE) return null;
  const env = envelopeOf(row);
  if (!env) return null;
  const p = parsePollResponse(env.r);
  return p.ok ? p.value.poll : null;
}

/** When a poll closes (unix seconds), or null for an open-ended or unreadable poll. */
export function pollCloses(row: StoredRumor): number | null {
  const env = envelopeOf(row);
  if (!env) return null;
  const p = parsePoll(env.r);
  return p.ok ? p.value.endsAt : null;
}

/**
 * The ids among `rows` whose time is up at `now` under a timer of `timer` seconds. `ends` and
 * `closes` say when the events and polls the rows belong to are over (see `eventEnds`); a row
 * whose event or poll is unknown or open-ended follows the timer alone.
 */
export function expiredIds(
  rows: readonly StoredRumor[],
  timer: number,
  now: number,
  ends: ReadonlyMap<string, number>,
  closes: ReadonlyMap<string, number | null>,
): string[] {
  const out: string[] = [];
  for (const row of rows) {
    if (row.created_at + timer > now) continue;
    if (CHAT_TIMER_KINDS.includes(row.kind)) {
      out.push(row.id);
      continue;
    }
    if (!LASTING_KINDS.includes(row.kind)) continue;
    const event = eventKeyOf(row);
    const poll = event === null ? pollIdOf(row) : null;
    const over = event !== null ? ends.get(event) : poll !== null ? closes.get(poll) : undefined;
    if (over !== undefined && over !== null && over > now) continue;
    out.push(row.id);
  }
  return out;
}

/** Poll ids named by these rows (polls themselves and answers), to look their closing times up. */
export function pollIdsOf(rows: readonly StoredRumor[]): Set<string> {
  const out = new Set<string>();
  for (const row of rows) {
    const id = pollIdOf(row);
    if (id !== null) out.add(id);
  }
  return out;
}

/** Does any of these rows belong to a calendar event (so the events' ends are needed)? */
export function touchesEvents(rows: readonly StoredRumor[]): boolean {
  return rows.some((r) =>
    [KIND_TIME_EVENT, KIND_DATE_EVENT, KIND_RSVP, KIND_SEALED, KIND_PLACES].includes(r.kind),
  );
}
