/**
 * Dates, times and IANA time zones without a clock: conversions between Unix seconds, ISO 8601
 * strings and wall-clock times in a zone, computed with the ECMAScript Intl API (its time zone
 * database), so no zone data is bundled.
 *
 * Local times that occur twice or never (daylight saving changes): `zonedToUnix` resolves them as
 * RFC 5545 §3.3.5 says (the first occurrence of a repeated time; a time in a gap uses the UTC
 * offset from before the gap), which is right for calendars made elsewhere. A time a person types
 * (`isoToUnix`) is different: a time in a gap is refused with the times they may have meant, since
 * moving it silently by an hour would move their meeting; a repeated time means its first
 * occurrence, and `localTimeNote` says so (`readWallClock` tells the three cases apart).
 */

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when this is an IANA time zone name that the runtime knows (e.g. `Europe/Berlin`). */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== "string" || timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock fields of an instant in a zone. */
export function zonedParts(unix: number, timeZone: string): LocalDateTime {
  const parts = formatter(timeZone).formatToParts(new Date(unix * 1000));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? Number.NaN);
  let year = get("year");
  // Intl gives years before 1 CE as "1 BC" and so on; astronomical numbering makes 1 BC year 0.
  if (parts.find((p) => p.type === "era")?.value === "BC") year = 1 - year;
  return {
    year,
    month: get("month"),
    day: get("day"),
    hour: get("hour"),
    minute: get("minute"),
    second: get("second"),
  };
}

/** UTC offset (local minus UTC) of a zone at an instant, in seconds. */
export function offsetSeconds(unix: number, timeZone: string): number {
  const p = zonedParts(unix, timeZone);
  return localAsUtc(p) - Math.floor(unix);
}

/** Seconds since the epoch of these wall-clock fields read as if they were UTC. */
export function localAsUtc(t: LocalDateTime): number {
  const ms = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear undoes that.
  if (t.year >= 0 && t.year < 100) {
    const d = new Date(ms);
    d.setUTCFullYear(t.year);
    return Math.floor(d.getTime() / 1000);
  }
  return Math.floor(ms / 1000);
}

/** The instant at which a zone's clocks show these wall-clock fields (RFC 5545 §3.3.5 rules). */
export function zonedToUnix(local: LocalDateTime, timeZone: string): number {
  const wall = localAsUtc(local);
  const before = offsetSeconds(wall - 86400, timeZone);
  const after = offsetSeconds(wall + 86400, timeZone);
  const valid = [...new Set([before, after])]
    .map((o) => wall - o)
    .filter((t) => offsetSeconds(t, timeZone) === wall - t)
    .sort((a, b) => a - b);
  // Repeated hour: the first occurrence. Skipped hour: the offset in force before the gap.
  return valid[0] ?? wall - before;
}

/** A change of a zone's UTC offset (daylight saving starting or ending, or a change of rule). */
export interface ClockChange {
  /** The instant of the change, unix seconds. */
  at: number;
  /** What clocks showed at that instant before the change (2:00 when they go forward to 3:00). */
  from: LocalDateTime;
  /** What they show from that instant on. */
  to: LocalDateTime;
}

/** How often a zone's clocks show a wall-clock time: once, never (a gap) or twice (an overlap). */
export type WallClockReading =
  | { kind: "once"; unix: number }
  | {
      kind: "never";
      change: ClockChange;
      /** The time as far past the gap as it was into it (3:30 for 2:30 when 2:00 became 3:00). */
      later: number;
      /** The time as far before the gap (1:30). */
      earlier: number;
    }
  | { kind: "twice"; first: number; second: number; change: ClockChange };

/** The change between `lo` (old offset) and `hi` (new offset), found by halving. */
function changeBetween(lo: number, hi: number, timeZone: string): ClockChange {
  const old = offsetSeconds(lo, timeZone);
  let a = lo;
  let b = hi;
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (offsetSeconds(mid, timeZone) === old) a = mid;
    else b = mid;
  }
  return { at: b, from: zonedParts(b + old, "UTC"), to: zonedParts(b, timeZone) };
}

