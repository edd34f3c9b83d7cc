/**
 * Repeating events (docs/PROTOCOL.md 13.10): the subset of RFC 5545 RRULE that Rally writes and
 * reads, and the expansion of a series into its occurrences.
 *
 * The subset: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY with INTERVAL, BYDAY (with an ordinal such as 1MO or
 * -1FR in monthly rules, and in yearly rules with BYMONTH, where it counts within the month),
 * BYMONTHDAY, BYMONTH, WKST, and COUNT or UNTIL. Anything else is refused with the reason, so a
 * rule is never silently read as something else.
 *
 * Expansion happens on wall-clock dates in the event's own zone: every occurrence starts at the
 * first occurrence's wall-clock time (19:00 stays 19:00 across daylight-saving changes) and lasts
 * as long as it (in seconds; all-day events in days). A wall-clock time the zone skips on some
 * date is read as RFC 5545 §3.3.5 says (the offset before the gap: 2:30 becomes 3:30); a repeated
 * one means its first pass. The series' own start is always its first occurrence, and COUNT counts
 * it. Pure: no clock.
 */

import { InvalidInputError } from "./rumor.ts";
import {
  isIsoDate,
  isValidTimeZone,
  type LocalDateTime,
  localAsUtc,
  parseIso,
  zonedParts,
  zonedToUnix,
} from "./time.ts";

export type Frequency = "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY";
export type Weekday = "SU" | "MO" | "TU" | "WE" | "TH" | "FR" | "SA";

/** Weekdays in JavaScript's order (`getUTCDay`: Sunday 0). */
export const WEEKDAYS: readonly Weekday[] = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];

export interface RecurrenceRule {
  freq: Frequency;
  interval: number;
  /** `n` 0: every such weekday; 1..5 the nth in the month; -1..-5 counted from the month's end. */
  byDay: { n: number; day: Weekday }[];
  byMonthDay: number[];
  byMonth: number[];
  weekStart: Weekday;
  count: number | null;
  /**
   * Last possible start, inclusive: a date (all-day series, or a date-only UNTIL read at the end of
   * that day in the event's zone), an instant (`Z`), or a wall-clock time read in the event's zone.
   */
  until:
    | { kind: "date"; date: string }
    | { kind: "instant"; unix: number }
    | { kind: "local"; local: LocalDateTime }
    | null;
}

/** An occurrence key: Unix seconds of its original start (timed) or its original date (all-day). */
export type OccurrenceKey = number | string;

export interface MovedOccurrence {
  original: OccurrenceKey;
  start: OccurrenceKey;
  /** null: the moved occurrence keeps the series' length. */
  end: OccurrenceKey | null;
}

/** A series' rule and its exceptions, as calendar events carry them (calendar.ts `repeat`). */
export interface RepeatFields {
  /** The RRULE value in Rally's canonical spelling (`formatRule`). */
  rule: string;
  /** Cancelled occurrences, sorted. */
  exdates: OccurrenceKey[];
  /** Occurrences at another time, sorted by original. */
  moved: MovedOccurrence[];
}

export interface Occurrence {
  original: OccurrenceKey;
  start: OccurrenceKey;
  end: OccurrenceKey | null;
  moved: boolean;
  /** Only with `includeCancelled`: a cancelled occurrence (at its original time). */
  cancelled: boolean;
}

/** The series start and length, as calendar.ts `EventTime` holds them. */
export type SeriesTime =
  | { allDay: false; start: number; end: number | null; tz: string | null }
  | { allDay: true; start: string; end: string | null };

export const MAX_INTERVAL = 1000;
export const MAX_COUNT = 10_000;
/** Periods (days, weeks, months, years) looked at before a rule that gives nothing is given up. */
const MAX_PERIODS = 100_000;
/** Dates one expansion looks at, at most (a daily series over 270 years). */
const MAX_EXPANDED = 100_000;

const SUPPORTED =
  "Rally repeats events with FREQ=DAILY, WEEKLY, MONTHLY or YEARLY and INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, WKST, COUNT or UNTIL";

