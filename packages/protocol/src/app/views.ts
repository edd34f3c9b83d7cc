/**
 * Views of the application state for one person: the shapes the CLI prints and the web app draws
 * (issue 4's `rally event list`, polls, chat). People are hex pubkeys here; the client turns them into
 * npubs and names. Times are ISO 8601 strings: an all-day event's `start`/`end` are dates
 * (YYYY-MM-DD, `end` exclusive as in NIP-52 and iCalendar), a timed event's are date-times written in
 * the event's time zone with their UTC offset (or in UTC, `Z`, when it has none).
 */

import { expandOccurrences, type OccurrenceKey, seriesEndsAt } from "./recurrence.ts";
import type { RsvpStatus } from "./rsvp.ts";
import type {
  CalendarEventState,
  ChatMessageState,
  GroupAppState,
  OccurrenceLine,
  PollState,
  RsvpState,
} from "./state.ts";
import { unixToIso, unixToZonedIso } from "./time.ts";

export type MyPlace = "confirmed" | "asking" | "waitlist" | null;

export interface EventView {
  id: string;
  address: string;
  kind: number;
  d: string;
  title: string;
  start: string;
  end: string | null;
  tz: string | null;
  allDay: boolean;
  location: string;
  description: string;
  summary: string | null;
  image: string | null;
  tags: string[];
  links: string[];
  status: "confirmed" | "cancelled";
  capacity: number | null;
  seatsTaken: number;
  hostsOnlyRsvps: boolean;
  /** Hosts approve answers from the web (`rally_approval`, publicFace.ts). */
  approval: boolean;
  /** The event's owner. */
  author: string;
  /** Owner first, then co-hosts. */
  hosts: string[];
  /** `asking`: answered "going" but no host has confirmed a place yet (events with a capacity). */
  rsvps: { going: string[]; maybe: string[]; declined: string[]; waitlist: string[]; asking: string[] };
  /** Guests brought by each "going" person who brings any. */
  guests: Record<string, number>;
  /**
   * True when RSVPs are for hosts only and `me` is not a host: the lists then hold only `me`'s own
   * answer, and `answers` how many people answered.
   */
  rsvpsHidden: boolean;
  answers: number;
  myRsvp: RsvpStatus | null;
  myGuests: number;
  /**
   * `me`'s place: confirmed by a host (a seat), waiting (confirmed in line, no seat free), asking
   * (answered "going", no host has confirmed it yet), or null (no "going" answer, or hidden lists).
   */
  myPlace: MyPlace;
  canEdit: boolean;
  createdAt: number;
  updatedAt: number;
  versionId: string;
  /**
   * A repeating event's rule (RRULE value, COUNT or UNTIL included) and exceptions, times written
   * as `start` is; null for a single event. `start`/`end` above are then its first occurrence's.
   */
  repeat: RepeatView | null;
  /** A repeating event's next occurrences (EventViewOptions); empty for a single event. */
  occurrences: OccurrenceView[];
}

export interface RepeatView {
  rule: string;
  /** Original starts of the cancelled occurrences. */
  cancelled: string[];
  moved: { original: string; start: string; end: string | null }[];
}

export interface OccurrenceView {
  /** The occurrence's original start: what names it (RSVPs, cancelling), also once moved. */
  original: string;
  start: string;
  end: string | null;
  /** Cancelled: this occurrence, or the whole event. */
  status: "confirmed" | "cancelled";
  moved: boolean;
  /**
   * Answers for this occurrence: one's answer for it, or else one's answer for every occurrence.
   * With a capacity each occurrence has its own line, as the event's `rsvps`: `going` has a place
   * that day, `waitlist` waits for one, `asking` awaits a host's confirmation.
   */
  rsvps: { going: string[]; maybe: string[]; declined: string[]; waitlist: string[]; asking: string[] };
  /** Guests brought that day by each "going" person who brings any. */
  guests: Record<string, number>;
  /** Places taken that day, guests counted; 0 when the answers are hidden. */
  seatsTaken: number;
  myRsvp: RsvpStatus | null;
  myGuests: number;
  /** `me`'s place that day, as the event's `myPlace`. */
  myPlace: MyPlace;
}

export interface EventViewOptions {
  /** Occurrences shown are those not over by this time (Unix seconds); default: from the first. */
  now?: number;
  /** How many occurrences at most (default 10) … */
  occurrences?: number;
  /** … within how many seconds after `now` (default a year). */
  horizon?: number;
}

/**
 * The answers that count for one occurrence of a series: per person, their answer for that
 * occurrence, or else their answer for every occurrence (PROTOCOL.md 13.10).
 */
export function occurrenceAnswers(e: CalendarEventState, original: OccurrenceKey): RsvpState[] {
  const own = e.occurrenceRsvps.find((o) => o.occurrence === String(original))?.rsvps ?? [];
  const byPerson = new Map(e.rsvps.map((r) => [r.pubkey, r]));
  for (const r of own) byPerson.set(r.pubkey, r);
  return [...byPerson.values()].sort((x, y) => (x.pubkey < y.pubkey ? -1 : x.pubkey > y.pubkey ? 1 : 0));
}

