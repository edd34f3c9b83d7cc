/**
 * iCalendar export (RFC 5545) of group events: one VEVENT in a VCALENDAR for "Add to calendar", or
 * a whole calendar of a group's events. Times keep their zone: a timed event with a zone is written
 * as local time with TZID plus a VTIMEZONE for that zone (vtimezone.ts); without a zone, in UTC
 * (`Z`); an all-day event as DATE values with DTEND exclusive. UID is stable across edits (derived
 * from the event's (owner, d) address), STATUS is CONFIRMED or CANCELLED, ORGANIZER is the owner as
 * a `nostr:npub…` URI. Attendees are deliberately not exported: who goes is group-private.
 */

import { npubEncode } from "nostr-tools/nip19";
import type { EventTime } from "../app/calendar.ts";
import { calendarEventId } from "../app/calendar.ts";
import { type RepeatFields, seriesEndsAt } from "../app/recurrence.ts";
import { zonedParts, zonedToUnix } from "../app/time.ts";
import { IcsError } from "./errors.ts";
import { contentLine, escapeText, joinLines } from "./lines.ts";
import { movedOccurrences, repeatLines, repeatSpanEnd } from "./recurrence.ts";
import { formatLocalBasic, vtimezoneLines } from "./vtimezone.ts";

export const PRODID = "-//Rally//Rally group calendar//EN";

/** What export needs from an event; a reducer CalendarEventState fits. */
export interface IcsEventSource {
  owner: string;
  d: string;
  title: string;
  time: EventTime;
  description: string;
  summary?: string | null;
  location: string | null;
  image?: string | null;
  hashtags?: string[];
  links?: string[];
  cancelled: boolean;
  createdAt: number;
  updatedAt: number;
  /** A repeating event's rule and exceptions (RRULE, EXDATE, RECURRENCE-ID; ics/recurrence.ts). */
  repeat?: RepeatFields | null;
}

export interface IcsOptions {
  /** DTSTAMP, Unix seconds; defaults to the event's last change so that output is reproducible. */
  now?: number;
  /** Display name of a pubkey, for ORGANIZER's CN. */
  nameOf?: (pubkey: string) => string | undefined;
  /**
   * A reminder (VALARM, DISPLAY) in every event: an hour before a timed one; for an all-day one the
   * day before at 09:00 (`-PT15H` from the day's midnight). For public feeds people subscribe to.
   */
  alarms?: boolean;
}

const utcBasic = (unix: number) => `${formatLocalBasic(zonedParts(unix, "UTC"))}Z`;
const dateBasic = (date: string) => date.replaceAll("-", "");

/** The UID of an event: stable across edits, unique per (owner, d). */
export function eventUid(owner: string, d: string): string {
  return `${calendarEventId(owner, d)}@rally`;
}

function addDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
}

/** RFC 5545 §3.6.6: a DISPLAY alarm, relative to the start. */
function alarmLines(e: IcsEventSource): string[] {
  return [
    contentLine("BEGIN", "VALARM"),
    contentLine("ACTION", "DISPLAY"),
    contentLine("DESCRIPTION", escapeText(e.title)),
    contentLine("TRIGGER", e.time.allDay ? "-PT15H" : "-PT1H"),
    contentLine("END", "VALARM"),
  ];
}

