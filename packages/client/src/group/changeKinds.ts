/**
 * Which change notices an incoming inner message makes: the data a screen re-reads (chat, events,
 * polls, names), so a screen listens to what it shows and nothing else. A deletion may remove a
 * message, an event or a poll, and is announced as each of them; a kind not listed here (none is
 * decoded today) is announced as "chat".
 *
 * Runs in: Node and browsers (pure).
 */
import {
  KIND_CHAT,
  KIND_DATE_EVENT,
  KIND_DELETION,
  KIND_PLACES,
  KIND_POLL,
  KIND_POLL_RESPONSE,
  KIND_PROFILE,
  KIND_REACTION,
  KIND_RSVP,
  KIND_SEALED,
  KIND_TIME_EVENT,
} from "@rally/protocol/app";
import type { ChangeKind } from "../api.ts";

const BY_KIND: ReadonlyMap<number, readonly ChangeKind[]> = new Map<number, readonly ChangeKind[]>([
  [KIND_CHAT, ["chat"]],
  [KIND_REACTION, ["chat"]],
  [KIND_DELETION, ["chat", "events", "polls"]],
  [KIND_DATE_EVENT, ["events"]],
  [KIND_TIME_EVENT, ["events"]],
  [KIND_RSVP, ["events"]],
  // Sealed inner messages are hosts-only answers (app/seal.ts); places are a host's confirmation.
  [KIND_SEALED, ["events"]],
  [KIND_PLACES, ["events"]],
  [KIND_POLL, ["polls"]],
  [KIND_POLL_RESPONSE, ["polls"]],
  [KIND_PROFILE, ["names"]],
]);

/** The notices for a set of received inner kinds, each once, in a stable order. */
export function changeKindsOf(kinds: Iterable<number>): ChangeKind[] {
  const out = new Set<ChangeKind>();
  for (const kind of kinds) for (const c of BY_KIND.get(kind) ?? ["chat"]) out.add(c);
  return (["chat", "events", "polls", "names"] as const).filter((c) => out.has(c));
}
