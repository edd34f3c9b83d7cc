/**
 * Change notices for sending: when the outbox entry carrying a group's message is taken by a relay
 * (or refused by every relay for good), the group's views change ("waiting to send" becomes "sent"
 * or "not sent"), so a UI showing them is told at once, not at its next unrelated refresh.
 *
 * Runs in: Node and browsers.
 */

import type { Device } from "../device.ts";

/** Outbox entries of a group's messages are labelled `group <id>` (groupService.ts). */
const MESSAGE_LABEL = /^group (\S+)$/;

/** Announces each change of a group message's sending state; returns the unsubscribe. */
export function announceSends(core: Device): () => void {
  const last = new Map<string, string>();
  return core.transport.outbox.onChange((change) => {
    if (change.removed) {
      last.delete(change.id);
      return;
    }
    const { entry } = change;
    const group = MESSAGE_LABEL.exec(entry.label ?? "")?.[1];
    if (!group) return;
    const before = last.get(entry.id);
    last.set(entry.id, entry.state);
    if (entry.state === "pending" || before === entry.state) return;
    // Any kind of message may ride in the entry: each view that shows sending states is told.
    core.emit("chat", group);
    core.emit("events", group);
    core.emit("polls", group);
  });
}
