/**
 * The repeating part of an exported event (RFC 5545 §3.8.5): `RRULE`, `EXDATE` for cancelled
 * occurrences (with the series' TZID, or `VALUE=DATE` for an all-day series), and for each moved
 * occurrence what its own VEVENT needs: the same UID with a `RECURRENCE-ID` naming the original
 * start. Exceptions that name no occurrence of the series are left out, as Rally ignores them.
 */

import type { EventTime } from "../app/calendar.ts";
import {
  expandOccurrences,
  type MovedOccurrence,
  type OccurrenceKey,
  occurrenceUnix,
  parseRule,
  type RepeatFields,
} from "../app/recurrence.ts";
import { zonedParts, zonedToUnix } from "../app/time.ts";
import { contentLine } from "./lines.ts";
import { formatLocalBasic } from "./vtimezone.ts";

const utcBasic = (unix: number) => `${formatLocalBasic(zonedParts(unix, "UTC"))}Z`;

/**
 * A DATE-TIME or DATE property: local time with TZID, except an instant in the second pass of a
 * repeated hour (a local time there means the first pass), which is written in UTC.
 */
export function timeLine(name: string, value: OccurrenceKey, tz: string | null): string {
  if (typeof value === "string") return contentLine(name, value.replaceAll("-", ""), { VALUE: "DATE" });
  const local = tz === null ? null : zonedParts(value, tz);
  if (tz === null || local === null || zonedToUnix(local, tz) !== value)
    return contentLine(name, utcBasic(value));
  return contentLine(name, formatLocalBasic(local), { TZID: tz });
}

/** Occurrences of the series by original, cancelled ones included, or null without a usable rule. */
function originals(time: EventTime, repeat: RepeatFields): Set<string> | null {
  try {
    // Exceptions can only name occurrences up to the last one an exception names.
    const keys = [...repeat.exdates, ...repeat.moved.map((m) => m.original)];
    if (keys.length === 0) return new Set();
    const to = Math.max(...keys.map(occurrenceUnix)) + 1;
    const list = expandOccurrences({ time, rule: repeat.rule }, { to, includeCancelled: true });
    return new Set(list.map((o) => String(o.original)));
  } catch {
    return null;
  }
}

/** RRULE and EXDATE lines of a series' main VEVENT (none for a single event). */
export function repeatLines(time: EventTime, repeat: RepeatFields | null | undefined): string[] {
  if (!repeat) return [];
  const known = originals(time, repeat);
  if (known === null) return [];
  const tz = time.allDay ? null : time.tz;
  const lines = [contentLine("RRULE", repeat.rule)];
  for (const x of repeat.exdates) if (known.has(String(x))) lines.push(timeLine("EXDATE", x, tz));
  return lines;
}

/** The moved occurrences to write as their own VEVENTs: their time, and their RECURRENCE-ID line. */
export function movedOccurrences(
  time: EventTime,
  repeat: RepeatFields | null | undefined,
): { time: EventTime; recurrenceId: string }[] {
  if (!repeat || repeat.moved.length === 0) return [];
  const known = originals(time, repeat);
  if (known === null) return [];
  const cancelled = new Set(repeat.exdates.map(String));
  const tz = time.allDay ? null : time.tz;
  return repeat.moved
    .filter((m) => known.has(String(m.original)) && !cancelled.has(String(m.original)))
    .map((m) => ({ time: movedTime(time, m), recurrenceId: timeLine("RECURRENCE-ID", m.original, tz) }));
}

function movedTime(time: EventTime, m: MovedOccurrence): EventTime {
  if (time.allDay) {
    const start = String(m.start);
    const days =
      time.end === null
        ? null
        : (Date.parse(`${time.end}T00:00:00Z`) - Date.parse(`${time.start}T00:00:00Z`)) / 86400000;
    const end =
      m.end !== null
        ? String(m.end)
        : days === null
          ? null
          : new Date(Date.parse(`${start}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);
    return { allDay: true, start, end };
  }
  const start = Number(m.start);
  const end = m.end !== null ? Number(m.end) : time.end === null ? null : start + (time.end - time.start);
  return { ...time, start, end };
}

/**
 * The last instant a series' VTIMEZONE must cover: its last occurrence for a bounded rule, else ten
 * years past `after` (calendar apps use the last observance beyond that).
 */
export function repeatSpanEnd(
  time: EventTime,
  repeat: RepeatFields | null | undefined,
  after: number,
): number | null {
  if (!repeat || time.allDay) return null;
  const horizon = Math.max(after, time.start) + 10 * 366 * 86400;
  let last = time.start;
  try {
    const rule = parseRule(repeat.rule);
    if (rule.count === null && rule.until === null) return horizon;
    for (const o of expandOccurrences({ time, rule, moved: repeat.moved }, { to: horizon }))
      last = Math.max(last, occurrenceUnix(o.end ?? o.start));
  } catch {
    return null;
  }
  return last;
}
