/** Asking a question with options, or "pick a date" where the options are days. */
import { useState } from "react";
import { useAction, useClient } from "../../app/client.tsx";
import { CheckField, TextField } from "../../ui/Field.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";

export function PollForm({ groupId, onDone }: { groupId: string; onDone: () => void }) {
  const client = useClient();
  const [question, setQuestion] = useState("");
  const [dates, setDates] = useState(false);
  const [multiple, setMultiple] = useState(false);
  const [options, setOptions] = useState<string[]>(["", ""]);
  const create = useAction(async () => {
    const clean = options.map((o) => o.trim()).filter(Boolean);
    if (!question.trim()) throw new Error("Write the question.");
    if (clean.length < 2) throw new Error(dates ? "Add at least two dates." : "Add at least two options.");
    if (new Set(clean).size !== clean.length) throw new Error("Two options are the same.");
    await client.createPoll(groupId, {
      question: question.trim(),
      options: clean,
      dates,
      multiple: dates || multiple,
    });
    onDone();
  });
  return (
    <form
      className="card poll-form"
      onSubmit={(e) => {
        e.preventDefault();
        void create.run();
      }}
    >
      <h3>New poll</h3>
      <TextField
        label="Question"
        value={question}
        onChange={(e) => setQuestion(e.target.value)}
        maxLength={300}
        required
        autoFocus
      />
      <CheckField
        label="Pick a date"
        hint="Options are days; everyone ticks every day that works for them."
        checked={dates}
        onChange={(e) => {
          setDates(e.target.checked);
          setOptions(["", ""]);
        }}
      />
      <fieldset className="options">
        <legend>{dates ? "Dates" : "Options"}</legend>
        {options.map((value, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: options are edited in place by position.
          <div className="option-row" key={i}>
            <label className="visually-hidden" htmlFor={`poll-option-${i}`}>
              {dates ? `Date ${i + 1}` : `Option ${i + 1}`}
            </label>
            <input
              id={`poll-option-${i}`}
              type={dates ? "date" : "text"}
              value={value}
              placeholder={dates ? undefined : `Option ${i + 1}`}
              autoComplete="off"
              maxLength={200}
              onChange={(e) => setOptions(options.map((o, j) => (j === i ? e.target.value : o)))}
            />
            {options.length > 2 && (
              <button
                type="button"
                className="quiet small"
                aria-label={`Remove ${dates ? "date" : "option"} ${i + 1}`}
                onClick={() => setOptions(options.filter((_, j) => j !== i))}
              >
                ✕
              </button>
            )}
          </div>
        ))}
        {options.length < 20 && (
          <button type="button" className="link-button" onClick={() => setOptions([...options, ""])}>
            {dates ? "Add a date" : "Add an option"}
          </button>
        )}
      </fieldset>
      {!dates && (
        <CheckField
          label="People can pick more than one"
          checked={multiple}
          onChange={(e) => setMultiple(e.target.checked)}
        />
      )}
      <ErrorNote>{create.error}</ErrorNote>
      <div className="actions">
        <button type="submit" className="primary" disabled={create.busy}>
          {create.busy ? "Creating…" : "Create poll"}
        </button>
        <button type="button" className="quiet" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
