/**
 * Turns a group's messages into the rows the chat shows: oldest first, a day separator whenever
 * the date changes, and the author's name only when it differs from the message just above (or a
 * while has passed), the way people read a conversation.
 */
import type { ChatMessage } from "@rally/client/api.ts";

export type ChatRow =
  | { kind: "day"; key: string; day: string }
  | { kind: "message"; key: string; message: ChatMessage; showAuthor: boolean };

const SAME_RUN_SECONDS = 5 * 60;

export function compareMessages(a: ChatMessage, b: ChatMessage): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function localDay(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

export function chatRows(messages: readonly ChatMessage[]): ChatRow[] {
  const rows: ChatRow[] = [];
  let lastDay: string | null = null;
  let last: ChatMessage | null = null;
  for (const message of messages) {
    const day = localDay(message.createdAt);
    if (day !== lastDay) {
      rows.push({ kind: "day", key: `day:${day}`, day });
      lastDay = day;
      last = null;
    }
    const showAuthor =
      !last || last.author !== message.author || message.createdAt - last.createdAt > SAME_RUN_SECONDS;
    rows.push({ kind: "message", key: message.id, message, showAuthor });
    last = message;
  }
  return rows;
}

/** Merges fresh messages into what is loaded (same id: the fresh copy wins), sorted. */
export function mergeMessages(loaded: readonly ChatMessage[], fresh: readonly ChatMessage[]): ChatMessage[] {
  const byId = new Map(loaded.map((m) => [m.id, m]));
  for (const m of fresh) byId.set(m.id, m);
  return [...byId.values()].sort(compareMessages);
}
