/**
 * Refusals for good, for people: why every relay refused an outbox entry, in plain words, and a
 * log of the entries refused while this client runs, so a command that sent something can say
 * "not sent" — also when the refusal came while it waited for a commit to settle, before its own
 * delivery round began.
 *
 * Runs in: Node and browsers.
 */
import type { Outbox, OutboxEntry } from "./outbox.ts";
import { messagePrefix } from "./relayFrames.ts";

/** A relay's own words are quoted up to this many characters. */
const MAX_QUOTED = 300;

/**
 * "ws://relay.example said: event too large (30412 bytes; limit 20000)" — one clause per relay
 * that refused it, joined by "; ".
 */
export function refusalInWords(entry: OutboxEntry): string {
  const clauses: string[] = [];
  for (const [url, d] of Object.entries(entry.relays)) {
    if (d.status === "failed") clauses.push(relayRefusal(url.replace(/\/$/, ""), d.message ?? ""));
  }
  if (clauses.length > 0) return clauses.join("; ");
  // It failed without being sent: what it had to wait for (a commit) was refused.
  if (entry.error?.startsWith("it had to wait for"))
    return "it waited for an earlier change to the group that every relay refused";
  return entry.error ?? "every relay refused it";
}

function relayRefusal(relay: string, message: string): string {
  const prefix = messagePrefix(message);
  let words = prefix ? message.slice(message.indexOf(":") + 1).trim() : message.trim();
  if (words.length > MAX_QUOTED) words = `${words.slice(0, MAX_QUOTED)}…`;
  const tail = words ? `: ${words}` : "";
  switch (prefix) {
    case "invalid":
      return `${relay} said${tail || " it is not valid"}`;
    case "blocked":
      return `${relay} blocks it${tail}`;
    case "restricted":
      return `${relay} does not allow it${tail}`;
    case "pow":
      return `${relay} asks for proof of work, which Rally does not do${tail}`;
    default:
      return `${relay} refused it${tail}`;
  }
}

/**
 * The entries refused for good while this client runs, in order, each with why. Readers keep their
 * own place (`mark()`), so a sync round and a command's delivery each say what was refused since
 * they last looked.
 */
export class RefusalLog {
  private readonly refused = new Map<string, { seq: number; reason: string }>();
  private seq = 0;

  constructor(outbox: Outbox) {
    outbox.onChange((change) => {
      if (change.removed) this.refused.delete(change.id);
      else if (change.entry.state === "failed") {
        if (!this.refused.has(change.entry.id))
          this.refused.set(change.entry.id, { seq: ++this.seq, reason: refusalInWords(change.entry) });
      }
      // Sent again (retry) or sent after all: no longer a refusal to report.
      else this.refused.delete(change.entry.id);
    });
  }

  /** A place in the log: `since(mark())` later gives what was refused after it. */
  mark(): number {
    return this.seq;
  }

  /** Entries refused after `mark` that are still refused, oldest first, with their reasons. */
  since(mark: number): { id: string; reason: string }[] {
    return [...this.refused]
      .filter(([, r]) => r.seq > mark)
      .sort(([, a], [, b]) => a.seq - b.seq)
      .map(([id, r]) => ({ id, reason: r.reason }));
  }
}
