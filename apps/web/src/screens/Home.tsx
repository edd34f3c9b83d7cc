/** The wide-screen panel beside the group list when no group is open: what is coming up next. */
import { useLive } from "../app/client.tsx";
import { EventRow } from "./events/EventRow.tsx";

export function Home() {
  const events = useLive((c) => c.events(), ["events", "groups"], []);
  const now = Date.now();
  const upcoming = (events.data ?? [])
    .filter((e) => e.status !== "cancelled" && Date.parse(e.end ?? e.start) >= now - 3_600_000)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
    .slice(0, 5);
  return (
    <div className="screen home">
      <h2>Coming up</h2>
      {upcoming.length === 0 ? (
        <p className="muted">
          Nothing planned yet. Open a group and add an event — it shows here for everyone going.
        </p>
      ) : (
        <ul className="event-list">
          {upcoming.map((e) => (
            <li key={`${e.group}:${e.id}`}>
              <EventRow event={e} group={e.group} />
            </li>
          ))}
        </ul>
      )}
      <p className="muted">Choose a group to chat, plan and vote.</p>
    </div>
  );
}