function bad(message: string): never {
  throw new InvalidInputError("repeat", message);
}

function wholeNumber(text: string, name: string, min: number, max: number): number {
  if (!/^[+-]?\d{1,6}$/.test(text)) bad(`${name} must be a whole number, not "${text}"`);
  const n = Number(text);
  if (n < min || n > max) bad(`${name} must be from ${min} to ${max}, not ${n}`);
  return n;
}

function readUntil(text: string): RecurrenceRule["until"] {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/i.exec(text);
  if (!m) bad(`UNTIL must be a date (20261231) or a date-time (20261231T235959Z), not "${text}"`);
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (!isIsoDate(date)) bad(`UNTIL "${text}" is not a real date`);
  if (m[4] === undefined) return { kind: "date", date };
  const local: LocalDateTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  };
  if (local.hour > 23 || local.minute > 59 || local.second > 59) bad(`UNTIL "${text}" is not a valid time`);
  return m[7] ? { kind: "instant", unix: localAsUtc(local) } : { kind: "local", local };
}

/**
 * Reads an RRULE value (with or without the `RRULE:` prefix, any letter case). Throws
 * InvalidInputError (field "repeat") saying what is wrong or unsupported.
 */
export function parseRule(text: string): RecurrenceRule {
  if (typeof text !== "string" || text.trim() === "") bad("the rule is empty; try FREQ=WEEKLY");
  if (text.length > 1000) bad("the rule is too long");
  const value = text.trim().replace(/^RRULE:/i, "");
  const parts = new Map<string, string>();
  for (const part of value.split(";")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) bad(`"${part}" is not NAME=VALUE`);
    const name = part.slice(0, eq).toUpperCase();
    if (parts.has(name)) bad(`${name} is given twice`);
    parts.set(name, part.slice(eq + 1).toUpperCase());
  }
  const known = new Set(["FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST", "COUNT", "UNTIL"]);
  for (const name of parts.keys()) {
    if (!known.has(name)) bad(`${name} is not supported (${SUPPORTED})`);
  }
  const freq = parts.get("FREQ");
  if (freq === undefined) bad("the rule needs FREQ, e.g. FREQ=WEEKLY");
  if (!["DAILY", "WEEKLY", "MONTHLY", "YEARLY"].includes(freq))
    bad(`FREQ=${freq} is not supported (${SUPPORTED})`);
  const rule: RecurrenceRule = {
    freq: freq as Frequency,
    interval: 1,
    byDay: [],
    byMonthDay: [],
    byMonth: [],
    weekStart: "MO",
    count: null,
    until: null,
  };
  const list = (name: string): string[] => {
    const v = parts.get(name);
    if (v === undefined) return [];
    const items = v.split(",");
    if (items.some((i) => i === "")) bad(`${name} has an empty item`);
    return items;
  };
  const interval = parts.get("INTERVAL");
  if (interval !== undefined) rule.interval = wholeNumber(interval, "INTERVAL", 1, MAX_INTERVAL);
  for (const item of list("BYDAY")) {
    const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(item);
    if (!m) bad(`BYDAY "${item}" is not a weekday such as MO, 1MO or -1FR`);
    const n = m[1] === undefined ? 0 : Number(m[1]);
    if (m[1] !== undefined && (n === 0 || Math.abs(n) > 5))
      bad(`BYDAY "${item}": the number before the weekday must be 1 to 5 or -1 to -5`);
    rule.byDay.push({ n, day: m[2] as Weekday });
  }
  for (const item of list("BYMONTHDAY")) {
    const n = wholeNumber(item, "BYMONTHDAY", -31, 31);
    if (n === 0) bad("BYMONTHDAY cannot be 0");
    rule.byMonthDay.push(n);
  }
  for (const item of list("BYMONTH")) rule.byMonth.push(wholeNumber(item, "BYMONTH", 1, 12));
  const wkst = parts.get("WKST");
  if (wkst !== undefined) {
    if (!WEEKDAYS.includes(wkst as Weekday)) bad(`WKST "${wkst}" is not a weekday such as MO`);
    rule.weekStart = wkst as Weekday;
  }
  const count = parts.get("COUNT");
  if (count !== undefined) rule.count = wholeNumber(count, "COUNT", 1, MAX_COUNT);
  const until = parts.get("UNTIL");
  if (until !== undefined) rule.until = readUntil(until);
  if (rule.count !== null && rule.until !== null) bad("a rule has COUNT or UNTIL, not both");

  const ordinals = rule.byDay.some((b) => b.n !== 0);
  if (ordinals) {
    if (rule.freq === "DAILY" || rule.freq === "WEEKLY")
      bad(`BYDAY with a number (such as -1FR) needs FREQ=MONTHLY or YEARLY, not ${rule.freq}`);
    if (rule.freq === "YEARLY" && rule.byMonth.length === 0)
      bad("BYDAY with a number in a yearly rule needs BYMONTH (e.g. BYMONTH=11;BYDAY=4TH)");
    if (rule.byMonthDay.length > 0) bad("BYDAY with a number cannot be combined with BYMONTHDAY");
  }
  if (rule.freq === "WEEKLY" && rule.byMonthDay.length > 0)
    bad("BYMONTHDAY does not go with FREQ=WEEKLY; use FREQ=MONTHLY");
  rule.byDay = uniqueBy(rule.byDay, (b) => `${b.n}${b.day}`);
  rule.byMonthDay = [...new Set(rule.byMonthDay)];
  rule.byMonth = [...new Set(rule.byMonth)].sort((a, b) => a - b);
  return rule;
}

