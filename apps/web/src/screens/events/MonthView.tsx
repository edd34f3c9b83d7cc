/**
 * A month as a grid (Monday first). Each day lists its events' titles on wide screens and shows a
 * dot per event on phones; choosing a day lists its events below the grid. A repeating event shows
 * on the day of each of its next occurrences.
 */
import type { EventView } from "@rally/client";
import { useMemo, useState } from "react";
import { count } from "../../lib/plural.ts";
import { addMonths, dayKey, eventDayKey, localTimeZone, monthGrid } from "../../lib/time.ts";
import { EventRow } from "./EventRow.tsx";

type Dated = EventView & { group: string; groupName?: string };

export function MonthView({ events }: { events: readonly Dated[] }) {
  const today = new Date();
  const todayKey = dayKey(today.getFullYear(), today.getMonth() + 1, today.getDate());
  const [month, setMonth] = useState({ year: today.getFullYear(), month: today.getMonth() + 1 });
  const [selected, setSelected] = useState<string>(todayKey);
  const zone = localTimeZone();
  const byDay = useMemo(() => {
    const map = new Map<string, Dated[]>();
    const add = (e: Dated) => {
      const key = eventDayKey(e, zone);
      if (!key) return;
      const list = map.get(key) ?? [];
      list.push(e);
      map.set(key, list);
    };
    for (const e of events) {
      if (!e.repeat || e.occurrences.length === 0) {
        add(e);
        continue;
      }
      for (const o of e.occurrences) {
        add({ ...e, start: o.start, end: o.end, status: o.status === "cancelled" ? "cancelled" : e.status });
      }
    }
    return map;
  }, [events, zone]);
  const weeks = monthGrid(month.year, month.month);
  const title = new Date(month.year, month.month - 1, 1).toLocaleDateString(undefined, {
    month: "long",
    year: "numeric",
  });
  const weekdays = weeks[0]!.map((cell) =>
    new Date(`${cell.key}T12:00:00`).toLocaleDateString(undefined, { weekday: "short" }),
  );
  const selectedEvents = byDay.get(selected) ?? [];
  // On an empty day, the next thing planned after it, so the calendar is never a dead end.
  const nextAfter = useMemo(() => {
    let best: { key: string; event: Dated } | null = null;
    for (const [key, list] of byDay) {
      if (key <= selected) continue;
      const event = list.find((e) => e.status !== "cancelled");
      if (event && (!best || key < best.key)) best = { key, event };
    }
    return best?.event ?? null;
  }, [byDay, selected]);
  const move = (delta: number) => setMonth(addMonths(month.year, month.month, delta));

  return (
    <div className="month-view">
      <div className="month-head">
        <button type="button" className="quiet" onClick={() => move(-1)} aria-label="Previous month">
          ‹
        </button>
        <h2 aria-live="polite">{title}</h2>
        <button type="button" className="quiet" onClick={() => move(1)} aria-label="Next month">
          ›
        </button>
      </div>
      <table className="month-grid">
        <caption className="visually-hidden">Events in {title}</caption>
        <thead>
          <tr>
            {weekdays.map((d) => (
              <th key={d} scope="col">
                {d}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr key={week[0]!.key}>
              {week.map((cell) => {
                const dayEvents = byDay.get(cell.key) ?? [];
                const label = new Date(`${cell.key}T12:00:00`).toLocaleDateString(undefined, {
                  weekday: "long",
                  day: "numeric",
                  month: "long",
                });
                return (
                  <td
                    key={cell.key}
                    className={`${cell.inMonth ? "" : "other-month"}${cell.key === todayKey ? " today" : ""}`}
                  >
                    <button
                      type="button"
                      className={`day-cell${cell.key === selected ? " selected" : ""}`}
                      aria-pressed={cell.key === selected}
                      aria-label={`${label}${dayEvents.length ? `, ${count(dayEvents.length, "event")}` : ""}`}
                      onClick={() => setSelected(cell.key)}
                    >
                      <span className="day-number">{cell.day}</span>
                      <span className="day-events" aria-hidden="true">
                        {dayEvents.slice(0, 3).map((e) => (
                          <span
                            key={`${e.group}:${e.id}`}
                            className={`chip${e.status === "cancelled" ? " cancelled" : ""}`}
                          >
                            <span className="chip-text">{e.title}</span>
                          </span>
                        ))}
                        {dayEvents.length > 3 && (
                          <span className="chip more-chip">+{dayEvents.length - 3}</span>
                        )}
                      </span>
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <section className="day-list" aria-live="polite">
        <h3>
          {new Date(`${selected}T12:00:00`).toLocaleDateString(undefined, {
            weekday: "long",
            day: "numeric",
            month: "long",
          })}
        </h3>
        {selectedEvents.length === 0 ? (
          <>
            <p className="muted">Nothing planned on this day.</p>
            {nextAfter && (
              <>
                <h3>Next</h3>
                <EventRow event={nextAfter} group={nextAfter.group} groupName={nextAfter.groupName} />
              </>
            )}
          </>
        ) : (
          <ul className="event-list">
            {selectedEvents.map((e) => (
              <li key={`${e.group}:${e.id}`}>
                <EventRow event={e} group={e.group} groupName={e.groupName} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
