/** A line in an event list: date block, title, time (on the reader's clock), place and who is going. */
import type { EventView } from "@rally/client";
import { groupHash } from "../../app/routes.ts";
import { describeEventTime, localTimeZone } from "../../lib/time.ts";
import { goingText, placesText } from "./eventWords.ts";

/**
 * What to say of one's own answer beyond who is going (which already says "You're going"): a
 * "going" answer at a limited event only asks for a place until a host confirms it.
 */
function myText(event: EventView): string | null {
  if (event.myRsvp === "maybe") return "You might go";
  if (event.myRsvp === "declined") return "You can't go";
  if (event.myRsvp !== "going" || event.capacity === null) return null;
  switch (event.myPlace) {
    case "asking":
      return "Asking for a place…";
    case "waitlist":
      return event.placeChange === "lost" ? "You lost your place · waiting" : "You're on the waitlist";
    case "confirmed":
      // "You're going" already says one has a place; a place just gained is news worth saying.
      return event.placeChange === "gained" ? "You got a place" : null;
    default:
      return null;
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
  const myStatus = myText(event);
  const places = placesText(event);
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
          {event.repeat && <span className="tag">Repeats</span>}
          {event.title}
        </span>
        <span className="event-meta">
          {when.main}
          {when.there && <span className="muted"> ({when.there})</span>}
        </span>
        {event.location && <span className="event-meta">{event.location}</span>}
        <span className="event-meta">
          {groupName ? `${groupName} · ` : ""}
          {goingText(event)}
          {places ? ` · ${places}` : ""}
          {myStatus ? ` · ${myStatus}` : ""}
        </span>
      </span>
    </a>
  );
}
