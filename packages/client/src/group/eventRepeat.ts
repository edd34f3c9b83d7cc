/**
 * Repeating events as people ask for them (PROTOCOL.md 13.10): a rule with an optional end (`until`
 * or `count`) turned into the series' canonical rule, and an occurrence named by the time a person
 * types turned into the occurrence it means — or a plain-words refusal naming the nearest ones.
 *
 * Runs in: Node and browsers (pure).
 */

import {
  type CalendarEventState,
  type EventTime,
  findOccurrence,
  formatRule,
  InvalidInputError,
  isoToUnix,
  nearestOccurrences,
  type Occurrence,
  type OccurrenceKey,
  parseIso,
  parseRule,
  type RecurrenceRule,
  type RepeatFields,
  ruleDatesAfter,
  ruleFitsStart,
  ruleForSeries,
  unixToIso,
  unixToZonedIso,
  zonedParts,
  zonedToUnix,
} from "@rally/protocol/app";
import type { EventInput } from "../api.ts";
import { rallyError } from "../errors.ts";

const pad = (n: number) => String(n).padStart(2, "0");

function firstDate(time: EventTime): string {
  if (time.allDay) return time.start;
  const t = zonedParts(time.start, time.tz ?? "UTC");
  return `${String(t.year).padStart(4, "0")}-${pad(t.month)}-${pad(t.day)}`;
}

function readRule(text: string): RecurrenceRule {
  try {
    return parseRule(text);
  } catch (e) {
    throw rallyError("bad-input", `The repeat rule "${text}" cannot be used: ${(e as Error).message}.`);
  }
}

/**
 * The series fields for an event's time from what a person asked (`EventInput.repeat`), keeping
 * `exceptions` (an edit's cancelled and moved occurrences). Throws a "bad-input" RallyError.
 */
export function repeatFromInput(
  input: NonNullable<EventInput["repeat"]>,
  time: EventTime,
  exceptions: Pick<RepeatFields, "exdates" | "moved"> = { exdates: [], moved: [] },
): RepeatFields {
  let rule = readRule(input.rule);
  const hasUntil = input.until !== undefined && input.until !== "";
  if (hasUntil && input.count !== undefined)
    throw rallyError(
      "bad-input",
      "A repeating event ends at a date (until) or after a number of times (count), not both.",
    );
  if ((hasUntil || input.count !== undefined) && (rule.count !== null || rule.until !== null))
    throw rallyError(
      "bad-input",
      "The repeat rule already says when it ends (COUNT or UNTIL); give no other end.",
    );
  if (input.count !== undefined) {
    if (!Number.isSafeInteger(input.count) || input.count < 1 || input.count > 10_000)
      throw rallyError(
        "bad-input",
        `The number of times must be a whole number from 1 to 10000, not ${input.count}.`,
      );
    rule = { ...rule, count: input.count };
  }
  if (hasUntil) {
    const until = input.until as string;
    let parsed: ReturnType<typeof parseIso>;
    try {
      parsed = parseIso(until);
    } catch (e) {
      throw rallyError("bad-input", `The end of the repeat is not right: ${(e as Error).message}.`);
    }
    if (parsed.kind === "date") rule = { ...rule, until: { kind: "date", date: parsed.date } };
    else if (parsed.kind === "absolute") rule = { ...rule, until: { kind: "instant", unix: parsed.unix } };
    else {
      const tz = time.allDay ? "UTC" : (time.tz ?? "UTC");
      let unix: number;
      try {
        unix = isoToUnix(until, tz);
      } catch (e) {
        throw rallyError("bad-input", `The end of the repeat is not right: ${(e as Error).message}`);
      }
      rule = { ...rule, until: { kind: "instant", unix } };
    }
  }
  let fitted: RecurrenceRule;
  try {
    fitted = ruleForSeries(rule, time);
  } catch (e) {
    throw rallyError("bad-input", `The end of the repeat is not right: ${(e as Error).message}.`);
  }
  const start = firstDate(time);
  if (!ruleFitsStart(fitted, start)) {
    const dates = ruleDatesAfter(fitted, start, 3);
    throw rallyError(
      "bad-input",
      `The event starts on ${start}, which is not a day the rule ${formatRule(fitted)} gives` +
        (dates.length > 0 ? ` (it gives ${dates.join(", ")}, …)` : "") +
        ". Start it on one of those days.",
    );
  }
  return { rule: formatRule(fitted), exdates: exceptions.exdates, moved: exceptions.moved };
}

