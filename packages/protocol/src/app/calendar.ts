/**
 * Calendar events as NIP-52 inner messages: kind 31923 (time-based: `start`/`end` Unix seconds with
 * `start_tzid`/`end_tzid`) and kind 31922 (all-day: `start`/`end` as YYYY-MM-DD, `end` exclusive).
 * Common tags: `d`, `title`, `summary`, `image`, `location`, `t`, `r`, and `p` with a role; content
 * is the description.
 *
 * Rally additions (docs/PROTOCOL.md, "Group application state"): `rally_capacity`, `rally_status`
 * (cancelled), `rally_rsvp_visibility` (hosts) and `rally_owner`. An event is addressed by
 * (owner, d) whatever its kind, so an edit may turn a timed event into an all-day one. The owner is
 * the rumor's author, except in an admin's edit of someone else's event, which names the owner in
 * `rally_owner` (inside a group nobody can sign as someone else, so the edit cannot reuse the
 * owner's pubkey as public NIP-52 replacement would).
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, randomBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import {
  HOST_ROLE,
  KIND_DATE_EVENT,
  KIND_TIME_EVENT,
  TAG_APPROVAL,
  TAG_CAPACITY,
  TAG_EXDATE,
  TAG_MOVED,
  TAG_OWNER,
  TAG_RRULE,
  TAG_RSVP_VISIBILITY,
  TAG_STATUS,
} from "./kinds.ts";
import {
  formatRule,
  type MovedOccurrence,
  type OccurrenceKey,
  occurrenceUnix,
  parseRule,
  type RepeatFields,
  readOccurrenceKey,
  ruleForSeries,
} from "./recurrence.ts";
import {
  fail,
  InvalidInputError,
  isHex64,
  makeRumor,
  ok,
  type Parsed,
  type Rumor,
  tagsNamed,
  tagValue,
} from "./rumor.ts";
import { charCount, checkText, isBlank } from "./text.ts";
import { addDays, isIsoDate, isoToUnix, isValidTimeZone, parseIso } from "./time.ts";

/** Limits in characters (code points, text.ts). */
export const MAX_TITLE_LENGTH = 512;
export const MAX_LOCATION_LENGTH = 1000;
/**
 * Checked when an event is written, not when one is read: a longer description from another
 * version of Rally is still bounded by the 64 KiB inner-message cap, and refusing it would hide
 * the whole event.
 */
export const MAX_DESCRIPTION_LENGTH = 10_000;
export const MAX_D_LENGTH = 256;
export const MAX_CAPACITY = 1_000_000;

export type EventTime =
  | { allDay: false; start: number; end: number | null; tz: string | null; endTz: string | null }
  | { allDay: true; start: string; end: string | null };

export interface CalendarEventFields {
  title: string;
  time: EventTime;
  description: string;
  summary: string | null;
  location: string | null;
  image: string | null;
  hashtags: string[];
  links: string[];
  /** Co-hosts (`p` tags with role "host"); the owner is always a host too. */
  hosts: string[];
  /** Seats including guests; null means no limit. */
  capacity: number | null;
  cancelled: boolean;
  /** RSVPs travel sealed to the hosts (see seal.ts). */
  hostsOnlyRsvps: boolean;
  /** Hosts approve answers from the web; the public page then hides the place (`rally_approval`). */
  approval?: boolean;
  /** A repeating event: its rule and exceptions (recurrence.ts); null or absent for a single event. */
  repeat?: RepeatFields | null;
}

export interface ParsedCalendarEvent extends CalendarEventFields {
  owner: string;
  d: string;
}

export type CalendarEventInput = Partial<Omit<CalendarEventFields, "title" | "time">> & {
  title: string;
  time: EventTime;
};

/**
 * When an event is over, in Unix seconds: its end; a timed event without an end at its start
 * (NIP-52: it "ends instantaneously"); an all-day event at the end of its last day in UTC.
 */
export function eventEndsAt(time: EventTime): number {
  if (!time.allDay) return time.end ?? time.start;
  const lastExclusive = time.end ?? addDays(time.start, 1);
  return Date.parse(`${lastExclusive}T00:00:00Z`) / 1000;
}

