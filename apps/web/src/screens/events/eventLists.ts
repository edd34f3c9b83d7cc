/** Splitting and ordering events for lists: what is still to come, and what has passed. */
import type { EventView } from "@rally/client";

/** Milliseconds when an event is over (its end, or its start day's end for all-day events). */
export function eventEndsAt(event: Pick<EventView, "start" | "end" | "allDay">): number {
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

export function splitByTime<E extends Pick<EventView, "start" | "end" | "allDay">>(
  events: readonly E[],
  now: number = Date.now(),
): { upcoming: E[]; past: E[] } {
  const upcoming = events
    .filter((e) => eventEndsAt(e) >= now)
    .sort((a, b) => eventStartsAt(a) - eventStartsAt(b));
  const past = events.filter((e) => eventEndsAt(e) < now).sort((a, b) => eventStartsAt(b) - eventStartsAt(a));
  return { upcoming, past };
}
