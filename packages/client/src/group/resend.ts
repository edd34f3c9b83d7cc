/**
 * Sending a group's refused items again. An item (message, reaction, event, answer, poll) is one
 * kind 445 event in the outbox, labelled `group <id>`; when every relay refused it for good it
 * stays there as failed and the history shows it as not sent. Once the cause is gone (a relay's
 * size limit raised) the same event is queued again as it was.
 *
 * Changes to the group (commits, their ratchet trees and welcomes) are left out: a refused commit
 * is dropped, and the change is made again on the group's current state instead.
 *
 * Runs in: Node and browsers.
 */
import { rallyError } from "../errors.ts";
import type { AppService } from "./appService.ts";
import type { GroupService } from "./groupService.ts";

/** Queues the group's refused items again (or only the one carrying `messageId`); returns how many. */
export async function retryUnsent(
  svc: GroupService,
  app: AppService,
  group: string,
  messageId?: string,
): Promise<number> {
  const rec = await svc.activeRecord(group);
  const outbox = svc.core.transport.outbox;
  if (messageId !== undefined) {
    const carrier = await app.carrierOf(rec, messageId);
    if (carrier === undefined) {
      const row = await svc.core.store.getRumor(rec.id, messageId);
      throw rallyError(
        "unknown-message",
        row
          ? "That message is not one of yours: only its author can send it again."
          : "That message is not in this group.",
      );
    }
    return outbox.retry([carrier]);
  }
  const label = `group ${rec.id}`;
  const refused = (await outbox.list()).filter((e) => e.state === "failed" && e.label === label);
  return refused.length === 0 ? 0 : outbox.retry(refused.map((e) => e.id));
}
