/**
 * A repeating event's next dates on its page: each on the reader's clock, cancelled or moved ones
 * said so, with who is going to each. Members answer for one date ("Going to this one"); hosts may
 * cancel one date without cancelling the series.
 */
import type { EventView, OccurrenceView, RsvpStatus } from "@rally/client";
import { useAction, useClient } from "../../app/client.tsx";
import { count } from "../../lib/plural.ts";
import { describeEventTime, localTimeZone } from "../../lib/time.ts";
import { ConfirmButton } from "../../ui/ConfirmButton.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";

const ANSWERS: { status: RsvpStatus; label: string }[] = [
  { status: "going", label: "Going" },
  { status: "maybe", label: "Maybe" },
  { status: "declined", label: "Can't go" },
];

export function Occurrences({
  event,
  groupId,
  active,
}: {
  event: EventView;
  groupId: string;
  /** The reader may still write in the group. */
  active: boolean;
}) {
  if (!event.repeat) return null;
  const zone = localTimeZone();
  return (
    <section className="occurrences-section" aria-labelledby="occurrences-heading">
      <h3 id="occurrences-heading">Next dates</h3>
      {event.occurrences.length === 0 ? (
        <p className="muted">No more dates in the coming year.</p>
      ) : (
        <ul className="occurrences">
          {event.occurrences.map((o) => (
            <OccurrenceRow
              key={o.original}
              event={event}
              occurrence={o}
              groupId={groupId}
              active={active}
              zone={zone}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function OccurrenceRow({
  event,
  occurrence: o,
  groupId,
  active,
  zone,
}: {
  event: EventView;
  occurrence: OccurrenceView;
  groupId: string;
  active: boolean;
  zone: string;
}) {
  const client = useClient();
  const when = describeEventTime({ start: o.start, end: o.end, tz: event.tz, allDay: event.allDay }, zone);
  const cancelled = o.status === "cancelled";
  const answer = useAction(async (status: RsvpStatus) =>
    client.rsvp(groupId, event.id, status, 0, { occurrence: o.original }),
  );
  const cancel = useAction(async () => client.cancelOccurrence(groupId, event.id, o.original));
  const going = o.rsvps.going.length;
  const canAnswer = active && !cancelled && event.status !== "cancelled";
  return (
    <li className={cancelled ? "cancelled" : undefined}>
      <span>
        {cancelled && <span className="tag cancelled-tag">Cancelled</span>}
        {o.moved && !cancelled && <span className="tag">Moved</span>}
        <span className={cancelled ? "struck" : undefined}>{when.main}</span>
        {when.there && <span className="muted"> ({when.there})</span>}
        {!cancelled && !event.rsvpsHidden && (
          <span className="muted block">
            {going === 0 ? "No one going yet" : `${count(going, "person", "people")} going`}
          </span>
        )}
      </span>
      {canAnswer && (
        <fieldset className="segmented small">
          <legend className="visually-hidden">Your answer for {when.main}</legend>
          {ANSWERS.map((a) => (
            <button
              type="button"
              key={a.status}
              aria-pressed={o.myRsvp === a.status}
              disabled={answer.busy}
              onClick={() => void answer.run(a.status)}
            >
              {a.label}
            </button>
          ))}
        </fieldset>
      )}
      {canAnswer && event.canEdit && (
        <ConfirmButton
          label="Cancel this one"
          question={`Cancel ${when.main} for everyone? The other dates stay.`}
          confirmLabel="Cancel this date"
          busy={cancel.busy}
          className="danger small"
          onConfirm={() => void cancel.run()}
        />
      )}
      <ErrorNote>{answer.error ?? cancel.error}</ErrorNote>
    </li>
  );
}
