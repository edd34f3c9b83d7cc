/**
 * One event: when and where, who is going (with guests, places left and the waitlist), the
 * reader's own answer, "Add to calendar", and — for its hosts and the group's admins — edit and
 * cancel.
 */
import { type EventView, MAX_GUESTS, type RsvpStatus } from "@rally/client";
import { useState } from "react";
import { type Live, useAction, useClient } from "../../app/client.tsx";
import { groupHash } from "../../app/routes.ts";
import { downloadText, fileSlug } from "../../lib/download.ts";
import { describeRule } from "../../lib/repeatRule.ts";
import { describeEventTime, instantToWallTime, localTimeZone } from "../../lib/time.ts";
import { BackLink } from "../../ui/BackLink.tsx";
import { ConfirmButton } from "../../ui/ConfirmButton.tsx";
import { ErrorNote, Loading } from "../../ui/Notice.tsx";
import type { GroupContext } from "../group/groupContext.ts";
import { EventForm } from "./EventForm.tsx";
import { comingOccurrences, nextTime } from "./eventLists.ts";
import { goingCount, goingText, placesText } from "./eventWords.ts";
import { Occurrences } from "./Occurrences.tsx";
import { PublicPage } from "./PublicPage.tsx";

const ANSWERS: { status: RsvpStatus; label: string }[] = [
  { status: "going", label: "Going" },
  { status: "maybe", label: "Maybe" },
  { status: "declined", label: "Can't go" },
];

export function EventDetail({
  context,
  eventId,
  events,
}: {
  context: GroupContext;
  eventId: string;
  events: Live<(EventView & { group: string })[]>;
}) {
  const client = useClient();
  const groupId = context.group.id;
  const [editing, setEditing] = useState(false);
  const event = events.data?.find((e) => e.id === eventId);
  const cancel = useAction(async () => client.cancelEvent(groupId, eventId));
  const ics = useAction(async () => {
    if (!event) return;
    downloadText(
      `${fileSlug(event.title, "event")}.ics`,
      await client.eventIcs(groupId, eventId),
      "text/calendar",
    );
  });

  if (events.error) return <ErrorNote>{events.error.message}</ErrorNote>;
  if (!events.data) return <Loading what="the event" />;
  const back = <BackLink href={groupHash(groupId, "events")}>Events</BackLink>;
  if (!event) {
    return (
      <div className="screen narrow">
        {back}
        <h2>Event not found</h2>
        <p className="muted">It may not have reached this device yet.</p>
      </div>
    );
  }
  if (editing) {
    return (
      <div className="screen narrow">
        {back}
        <h2>Edit event</h2>
        <EventForm
          initial={event}
          submitLabel="Save changes"
          onCancel={() => setEditing(false)}
          onSubmit={async (input) => {
            await client.editEvent(groupId, eventId, input);
            setEditing(false);
          }}
        />
      </div>
    );
  }

  const zone = localTimeZone();
  // A repeating event is shown at its next date; its rule and other dates follow.
  const when = describeEventTime(nextTime(event), zone);
  const firstDay = event.allDay
    ? event.start.slice(0, 10)
    : instantToWallTime(new Date(event.start), event.tz ?? zone).slice(0, 10);
  const cancelled = event.status === "cancelled";
  return (
    <article className="screen narrow event-detail" aria-labelledby="event-title">
      {back}
      {cancelled && (
        <p className="banner cancelled-banner" role="status">
          This event was cancelled.
        </p>
      )}
      <h2 id="event-title" className="event-heading">
        {event.title}
      </h2>
      <dl className="event-facts">
        <dt>{event.repeat ? (comingOccurrences(event).length > 0 ? "Next" : "First") : "When"}</dt>
        <dd>
          {when.main}
          {when.there && <span className="muted block">{when.there}</span>}
        </dd>
        {event.repeat && (
          <>
            <dt>Repeats</dt>
            <dd>{describeRule(event.repeat.rule, firstDay, event.tz ?? zone)}</dd>
          </>
        )}
        {event.location && (
          <>
            <dt>Where</dt>
            <dd>{event.location}</dd>
          </>
        )}
        <dt>Hosted by</dt>
        <dd>{(event.hosts.length > 0 ? event.hosts : [event.author]).map(context.nameOf).join(", ")}</dd>
        {event.capacity !== null && (
          <>
            <dt>Places</dt>
            <dd>{placesText(event)}</dd>
          </>
        )}
      </dl>
      {event.description && <p className="event-description">{event.description}</p>}

      {!cancelled && context.active && <RsvpPanel event={event} groupId={groupId} meNpub={context.me.npub} />}

      <Occurrences event={event} groupId={groupId} active={context.active} />

      <Attendees event={event} nameOf={context.nameOf} />

      <div className="actions">
        <button type="button" className="secondary" onClick={() => void ics.run()} disabled={ics.busy}>
          Add to calendar
        </button>
        {event.canEdit && !cancelled && context.active && (
          <>
            <button type="button" className="secondary" onClick={() => setEditing(true)}>
              Edit
            </button>
            <ConfirmButton
              label="Cancel event"
              question="Cancel this event for everyone?"
              confirmLabel="Cancel event"
              busy={cancel.busy}
              onConfirm={() => void cancel.run()}
            />
          </>
        )}
      </div>
      <ErrorNote>{ics.error ?? cancel.error}</ErrorNote>
      {context.group.admin && context.active && !cancelled && (
        <PublicPage event={event} groupId={groupId} groupName={context.group.name} />
      )}
    </article>
  );
}