function veventLines(e: IcsEventSource, options: IcsOptions): string[] {
  const lines = [contentLine("BEGIN", "VEVENT")];
  lines.push(contentLine("UID", escapeText(eventUid(e.owner, e.d))));
  lines.push(contentLine("DTSTAMP", utcBasic(options.now ?? e.updatedAt)));
  lines.push(contentLine("CREATED", utcBasic(e.createdAt)));
  lines.push(contentLine("LAST-MODIFIED", utcBasic(e.updatedAt)));
  const t = e.time;
  if (t.allDay) {
    lines.push(contentLine("DTSTART", dateBasic(t.start), { VALUE: "DATE" }));
    lines.push(contentLine("DTEND", dateBasic(t.end ?? addDay(t.start)), { VALUE: "DATE" }));
  } else {
    const write = (name: string, unix: number, tz: string | null) => {
      const local = tz === null ? null : zonedParts(unix, tz);
      // A wall-clock time in the repeated hour of a DST change means its first occurrence
      // (RFC 5545 §3.3.5); an instant in the second one is written in UTC so it stays exact.
      if (tz === null || local === null || zonedToUnix(local, tz) !== unix)
        return contentLine(name, utcBasic(unix));
      return contentLine(name, formatLocalBasic(local), { TZID: tz });
    };
    lines.push(write("DTSTART", t.start, t.tz));
    if (t.end !== null) lines.push(write("DTEND", t.end, t.endTz ?? t.tz));
  }
  lines.push(...repeatLines(t, e.repeat));
  lines.push(contentLine("SUMMARY", escapeText(e.title)));
  if (e.description) lines.push(contentLine("DESCRIPTION", escapeText(e.description)));
  else if (e.summary) lines.push(contentLine("DESCRIPTION", escapeText(e.summary)));
  if (e.location) lines.push(contentLine("LOCATION", escapeText(e.location)));
  if (e.hashtags && e.hashtags.length > 0) {
    lines.push(contentLine("CATEGORIES", e.hashtags.map(escapeText).join(",")));
  }
  const url = e.links?.find((l) => /^https?:\/\/\S+$/i.test(l));
  if (url) lines.push(contentLine("URL", url, { VALUE: "URI" }));
  // RFC 7986 IMAGE; calendar apps that do not know it ignore it.
  if (e.image && /^https?:\/\/\S+$/i.test(e.image))
    lines.push(contentLine("IMAGE", e.image, { VALUE: "URI" }));
  const cn = options.nameOf?.(e.owner);
  lines.push(contentLine("ORGANIZER", `nostr:${npubEncode(e.owner)}`, cn ? { CN: cn } : {}));
  lines.push(contentLine("STATUS", e.cancelled ? "CANCELLED" : "CONFIRMED"));
  lines.push(contentLine("TRANSP", "OPAQUE"));
  if (options.alarms) lines.push(...alarmLines(e));
  lines.push(contentLine("END", "VEVENT"));
  return lines;
}

function zonesOf(events: readonly IcsEventSource[]): Map<string, { from: number; to: number }> {
  const zones = new Map<string, { from: number; to: number }>();
  for (const e of events) {
    const t = e.time;
    if (t.allDay) continue;
    for (const [tz, at] of [
      [t.tz, t.start],
      [t.endTz ?? t.tz, t.end ?? t.start],
    ] as const) {
      if (tz === null) continue;
      const span = zones.get(tz);
      zones.set(tz, { from: Math.min(span?.from ?? at, at), to: Math.max(span?.to ?? at, at) });
    }
    const last = repeatSpanEnd(t, e.repeat, e.updatedAt);
    const span = t.tz === null ? undefined : zones.get(t.tz);
    if (span && last !== null) span.to = Math.max(span.to, last);
  }
  return zones;
}

/**
 * A calendar of events (in the order given) with one VTIMEZONE per zone used. With `upcomingAfter`
 * (Unix seconds), events that were over by then are left out: a group's upcoming events.
 */
export function calendarToIcs(
  all: readonly IcsEventSource[],
  options: IcsOptions & { name?: string; description?: string; upcomingAfter?: number } = {},
): string {
  const after = options.upcomingAfter;
  const events =
    after === undefined ? all : all.filter((e) => seriesEndsAt(e.time, e.repeat ?? null) > after);
  const lines = [
    contentLine("BEGIN", "VCALENDAR"),
    contentLine("VERSION", "2.0"),
    contentLine("PRODID", PRODID),
    contentLine("CALSCALE", "GREGORIAN"),
  ];
  if (options.name) {
    // RFC 7986 NAME, and the older X-WR-CALNAME that Google, Apple and Outlook read.
    lines.push(
      contentLine("NAME", escapeText(options.name)),
      contentLine("X-WR-CALNAME", escapeText(options.name)),
    );
  }
  if (options.description) lines.push(contentLine("DESCRIPTION", escapeText(options.description)));
  for (const [tz, span] of [...zonesOf(events)].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(...vtimezoneLines(tz, span.from, span.to));
  }
  for (const e of events) {
    if (!e.title) throw new IcsError("an event without a title cannot be exported");
    lines.push(...veventLines(e, options));
    // A moved occurrence: its own VEVENT with the series' UID and a RECURRENCE-ID after the UID.
    for (const m of movedOccurrences(e.time, e.repeat)) {
      const moved = veventLines({ ...e, time: m.time, repeat: null }, options);
      moved.splice(2, 0, m.recurrenceId);
      lines.push(...moved);
    }
  }
  lines.push(contentLine("END", "VCALENDAR"));
  return joinLines(lines);
}

/** One event as a complete .ics file. */
export function eventToIcs(event: IcsEventSource, options: IcsOptions = {}): string {
  return calendarToIcs([event], options);
}
