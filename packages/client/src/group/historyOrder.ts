/**
 * The order of a chat history — messages and the notices of changes between them — oldest first,
 * for the client's pages and for a front end merging pages (exported by `@rally/client`).
 *
 * Runs in: Node and browsers (pure).
 */
import { compareOrder } from "@rally/protocol/app";

/** What the order reads of a line: a message (`ChatMessage`, `ChatEntry`) or a notice. */
export interface HistoryLine {
  type?: "message" | "notice";
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** A message's milliseconds within its second (notices have none: 0). */
  ms?: number;
  /** A notice's epoch, or a message's when it was written in a notice's second. */
  epoch?: number;
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
  return compareOrder(orderKey(a), orderKey(b));
}

function orderKey(line: HistoryLine): { created_at: number; ms: number; id: string } {
  return { created_at: line.createdAt, ms: line.type === "notice" ? 0 : (line.ms ?? 0), id: line.id };
}
