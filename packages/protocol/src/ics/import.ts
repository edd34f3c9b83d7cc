/**
 * iCalendar import (RFC 5545) with ical.js: VEVENTs from files as Google Calendar, Apple Calendar,
 * Outlook and Thunderbird write them — CRLF or LF, folded lines, all-day DATE values, UTC `Z` times,
 * TZID parameters resolved through the file's own VTIMEZONE (Outlook's Windows zone names included)
 * or, when the file defines none, as IANA names through Intl; floating times are read in the
 * calendar's X-WR-TIMEZONE or the caller's default zone.
 *
 * A file that is not iCalendar, or has no event, is refused with an IcsError saying why. Within a
 * readable file, an event that cannot be used (no start, unknown zone) is skipped with its reason,
 * and lossy conversions (a repeating event keeps only its first occurrence, an over-long title is
 * cut) are reported as warnings on the event, so nothing is dropped silently.
 */

import ICAL from "ical.js";
import {
  type EventTime,
  MAX_DESCRIPTION_LENGTH,
  MAX_LOCATION_LENGTH,
  MAX_TITLE_LENGTH,
} from "../app/calendar.ts";
import {
  formatRule,
  type OccurrenceKey,
  occurrenceUnix,
  parseRule,
  type RepeatFields,
  ruleForSeries,
} from "../app/recurrence.ts";
import { charCount, clipChars, isBlank } from "../app/text.ts";
import { addDays, isValidTimeZone, type LocalDateTime, zonedParts, zonedToUnix } from "../app/time.ts";
import { IcsError } from "./errors.ts";
import { windowsZoneToIana } from "./windowsZones.ts";

export const MAX_ICS_LENGTH = 5 * 1024 * 1024;
export const MAX_IMPORTED_EVENTS = 2000;

export interface ImportedEvent {
  uid: string | null;
  title: string;
  time: EventTime;
  description: string;
  location: string | null;
  hashtags: string[];
  links: string[];
  cancelled: boolean;
  organizer: { name: string | null; uri: string } | null;
  warnings: string[];
  /** A repeating event's rule, cancelled and moved occurrences (RRULE, EXDATE, RECURRENCE-ID). */
  repeat: RepeatFields | null;
}

export interface IcsImport {
  events: ImportedEvent[];
  skipped: { index: number; uid: string | null; reason: string }[];
}

type IcalTime = InstanceType<typeof ICAL.Time>;
type IcalProperty = InstanceType<typeof ICAL.Property>;
type IcalComponent = InstanceType<typeof ICAL.Component>;

/** A problem with one event: it is skipped, the rest of the file is still read. */
class EventProblem extends Error {}