/** A fresh random `d` identifier (16 random bytes, hex). */
export function newEventIdentifier(random: Uint8Array = randomBytes(16)): string {
  if (random.length < 16) throw new InvalidInputError("random", "need at least 16 random bytes");
  return bytesToHex(random);
}

/** The stable id Rally shows for an event: SHA-256 of `owner:d`, hex. It does not change on edits. */
export function calendarEventId(owner: string, d: string): string {
  return bytesToHex(sha256(utf8ToBytes(`${owner}:${d}`)));
}

/** NIP-01 address `<kind>:<owner>:<d>` used in RSVP `a` tags. */
export function eventAddress(kind: number, owner: string, d: string): string {
  return `${kind}:${owner}:${d}`;
}

export function parseEventAddress(value: string): Parsed<{ kind: number; owner: string; d: string }> {
  const first = value.indexOf(":");
  const second = value.indexOf(":", first + 1);
  if (first < 0 || second < 0) return fail("address is not <kind>:<pubkey>:<d>");
  const kind = Number(value.slice(0, first));
  const owner = value.slice(first + 1, second);
  const d = value.slice(second + 1);
  if (kind !== KIND_TIME_EVENT && kind !== KIND_DATE_EVENT)
    return fail("address does not point at a calendar event");
  if (!isHex64(owner)) return fail("address pubkey is not 64 hex characters");
  if (d.length === 0 || d.length > MAX_D_LENGTH)
    return fail("address has an empty or oversized d identifier");
  return ok({ kind, owner, d });
}

function checkTime(time: EventTime): string | null {
  if (time.allDay) {
    if (!isIsoDate(time.start)) return "all-day start must be a date written YYYY-MM-DD";
    if (time.end !== null) {
      if (!isIsoDate(time.end)) return "all-day end must be a date written YYYY-MM-DD";
      if (time.end <= time.start) return "all-day end must be after the start (the end date is exclusive)";
    }
    return null;
  }
  if (!Number.isSafeInteger(time.start) || time.start < 0) return "start must be Unix seconds";
  if (time.end !== null) {
    if (!Number.isSafeInteger(time.end) || time.end < 0) return "end must be Unix seconds";
    if (time.end <= time.start) return "end must be after start";
  }
  if (time.tz !== null && !isValidTimeZone(time.tz)) return `unknown time zone "${time.tz}"`;
  if (time.endTz !== null && !isValidTimeZone(time.endTz)) return `unknown time zone "${time.endTz}"`;
  return null;
}

const byOccurrence = (a: OccurrenceKey, b: OccurrenceKey) => occurrenceUnix(a) - occurrenceUnix(b);

/** A series' rule and exceptions checked against its time: canonical rule, sorted exceptions. */
function checkRepeat(repeat: RepeatFields, time: EventTime): RepeatFields {
  const rule = formatRule(ruleForSeries(parseRule(repeat.rule), time));
  const kindOk = (k: OccurrenceKey) =>
    time.allDay
      ? typeof k === "string" && isIsoDate(k)
      : typeof k === "number" && Number.isSafeInteger(k) && k >= 0;
  const what = time.allDay ? "a date (YYYY-MM-DD)" : "Unix seconds";
  const exdates = [...new Set(repeat.exdates)];
  for (const x of exdates)
    if (!kindOk(x)) throw new InvalidInputError("repeat", `a cancelled occurrence must be ${what}`);
  const moved = new Map<string, MovedOccurrence>();
  for (const m of repeat.moved) {
    if (!kindOk(m.original) || !kindOk(m.start) || (m.end !== null && !kindOk(m.end)))
      throw new InvalidInputError("repeat", `a moved occurrence's times must be ${what}`);
    if (m.end !== null && occurrenceUnix(m.end) <= occurrenceUnix(m.start))
      throw new InvalidInputError("repeat", "a moved occurrence must end after it starts");
    moved.set(String(m.original), m);
  }
  return {
    rule,
    exdates: exdates.sort(byOccurrence),
    moved: [...moved.values()].sort((a, b) => byOccurrence(a.original, b.original)),
  };
}

