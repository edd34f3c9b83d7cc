/**
 * Splitting and ordering events for lists: what is still to come, and what has passed. A repeating
 * event is listed once, at its next date (the client gives its next occurrences).
 */
import type { EventView, OccurrenceView } from "@rally/client";

type Timed = Pick<EventView, "start" | "end" | "allDay">;
type MaybeSeries = Timed & Partial<Pick<EventView, "repeat" | "occurrences">>;

/** Milliseconds when an event is over (its end, or its start day's end for all-day events). */
export function eventEndsAt(event: Timed): number {
  if (event.allDay) {
    const last = (event.end ?? event.start).slice(0, 10);
    return Date.parse(`${last}T23:59:59`);
  }
  const end = event.end ? Date.parse(event.end) : Number.NaN;
  return Number.isNaN(end) ? Date.parse(event.start) + 3_600_000 : end;
}

export function eventStartsAt(event: Pick<EventView, "start" | "allDay">): number {
  return event.allDay ? Date.parse(`${event.start.slice(0, 10)}T00:00:00`) : Date.parse(event.start);
}

/** A repeating event's occurrences that are not cancelled and not over at `now`. */
export function comingOccurrences(
  event: MaybeSeries,
  now: number = Date.now(),
): Pick<OccurrenceView, "start" | "end" | "original">[] {
  if (!event.repeat || !event.occurrences) return [];
  return event.occurrences.filter(
    (o) =>
      o.status !== "cancelled" && eventEndsAt({ start: o.start, end: o.end, allDay: event.allDay }) >= now,
  );
}

/**
 * When to show an event in a list: a repeating event at its next date still to come (or its first,
 * when none is), anything else at its own time.
 */
export function nextTime<E extends MaybeSeries>(event: E, now: number = Date.now()): E {
  const next = comingOccurrences(event, now)[0];
  return next ? { ...event, start: next.start, end: next.end } : event;
}

export function splitByTime<E extends MaybeSeries>(
  events: readonly E[],
  now: number = Date.now(),
): { upcoming: E[]; past: E[] } {
  const shown = events.map((e) => nextTime(e, now));
  const upcoming = shown
    .filter((e) => eventEndsAt(e) >= now)
    .sort((a, b) => eventStartsAt(a) - eventStartsAt(b));
  const past = shown.filter((e) => eventEndsAt(e) < now).sort((a, b) => eventStartsAt(b) - eventStartsAt(a));
  return { upcoming, past };
}
