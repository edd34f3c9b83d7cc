/**
 * The order of what a group's people wrote (messages, polls) and of a chat history — messages and
 * the notices of changes between them — oldest first, for the client's pages and for a front end
 * sorting or merging lists (exported by `@rally/client`).
 *
 * Runs in: Node and browsers (pure).
 */
import { compareOrder } from "@rally/protocol/app";

/** What the order reads of a line: a message (`ChatMessage`, `ChatEntry`) or a notice. */
export interface HistoryLine extends Written {
  type?: "message" | "notice";
  /** A notice's epoch, or a message's when it was written in a notice's second. */
  epoch?: number;
}

/** What the order of things written reads of them: a message, a poll. */
export interface Written {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** Milliseconds within that second (absent: 0). */
  ms?: number;
}

/**
 * Things written in a group (messages, polls) oldest first, as the group orders them: the
 * protocol's `compareOrder` — time, then the author's milliseconds, then id. Newest first is
 * `(a, b) => compareWritten(b, a)`.
 */
export function compareWritten(a: Written, b: Written): number {
  return compareOrder(
    { created_at: a.createdAt, ms: a.ms ?? 0, id: a.id },
    { created_at: b.createdAt, ms: b.ms ?? 0, id: b.id },
  );
}

/**
 * By time; within one second by epoch, a notice before the messages of its own epoch (a message
 * written right after a change is read after it; one of an earlier epoch before it), a message of
 * unknown epoch after the notices (only messages in a notice's second carry one); then the group's
 * one order (`compareOrder` in the protocol): the author's milliseconds, then id.
 */
export function compareEntries(a: HistoryLine, b: HistoryLine): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  const ea = a.epoch ?? Number.POSITIVE_INFINITY;
  const eb = b.epoch ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  const ra = a.type === "notice" ? 0 : 1;
  const rb = b.type === "notice" ? 0 : 1;
  if (ra !== rb) return ra - rb;
  return compareWritten(a.type === "notice" ? { ...a, ms: 0 } : a, b.type === "notice" ? { ...b, ms: 0 } : b);
}
