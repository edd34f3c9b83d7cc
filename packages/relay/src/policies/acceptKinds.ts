/**
 * Kind allow-list (`--accept rally`): a relay that serves a Rally community stores only the kinds
 * Rally publishes, so it cannot be used as free storage for anything else. Refusals are `blocked:`,
 * which a client takes as final for this relay (retrying would not help).
 */
import {
  KIND_ACCOUNT_BACKUP,
  KIND_CALENDAR,
  KIND_DATE_EVENT,
  KIND_DELETION,
  KIND_GIFT_WRAP,
  KIND_GROUP_MESSAGE,
  KIND_INBOX_RELAYS,
  KIND_KEY_PACKAGE,
  KIND_PROFILE,
  KIND_RATCHET_TREE_CHUNK,
  KIND_TIME_EVENT,
  reason,
} from "@rally/protocol/nostr";
import type { RelayPolicy } from "./types.ts";

/**
 * The kinds Rally publishes as outer events (everything else — welcomes, join and device-link
 * requests, replies — travels inside gift wraps, 1059, or MLS group messages, 445). NIP-42 AUTH
 * (22242) comes with `AUTH`, not `EVENT`, and is not stored. The public face adds a group's public
 * profile (0), its calendar events (31922/31923), its calendar (31924) and their deletions (5);
 * answers from the web arrive as gift wraps.
 */
export const RALLY_KINDS: readonly number[] = [
  KIND_PROFILE,
  KIND_DELETION,
  KIND_GROUP_MESSAGE,
  KIND_GIFT_WRAP,
  KIND_RATCHET_TREE_CHUNK,
  KIND_INBOX_RELAYS,
  KIND_KEY_PACKAGE,
  KIND_ACCOUNT_BACKUP,
  KIND_DATE_EVENT,
  KIND_TIME_EVENT,
  KIND_CALENDAR,
];

export function acceptKinds(kinds: readonly number[]): RelayPolicy {
  const allowed = new Set(kinds);
  return {
    name: "accept-kinds",
    rejectEvent: (e) =>
      allowed.has(e.kind) ? undefined : reason("blocked", `this relay does not accept kind ${e.kind} events`),
  };
}
