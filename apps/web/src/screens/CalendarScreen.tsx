/** Every event of every group in one place: a month and the list of what is coming up. */
import { useState } from "react";
import { useLive } from "../app/client.tsx";
import { ErrorNote, Loading } from "../ui/Notice.tsx";
import { EventRow } from "./events/EventRow.tsx";
import { splitByTime } from "./events/eventLists.ts";
import { MonthView } from "./events/MonthView.tsx";

export function CalendarScreen() {
  const events = useLive(
    async (c) => {
      const [all, groups] = await Promise.all([c.events(), c.groups()]);
      const names = new Map(groups.map((g) => [g.id, g.name]));
      return all.map((e) => ({ ...e, groupName: names.get(e.group) ?? "" }));
    },
    ["events", "groups"],
    [],
  );
  const [view, setView] = useState<"month" | "list">("month");
  const { upcoming } = splitByTime(events.data ?? []);
  return (
    <div className="screen calendar">
      <div className="list-head">
        <h1>Calendar</h1>
        <fieldset className="segmented">
          <legend className="visually-hidden">Show events as</legend>
          <button type="button" aria-pressed={view === "month"} onClick={() => setView("month")}>
            Month
          </button>
          <button type="button" aria-pressed={view === "list"} onClick={() => setView("list")}>
            List
          </button>
        </fieldset>
      </div>
      {events.error && <ErrorNote>{events.error.message}</ErrorNote>}
      {!events.data && !events.error && <Loading what="events" />}
      {events.data && view === "month" && <MonthView events={events.data} />}
      {events.data && view === "list" && (
        <>
          <h2 className="section-title">Coming up in all your groups</h2>
          {upcoming.length === 0 ? (
            <p className="muted">Nothing planned yet.</p>
          ) : (
            <ul className="event-list">
              {upcoming.map((e) => (
                <li key={`${e.group}:${e.id}`}>
                  <EventRow event={e} group={e.group} groupName={e.groupName} />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