/** NIP-52 time tags: dates for an all-day event, Unix seconds and zones for a timed one. */
export function timeTags(t: EventTime): string[][] {
  if (t.allDay)
    return t.end === null
      ? [["start", t.start]]
      : [
          ["start", t.start],
          ["end", t.end],
        ];
  const tags = [["start", String(t.start)]];
  if (t.end !== null) tags.push(["end", String(t.end)]);
  if (t.tz !== null) tags.push(["start_tzid", t.tz]);
  if (t.endTz !== null && t.endTz !== t.tz) tags.push(["end_tzid", t.endTz]);
  return tags;
}

/** Builds a calendar event rumor (31922 when `time.allDay`, else 31923). Throws InvalidInputError. */
export function buildCalendarEvent(
  input: CalendarEventInput & { pubkey: string; createdAt: number; d: string; owner?: string },
): Rumor {
  const title = checkText("title", input.title.trim(), { what: "The title", max: MAX_TITLE_LENGTH });
  if (input.location)
    checkText("location", input.location, { what: "The place", max: MAX_LOCATION_LENGTH, optional: true });
  if (input.description) {
    checkText("description", input.description, {
      what: "The description",
      max: MAX_DESCRIPTION_LENGTH,
      optional: true,
    });
  }
  if (input.d.length === 0 || input.d.length > MAX_D_LENGTH)
    throw new InvalidInputError("d", "bad event identifier");
  const timeError = checkTime(input.time);
  if (timeError) throw new InvalidInputError("time", timeError);
  const capacity = input.capacity ?? null;
  if (capacity !== null && (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY)) {
    throw new InvalidInputError("capacity", `capacity must be a whole number from 1 to ${MAX_CAPACITY}`);
  }
  const owner = input.owner ?? input.pubkey;
  if (!isHex64(owner)) throw new InvalidInputError("owner", "owner is not a pubkey");
  const hosts = [...new Set(input.hosts ?? [])].filter((h) => h !== owner);
  if (!hosts.every(isHex64)) throw new InvalidInputError("hosts", "a host is not a pubkey");

  const repeat = input.repeat ? checkRepeat(input.repeat, input.time) : null;

  const t = input.time;
  const tags: string[][] = [
    ["d", input.d],
    ["title", title],
  ];
  tags.push(...timeTags(t));
  if (input.summary) tags.push(["summary", input.summary]);
  if (input.image) tags.push(["image", input.image]);
  if (input.location) tags.push(["location", input.location]);
  for (const h of hosts) tags.push(["p", h, "", HOST_ROLE]);
  for (const tag of new Set(input.hashtags ?? [])) if (tag) tags.push(["t", tag]);
  for (const link of new Set(input.links ?? [])) if (link) tags.push(["r", link]);
  if (capacity !== null) tags.push([TAG_CAPACITY, String(capacity)]);
  if (input.cancelled) tags.push([TAG_STATUS, "cancelled"]);
  if (input.hostsOnlyRsvps) tags.push([TAG_RSVP_VISIBILITY, "hosts"]);
  if (input.approval) tags.push([TAG_APPROVAL, "required"]);
  if (owner !== input.pubkey) tags.push([TAG_OWNER, owner]);
  if (repeat !== null) {
    tags.push([TAG_RRULE, repeat.rule]);
    for (const x of repeat.exdates) tags.push([TAG_EXDATE, String(x)]);
    for (const m of repeat.moved)
      tags.push([TAG_MOVED, String(m.original), String(m.start), m.end === null ? "" : String(m.end)]);
  }
  return makeRumor({
    pubkey: input.pubkey,
    createdAt: input.createdAt,
    kind: t.allDay ? KIND_DATE_EVENT : KIND_TIME_EVENT,
    tags,
    content: input.description ?? "",
  });
}

/** A new version of an event with some fields changed, by `pubkey` (the owner or an admin). */
export function buildEventEdit(
  current: ParsedCalendarEvent,
  patch: Partial<CalendarEventFields>,
  by: { pubkey: string; createdAt: number },
): Rumor {
  const { owner, d, ...fields } = current;
  return buildCalendarEvent({ ...fields, ...patch, owner, d, pubkey: by.pubkey, createdAt: by.createdAt });
}

/** Cancelling keeps the event and marks it cancelled (a later edit may restore it). */
export function buildEventCancel(
  current: ParsedCalendarEvent,
  by: { pubkey: string; createdAt: number },
): Rumor {
  return buildEventEdit(current, { cancelled: true }, by);
}

