/** A line in an event list: date block, title, time, place and how many are going. */
import type { EventView } from "@rally/client";
import { groupHash } from "../../app/routes.ts";
import { describeEventTime, localTimeZone } from "../../lib/time.ts";

const RSVP_TEXT = { going: "You're going", maybe: "You might go", declined: "You can't go" } as const;

/** What to say of one's own answer: a "going" answer at a limited event only asks for a place. */
function myText(event: EventView): string | null {
  if (event.myRsvp === null) return null;
  if (event.myRsvp !== "going" || event.capacity === null) return RSVP_TEXT[event.myRsvp];
  switch (event.myPlace) {
    case "asking":
      return "Asking for a place…";
    case "waitlist":
      return event.placeChange === "lost" ? "You lost your place · waiting" : "You're on the waitlist";
    case "confirmed":
      return event.placeChange === "gained" ? "You got a place" : "You have a place";
    default:
      return RSVP_TEXT.going;
  }
}

export function EventRow({
  event,
  group,
  groupName,
}: {
  event: EventView;
  group: string;
  groupName?: string;
}) {
  const zone = localTimeZone();
  const when = describeEventTime(event, zone);
  const start = event.allDay ? new Date(`${event.start.slice(0, 10)}T12:00:00`) : new Date(event.start);
  const going = event.rsvps.going.length;
  const myStatus = myText(event);
  return (
    <a
      className={`event-row${event.status === "cancelled" ? " cancelled" : ""}`}
      href={groupHash(group, "events", event.id)}
    >
      <span className="date-block" aria-hidden="true">
        <span className="month">{start.toLocaleDateString(undefined, { month: "short" })}</span>
        <span className="day">{start.getDate()}</span>
      </span>
      <span className="event-text">
        <span className="event-title">
          {event.status === "cancelled" && <span className="tag cancelled-tag">Cancelled</span>}
          {event.title}
        </span>
        <span className="event-meta">{when.main}</span>
        {event.location && <span className="event-meta">{event.location}</span>}
        <span className="event-meta">
          {groupName ? `${groupName} · ` : ""}
          {going} going
          {event.capacity !== null ? ` of ${event.capacity}` : ""}
          {myStatus ? ` · ${myStatus}` : ""}
        </span>
      </span>
    </a>
  );
}