/** Days from the series' first date to an occurrence key's date, in the series' zone. */
function dayOffset(key: OccurrenceKey, time: EventTime): number {
  const date =
    typeof key === "string" ? key : firstDate({ ...(time as EventTime & { allDay: false }), start: key });
  return Math.round(
    (Date.parse(`${date}T00:00:00Z`) - Date.parse(`${firstDate(time)}T00:00:00Z`)) / 86_400_000,
  );
}

/** The occurrence key `days` after a series' first occurrence, at its wall-clock time. */
function keyAfter(time: EventTime, days: number): OccurrenceKey {
  const first = Date.parse(`${firstDate(time)}T00:00:00Z`) + days * 86_400_000;
  const date = new Date(first).toISOString().slice(0, 10);
  if (time.allDay) return date;
  const tz = time.tz ?? "UTC";
  const clock = zonedParts(time.start, tz);
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  return zonedToUnix({ ...clock, year, month, day }, tz);
}

/**
 * A series' exceptions after its first time changed: each cancelled or moved occurrence stays
 * the same number of days after the first one (moving a weekly meeting from 19:00 to 18:30 keeps
 * the evenings it was cancelled on); moved ones keep their new times. A change between a date and
 * a time drops them, as they cannot be carried over.
 */
export function carryExceptions(
  repeat: RepeatFields,
  from: EventTime,
  to: EventTime,
): Pick<RepeatFields, "exdates" | "moved"> {
  if (from.allDay !== to.allDay) return { exdates: [], moved: [] };
  return {
    exdates: repeat.exdates.map((x) => keyAfter(to, dayOffset(x, from))),
    moved: repeat.moved.map((m) => ({ ...m, original: keyAfter(to, dayOffset(m.original, from)) })),
  };
}

/**
 * A series' rule after its time zone changed: an end day (UNTIL, kept in UTC for a timed series)
 * stays the same wall-clock day and time in the new zone, as people set it — otherwise moving a
 * series to another zone would shift its last day. Other rules come back as they were.
 */
export function untilInNewZone(ruleText: string, from: EventTime, to: EventTime): string {
  if (from.allDay || to.allDay) return ruleText;
  const fromTz = from.tz ?? "UTC";
  if (fromTz === (to.tz ?? "UTC")) return ruleText;
  const rule = readRule(ruleText);
  if (rule.until?.kind !== "instant") return ruleText;
  return formatRule({ ...rule, until: { kind: "local", local: zonedParts(rule.until.unix, fromTz) } });
}

/** An occurrence key written as people read it: a date, or the time in the event's zone. */
export function occurrenceText(key: OccurrenceKey, time: EventTime): string {
  if (typeof key === "string") return key;
  const tz = time.allDay ? null : time.tz;
  return tz ? unixToZonedIso(key, tz) : unixToIso(key);
}

/** The occurrence of a series that `iso` names, or a "bad-input" error naming the nearest ones. */
export function resolveOccurrence(e: CalendarEventState, iso: string): Occurrence {
  const repeat = e.repeat ?? null;
  if (repeat === null)
    throw rallyError("bad-input", `"${e.title}" does not repeat, so it has no occurrences to choose from.`);
  const series = { time: e.time, rule: repeat.rule, exdates: repeat.exdates, moved: repeat.moved };
  let found: Occurrence | null;
  try {
    found = findOccurrence(series, iso);
  } catch (err) {
    const why = err instanceof InvalidInputError ? err.message : String(err);
    throw rallyError("bad-input", `The occurrence is not right: ${why}.`);
  }
  if (found !== null) return found;
  let at: number;
  const parsed = parseIso(iso);
  if (parsed.kind === "absolute") at = parsed.unix;
  else if (parsed.kind === "date") at = Date.parse(`${parsed.date}T12:00:00Z`) / 1000;
  else at = zonedToUnix(parsed.local, e.time.allDay ? "UTC" : (e.time.tz ?? "UTC"));
  const near = nearestOccurrences(series, at, 2).map((o) => occurrenceText(o.start, e.time));
  throw rallyError(
    "bad-input",
    `${iso} is not an occurrence of "${e.title}" (${repeat.rule}).` +
      (near.length > 0 ? ` The nearest: ${near.join(" and ")}.` : " It has no occurrences left."),
  );
}
