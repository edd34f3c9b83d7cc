/**
 * Event times in words, in a given zone: the event's own zone (where it happens) and a zone the
 * reader picks. All-day events are dates, the same everywhere. Uses the platform's Intl data.
 *
 * Runs in: Node (`rally serve`); pure.
 */
import { addDays, type EventTime, isValidTimeZone } from "@rally/client";

const LOCALE = "en-GB";

const dateFormat = (timeZone: string) =>
  new Intl.DateTimeFormat(LOCALE, {
    timeZone,
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
  });
const clockFormat = (timeZone: string) =>
  new Intl.DateTimeFormat(LOCALE, { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const dayKey = (unix: number, timeZone: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    unix * 1000,
  );

/** Every zone name this node knows, for the reader's zone list. */
export function timeZones(): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  const zones = supported ? supported("timeZone") : [];
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}

/** The zone a reader asked for, or null when none or unknown. */
export function readerZone(value: string | null): string | null {
  if (!value || value.length > 64) return null;
  return isValidTimeZone(value) ? value : null;
}

/** The zone the event's times are written in (its own, else UTC). */
export function eventZone(time: EventTime): string {
  return time.allDay ? "UTC" : (time.tz ?? "UTC");
}

/** "Friday 20 March 2031, 19:00–21:00 (Europe/Berlin)"; all-day: "Saturday 14 June 2031" or a range. */
export function whenText(time: EventTime, zone?: string): string {
  if (time.allDay) {
    const first = dateFormat("UTC").format(Date.parse(`${time.start}T00:00:00Z`));
    const lastDay = time.end === null ? time.start : addDays(time.end, -1);
    if (lastDay <= time.start) return `${first} (all day)`;
    return `${first} – ${dateFormat("UTC").format(Date.parse(`${lastDay}T00:00:00Z`))} (all day)`;
  }
  const tz = zone ?? eventZone(time);
  const start = `${dateFormat(tz).format(time.start * 1000)}, ${clockFormat(tz).format(time.start * 1000)}`;
  if (time.end === null) return `${start} (${tz})`;
  const endClock = clockFormat(tz).format(time.end * 1000);
  const end =
    dayKey(time.end, tz) === dayKey(time.start, tz)
      ? endClock
      : `${dateFormat(tz).format(time.end * 1000)}, ${endClock}`;
  return `${start} – ${end} (${tz})`;
}

/** The start as an ISO string for `<time datetime>`. */
export function isoStart(time: EventTime): string {
  return time.allDay ? time.start : new Date(time.start * 1000).toISOString();
}
