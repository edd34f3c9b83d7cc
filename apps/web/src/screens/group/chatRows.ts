/**
 * Turns a group's history into the rows the chat shows: oldest first, a day separator whenever
 * the date changes, notices of changes to the group ("Alice removed Bob") as rows of their own,
 * and the author's name only when it differs from the message just above (or a while has passed,
 * or a notice came between), the way people read a conversation.
 */
import { type ChatMessage, type ChatNotice, compareEntries } from "@rally/client";

/** One line of the history: a notice, or a message (as `chatHistory` or `sendChat` gives it). */
export type ChatLine = ChatNotice | (ChatMessage & { type?: "message"; epoch?: number });

export type ChatRow =
  | { kind: "day"; key: string; day: string }
  | { kind: "notice"; key: string; notice: ChatNotice }
  | { kind: "message"; key: string; message: ChatMessage; showAuthor: boolean };

const SAME_RUN_SECONDS = 5 * 60;

export function isNotice(line: ChatLine): line is ChatNotice {
  return line.type === "notice";
}

export function isMessage(line: ChatLine): line is ChatMessage & { type?: "message"; epoch?: number } {
  return line.type !== "notice";
}

/**
 * The client's history order (`compareEntries`): by time; within one second by epoch where known,
 * a notice before the messages of its epoch; then in the order they were sent (the author's
 * milliseconds), then by id.
 */
export function compareMessages(a: ChatLine, b: ChatLine): number {
  return compareEntries(a, b);
}

function localDay(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

export function chatRows(lines: readonly ChatLine[]): ChatRow[] {
  const rows: ChatRow[] = [];
  let lastDay: string | null = null;
  let last: ChatMessage | null = null;
  for (const line of lines) {
    const day = localDay(line.createdAt);
    if (day !== lastDay) {
      rows.push({ kind: "day", key: `day:${day}`, day });
      lastDay = day;
      last = null;
    }
    if (isNotice(line)) {
      rows.push({ kind: "notice", key: `notice:${line.id}`, notice: line });
      last = null;
      continue;
    }
    const showAuthor =
      !last || last.author !== line.author || line.createdAt - last.createdAt > SAME_RUN_SECONDS;
    rows.push({ kind: "message", key: line.id, message: line, showAuthor });
    last = line;
  }
  return rows;
}

/**
 * Merges fresh lines into what is loaded (same id: the fresh copy wins), sorted. With `from`, the
 * fresh lines are everything from that time on: a loaded notice there that they no longer hold is
 * dropped (its change was undone when a better one for the same moment arrived).
 */
export function mergeMessages<T extends ChatLine>(
  loaded: readonly T[],
  fresh: readonly T[],
  from?: number,
): T[] {
  const kept = from === undefined ? loaded : loaded.filter((m) => !isNotice(m) || m.createdAt < from);
  const byId = new Map(kept.map((m) => [m.id, m]));
  for (const m of fresh) byId.set(m.id, m);
  return [...byId.values()].sort(compareMessages);
}