const DIGITS = /^\d{1,15}$/;

export function parseCalendarEvent(rumor: Rumor): Parsed<ParsedCalendarEvent> {
  if (rumor.kind !== KIND_TIME_EVENT && rumor.kind !== KIND_DATE_EVENT) {
    return fail(`expected kind ${KIND_TIME_EVENT} or ${KIND_DATE_EVENT}, got ${rumor.kind}`);
  }
  const d = tagValue(rumor, "d");
  if (d === undefined || d.length === 0 || d.length > MAX_D_LENGTH)
    return fail("calendar event has no `d` tag");
  // NIP-52: `name` is the deprecated spelling of `title`.
  const title = (tagValue(rumor, "title") ?? tagValue(rumor, "name") ?? "").trim();
  if (isBlank(title)) return fail("calendar event has no title");
  if (charCount(title) > MAX_TITLE_LENGTH) return fail("calendar event title is too long");

  const start = tagValue(rumor, "start");
  const end = tagValue(rumor, "end");
  let time: EventTime;
  if (rumor.kind === KIND_DATE_EVENT) {
    if (!isIsoDate(start)) return fail("all-day event `start` is not a YYYY-MM-DD date");
    if (end !== undefined && !isIsoDate(end)) return fail("all-day event `end` is not a YYYY-MM-DD date");
    time = { allDay: true, start, end: end ?? null };
  } else {
    if (start === undefined || !DIGITS.test(start)) return fail("timed event `start` is not Unix seconds");
    if (end !== undefined && !DIGITS.test(end)) return fail("timed event `end` is not Unix seconds");
    // An unknown zone name does not make the time wrong (Unix seconds are absolute): it is dropped.
    const tz = tagValue(rumor, "start_tzid");
    const endTz = tagValue(rumor, "end_tzid");
    const startZone = tz !== undefined && isValidTimeZone(tz) ? tz : null;
    time = {
      allDay: false,
      start: Number(start),
      end: end === undefined ? null : Number(end),
      tz: startZone,
      // NIP-52: a missing end_tzid means the start's zone.
      endTz: endTz !== undefined && isValidTimeZone(endTz) ? endTz : startZone,
    };
  }
  const timeError = checkTime(time);
  if (timeError) return fail(timeError);

  let capacity: number | null = null;
  const capacityText = tagValue(rumor, TAG_CAPACITY);
  if (capacityText !== undefined) {
    capacity = DIGITS.test(capacityText) ? Number(capacityText) : Number.NaN;
    if (!(capacity >= 1 && capacity <= MAX_CAPACITY))
      return fail("`rally_capacity` is not a whole number ≥ 1");
  }
  const status = tagValue(rumor, TAG_STATUS);
  if (status !== undefined && status !== "cancelled" && status !== "confirmed") {
    return fail("`rally_status` must be cancelled or confirmed");
  }
  const visibility = tagValue(rumor, TAG_RSVP_VISIBILITY);
  if (visibility !== undefined && visibility !== "hosts" && visibility !== "group") {
    return fail("`rally_rsvp_visibility` must be hosts or group");
  }
  const ownerTag = tagValue(rumor, TAG_OWNER);
  if (ownerTag !== undefined && !isHex64(ownerTag)) return fail("`rally_owner` is not a pubkey");
  const owner = ownerTag ?? rumor.pubkey;

  const hosts = new Set<string>();
  for (const p of tagsNamed(rumor, "p")) {
    if (isHex64(p[1]) && (p[3] ?? "").toLowerCase() === HOST_ROLE && p[1] !== owner) hosts.add(p[1]);
  }
  const values = (name: string) =>
    [...new Set(tagsNamed(rumor, name).map((t) => t[1] ?? ""))].filter(Boolean);
  const repeat = readRepeat(rumor, time);
  return ok({
    ...(repeat !== null ? { repeat } : {}),
    owner,
    d,
    title,
    time,
    description: rumor.content,
    summary: tagValue(rumor, "summary") || null,
    // NIP-52 allows several `location` tags; Rally shows them joined.
    location: values("location").join(", ") || null,
    image: tagValue(rumor, "image") || null,
    hashtags: values("t"),
    links: values("r"),
    hosts: [...hosts].sort(),
    capacity,
    cancelled: status === "cancelled",
    hostsOnlyRsvps: visibility === "hosts",
    ...(tagValue(rumor, TAG_APPROVAL) === "required" ? { approval: true } : {}),
  });
}

