/**
 * Dates and times for events. An event is stored as an instant plus the time zone it was planned
 * in (NIP-52 `start` + `start_tzid`); people enter wall-clock times in that zone. These helpers
 * convert between the two with `Intl` only (no date library: the browser knows every zone). The
 * zone arithmetic itself is the protocol's (app/time.ts, passed on by `@rally/client`), so the web
 * and the `rally` command read a wall time the same way; what is here is the form's and the
 * screens' shapes and wording.
 */

import { isValidTimeZone, localTimeNoteOf, offsetSeconds, zonedParts, zonedToUnix } from "@rally/client";

/** "YYYY-MM-DDTHH:mm" as a datetime-local input gives it. */
export type WallTime = string;

const WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when the browser knows this IANA zone name (the protocol's check, which the client applies). */
export function isTimeZone(zone: string): boolean {
  return isValidTimeZone(zone);
}

/**
 * The instant at which clocks in `timeZone` show `wall` (the protocol's `zonedToUnix`): in a
 * spring-forward gap (a time that does not exist) it lands as far past the gap as it was into it;
 * in a fall-back overlap it picks the first one.
 */
export function wallTimeToInstant(wall: WallTime, timeZone: string): Date {
  const m = WALL.exec(wall);
  if (!m) throw new Error(`Not a date and time: "${wall}"`);
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  return new Date(zonedToUnix({ year, month, day, hour, minute, second: 0 }, timeZone) * 1000);
}

/**
 * What to tell a person about a wall time their clocks skip or show twice (daylight saving), in
 * the words the `rally` command uses: a skipped time is `gap` (the form does not save it); a
 * repeated one is `overlap` (saved as the first, as `wallTimeToInstant` reads it). Null otherwise.
 */
export function wallTimeNote(
  wall: WallTime,
  timeZone: string,
): { kind: "gap" | "overlap"; message: string } | null {
  if (!wall || !isTimeZone(timeZone)) return null;
  return localTimeNoteOf(wall, timeZone);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** What clocks in `timeZone` show at `instant`, as "YYYY-MM-DDTHH:mm". */
export function instantToWallTime(instant: Date, timeZone: string): WallTime {
  const f = zonedParts(Math.floor(instant.getTime() / 1000), timeZone);
  return `${f.year}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}`;
}

/** "YYYY-MM-DD" of a day as a local calendar date (no time zone involved). */
export type DayKey = string;

export function dayKey(year: number, month: number, day: number): DayKey {
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** The day an event falls on for someone in `viewerZone`: all-day events keep their date. */
export function eventDayKey(event: { start: string; allDay: boolean }, viewerZone: string): DayKey | null {
  if (event.allDay) {
    const d = DAY.exec(event.start.slice(0, 10));
    return d ? event.start.slice(0, 10) : null;
  }
  const ms = Date.parse(event.start);
  if (Number.isNaN(ms)) return null;
  return instantToWallTime(new Date(ms), viewerZone).slice(0, 10);
}

export interface MonthCell {
  key: DayKey;
  day: number;
  inMonth: boolean;
}

/**
 * The weeks shown for a month (1-12), Monday first, each week 7 cells, including the days of the
 * neighbouring months that fill the first and last week.
 */
export function monthGrid(year: number, month: number): MonthCell[][] {
  const first = new Date(Date.UTC(year, month - 1, 1));
  const lead = (first.getUTCDay() + 6) % 7; // Monday = 0
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const weeks: MonthCell[][] = [];
  const cells = Math.ceil((lead + daysInMonth) / 7) * 7;
  for (let i = 0; i < cells; i++) {
    const date = new Date(Date.UTC(year, month - 1, 1 - lead + i));
    const cell: MonthCell = {
      key: dayKey(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()),
      day: date.getUTCDate(),
      inMonth: date.getUTCMonth() === month - 1,
    };
    if (i % 7 === 0) weeks.push([]);
    weeks[weeks.length - 1]!.push(cell);
  }
  return weeks;
}

/** Month arithmetic on (year, month 1-12). */
export function addMonths(year: number, month: number, delta: number): { year: number; month: number } {
  const index = year * 12 + (month - 1) + delta;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** The zone this browser is in (falls back to UTC where Intl cannot tell). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Every zone the browser knows, for the event form's picker. */
export function allTimeZones(): string[] {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  const zones = supported ? supported("timeZone") : [];
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}

export interface EventTimeInput {
  start: string;
  end: string | null;
  tz: string | null;
  allDay: boolean;
}

/** A zone's name as people read it: "America/New York". */
export function zoneName(zone: string): string {
  return zone.replaceAll("_", " ");
}

export interface EventTimeText {
  /** When it is on the reader's own clock: "Tue, 9 Jun, 19:00 – 21:00"; all-day events as dates. */
  main: string;
  /** The event's own clock where it differs from the reader's: "18:00 – 20:00 in Europe/London". */
  there: string | null;
  /** Both in one line: "Tue, 9 Jun, 19:00 – 21:00 (18:00 – 20:00 in Europe/London)". */
  full: string;
}

/**
 * An event's time for a reader in `viewerZone`: on the reader's clock first, with the event's own
 * zone beside it when its clocks show another time, so nobody misses a meeting across a border. The
 * year is left out for events in the current year (`now`). All-day events are dates, the same
 * everywhere.
 */
export function describeEventTime(
  event: EventTimeInput,
  viewerZone: string,
  locale?: string,
  now: Date = new Date(),
): EventTimeText {
  const thisYear = (zone: string, at: Date) =>
    instantToWallTime(at, zone).slice(0, 4) === instantToWallTime(now, zone).slice(0, 4);
  if (event.allDay) {
    const startDay = event.start.slice(0, 10);
    const endDay = event.end?.slice(0, 10) ?? null;
    const sameYear = startDay.slice(0, 4) === instantToWallTime(now, viewerZone).slice(0, 4);
    const fmt = new Intl.DateTimeFormat(locale, {
      weekday: "short",
      day: "numeric",
      month: "short",
      year: sameYear && (!endDay || endDay.slice(0, 4) === startDay.slice(0, 4)) ? undefined : "numeric",
      timeZone: "UTC",
    });
    const show = (d: string) => {
      const date = new Date(`${d}T00:00:00Z`);
      return Number.isNaN(date.getTime()) ? d : fmt.format(date);
    };
    const main = `${endDay && endDay !== startDay ? `${show(startDay)} – ${show(endDay)}` : show(startDay)} (all day)`;
    return { main, there: null, full: main };
  }
  const start = new Date(event.start);
  const end = event.end ? new Date(event.end) : null;
  if (Number.isNaN(start.getTime())) return { main: event.start, there: null, full: event.start };
  const hasEnd = end !== null && !Number.isNaN(end.getTime());
  const dayIn = (timeZone: string, withYear: boolean) =>
    new Intl.DateTimeFormat(locale, {
      weekday: "short",
      day: "numeric",
      month: "short",
      year: withYear ? "numeric" : undefined,
      timeZone,
    });
  const timeIn = (timeZone: string) =>
    new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone });
  const dateOf = (at: Date, zone: string) => instantToWallTime(at, zone).slice(0, 10);

  const withYear = !thisYear(viewerZone, start);
  const day = dayIn(viewerZone, withYear);
  const time = timeIn(viewerZone);
  let main = `${day.format(start)}, ${time.format(start)}`;
  if (hasEnd) {
    main +=
      dateOf(start, viewerZone) === dateOf(end, viewerZone)
        ? ` – ${time.format(end)}`
        : ` – ${day.format(end)}, ${time.format(end)}`;
  }

  const zone = event.tz && isTimeZone(event.tz) ? event.tz : null;
  const at = (d: Date) => Math.floor(d.getTime() / 1000);
  const differs =
    zone !== null &&
    zone !== viewerZone &&
    (offsetSeconds(at(start), zone) !== offsetSeconds(at(start), viewerZone) ||
      (hasEnd && offsetSeconds(at(end), zone) !== offsetSeconds(at(end), viewerZone)));
  if (!differs || zone === null) return { main, there: null, full: main };
  // On the event's clock, the day is said only where it is not the reader's day.
  const thereDay = dayIn(zone, withYear);
  const thereTime = timeIn(zone);
  const startDiffers = dateOf(start, zone) !== dateOf(start, viewerZone);
  let there = startDiffers
    ? `${thereDay.format(start)}, ${thereTime.format(start)}`
    : thereTime.format(start);
  if (hasEnd) {
    there +=
      dateOf(end, zone) === dateOf(start, zone)
        ? ` – ${thereTime.format(end)}`
        : ` – ${thereDay.format(end)}, ${thereTime.format(end)}`;
  }
  there += ` in ${zoneName(zone)}`;
  return { main, there, full: `${main} (${there})` };
}

/** Relative day labels for chat separators and lists: "Today", "Yesterday", or a date. */
export function dayLabel(unixSeconds: number, now: Date = new Date(), locale?: string): string {
  const d = new Date(unixSeconds * 1000);
  const startOf = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const days = Math.round((startOf(now) - startOf(d)) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  return new Intl.DateTimeFormat(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: d.getFullYear() === now.getFullYear() ? undefined : "numeric",
  }).format(d);
}

export function clockTime(unixSeconds: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(
    new Date(unixSeconds * 1000),
  );
}