/** Whether, and when, a zone's clocks show these wall-clock fields. */
export function readWallClock(local: LocalDateTime, timeZone: string): WallClockReading {
  const wall = localAsUtc(local);
  // Offsets a day either side bracket any change near this time (changes are never that close).
  const before = offsetSeconds(wall - 86400, timeZone);
  const after = offsetSeconds(wall + 86400, timeZone);
  const valid = [...new Set([before, after])]
    .map((o) => wall - o)
    .filter((t) => offsetSeconds(t, timeZone) === wall - t)
    .sort((a, b) => a - b);
  const first = valid[0];
  const last = valid[valid.length - 1];
  if (first !== undefined && last !== undefined && first !== last) {
    return { kind: "twice", first, second: last, change: changeBetween(first, last, timeZone) };
  }
  if (first !== undefined || before >= after) return { kind: "once", unix: first ?? wall - before };
  const length = after - before;
  return {
    kind: "never",
    change: changeBetween(wall - after, wall - before, timeZone),
    later: wall - before,
    earlier: wall - before - length,
  };
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "2:30" (and seconds when there are any), as clocks show it. */
function clockText(t: LocalDateTime): string {
  const mm = String(t.minute).padStart(2, "0");
  return t.second === 0 ? `${t.hour}:${mm}` : `${t.hour}:${mm}:${String(t.second).padStart(2, "0")}`;
}

/** "28 March 2027" */
function dayText(t: LocalDateTime): string {
  return `${t.day} ${MONTHS[t.month - 1]} ${t.year}`;
}

function sameDay(a: LocalDateTime, b: LocalDateTime): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

/** A suggested instant as clocks show it, with its date when that is another day. */
function suggestion(unix: number, local: LocalDateTime, timeZone: string): string {
  const t = zonedParts(unix, timeZone);
  return sameDay(t, local) ? clockText(t) : `${clockText(t)} on ${dayText(t)}`;
}

/**
 * What to tell a person about a wall-clock time they chose: null when clocks show it once; for a
 * time in a gap, that it does not exist and which times they may have meant; for a repeated time,
 * that the first occurrence is taken, and how to write the second (`secondIso`, with its offset).
 */
export function localTimeNote(
  local: LocalDateTime,
  timeZone: string,
): { kind: "gap"; message: string } | { kind: "overlap"; message: string; secondIso: string } | null {
  const reading = readWallClock(local, timeZone);
  if (reading.kind === "once") return null;
  const { from, to } = reading.change;
  const when = `${clockText(local)} on ${dayText(local)}`;
  if (reading.kind === "never") {
    return {
      kind: "gap",
      message:
        `${when} does not exist in ${timeZone} (clocks go forward from ${clockText(from)} to ${clockText(to)}). ` +
        `Use ${suggestion(reading.later, local, timeZone)} (or ${suggestion(reading.earlier, local, timeZone)}).`,
    };
  }
  return {
    kind: "overlap",
    message:
      `${when} happens twice in ${timeZone} (clocks go back from ${clockText(from)} to ${clockText(to)}). ` +
      `Taken as the first ${clockText(local)}, before the clocks go back.`,
    secondIso: unixToZonedIso(reading.second, timeZone),
  };
}

/** `localTimeNote` for an ISO 8601 text; null when it is not a local date-time or the zone is unknown. */
export function localTimeNoteOf(value: string, timeZone: string): ReturnType<typeof localTimeNote> {
  if (!isValidTimeZone(timeZone)) return null;
  let parsed: ParsedIso;
  try {
    parsed = parseIso(value);
  } catch {
    return null;
  }
  return parsed.kind === "local" ? localTimeNote(parsed.local, timeZone) : null;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function validDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const m = ISO_DATE.exec(value);
  return m !== null && validDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** `YYYY-MM-DD` plus a number of days. */
export function addDays(date: string, days: number): string {
  const m = ISO_DATE.exec(date);
  if (!m || !isIsoDate(date)) throw new RangeError(`not a date: ${date}`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return d.toISOString().slice(0, 10);
}

/** Days from `a` to `b` (both `YYYY-MM-DD`). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
}

export type ParsedIso =
  | { kind: "date"; date: string }
  | { kind: "absolute"; unix: number }
  | { kind: "local"; local: LocalDateTime };

/**
 * Reads an ISO 8601 date (`2025-06-01`), a date-time with an offset (`2025-06-01T18:00:00+02:00`,
 * `…Z`) or a local date-time (`2025-06-01T18:00`). Throws RangeError with the reason otherwise.
 */
export function parseIso(value: string): ParsedIso {
  if (typeof value !== "string") throw new RangeError("expected an ISO 8601 date or date-time");
  const text = value.trim();
  if (ISO_DATE.test(text)) {
    if (!isIsoDate(text)) throw new RangeError(`"${value}" is not a real date`);
    return { kind: "date", date: text };
  }
  const m = ISO_DATE_TIME.exec(text);
  if (!m)
    throw new RangeError(
      `"${value}" is not an ISO 8601 date-time such as 2025-06-01T18:00 or 2025-06-01T18:00:00Z`,
    );
  const local: LocalDateTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: m[6] === undefined ? 0 : Number(m[6]),
  };
  if (!validDate(local.year, local.month, local.day)) throw new RangeError(`"${value}" is not a real date`);
  if (local.hour > 23 || local.minute > 59 || local.second > 59)
    throw new RangeError(`"${value}" is not a valid time`);
  const zone = m[7];
  if (zone === undefined) return { kind: "local", local };
  if (zone.toUpperCase() === "Z") return { kind: "absolute", unix: localAsUtc(local) };
  const digits = zone.replace(":", "");
  const sign = digits[0] === "-" ? -1 : 1;
  const hours = Number(digits.slice(1, 3));
  const minutes = Number(digits.slice(3, 5));
  if (hours > 23 || minutes > 59) throw new RangeError(`"${value}" has an invalid UTC offset`);
  return { kind: "absolute", unix: localAsUtc(local) - sign * (hours * 3600 + minutes * 60) };
}

/**
 * Unix seconds of an ISO 8601 date-time a person typed. A local time (no `Z` or offset) is read in
 * `timeZone` (default UTC): one in a daylight-saving gap throws RangeError with the times they may
 * have meant; a repeated one means its first occurrence. A date alone means its midnight (or the
 * first time after it, where midnight is skipped).
 */
export function isoToUnix(value: string, timeZone = "UTC"): number {
  if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone "${timeZone}"`);
  const parsed = parseIso(value);
  if (parsed.kind === "absolute") return parsed.unix;
  if (parsed.kind === "local") {
    const note = localTimeNote(parsed.local, timeZone);
    if (note?.kind === "gap") throw new RangeError(note.message);
    return zonedToUnix(parsed.local, timeZone);
  }
  const [y, mo, d] = parsed.date.split("-").map(Number) as [number, number, number];
  return zonedToUnix({ year: y, month: mo, day: d, hour: 0, minute: 0, second: 0 }, timeZone);
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, "0");

function formatLocal(t: LocalDateTime): string {
  const year = t.year < 0 ? `-${pad(t.year, 6)}` : t.year > 9999 ? `+${pad(t.year, 6)}` : pad(t.year, 4);
  return `${year}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

/** `2025-06-01T16:00:00Z` */
export function unixToIso(unix: number): string {
  return `${formatLocal(zonedParts(unix, "UTC"))}Z`;
}

/** The instant written as wall-clock time in a zone with its offset: `2025-06-01T18:00:00+02:00`. */
export function unixToZonedIso(unix: number, timeZone: string): string {
  const offset = offsetSeconds(unix, timeZone);
  if (offset === 0) return unixToIso(unix);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${formatLocal(zonedParts(unix, timeZone))}${sign}${pad(Math.floor(abs / 3600))}:${pad(Math.floor((abs % 3600) / 60))}`;
}
