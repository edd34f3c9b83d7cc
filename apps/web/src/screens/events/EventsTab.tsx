/** A group's events: what is coming up (as a list or a month), one event in detail, and the form. */
import { useState } from "react";
import { useClient, useLive } from "../../app/client.tsx";
import { navigate } from "../../app/router.ts";
import { groupHash } from "../../app/routes.ts";
import { Advanced } from "../../ui/Advanced.tsx";
import { BackLink } from "../../ui/BackLink.tsx";
import { ErrorNote, Loading } from "../../ui/Notice.tsx";
import type { GroupContext } from "../group/groupContext.ts";
import { EventDetail } from "./EventDetail.tsx";
import { EventForm } from "./EventForm.tsx";
import { EventRow } from "./EventRow.tsx";
import { ExportIcs } from "./ExportIcs.tsx";
import { splitByTime } from "./eventLists.ts";
import { ImportIcs } from "./ImportIcs.tsx";
import { MonthView } from "./MonthView.tsx";

export function EventsTab({ context, item }: { context: GroupContext; item: string | null }) {
  const client = useClient();
  const groupId = context.group.id;
  const events = useLive((c) => c.events(groupId), ["events"], [groupId], groupId);
  const [view, setView] = useState<"list" | "month">("list");
  const [showPast, setShowPast] = useState(false);

  if (item === "new") {
    return (
      <div className="screen narrow">
        <BackLink href={groupHash(groupId, "events")}>Events</BackLink>
        <h2>New event</h2>
        <EventForm
          initial={null}
          submitLabel="Create event"
          onCancel={() => navigate(groupHash(groupId, "events"))}
          onSubmit={async (input) => {
            const created = await client.createEvent(groupId, input);
            navigate(groupHash(groupId, "events", created.id), { replace: true });
          }}
        />
      </div>
    );
  }
  if (item !== null) return <EventDetail context={context} eventId={item} events={events} />;

  const { upcoming, past } = splitByTime(events.data ?? []);
  return (
    <div className="screen events">
      <div className="list-head">
        <fieldset className="segmented">
          <legend className="visually-hidden">Show events as</legend>
          <button type="button" aria-pressed={view === "list"} onClick={() => setView("list")}>
            List
          </button>
          <button type="button" aria-pressed={view === "month"} onClick={() => setView("month")}>
            Month
          </button>
        </fieldset>
        {context.active && (
          <a className="button primary small" href={groupHash(groupId, "events", "new")}>
            New event
          </a>
        )}
      </div>
      {events.error && <ErrorNote>{events.error.message}</ErrorNote>}
      {!events.data && !events.error && <Loading what="events" />}
      {events.data && view === "month" && (
        <MonthView events={events.data.map((e) => ({ ...e, group: groupId }))} />
      )}
      {events.data && view === "list" && (
        <>
          <h2 className="section-title">Coming up</h2>
          {upcoming.length === 0 ? (
            <p className="muted">
              Nothing planned yet. Create an event and everyone in {context.group.name} can say if they're
              going.
            </p>
          ) : (
            <ul className="event-list">
              {upcoming.map((e) => (
                <li key={e.id}>
                  <EventRow event={e} group={groupId} />
                </li>
              ))}
            </ul>
          )}
          {past.length > 0 && (
            <>
              <button
                type="button"
                className="link-button"
                aria-expanded={showPast}
                onClick={() => setShowPast(!showPast)}
              >
                {showPast ? "Hide past events" : `Show past events (${past.length})`}
              </button>
              {showPast && (
                <ul className="event-list past">
                  {past.map((e) => (
                    <li key={e.id}>
                      <EventRow event={e} group={groupId} />
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
        </>
      )}
      {events.data && (
        <div className="event-more">
          <Advanced label="More">
            {context.active && <ImportIcs groupId={groupId} />}
            <ExportIcs groupId={groupId} groupName={context.group.name} />
          </Advanced>
        </div>
      )}
    </div>
  );
}
