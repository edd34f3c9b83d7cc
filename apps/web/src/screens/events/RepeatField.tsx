/**
 * The event form's "Repeats" field: never, every day, every week, every 2 weeks, monthly on the
 * same weekday or day, every year — named for the day it starts — and when the series ends: never,
 * on a last day, or after a number of times. A rule the form cannot say is kept as written.
 */
import { useId } from "react";
import { type RepeatChoice, type RepeatKind, repeatOptions } from "../../lib/repeatRule.ts";

export function RepeatField({
  value,
  onChange,
  startDay,
}: {
  value: RepeatChoice;
  onChange: (next: RepeatChoice) => void;
  /** YYYY-MM-DD: the day the series starts, which names the choices ("Every week on Tuesday"). */
  startDay: string;
}) {
  const id = useId();
  const options = repeatOptions(startDay);
  const set = (patch: Partial<RepeatChoice>) => onChange({ ...value, ...patch });
  return (
    <div className="repeat-field">
      <div className="field">
        <label htmlFor={`${id}-kind`}>Repeats</label>
        <select
          id={`${id}-kind`}
          value={value.kind}
          onChange={(e) => set({ kind: e.target.value as RepeatKind })}
        >
          {options.map((o) => (
            <option key={o.kind} value={o.kind}>
              {o.label}
            </option>
          ))}
          {value.kind === "custom" && <option value="custom">As written: {value.custom}</option>}
        </select>
      </div>
      {value.kind !== "never" && value.kind !== "custom" && (
        <fieldset className="field repeat-ends">
          <legend>Ends</legend>
          <div className="check">
            <input
              id={`${id}-never`}
              type="radio"
              name={`${id}-ends`}
              checked={value.ends === "never"}
              onChange={() => set({ ends: "never" })}
            />
            <label htmlFor={`${id}-never`}>Never</label>
          </div>
          <div className="check">
            <input
              id={`${id}-until`}
              type="radio"
              name={`${id}-ends`}
              checked={value.ends === "until"}
              onChange={() => set({ ends: "until" })}
            />
            <label htmlFor={`${id}-until`}>On a last day</label>
            {value.ends === "until" && (
              <input
                type="date"
                aria-label="Last day it repeats"
                min={startDay}
                value={value.until}
                onChange={(e) => set({ until: e.target.value })}
              />
            )}
          </div>
          <div className="check">
            <input
              id={`${id}-count`}
              type="radio"
              name={`${id}-ends`}
              checked={value.ends === "count"}
              onChange={() => set({ ends: "count" })}
            />
            <label htmlFor={`${id}-count`}>After a number of times</label>
            {value.ends === "count" && (
              <input
                type="number"
                inputMode="numeric"
                aria-label="How many times in all"
                min={2}
                max={1000}
                value={value.times}
                onChange={(e) => set({ times: Math.trunc(Number(e.target.value) || 0) })}
              />
            )}
          </div>
        </fieldset>
      )}
    </div>
  );
}
