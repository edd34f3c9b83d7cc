/**
 * Creating or editing an event. People type wall-clock times in the event's time zone (defaulting
 * to their own); the form turns them into exact instants, so a meeting at 18:00 in Berlin shows as
 * 17:00 to a member in London. A time the zone's clocks skip (daylight saving starts) is refused next
 * to its field until it is changed; a time they show twice is taken as the first, and the field says so.
 */
import type { EventInput, EventView } from "@rally/client";
import { useState } from "react";
import { choiceOf, NO_REPEAT, type RepeatChoice, repeatOf } from "../../lib/repeatRule.ts";
import { instantToWallTime, localTimeZone, wallTimeNote, wallTimeToInstant } from "../../lib/time.ts";
import { CheckField, TextArea, TextField } from "../../ui/Field.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";
import { TimeZonePicker } from "../../ui/TimeZonePicker.tsx";
import { RepeatField } from "./RepeatField.tsx";

function defaultStart(): string {
  const d = new Date(Date.now() + 86_400_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T18:00`;
}

function plusHours(wall: string, hours: number): string {
  const [date, time] = wall.split("T") as [string, string];
  const [h, m] = time.split(":").map(Number) as [number, number];
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMinutes(h * 60 + m + hours * 60);
  return d.toISOString().slice(0, 16);
}

/** Unix seconds of a wall time in `zone`, for the offsets the zone picker shows (now if unreadable). */
function offsetDay(wall: string, zone: string): number {
  try {
    return Math.floor(wallTimeToInstant(wall, zone).getTime() / 1000);
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

export function EventForm({
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial: EventView | null;
  submitLabel: string;
  onSubmit: (input: EventInput) => Promise<void>;
  onCancel: () => void;
}) {
  const initialZone = initial?.tz ?? localTimeZone();
  const [title, setTitle] = useState(initial?.title ?? "");
  const [allDay, setAllDay] = useState(initial?.allDay ?? false);
  const [tz, setTz] = useState(initialZone);
  const [start, setStart] = useState(() =>
    initial && !initial.allDay ? instantToWallTime(new Date(initial.start), initialZone) : defaultStart(),
  );
  const [end, setEnd] = useState(() =>
    initial && !initial.allDay && initial.end
      ? instantToWallTime(new Date(initial.end), initialZone)
      : plusHours(start, 2),
  );
  const [day, setDay] = useState(initial?.allDay ? initial.start.slice(0, 10) : start.slice(0, 10));
  const initialDay = initial?.allDay ? initial.start.slice(0, 10) : start.slice(0, 10);
  const [initialRepeat] = useState<RepeatChoice>(() =>
    initial?.repeat ? choiceOf(initial.repeat.rule, initialDay, initialZone) : NO_REPEAT,
  );
  const [repeat, setRepeat] = useState<RepeatChoice>(initialRepeat);
  const [lastDay, setLastDay] = useState(initial?.allDay && initial.end ? initial.end.slice(0, 10) : "");
  const [location, setLocation] = useState(initial?.location ?? "");
  const [description, setDescription] = useState(initial?.description ?? "");
  const [capacity, setCapacity] = useState(initial?.capacity != null ? String(initial.capacity) : "");
  const [hostsOnly, setHostsOnly] = useState(initial?.hostsOnlyRsvps ?? false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const startNote = allDay ? null : wallTimeNote(start, tz);
  const endNote = allDay || !end ? null : wallTimeNote(end, tz);

  const build = (): EventInput => {
    if (!title.trim()) throw new Error("Give the event a title.");
    const places = capacity.trim() === "" ? undefined : Number(capacity);
    if (places !== undefined && (!Number.isInteger(places) || places < 1)) {
      throw new Error("Places must be a whole number, 1 or more — or leave it empty for no limit.");
    }
    const common = {
      title: title.trim(),
      location: location.trim(),
      description: description.trim(),
      capacity: places,
      hostsOnlyRsvps: hostsOnly,
      tz,
    };
    const firstDay = allDay ? day : start.slice(0, 10);
    const series = repeatOf(repeat, firstDay);
    // A new event repeats or not; an edit says so only when the repeat (or the day naming it) changed.
    const unchanged =
      initial !== null && JSON.stringify(repeat) === JSON.stringify(initialRepeat) && firstDay === initialDay;
    const repeating: Pick<EventInput, "repeat"> =
      !unchanged && (series !== null || initial?.repeat) ? { repeat: series } : {};
    if (allDay) {
      if (!day) throw new Error("Choose the day.");
      if (lastDay && lastDay < day) throw new Error("The last day cannot be before the first.");
      return { ...common, ...repeating, allDay: true, start: day, end: lastDay || undefined };
    }
    if (!start) throw new Error("Choose when it starts.");
    if (startNote?.kind === "gap") throw new Error(`Change the start: that time does not exist in ${tz}.`);
    if (endNote?.kind === "gap") throw new Error(`Change the end: that time does not exist in ${tz}.`);
    const startAt = wallTimeToInstant(start, tz);
    const endAt = end ? wallTimeToInstant(end, tz) : null;
    if (endAt && endAt <= startAt) throw new Error("The end must be after the start.");
    return {
      ...common,
      ...repeating,
      allDay: false,
      start: startAt.toISOString(),
      end: endAt?.toISOString(),
    };
  };

  return (
    <form
      className="event-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        let input: EventInput;
        try {
          input = build();
        } catch (err) {
          setError((err as Error).message);
          return;
        }
        setBusy(true);
        try {
          await onSubmit(input);
        } catch (err) {
          setError(err instanceof Error ? err.message : String(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <TextField
        label="Title"
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        maxLength={200}
        required
        autoFocus
      />
      <CheckField label="All day" checked={allDay} onChange={(e) => setAllDay(e.target.checked)} />
      {allDay ? (
        <div className="field-pair">
          <TextField label="Day" type="date" value={day} onChange={(e) => setDay(e.target.value)} required />
          <TextField
            label="Last day (optional)"
            type="date"
            value={lastDay}
            min={day}
            onChange={(e) => setLastDay(e.target.value)}
          />
        </div>
      ) : (
        <div className="field-pair">
          <TextField
            label="Starts"
            type="datetime-local"
            value={start}
            onChange={(e) => {
              const next = e.target.value;
              // Keep the length of the event when the start moves.
              if (start && end && next) {
                const length = (Date.parse(`${end}Z`) - Date.parse(`${start}Z`)) / 3_600_000;
                setEnd(plusHours(next, length > 0 ? length : 2));
              }
              setStart(next);
            }}
            required
            error={startNote?.kind === "gap" ? startNote.message : null}
            hint={startNote?.kind === "overlap" ? startNote.message : undefined}
          />
          <TextField
            label="Ends"
            type="datetime-local"
            value={end}
            min={start}
            onChange={(e) => setEnd(e.target.value)}
            error={endNote?.kind === "gap" ? endNote.message : null}
            hint={endNote?.kind === "overlap" ? endNote.message : undefined}
          />
        </div>
      )}
      <TimeZonePicker
        label="Time zone"
        value={tz}
        onChange={setTz}
        at={offsetDay(allDay ? `${day}T12:00` : start, tz)}
        hint="The times above are on this zone's clocks. Everyone sees them on their own clock too."
      />
      <RepeatField value={repeat} onChange={setRepeat} startDay={allDay ? day : start.slice(0, 10)} />
      <TextField
        label="Where"
        value={location}
        onChange={(e) => setLocation(e.target.value)}
        maxLength={300}
        placeholder="An address, a room, or a video call link"
      />
      <TextArea
        label="Details"
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        rows={4}
        maxLength={5000}
      />
      <TextField
        label="Places (optional)"
        hint="When it is full, more people can still say they're going and wait in line for a place."
        type="number"
        inputMode="numeric"
        min={1}
        value={capacity}
        onChange={(e) => setCapacity(e.target.value)}
      />
      <CheckField
        label="Only hosts see who's coming"
        hint="Answers are encrypted to the hosts alone; other members don't see who is coming."
        checked={hostsOnly}
        onChange={(e) => setHostsOnly(e.target.checked)}
      />
      <ErrorNote>{error}</ErrorNote>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
        <button type="button" className="quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