/**
 * One occurrence's line (PROTOCOL.md 13.5, 13.10): its own when someone answered for that date or a
 * host confirmed it on its own, else the event's. `places` is its own confirmation only.
 */
export function occurrenceLine(e: CalendarEventState, original: OccurrenceKey): OccurrenceLine {
  const key = String(original);
  return (
    e.occurrenceLines.find((l) => l.occurrence === key) ?? {
      occurrence: key,
      going: e.going,
      waitlist: e.waitlist,
      asking: e.asking,
      seatsTaken: e.seatsTaken,
      places: null,
    }
  );
}

/** `me`'s place in a line (null: no "going" answer, or the lists are hidden). */
function placeIn(line: Pick<OccurrenceLine, "going" | "waitlist" | "asking">, me: string | null): MyPlace {
  if (me === null) return null;
  if (line.going.includes(me)) return "confirmed";
  if (line.waitlist.includes(me)) return "waitlist";
  if (line.asking.includes(me)) return "asking";
  return null;
}

function writeKey(value: OccurrenceKey, tz: string | null): string {
  if (typeof value === "string") return value;
  return tz ? unixToZonedIso(value, tz) : unixToIso(value);
}

function seriesViews(
  e: CalendarEventState,
  me: string | null,
  hidden: boolean,
  options: EventViewOptions,
): { repeat: RepeatView | null; occurrences: OccurrenceView[] } {
  const r = e.repeat ?? null;
  if (r === null) return { repeat: null, occurrences: [] };
  const tz = e.time.allDay ? null : e.time.tz;
  const endTz = e.time.allDay ? null : (e.time.endTz ?? e.time.tz);
  const repeat: RepeatView = {
    rule: r.rule,
    cancelled: r.exdates.map((x) => writeKey(x, tz)),
    moved: r.moved.map((m) => ({
      original: writeKey(m.original, tz),
      start: writeKey(m.start, tz),
      end: m.end === null ? null : writeKey(m.end, endTz),
    })),
  };
  const from = options.now;
  const window = {
    includeCancelled: true,
    limit: options.occurrences ?? 10,
    ...(from !== undefined ? { from, to: from + (options.horizon ?? 366 * 86400) } : {}),
  };
  let list: ReturnType<typeof expandOccurrences>;
  try {
    list = expandOccurrences({ time: e.time, rule: r.rule, exdates: r.exdates, moved: r.moved }, window);
  } catch {
    list = [];
  }
  const occurrences = list.map((o): OccurrenceView => {
    const answers = occurrenceAnswers(e, o.original).filter((a) => !hidden || a.pubkey === me);
    const of = (status: RsvpStatus) => answers.filter((a) => a.status === status).map((a) => a.pubkey);
    const line = occurrenceLine(e, o.original);
    const guests: Record<string, number> = {};
    for (const a of answers) if (a.status === "going" && a.guests > 0) guests[a.pubkey] = a.guests;
    const mine = answers.find((a) => a.pubkey === me);
    return {
      original: writeKey(o.original, tz),
      start: writeKey(o.start, tz),
      end: o.end === null ? null : writeKey(o.end, endTz),
      status: o.cancelled || e.cancelled ? "cancelled" : "confirmed",
      moved: o.moved,
      // When hidden, one's own "going" shows as going: only the hosts can tell seat from waitlist.
      rsvps: hidden
        ? { going: of("going"), maybe: of("maybe"), declined: of("declined"), waitlist: [], asking: [] }
        : {
            going: line.going,
            maybe: of("maybe"),
            declined: of("declined"),
            waitlist: line.waitlist,
            asking: line.asking,
          },
      guests,
      seatsTaken: hidden ? 0 : line.seatsTaken,
      myRsvp: mine?.status ?? null,
      myGuests: mine?.guests ?? 0,
      myPlace: hidden ? null : placeIn(line, me),
    };
  });
  return { repeat, occurrences };
}

function timeStrings(e: CalendarEventState): { start: string; end: string | null; tz: string | null } {
  const t = e.time;
  if (t.allDay) return { start: t.start, end: t.end, tz: null };
  const write = (unix: number, tz: string | null) => (tz ? unixToZonedIso(unix, tz) : unixToIso(unix));
  return {
    start: write(t.start, t.tz),
    end: t.end === null ? null : write(t.end, t.endTz ?? t.tz),
    tz: t.tz,
  };
}

