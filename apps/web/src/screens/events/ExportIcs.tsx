/**
 * The group's calendar as a file for a calendar app, made on this device from its own copy. There
 * is no subscription address for a private calendar (docs/decisions/0007): a node would have to
 * read the events to serve one. So the file is a snapshot, and the note says to export again.
 */
import { useAction, useClient } from "../../app/client.tsx";
import { downloadText, fileSlug } from "../../lib/download.ts";
import { ErrorNote } from "../../ui/Notice.tsx";

export function ExportIcs({ groupId, groupName }: { groupId: string; groupName: string }) {
  const client = useClient();
  const exportAll = useAction(async () => {
    downloadText(`${fileSlug(groupName, "calendar")}.ics`, await client.eventIcs(groupId), "text/calendar");
  });
  return (
    <div className="export-ics">
      <button
        type="button"
        className="link-button"
        disabled={exportAll.busy}
        onClick={() => void exportAll.run()}
      >
        Export the calendar (.ics)
      </button>
      <p className="muted small">
        A copy of every event as it is now, for your calendar app. Export again after changes: the group's
        calendar stays private, so no app can follow it by itself.
      </p>
      <ErrorNote>{exportAll.error}</ErrorNote>
    </div>
  );
}
