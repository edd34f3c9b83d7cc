/**
 * Bringing events in from a calendar file (.ics, as calendar apps export them). The file is read
 * on this device and its events are posted to the group like any other event.
 */
import { useId, useState } from "react";
import { useAction, useClient } from "../../app/client.tsx";
import { count } from "../../lib/plural.ts";
import { ErrorNote } from "../../ui/Notice.tsx";

const MAX_BYTES = 1024 * 1024;

export function ImportIcs({ groupId }: { groupId: string }) {
  const client = useClient();
  const id = useId();
  const [done, setDone] = useState<string | null>(null);
  const importFile = useAction(async (file: File) => {
    setDone(null);
    if (file.size > MAX_BYTES) throw new Error("That file is too big for a calendar (over 1 MB).");
    const events = await client.importIcs(groupId, await file.text());
    setDone(
      events.length === 0
        ? "No events were found in that file."
        : `Added ${count(events.length, "event")}: ${events.map((e) => e.title).join(", ")}`,
    );
  });
  return (
    <div className="import-ics">
      <label htmlFor={id} className="link-button">
        Import from a calendar file (.ics)
      </label>
      <input
        id={id}
        className="visually-hidden"
        type="file"
        accept=".ics,text/calendar"
        disabled={importFile.busy}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) void importFile.run(file);
        }}
      />
      <ErrorNote>{importFile.error}</ErrorNote>
      {done && (
        <p className="saved" role="status">
          {done}
        </p>
      )}
    </div>
  );
}