function uniqueBy<T>(list: T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const t of list) if (!seen.has(key(t))) seen.set(key(t), t);
  return [...seen.values()];
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function basicLocal(t: LocalDateTime): string {
  return `${pad(t.year, 4)}${pad(t.month)}${pad(t.day)}T${pad(t.hour)}${pad(t.minute)}${pad(t.second)}`;
}

/** The rule in Rally's canonical spelling (fixed part order, upper case, defaults left out). */
export function formatRule(rule: RecurrenceRule): string {
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.byMonth.length > 0) parts.push(`BYMONTH=${rule.byMonth.join(",")}`);
  if (rule.byMonthDay.length > 0) parts.push(`BYMONTHDAY=${rule.byMonthDay.join(",")}`);
  if (rule.byDay.length > 0)
    parts.push(`BYDAY=${rule.byDay.map((b) => `${b.n === 0 ? "" : b.n}${b.day}`).join(",")}`);
  if (rule.weekStart !== "MO") parts.push(`WKST=${rule.weekStart}`);
  if (rule.count !== null) parts.push(`COUNT=${rule.count}`);
  const u = rule.until;
  if (u !== null) {
    if (u.kind === "date") parts.push(`UNTIL=${u.date.replaceAll("-", "")}`);
    else if (u.kind === "instant") parts.push(`UNTIL=${basicLocal(zonedParts(u.unix, "UTC"))}Z`);
    else parts.push(`UNTIL=${basicLocal(u.local)}`);
  }
  return parts.join(";");
}

/**
 * A rule made to fit a series: UNTIL written the way RFC 5545 wants it for that series — a DATE for
 * an all-day series, a UTC time (`Z`) for a timed one (a date or a wall-clock time read in the
 * event's zone; a date means the end of that day). Throws InvalidInputError.
 */
export function ruleForSeries(rule: RecurrenceRule, time: SeriesTime): RecurrenceRule {
  const u = rule.until;
  if (u === null) return rule;
  if (time.allDay) {
    const date =
      u.kind === "date" ? u.date : localDate(u.kind === "local" ? u.local : zonedParts(u.unix, "UTC"));
    if (date < time.start) bad(`UNTIL ${date} is before the event's first day ${time.start}`);
    return { ...rule, until: { kind: "date", date } };
  }
  const tz = time.tz ?? "UTC";
  let unix: number;
  if (u.kind === "instant") unix = u.unix;
  else if (u.kind === "local") unix = zonedToUnix(u.local, tz);
  else {
    const [y, m, d] = u.date.split("-").map(Number) as [number, number, number];
    unix = zonedToUnix({ year: y, month: m, day: d, hour: 23, minute: 59, second: 59 }, tz);
  }
  if (unix < time.start) bad("UNTIL is before the event's first start");
  return { ...rule, until: { kind: "instant", unix } };
}

