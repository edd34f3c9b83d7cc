/**
 * Sending failed outbox entries again, as a pure function over entry values (the I/O is in
 * `outbox.ts`). An entry fails when every relay refused it for good (`outboxSchedule.ts`); that
 * answer is final for the event *as the relay stood then*, so once the cause is gone (a relay's
 * size limit raised, a policy lifted) the person may ask for the same event to be sent again.
 *
 * Runs in: Node and browsers (pure; time is a parameter).
 */
import type { OutboxEntry, RelayDelivery } from "./outboxSchedule.ts";

/**
 * The failed entries among `entries` to send again — those in `ids`, or every failed one when
 * `ids` is null — plus the failed entries that were waiting for one of them (their failure was
 * only that one's), each back to pending: every relay due at `now`, attempts and backoff reset,
 * the relays' old answers and the entry's error dropped. Never mutates its input.
 */
export function requeueFailed(
  entries: Iterable<OutboxEntry>,
  ids: ReadonlySet<string> | null,
  now: number,
): OutboxEntry[] {
  const failed = [...entries].filter((e) => e.state === "failed");
  const chosen = new Set(failed.filter((e) => ids === null || ids.has(e.id)).map((e) => e.id));
  // Dependents of a chosen entry, and theirs, until nothing new is added.
  let grew = chosen.size > 0;
  while (grew) {
    grew = false;
    for (const e of failed) {
      if (chosen.has(e.id) || !e.after.some((id) => chosen.has(id))) continue;
      chosen.add(e.id);
      grew = true;
    }
  }
  return failed.filter((e) => chosen.has(e.id)).map((e) => requeued(e, now));
}

function requeued(entry: OutboxEntry, now: number): OutboxEntry {
  const relays: Record<string, RelayDelivery> = {};
  for (const url of Object.keys(entry.relays)) relays[url] = { status: "pending", attempts: 0, nextAt: now };
  const { error: _error, doneAt: _doneAt, ...rest } = entry;
  return { ...rest, relays, state: "pending" };
}