type Instant = { kind: "date"; date: string } | { kind: "time"; unix: number; tz: string | null };

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * ical.js reads a wall-clock time that occurs twice (clocks going back) as its second occurrence;
 * RFC 5545 §3.3.5 says the first. When the zone is one the runtime knows, and the runtime agrees
 * that ical.js's instant shows this wall-clock time, the earlier instant with the same wall-clock
 * time (the RFC's reading, from zonedToUnix) is taken.
 */
function firstOccurrence(icalUnix: number, local: LocalDateTime, iana: string | null): number {
  if (iana === null) return icalUnix;
  const rfc = zonedToUnix(local, iana);
  const shown = zonedParts(icalUnix, iana);
  const same = (Object.keys(local) as (keyof LocalDateTime)[]).every((k) => shown[k] === local[k]);
  return same && rfc < icalUnix && icalUnix - rfc <= 7200 ? rfc : icalUnix;
}

function readInstant(prop: IcalProperty, defaultTz: string, label: string): Instant {
  return readTimeValue(prop, prop.getFirstValue(), defaultTz, label);
}

function readTimeValue(prop: IcalProperty, value: unknown, defaultTz: string, label: string): Instant {
  if (!(value instanceof ICAL.Time)) throw new EventProblem(`its ${label} is not a date or date-time`);
  const t = value as IcalTime;
  if (
    ![t.year, t.month, t.day].every(Number.isFinite) ||
    t.month < 1 ||
    t.month > 12 ||
    t.day < 1 ||
    t.day > 31
  ) {
    throw new EventProblem(`its ${label} is not a valid date`);
  }
  if (t.isDate) return { kind: "date", date: `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}` };
  const param = prop.getParameter("tzid");
  const tzid = Array.isArray(param) ? param[0] : param;
  const fields = {
    year: t.year,
    month: t.month,
    day: t.day,
    hour: t.hour,
    minute: t.minute,
    second: t.second,
  };
  const zone = t.zone?.tzid;
  if (typeof tzid === "string" && tzid.length > 0) {
    const mapped = windowsZoneToIana(tzid);
    const iana = isValidTimeZone(tzid)
      ? tzid
      : mapped !== undefined && isValidTimeZone(mapped)
        ? mapped
        : null;
    // Resolved by ical.js through a VTIMEZONE in the file: its rules are what the sender meant.
    if (zone !== undefined && zone !== "floating")
      return { kind: "time", unix: firstOccurrence(t.toUnixTime(), fields, iana), tz: iana };
    if (iana !== null) return { kind: "time", unix: zonedToUnix(fields, iana), tz: iana };
    throw new EventProblem(`its ${label} uses the time zone "${tzid}", which the file does not define`);
  }
  if (zone === "UTC") return { kind: "time", unix: t.toUnixTime(), tz: null };
  // Floating time: "the same hour wherever you are" — read in the calendar's zone.
  return { kind: "time", unix: zonedToUnix(fields, defaultTz), tz: defaultTz === "UTC" ? null : defaultTz };
}

function text(component: IcalComponent, name: string): string | null {
  const v = component.getFirstPropertyValue(name);
  return typeof v === "string" && v.trim().length > 0 ? v : null;
}

function readEvent(vevent: IcalComponent, defaultTz: string): ImportedEvent {
  const warnings: string[] = [];
  let title = text(vevent, "summary")?.trim() ?? "";
  if (isBlank(title)) {
    title = "Untitled event";
    warnings.push("the event had no title");
  }
  if (charCount(title) > MAX_TITLE_LENGTH) {
    title = clipChars(title, MAX_TITLE_LENGTH);
    warnings.push("the title was shortened");
  }
  let description = text(vevent, "description") ?? "";
  if (charCount(description) > MAX_DESCRIPTION_LENGTH) {
    description = clipChars(description, MAX_DESCRIPTION_LENGTH);
    warnings.push("the description was shortened");
  }

  const startProp = vevent.getFirstProperty("dtstart");
  if (!startProp) throw new EventProblem("it has no start (DTSTART)");
  const start = readInstant(startProp, defaultTz, "start");
  const endProp = vevent.getFirstProperty("dtend");
  let end: Instant | null = endProp ? readInstant(endProp, defaultTz, "end") : null;
  if (end === null && vevent.hasProperty("duration")) {
    const duration = vevent.getFirstPropertyValue("duration");
    if (!(duration instanceof ICAL.Duration)) throw new EventProblem("its DURATION is not a duration");
    const seconds = duration.toSeconds();
    end =
      start.kind === "date"
        ? { kind: "date", date: addDays(start.date, Math.max(1, Math.round(seconds / 86400))) }
        : { kind: "time", unix: start.unix + seconds, tz: start.tz };
  }

  let time: EventTime;
  if (start.kind === "date") {
    let endDate = end?.kind === "date" ? end.date : null;
    if (end !== null && end.kind !== "date")
      warnings.push("the end was a time on an all-day event and was dropped");
    if (endDate !== null && endDate <= start.date) endDate = null;
    // RFC 5545: an all-day event without DTEND lasts that one day; so does NIP-52's without `end`.
    if (endDate === addDays(start.date, 1)) endDate = null;
    time = { allDay: true, start: start.date, end: endDate };
  } else {
    if (start.unix < 0) throw new EventProblem("it starts before 1970");
    let endUnix: number | null = null;
    let endTz: string | null = start.tz;
    if (end?.kind === "time") {
      endUnix = end.unix;
      endTz = end.tz;
    } else if (end?.kind === "date") warnings.push("the end was a date on a timed event and was dropped");
    if (endUnix !== null && endUnix <= start.unix) {
      if (endUnix < start.unix) warnings.push("the end was before the start and was dropped");
      endUnix = null;
    }
    time = {
      allDay: false,
      start: start.unix,
      end: endUnix,
      tz: start.tz,
      endTz: endUnix === null ? start.tz : endTz,
    };
  }
  const repeat = readRepeat(vevent, time, defaultTz, warnings);

  const hashtags: string[] = [];
  for (const prop of vevent.getAllProperties("categories")) {
    for (const v of prop.getValues()) if (typeof v === "string" && v.trim()) hashtags.push(v.trim());
  }
  const links: string[] = [];
  for (const prop of vevent.getAllProperties("url")) {
    const v = prop.getFirstValue();
    if (typeof v === "string" && v.trim()) links.push(v.trim());
  }
  const organizerProp = vevent.getFirstProperty("organizer");
  let organizer: ImportedEvent["organizer"] = null;
  if (organizerProp) {
    const uri = organizerProp.getFirstValue();
    const cn = organizerProp.getParameter("cn");
    if (typeof uri === "string") organizer = { uri, name: typeof cn === "string" ? cn : null };
  }
  const status = text(vevent, "status")?.toUpperCase() ?? null;
  let location = text(vevent, "location");
  if (location !== null && charCount(location) > MAX_LOCATION_LENGTH) {
    location = clipChars(location, MAX_LOCATION_LENGTH);
    warnings.push("the place was shortened");
  }
  return {
    uid: text(vevent, "uid"),
    title,
    time,
    description,
    location,
    hashtags: [...new Set(hashtags)],
    links: [...new Set(links)],
    cancelled: status === "CANCELLED",
    organizer,
    warnings,
    repeat,
  };
}

/** An instant as a series' occurrence key: a date for an all-day series, Unix seconds otherwise. */
function occurrenceKey(instant: Instant, time: EventTime): OccurrenceKey | null {
  if (time.allDay) return instant.kind === "date" ? instant.date : null;
  return instant.kind === "time" ? instant.unix : null;
}

/**
 * The rule and cancelled occurrences of a repeating VEVENT, when Rally can keep them (one RRULE
 * within Rally's subset, no RDATE); otherwise null and a warning that only the first occurrence was
 * imported.
 */
function readRepeat(
  vevent: IcalComponent,
  time: EventTime,
  defaultTz: string,
  warnings: string[],
): RepeatFields | null {
  const rules = vevent.getAllProperties("rrule");
  if (rules.length === 0 && !vevent.hasProperty("rdate")) return null;
  const firstOnly = "only its first occurrence was imported";
  if (rules.length !== 1 || vevent.hasProperty("rdate")) {
    warnings.push(
      `the event repeats on extra dates or by several rules, which Rally cannot keep; ${firstOnly}`,
    );
    return null;
  }
  let rule: string;
  try {
    rule = formatRule(ruleForSeries(parseRule(rules[0]!.toICALString()), time));
  } catch (e) {
    warnings.push(`the event repeats in a way Rally cannot keep (${(e as Error).message}); ${firstOnly}`);
    return null;
  }
  const exdates = new Map<string, OccurrenceKey>();
  for (const prop of vevent.getAllProperties("exdate")) {
    for (const value of prop.getValues()) {
      const key = occurrenceKey(readTimeValue(prop, value, defaultTz, "cancelled occurrence"), time);
      if (key === null) warnings.push("a cancelled occurrence of another kind (date or time) was left out");
      else exdates.set(String(key), key);
    }
  }
  return {
    rule,
    exdates: [...exdates.values()].sort((a, b) => occurrenceUnix(a) - occurrenceUnix(b)),
    moved: [],
  };
}

/**
 * A VEVENT with RECURRENCE-ID changes one occurrence of the series with its UID: cancelled
 * (STATUS:CANCELLED) or moved. Other changes to that one occurrence are not kept, and said so.
 */
function applyOverride(vevent: IcalComponent, series: ImportedEvent, defaultTz: string): void {
  const repeat = series.repeat;
  if (repeat === null) {
    throw new EventProblem(
      "it changes one occurrence of a repeating event that was imported as a single event",
    );
  }
  const idProp = vevent.getFirstProperty("recurrence-id");
  if (!idProp) throw new EventProblem("it has no RECURRENCE-ID");
  const original = occurrenceKey(readInstant(idProp, defaultTz, "RECURRENCE-ID"), series.time);
  if (original === null)
    throw new EventProblem("its RECURRENCE-ID is not of the series' kind (date or time)");
  if (text(vevent, "status")?.toUpperCase() === "CANCELLED") {
    if (!repeat.exdates.some((x) => String(x) === String(original))) {
      repeat.exdates.push(original);
      repeat.exdates.sort((a, b) => occurrenceUnix(a) - occurrenceUnix(b));
    }
    return;
  }
  const one = readEvent(vevent, defaultTz);
  if (one.time.allDay !== series.time.allDay)
    throw new EventProblem("it moves one occurrence of a series between a date and a time");
  const { start, end } = one.time;
  repeat.moved = repeat.moved.filter((m) => String(m.original) !== String(original));
  repeat.moved.push({ original, start, end });
  repeat.moved.sort((a, b) => occurrenceUnix(a.original) - occurrenceUnix(b.original));
  const changed = (["title", "location", "description"] as const).filter((k) => one[k] !== series[k]);
  if (changed.length > 0) {
    series.warnings.push(
      `one occurrence had its own ${changed.join(", ")}, which was not kept (its time was)`,
    );
  }
}

/**
 * Reads the events of an .ics file. `defaultTz` (an IANA name, default UTC) is used for floating
 * times when the calendar has no X-WR-TIMEZONE. Throws IcsError when the file cannot be used at all.
 */
export function icsToEvents(ics: string, options: { defaultTz?: string } = {}): IcsImport {
  if (typeof ics !== "string") throw new IcsError("expected the text of an .ics file", "bad-parameter");
  if (ics.length > MAX_ICS_LENGTH)
    throw new IcsError("the calendar file is too large (more than 5 MiB)", "too-large");
  const textIn = ics.replace(/^\uFEFF/, "");
  if (!/^\s*BEGIN:VCALENDAR\s*$/im.test(textIn.split(/\r\n|\n|\r/).find((l) => l.trim() !== "") ?? "")) {
    throw new IcsError(
      "this is not an iCalendar (.ics) file: it does not begin with BEGIN:VCALENDAR",
      "not-a-calendar",
    );
  }
  const defaultTz = options.defaultTz ?? "UTC";
  if (!isValidTimeZone(defaultTz)) throw new IcsError(`unknown time zone "${defaultTz}"`, "bad-parameter");
  let jcal: unknown;
  try {
    jcal = ICAL.parse(textIn);
  } catch (e) {
    throw new IcsError(`the calendar file is malformed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const roots = (Array.isArray(jcal) && typeof jcal[0] === "string" ? [jcal] : (jcal as unknown[])) ?? [];
  const calendars: IcalComponent[] = [];
  try {
    for (const root of roots) {
      const component = new ICAL.Component(root as unknown[]);
      if (component.name === "vcalendar") calendars.push(component);
    }
  } catch (e) {
    throw new IcsError(`the calendar file is malformed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (calendars.length === 0) throw new IcsError("the file holds no VCALENDAR", "not-a-calendar");

  const result: IcsImport = { events: [], skipped: [] };
  let index = 0;
  for (const calendar of calendars) {
    const wrTz = text(calendar, "x-wr-timezone");
    const calendarTz = wrTz !== null && isValidTimeZone(wrTz.trim()) ? wrTz.trim() : defaultTz;
    // Series first, then the VEVENTs that change one of their occurrences (same UID).
    const vevents = calendar.getAllSubcomponents("vevent").map((vevent) => ({ vevent, at: ++index }));
    if (index > MAX_IMPORTED_EVENTS)
      throw new IcsError(`the file has more than ${MAX_IMPORTED_EVENTS} events`, "too-large");
    const series = new Map<string, ImportedEvent>();
    const overrides = vevents.filter(({ vevent }) => vevent.hasProperty("recurrence-id"));
    const ordered = [...vevents.filter(({ vevent }) => !vevent.hasProperty("recurrence-id")), ...overrides];
    for (const { vevent, at } of ordered) {
      try {
        if (vevent.hasProperty("recurrence-id")) {
          const uid = text(vevent, "uid");
          const master = uid === null ? undefined : series.get(uid);
          if (master === undefined)
            throw new EventProblem("it changes one occurrence of a repeating event that is not in the file");
          applyOverride(vevent, master, calendarTz);
          continue;
        }
        const imported = readEvent(vevent, calendarTz);
        result.events.push(imported);
        if (imported.uid !== null && imported.repeat !== null) series.set(imported.uid, imported);
      } catch (e) {
        if (!(e instanceof EventProblem) && !(e instanceof Error)) throw e;
        const uid = (() => {
          try {
            return text(vevent, "uid");
          } catch {
            return null;
          }
        })();
        const name = (() => {
          try {
            return text(vevent, "summary");
          } catch {
            return null;
          }
        })();
        result.skipped.push({
          index: at,
          uid,
          reason: `event ${at}${name ? ` ("${name}")` : ""} was not imported: ${e.message}`,
        });
      }
    }
  }
  if (index === 0) throw new IcsError("the calendar file has no events (no VEVENT)", "no-events");
  if (result.events.length === 0) {
    throw new IcsError(
      `no event in the file could be imported: ${result.skipped.map((s) => s.reason).join("; ")}`,
      "no-events",
    );
  }
  return result;
}