export function eventView(
  state: GroupAppState,
  e: CalendarEventState,
  me: string | null,
  options: EventViewOptions = {},
): EventView {
  const hosts = [e.owner, ...e.hosts.filter((h) => h !== e.owner)];
  const isHost = me !== null && hosts.includes(me);
  const hidden = e.hostsOnlyRsvps && !isHost;
  const mine = me === null ? undefined : e.rsvps.find((r) => r.pubkey === me);
  const only = (list: string[]) => (hidden ? list.filter((p) => p === me) : list);
  const guests: Record<string, number> = {};
  for (const r of e.rsvps) {
    if (r.status === "going" && r.guests > 0 && (!hidden || r.pubkey === me)) guests[r.pubkey] = r.guests;
  }
  const answered = new Set([...e.rsvps.map((r) => r.pubkey), ...e.sealedAnswers]);
  const going = only(e.going);
  const waitlist = only(e.waitlist);
  const asking = only(e.asking);
  const myPlace: MyPlace = hidden ? null : placeIn(e, me);
  return {
    id: e.id,
    address: e.address,
    kind: e.kind,
    d: e.d,
    title: e.title,
    ...timeStrings(e),
    allDay: e.time.allDay,
    location: e.location ?? "",
    description: e.description,
    summary: e.summary,
    image: e.image,
    tags: e.hashtags,
    links: e.links,
    status: e.cancelled ? "cancelled" : "confirmed",
    capacity: e.capacity,
    seatsTaken: hidden ? 0 : e.seatsTaken,
    hostsOnlyRsvps: e.hostsOnlyRsvps,
    approval: e.approval === true,
    author: e.owner,
    hosts,
    // When hidden, one's own "going" shows as going: only the hosts can tell seat from waitlist.
    rsvps: hidden
      ? {
          going: only([...e.going, ...e.waitlist, ...e.asking]),
          maybe: only(e.maybe),
          declined: only(e.declined),
          waitlist: [],
          asking: [],
        }
      : { going, maybe: e.maybe, declined: e.declined, waitlist, asking },
    guests,
    rsvpsHidden: hidden,
    answers: answered.size,
    myRsvp: mine?.status ?? null,
    myGuests: mine?.guests ?? 0,
    myPlace,
    canEdit: me !== null && (me === e.owner || state.admins.includes(me)),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    versionId: e.versionId,
    ...seriesViews(e, me, hidden, options),
  };
}

/**
 * Every event, soonest first. With `upcomingAfter` (Unix seconds), only events that have not ended
 * by then (an event without an end lasts until its start, an all-day one until the end of its day in UTC).
 */
export function eventViews(
  state: GroupAppState,
  me: string | null,
  options: { upcomingAfter?: number; now?: number } = {},
): EventView[] {
  const now = options.now ?? options.upcomingAfter;
  return state.events
    .filter(
      (e) =>
        options.upcomingAfter === undefined || seriesEndsAt(e.time, e.repeat ?? null) > options.upcomingAfter,
    )
    .map((e) => eventView(state, e, me, now === undefined ? {} : { now }));
}

/** Finds an event by its id, or by a unique prefix of at least 6 characters. */
export function findEvent(state: GroupAppState, idOrPrefix: string): CalendarEventState | undefined {
  const exact = state.events.find((e) => e.id === idOrPrefix);
  if (exact || idOrPrefix.length < 6) return exact;
  const matches = state.events.filter((e) => e.id.startsWith(idOrPrefix));
  return matches.length === 1 ? matches[0] : undefined;
}

export interface PollView {
  id: string;
  question: string;
  dates: boolean;
  multiple: boolean;
  author: string;
  createdAt: number;
  /** Milliseconds within `createdAt`'s second, from its author (order.ts). */
  ms: number;
  endsAt: number | null;
  closed: boolean;
  options: { id: string; label: string; votes: string[] }[];
  myVote: string[];
  voters: number;
  canDelete: boolean;
}

export function pollViews(
  state: GroupAppState,
  me: string | null,
  options: { now?: number } = {},
): PollView[] {
  return state.polls.filter((p) => !p.deleted).map((p) => pollView(state, p, me, options.now));
}

export function pollView(state: GroupAppState, p: PollState, me: string | null, now?: number): PollView {
  return {
    id: p.id,
    question: p.question,
    dates: p.dates,
    multiple: p.multiple,
    author: p.author,
    createdAt: p.createdAt,
    ms: p.ms,
    endsAt: p.endsAt,
    closed: p.endsAt !== null && now !== undefined && now > p.endsAt,
    options: p.options.map((o) => ({ id: o.id, label: o.label, votes: [...o.votes] })),
    myVote: me === null ? [] : p.options.filter((o) => o.votes.includes(me)).map((o) => o.id),
    voters: p.voters,
    canDelete: me !== null && (me === p.author || state.admins.includes(me)),
  };
}

export interface ChatView {
  id: string;
  author: string;
  text: string;
  createdAt: number;
  /** Milliseconds within `createdAt`'s second, from its author (order.ts). */
  ms: number;
  replyTo: string | null;
  reactions: { emoji: string; authors: string[] }[];
  deleted: boolean;
  mine: boolean;
  canDelete: boolean;
}

export function chatViews(state: GroupAppState, me: string | null): ChatView[] {
  return state.messages.map((m) => chatView(state, m, me));
}

export function chatView(state: GroupAppState, m: ChatMessageState, me: string | null): ChatView {
  return {
    id: m.id,
    author: m.author,
    text: m.text,
    createdAt: m.createdAt,
    ms: m.ms,
    replyTo: m.replyTo,
    reactions: m.reactions.map((r) => ({ emoji: r.emoji, authors: [...r.authors] })),
    deleted: m.deleted,
    mine: me === m.author,
    canDelete: !m.deleted && me !== null && (me === m.author || state.admins.includes(me)),
  };
}
