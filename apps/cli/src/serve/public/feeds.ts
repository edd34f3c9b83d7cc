/**
 * The public .ics feeds: one event, a group's upcoming events, or the directory's. Written by the
 * protocol's iCalendar export with a reminder in each event; a place hidden on the page (hosts
 * approve answers) is never in a feed either, and the organiser is the group's public name.
 *
 * Runs in: Node (`rally serve`); pure.
 */
import { calendarToIcs, type IcsEventSource } from "@rally/client";
import type { PublicEvent } from "./model.ts";

function source(e: PublicEvent): IcsEventSource {
  return {
    owner: e.pubkey,
    d: e.d,
    title: e.title,
    time: e.time,
    description: e.description,
    summary: e.summary,
    location: e.approval ? null : e.location,
    image: e.image,
    hashtags: e.hashtags,
    links: e.links,
    cancelled: e.cancelled,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

export function feed(
  events: readonly PublicEvent[],
  options: { name?: string; description?: string; nameOf: (pubkey: string) => string | undefined },
): string {
  return calendarToIcs(events.map(source), {
    alarms: true,
    nameOf: options.nameOf,
    ...(options.name ? { name: options.name } : {}),
    ...(options.description ? { description: options.description } : {}),
  });
}
