/**
 * A searchable time-zone field: a combobox with a list of matching zones (WAI-ARIA combobox
 * pattern). Typing filters by city, region or offset; Up/Down move through the matches, Enter
 * picks one, Escape closes the list and puts back the zone chosen before. The field always ends
 * up holding a real zone: leaving it with unfinished text restores the chosen one.
 */
import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from "react";
import { searchZones, type ZoneOption, zoneOption, zoneOptions } from "../lib/timeZones.ts";

const SHOWN = 50;

export function TimeZonePicker({
  label,
  value,
  onChange,
  at,
  hint,
}: {
  label: string;
  /** The chosen IANA zone. */
  value: string;
  onChange: (zone: string) => void;
  /** Unix seconds at which offsets are shown (the event's start): "UTC+2" in summer in Berlin. */
  at: number;
  hint?: string;
}) {
  const id = useId();
  const listId = `${id}-list`;
  const hintId = `${id}-hint`;
  // Offsets change only with the day, so the list is made once per day of `at`.
  const day = Math.floor(at / 86_400);
  const options = useMemo(() => zoneOptions(day * 86_400 + 43_200), [day]);
  const chosen = useMemo(
    () => options.find((o) => o.id === value) ?? zoneOption(value, at),
    [options, value, at],
  );
  const [text, setText] = useState<string | null>(null); // null: not typing, show the chosen zone
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listRef = useRef<HTMLDivElement>(null);
  // Opened without typing, the list is every zone (scrolled to the chosen one); typing narrows it.
  const matches = useMemo(
    () => (!open ? [] : text ? searchZones(options, text, SHOWN) : options),
    [open, options, text],
  );
  const activeOption: ZoneOption | undefined = matches[active];
  useEffect(() => {
    if (open)
      listRef.current?.querySelector(`[data-index="${active}"]`)?.scrollIntoView({ block: "nearest" });
  }, [open, active]);

  const pick = (option: ZoneOption) => {
    onChange(option.id);
    setText(null);
    setOpen(false);
  };
  const move = (delta: number) => {
    if (!open) {
      setOpen(true);
      setActive(
        text
          ? 0
          : Math.max(
              0,
              options.findIndex((o) => o.id === value),
            ),
      );
      return;
    }
    if (matches.length === 0) return;
    setActive((active + delta + matches.length) % matches.length);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        move(1);
        break;
      case "ArrowUp":
        e.preventDefault();
        move(-1);
        break;
      case "Enter":
        if (open && activeOption) {
          e.preventDefault(); // Picking a zone does not submit the form.
          pick(activeOption);
        }
        break;
      case "Escape":
        if (open || text !== null) {
          e.preventDefault();
          setOpen(false);
          setText(null);
        }
        break;
    }
  };

  return (
    <div className="field zone-picker">
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      <input
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && activeOption ? `${id}-opt-${active}` : undefined}
        aria-describedby={hint ? hintId : undefined}
        placeholder="Type a city, e.g. Berlin"
        value={text ?? chosen.label}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(0);
        }}
        onFocus={(e) => e.target.select()}
        onClick={() => {
          if (!open) move(0);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => {
          setOpen(false);
          setText(null);
        }}
      />
      <div
        id={listId}
        ref={listRef}
        role="listbox"
        aria-label="Matching zones"
        className="zone-options"
        hidden={!open || matches.length === 0}
      >
        {matches.map((option, index) => (
          <div
            key={option.id}
            id={`${id}-opt-${index}`}
            data-index={index}
            role="option"
            // Focus stays in the field (aria-activedescendant); options are reached with the arrows.
            tabIndex={-1}
            aria-selected={index === active}
            className={option.id === value ? "chosen" : undefined}
            // mousedown, not click: the input's blur (which closes the list) comes first otherwise.
            onMouseDown={(e) => {
              e.preventDefault();
              pick(option);
            }}
          >
            {option.label}
          </div>
        ))}
      </div>
      {open && matches.length === 0 && (
        <p className="hint" role="status">
          No time zone matches "{text}". Try a city, such as Lisbon or Tokyo.
        </p>
      )}
    </div>
  );
}
