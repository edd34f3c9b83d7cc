/**
 * Disappearing messages, for admins: how long messages stay before every device and relay deletes
 * them (off, 1 hour, 1 day, 1 week, 4 weeks). Everyone else sees the timer in the group's header.
 */
import { DISAPPEAR_CHOICES, disappearWords } from "@rally/client";
import { useState } from "react";
import { useAction, useClient } from "../../app/client.tsx";
import { ErrorNote } from "../../ui/Notice.tsx";
import type { GroupContext } from "./groupContext.ts";

/** The header's line: "Messages disappear after 1 day", or nothing when the timer is off. */
export function disappearLine(seconds: number | null | undefined): string | null {
  return seconds === null || seconds === undefined
    ? null
    : `Messages disappear after ${disappearWords(seconds)}`;
}

export function DisappearingSetting({ context }: { context: GroupContext }) {
  const client = useClient();
  const current = context.group.disappearAfter ?? null;
  const [choice, setChoice] = useState(current === null ? "off" : String(current));
  const save = useAction(async () => {
    await client.setDisappearing(context.group.id, choice === "off" ? null : Number(choice));
  });
  const changed = choice !== (current === null ? "off" : String(current));
  return (
    <section className="card">
      <h2>Disappearing messages</h2>
      <p className="muted">
        Chat messages are deleted from every member's device and from the servers this long after they are
        sent. Events and polls stay until they are over.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save.run();
        }}
      >
        <div className="field">
          <label htmlFor="disappear-after">Delete messages after</label>
          <select id="disappear-after" value={choice} onChange={(e) => setChoice(e.target.value)}>
            <option value="off">Off — keep messages</option>
            {DISAPPEAR_CHOICES.map((c) => (
              <option key={c.seconds} value={String(c.seconds)}>
                {c.words}
              </option>
            ))}
          </select>
        </div>
        <ErrorNote>{save.error}</ErrorNote>
        <button type="submit" className="secondary" disabled={save.busy || !changed}>
          {save.busy ? "Saving…" : "Save"}
        </button>
      </form>
    </section>
  );
}
