/**
 * VTIMEZONE components (RFC 5545 §3.6.5) for IANA zones, derived from the runtime's time zone
 * database through Intl rather than from bundled rules: every UTC-offset change inside the years the
 * calendar covers becomes one observance whose DTSTART is the local time it starts (in the offset in
 * force before it), with TZOFFSETFROM/TZOFFSETTO. Observances without RRULE are valid iCalendar and
 * describe exactly the rules in force in those years, including one-off changes.
 */

import { localAsUtc, offsetSeconds, zonedParts } from "../app/time.ts";
import { contentLine } from "./lines.ts";

export interface Transition {
  /** Unix seconds of the first instant with the new offset. */
  at: number;
  from: number;
  to: number;
}

const DAY = 86400;

/** Offset changes of a zone between two instants, found by a daily scan and then a binary search. */
export function transitions(timeZone: string, fromUnix: number, toUnix: number): Transition[] {
  const found: Transition[] = [];
  let prevTime = fromUnix;
  let prevOffset = offsetSeconds(fromUnix, timeZone);
  for (let t = fromUnix + DAY; t <= toUnix + DAY; t += DAY) {
    const offset = offsetSeconds(t, timeZone);
    if (offset !== prevOffset) {
      // The change happened in (prevTime, t]: narrow it down to the second.
      let lo = prevTime;
      let hi = t;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetSeconds(mid, timeZone) === prevOffset) lo = mid;
        else hi = mid;
      }
      found.push({ at: hi, from: prevOffset, to: offset });
      prevOffset = offset;
    }
    prevTime = t;
  }
  return found;
}

export function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? "-" : "+";
  const abs = Math.abs(seconds);
  const hh = String(Math.floor(abs / 3600)).padStart(2, "0");
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, "0");
  const ss = abs % 60;
  return `${sign}${hh}${mm}${ss ? String(ss).padStart(2, "0") : ""}`;
}

/** `YYYYMMDDTHHMMSS` of wall-clock fields. */
export function formatLocalBasic(t: {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(t.year, 4)}${p(t.month)}${p(t.day)}T${p(t.hour)}${p(t.minute)}${p(t.second)}`;
}

/**
 * The VTIMEZONE lines for `timeZone` covering `[fromUnix, toUnix]` (widened to whole years and one
 * year either side, so that a calendar app's own lookups near the edges stay right).
 */
export function vtimezoneLines(timeZone: string, fromUnix: number, toUnix: number): string[] {
  const startYear = zonedParts(fromUnix, "UTC").year - 1;
  const endYear = zonedParts(toUnix, "UTC").year + 1;
  const windowStart = localAsUtc({ year: startYear, month: 1, day: 1, hour: 0, minute: 0, second: 0 });
  const windowEnd = localAsUtc({ year: endYear, month: 12, day: 31, hour: 23, minute: 59, second: 59 });
  const initial = offsetSeconds(windowStart, timeZone);
  const lines = [contentLine("BEGIN", "VTIMEZONE"), contentLine("TZID", timeZone)];
  const observance = (at: number, from: number, to: number) => {
    // DAYLIGHT when clocks go forward, STANDARD otherwise (the label does not change the arithmetic).
    const kind = to > from ? "DAYLIGHT" : "STANDARD";
    lines.push(
      contentLine("BEGIN", kind),
      // DTSTART is the local time at which the observance begins, read in the offset before it.
      contentLine("DTSTART", formatLocalBasic(zonedParts(at + from, "UTC"))),
      contentLine("TZOFFSETFROM", formatOffset(from)),
      contentLine("TZOFFSETTO", formatOffset(to)),
      contentLine("END", kind),
    );
  };
  observance(windowStart, initial, initial);
  for (const t of transitions(timeZone, windowStart, windowEnd)) observance(t.at, t.from, t.to);
  lines.push(contentLine("END", "VTIMEZONE"));
  return lines;
}