/**
 * A series' rule and exceptions as tags carry them. A rule outside Rally's subset (from another
 * version) leaves the event a single one at its first time rather than hiding it; exceptions that
 * are malformed or do not fit the event's kind are left out one by one.
 */
function readRepeat(rumor: Rumor, time: EventTime): RepeatFields | null {
  const text = tagValue(rumor, TAG_RRULE);
  if (text === undefined) return null;
  let rule: string;
  try {
    rule = formatRule(ruleForSeries(parseRule(text), time));
  } catch {
    return null;
  }
  const exdates = new Map<string, OccurrenceKey>();
  for (const tag of tagsNamed(rumor, TAG_EXDATE)) {
    const k = readOccurrenceKey(tag[1], time.allDay);
    if (k !== null) exdates.set(String(k), k);
  }
  const moved = new Map<string, MovedOccurrence>();
  for (const tag of tagsNamed(rumor, TAG_MOVED)) {
    const original = readOccurrenceKey(tag[1], time.allDay);
    const start = readOccurrenceKey(tag[2], time.allDay);
    const end = tag[3] === undefined || tag[3] === "" ? null : readOccurrenceKey(tag[3], time.allDay);
    if (original === null || start === null) continue;
    if (tag[3] !== undefined && tag[3] !== "" && end === null) continue;
    if (end !== null && occurrenceUnix(end) <= occurrenceUnix(start)) continue;
    moved.set(String(original), { original, start, end });
  }
  return {
    rule,
    exdates: [...exdates.values()].sort(byOccurrence),
    moved: [...moved.values()].sort((a, b) => byOccurrence(a.original, b.original)),
  };
}

/**
 * Event time from what a person types: ISO 8601 `start`/`end` and an optional IANA zone.
 * A date alone (`2025-06-01`) makes an all-day event, whose `end` date is exclusive as in NIP-52 —
 * except that an end equal to the start is read as "that one day". A local date-time is read in
 * `tz` (UTC when none); one with `Z` or an offset is taken as written. Throws InvalidInputError.
 */
export function eventTimeFromIso(input: {
  start: string;
  end?: string | null;
  tz?: string | null;
  allDay?: boolean;
}): EventTime {
  const tz = input.tz ?? null;
  if (tz !== null && !isValidTimeZone(tz)) throw new InvalidInputError("tz", `unknown time zone "${tz}"`);
  let start: ReturnType<typeof parseIso>;
  let end: ReturnType<typeof parseIso> | null = null;
  try {
    start = parseIso(input.start);
  } catch (e) {
    throw new InvalidInputError("start", (e as Error).message);
  }
  try {
    if (input.end !== undefined && input.end !== null && input.end !== "") end = parseIso(input.end);
  } catch (e) {
    throw new InvalidInputError("end", (e as Error).message);
  }
  if (start.kind === "date" || input.allDay) {
    if (start.kind !== "date")
      throw new InvalidInputError("start", "an all-day event starts on a date such as 2025-06-01");
    if (end !== null && end.kind !== "date")
      throw new InvalidInputError("end", "an all-day event ends on a date");
    let endDate = end?.date ?? null;
    if (endDate !== null && endDate === start.date) endDate = addDays(start.date, 1);
    const time: EventTime = { allDay: true, start: start.date, end: endDate };
    const error = checkTime(time);
    if (error) throw new InvalidInputError("end", error);
    return time;
  }
  if (end !== null && end.kind === "date")
    throw new InvalidInputError("end", "end needs a time, like the start");
  const zone = tz ?? "UTC";
  const startUnix = isoToUnix(input.start, zone);
  const endUnix = end === null ? null : isoToUnix(input.end as string, zone);
  const time: EventTime = { allDay: false, start: startUnix, end: endUnix, tz, endTz: tz };
  const error = checkTime(time);
  if (error) throw new InvalidInputError(error.startsWith("end") ? "end" : "start", error);
  return time;
}