/**
 * One's own place in plain words (PROTOCOL.md "Fair places"): a "going" answer only asks for a place
 * until a host's device confirms it, in the order answers reached it; gains and losses are said.
 */
export function placeNote(event: Pick<EventView, "myPlace" | "placeChange" | "capacity">): string | null {
  if (event.capacity === null) return null;
  switch (event.myPlace) {
    case "asking":
      return event.placeChange === "lost"
        ? "You lost your place. Asking for a place again…"
        : "Asking for a place… A host confirms places in the order answers reach them.";
    case "confirmed":
      return event.placeChange === "gained" ? "You got a place." : "You have a place.";
    case "waitlist":
      return event.placeChange === "lost" ? "You lost your place." : null;
    default:
      return null;
  }
}

function RsvpPanel({ event, groupId, meNpub }: { event: EventView; groupId: string; meNpub: string }) {
  const client = useClient();
  const [guests, setGuests] = useState(event.guests[meNpub] ?? 0);
  // Guests come only with "going" (the client's rule, as for the `rally` command): with another
  // answer they are left out, and the person is told so.
  const [leftOut, setLeftOut] = useState(false);
  const answer = useAction(async (status: RsvpStatus) => {
    const sent = await client.rsvp(groupId, event.id, status, guests);
    setLeftOut(sent.guestsLeftOut > 0);
  });
  const waitPosition = event.rsvps.waitlist.indexOf(meNpub);
  const place = placeNote(event);
  return (
    <section className="rsvp card" aria-labelledby="rsvp-heading">
      <h3 id="rsvp-heading">Are you going?</h3>
      {event.repeat && (
        <p className="muted">This answer is for every date; answer for one date under "Next dates".</p>
      )}
      <fieldset className="segmented rsvp-buttons">
        <legend className="visually-hidden">Your answer</legend>
        {ANSWERS.map((a) => (
          <button
            type="button"
            key={a.status}
            aria-pressed={event.myRsvp === a.status}
            disabled={answer.busy}
            onClick={() => void answer.run(a.status)}
          >
            {a.label}
          </button>
        ))}
      </fieldset>
      <div className="field guests">
        <label htmlFor="rsvp-guests">Guests you're bringing</label>
        <input
          id="rsvp-guests"
          type="number"
          inputMode="numeric"
          min={0}
          max={MAX_GUESTS}
          value={guests}
          onChange={(e) =>
            setGuests(Math.max(0, Math.min(MAX_GUESTS, Math.trunc(Number(e.target.value) || 0))))
          }
        />
        {event.myRsvp && guests !== (event.guests[meNpub] ?? 0) && (
          <button type="button" className="quiet small" onClick={() => void answer.run(event.myRsvp!)}>
            Update guests
          </button>
        )}
      </div>
      {place && (
        <p className="banner place-note" role="status" data-place={event.myPlace ?? ""}>
          {place}
        </p>
      )}
      {waitPosition >= 0 && (
        <p className="banner" role="status">
          The event is full. You are number {waitPosition + 1} on the waitlist and move up when someone can't
          make it.
        </p>
      )}
      {leftOut && (
        <p className="muted" role="status">
          Guests count only with "going", so none were added.
        </p>
      )}
      {event.hostsOnlyRsvps && <p className="muted">Only the hosts see who answered.</p>}
      <ErrorNote>{answer.error}</ErrorNote>
    </section>
  );
}

function Attendees({ event, nameOf }: { event: EventView; nameOf: (npub: string) => string }) {
  const groups: { title: string; people: string[] }[] = [
    { title: "Going", people: event.rsvps.going },
    { title: "Waitlist", people: event.rsvps.waitlist },
    { title: "Asking for a place", people: event.rsvps.asking },
    { title: "Maybe", people: event.rsvps.maybe },
    { title: "Can't go", people: event.rsvps.declined },
  ];
  const any = groups.some((g) => g.people.length > 0);
  if (!any) return event.hostsOnlyRsvps ? null : <p className="muted">No one has answered yet.</p>;
  return (
    <section className="attendees" aria-label="Answers">
      <p className="going-summary">{goingText(event)}</p>
      {groups
        .filter((g) => g.people.length > 0)
        .map((g) => (
          <div key={g.title} className="attendee-group">
            <h3>
              {g.title} ({g.title === "Going" ? goingCount(event, g.people) : g.people.length})
            </h3>
            <ul className={g.title === "Waitlist" ? "ordered" : undefined}>
              {g.people.map((npub) => (
                <li key={npub}>
                  {nameOf(npub)}
                  {(event.guests[npub] ?? 0) > 0 && <span className="muted"> +{event.guests[npub]}</span>}
                </li>
              ))}
            </ul>
          </div>
        ))}
    </section>
  );
}