function localDate(t: LocalDateTime): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
}

// --- calendar arithmetic on day numbers (days since 1970-01-01) ---

const DAY = 86400;

function dayNumber(year: number, month: number, day: number): number {
  return Math.round(Date.UTC(year, month - 1, day) / (DAY * 1000));
}

function dateOf(dayNum: number): { year: number; month: number; day: number } {
  const d = new Date(dayNum * DAY * 1000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function weekdayOf(dayNum: number): number {
  return (((dayNum + 4) % 7) + 7) % 7;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isoOfDay(dayNum: number): string {
  const d = dateOf(dayNum);
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

function dayOfIso(date: string): number {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return dayNumber(y, m, d);
}

/** The days of one month a monthly (or yearly, per month) rule gives, sorted. */
function daysInMonthOf(rule: RecurrenceRule, year: number, month: number, startDay: number): number[] {
  const dim = daysInMonth(year, month);
  const first = dayNumber(year, month, 1);
  let days: number[];
  if (rule.byMonthDay.length > 0) {
    days = rule.byMonthDay
      .map((n) => (n > 0 ? n : dim + 1 + n))
      .filter((n) => n >= 1 && n <= dim)
      .map((n) => first + n - 1);
    if (rule.byDay.length > 0) {
      const allowed = new Set(rule.byDay.map((b) => WEEKDAYS.indexOf(b.day)));
      days = days.filter((d) => allowed.has(weekdayOf(d)));
    }
  } else if (rule.byDay.length > 0) {
    days = [];
    for (const { n, day } of rule.byDay) {
      const wd = WEEKDAYS.indexOf(day);
      const firstSuch = first + ((wd - weekdayOf(first) + 7) % 7);
      const all: number[] = [];
      for (let d = firstSuch; d < first + dim; d += 7) all.push(d);
      if (n === 0) days.push(...all);
      else {
        const pick = n > 0 ? all[n - 1] : all[all.length + n];
        if (pick !== undefined) days.push(pick);
      }
    }
  } else {
    const dom = dateOf(startDay).day;
    days = dom <= dim ? [first + dom - 1] : [];
  }
  return [...new Set(days)].sort((a, b) => a - b);
}

function monthAllowed(rule: RecurrenceRule, dayNum: number): boolean {
  return rule.byMonth.length === 0 || rule.byMonth.includes(dateOf(dayNum).month);
}

/** The days period `k` of the rule gives (sorted), counting periods from the one holding the start. */
function periodDays(rule: RecurrenceRule, startDay: number, k: number): number[] {
  switch (rule.freq) {
    case "DAILY": {
      const d = startDay + k * rule.interval;
      if (!monthAllowed(rule, d)) return [];
      if (rule.byMonthDay.length > 0) {
        const { year, month, day } = dateOf(d);
        const dim = daysInMonth(year, month);
        if (!rule.byMonthDay.some((n) => (n > 0 ? n : dim + 1 + n) === day)) return [];
      }
      if (rule.byDay.length > 0 && !rule.byDay.some((b) => WEEKDAYS.indexOf(b.day) === weekdayOf(d)))
        return [];
      return [d];
    }
    case "WEEKLY": {
      const wkst = WEEKDAYS.indexOf(rule.weekStart);
      const weekBegin = startDay - ((weekdayOf(startDay) - wkst + 7) % 7) + k * 7 * rule.interval;
      const wanted =
        rule.byDay.length > 0 ? rule.byDay.map((b) => WEEKDAYS.indexOf(b.day)) : [weekdayOf(startDay)];
      const days = wanted.map((wd) => weekBegin + ((wd - wkst + 7) % 7));
      return [...new Set(days)].filter((d) => monthAllowed(rule, d)).sort((a, b) => a - b);
    }
    case "MONTHLY": {
      const s = dateOf(startDay);
      const index = s.year * 12 + (s.month - 1) + k * rule.interval;
      const year = Math.floor(index / 12);
      const month = (index % 12) + 1;
      if (rule.byMonth.length > 0 && !rule.byMonth.includes(month)) return [];
      return daysInMonthOf(rule, year, month, startDay);
    }
    case "YEARLY": {
      const s = dateOf(startDay);
      const year = s.year + k * rule.interval;
      const months =
        rule.byMonth.length > 0
          ? rule.byMonth
          : rule.byMonthDay.length > 0 || rule.byDay.length > 0
            ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
            : [s.month];
      return months.flatMap((m) => daysInMonthOf(rule, year, m, startDay));
    }
  }
}

/**
 * The dates a rule gives from a start date on (the start date first, whether or not the rule gives
 * it), in order, until COUNT is used up; UNTIL is the caller's to apply (it depends on the time).
 */
export function* ruleDates(rule: RecurrenceRule, startDate: string): Generator<string> {
  const startDay = dayOfIso(startDate);
  let produced = 0;
  yield startDate;
  produced++;
  let empty = 0;
  for (let k = 0; empty < MAX_PERIODS; k++) {
    const days = periodDays(rule, startDay, k).filter((d) => d > startDay);
    if (days.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    for (const d of days) {
      if (rule.count !== null && produced >= rule.count) return;
      yield isoOfDay(d);
      produced++;
    }
    // Years past 9999 cannot be written as dates.
    if (days[days.length - 1]! > 2_900_000) return;
  }
}

/** True when the rule itself gives the series' first date (RFC 5545 wants DTSTART to fit its rule). */
export function ruleFitsStart(rule: RecurrenceRule, startDate: string): boolean {
  const startDay = dayOfIso(startDate);
  for (let k = -1; k <= 0; k++) {
    if (periodDays(rule, startDay, k).includes(startDay)) return true;
  }
  return false;
}

/** The first few dates (after the start) the rule gives: for messages that suggest a start. */
export function ruleDatesAfter(rule: RecurrenceRule, startDate: string, n: number): string[] {
  const out: string[] = [];
  for (const d of ruleDates({ ...rule, count: null }, startDate)) {
    if (d === startDate) continue;
    out.push(d);
    if (out.length >= n) break;
  }
  return out;
}

export interface ExpandWindow {
  /** Occurrences that end after this (Unix seconds; all-day days end at midnight UTC). */
  from?: number;
  /** Occurrences that start before this (Unix seconds). */
  to?: number;
  /** At most this many, soonest first. */
  limit?: number;
  /** Cancelled occurrences too, marked `cancelled` (at their original time). */
  includeCancelled?: boolean;
}

export interface SeriesInput {
  time: SeriesTime;
  rule: RecurrenceRule | string;
  exdates?: readonly OccurrenceKey[];
  moved?: readonly MovedOccurrence[];
}

function keyText(k: OccurrenceKey): string {
  return String(k);
}

/** Unix seconds at which an occurrence value starts (a date: its midnight in UTC). */
export function occurrenceUnix(value: OccurrenceKey): number {
  return typeof value === "number" ? value : Date.parse(`${value}T00:00:00Z`) / 1000;
}

/**
 * The occurrences of a series within a window, soonest first (moved ones at their new time).
 * Cancelled ones (`exdates`) are left out unless `includeCancelled`. An exception that names no
 * occurrence of the series has no effect. Throws InvalidInputError for a rule outside the subset.
 */
export function expandOccurrences(series: SeriesInput, window: ExpandWindow = {}): Occurrence[] {
  const parsed = typeof series.rule === "string" ? parseRule(series.rule) : series.rule;
  const time = series.time;
  const rule = ruleForSeries(parsed, time);
  const from = window.from ?? Number.NEGATIVE_INFINITY;
  const to = window.to ?? Number.POSITIVE_INFINITY;
  const limit = window.limit ?? Number.POSITIVE_INFINITY;
  if (limit <= 0) return [];
  const exdates = new Set((series.exdates ?? []).map(keyText));
  const moved = new Map((series.moved ?? []).map((m) => [keyText(m.original), m]));
  const lastMoved = Math.max(
    Number.NEGATIVE_INFINITY,
    ...(series.moved ?? []).map((m) => occurrenceUnix(m.original)),
  );

  let startDate: string;
  let tz = "UTC";
  let clock: LocalDateTime | null = null;
  let length: number | null;
  if (time.allDay) {
    startDate = time.start;
    length = time.end === null ? null : dayOfIso(time.end) - dayOfIso(time.start);
  } else {
    tz = time.tz !== null && isValidTimeZone(time.tz) ? time.tz : "UTC";
    clock = zonedParts(time.start, tz);
    startDate = localDate(clock);
    length = time.end === null ? null : time.end - time.start;
  }
  // Dates whose occurrence surely ended before `from` are passed over without the zone arithmetic
  // (a long-running daily series costs little to list from today); moved ones are always looked at.
  const spanDays = length === null ? 0 : time.allDay ? length : Math.ceil(length / DAY);
  const skipBefore =
    Number.isFinite(from) && moved.size === 0
      ? Math.floor(from / DAY) - spanDays - 2
      : Number.NEGATIVE_INFINITY;
  const untilDate = rule.until?.kind === "date" ? rule.until.date : null;
  const untilUnix = rule.until?.kind === "instant" ? rule.until.unix : null;

  const out: Occurrence[] = [];
  let inWindow = 0;
  let looked = 0;
  for (const date of ruleDates(rule, startDate)) {
    if (++looked > MAX_EXPANDED) break;
    if (dayOfIso(date) < skipBefore) continue;
    let original: OccurrenceKey;
    let start: OccurrenceKey;
    let end: OccurrenceKey | null;
    if (time.allDay) {
      if (untilDate !== null && date > untilDate) break;
      original = date;
      start = date;
      end = length === null ? null : isoOfDay(dayOfIso(date) + length);
    } else {
      const [y, m, d] = date.split("-").map(Number) as [number, number, number];
      original =
        date === startDate
          ? time.start
          : zonedToUnix({ ...(clock as LocalDateTime), year: y, month: m, day: d }, tz);
      if (untilUnix !== null && original > untilUnix) break;
      start = original;
      end = length === null ? null : original + length;
    }
    const originalAt = occurrenceUnix(original);
    if (originalAt >= to && originalAt > lastMoved) break;
    const key = keyText(original);
    const cancelled = exdates.has(key);
    if (cancelled && !window.includeCancelled) continue;
    const move = cancelled ? undefined : moved.get(key);
    if (move !== undefined) {
      start = move.start;
      end =
        move.end ??
        (length === null
          ? null
          : time.allDay
            ? isoOfDay(dayOfIso(String(move.start)) + length)
            : Number(move.start) + length);
    }
    const startsAt = occurrenceUnix(start);
    const endsAt = end === null ? startsAt : occurrenceUnix(end);
    const inside = startsAt < to && (endsAt > from || (end === null && startsAt >= from));
    if (!inside) continue;
    out.push({ original, start, end, moved: move !== undefined, cancelled });
    if (move === undefined) inWindow++;
    if (inWindow >= limit && originalAt > lastMoved) break;
  }
  out.sort((a, b) => occurrenceUnix(a.start) - occurrenceUnix(b.start));
  return out.slice(0, limit === Number.POSITIVE_INFINITY ? undefined : limit);
}

/**
 * The occurrence a person means by an ISO 8601 text: a local time is read in the event's zone, one
 * with `Z` or an offset as written, a date alone names that day's occurrence. Matches an
 * occurrence's original start (or, for a moved one, its new start). Returns null when none does;
 * `nearestOccurrences` then says which ones there are. Throws InvalidInputError for a text that is
 * no date.
 */
export function findOccurrence(series: SeriesInput, iso: string): Occurrence | null {
  let parsed: ReturnType<typeof parseIso>;
  try {
    parsed = parseIso(iso);
  } catch (e) {
    throw new InvalidInputError("occurrence", (e as Error).message);
  }
  const time = series.time;
  const tz = !time.allDay && time.tz !== null ? time.tz : "UTC";
  let target: { date: string } | { unix: number };
  if (parsed.kind === "date") target = { date: parsed.date };
  else if (parsed.kind === "absolute") target = { unix: parsed.unix };
  else if (time.allDay) target = { date: localDate(parsed.local) };
  else target = { unix: zonedToUnix(parsed.local, tz) };
  const dayStart =
    "date" in target ? Date.parse(`${target.date}T00:00:00Z`) / 1000 - 14 * 3600 : target.unix - 2 * DAY;
  const around = expandOccurrences(series, {
    from: dayStart - 400 * DAY,
    to: dayStart + 400 * DAY,
    includeCancelled: true,
  });
  const dateOfKey = (k: OccurrenceKey) => (typeof k === "string" ? k : localDate(zonedParts(k, tz)));
  for (const o of around) {
    if ("unix" in target) {
      if (o.original === target.unix || (o.moved && o.start === target.unix)) return o;
      if (time.allDay && localDate(zonedParts(target.unix, "UTC")) === o.original) return o;
    } else if (dateOfKey(o.original) === target.date) return o;
  }
  if ("date" in target) {
    for (const o of around) if (o.moved && dateOfKey(o.start) === target.date) return o;
  }
  return null;
}

/** The occurrences nearest to an instant (up to `n`, soonest first), for "did you mean" messages. */
export function nearestOccurrences(series: SeriesInput, at: number, n = 2): Occurrence[] {
  const before = expandOccurrences(series, { to: at, includeCancelled: false }).slice(-n);
  const after = expandOccurrences(series, { from: at, limit: n });
  const all = [...before, ...after].sort(
    (a, b) => Math.abs(occurrenceUnix(a.start) - at) - Math.abs(occurrenceUnix(b.start) - at),
  );
  return uniqueBy(all.slice(0, n), (o) => keyText(o.original)).sort(
    (a, b) => occurrenceUnix(a.start) - occurrenceUnix(b.start),
  );
}

/** The text of an occurrence key as tags carry it (Unix seconds, or a date). */
export function occurrenceKeyText(key: OccurrenceKey): string {
  return String(key);
}

/** An occurrence key read from a tag: Unix seconds (timed series) or YYYY-MM-DD (all-day). */
export function readOccurrenceKey(text: string | undefined, allDay: boolean): OccurrenceKey | null {
  if (text === undefined) return null;
  if (allDay) return isIsoDate(text) ? text : null;
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

/**
 * When a series is over, in Unix seconds: the end of its last occurrence (an all-day one at the end
 * of its last day in UTC, a timed one without an end at its start), Infinity for an endless rule.
 * A rule that cannot be read leaves the first occurrence.
 */
export function seriesEndsAt(time: SeriesTime, repeat: RepeatFields | null): number {
  const endOf = (o: { start: OccurrenceKey; end: OccurrenceKey | null }) =>
    o.end !== null
      ? occurrenceUnix(o.end)
      : typeof o.start === "string"
        ? occurrenceUnix(o.start) + DAY
        : o.start;
  let last = endOf(time);
  if (repeat === null) return last;
  try {
    const rule = parseRule(repeat.rule);
    if (rule.count === null && rule.until === null) return Number.POSITIVE_INFINITY;
    for (const o of expandOccurrences({ time, rule, moved: repeat.moved })) last = Math.max(last, endOf(o));
  } catch {
    // Not a rule Rally reads: the event is its first occurrence.
  }
  return last;
}
