/**
 * The durable outbox's rules, as pure functions over entry values (the I/O is in `outbox.ts`):
 *
 * - An entry is one signed event and the relays it must reach. It is *done* as soon as one relay
 *   answers `OK true` (then it is stored somewhere others can read it); the other relays keep
 *   being tried for `lingerMs` after that, so the event also survives that relay going away. A
 *   `duplicate:` answer, and `replaced:` for an older version of a replaceable or addressable
 *   event when the relay holds the author's newer one, count as `OK true` (`relayConnection.ts`).
 * - `OK false` with `invalid:`, `blocked:`, `restricted:` or `pow:` is final for that relay
 *   (sending the same event again cannot change the answer) — except an `invalid:` about the
 *   event's time (`isTimeRefusal`): that says this device's clock is off, not that the event is
 *   bad, so the entry stays pending, is stamped again when it can be (`canRestamp`,
 *   `restampedEntry`) and is otherwise retried unchanged until the relay's clock catches up with
 *   it. Every other failure — timeouts,
 *   unreachable relays, `rate-limited:`, `error:`, `auth-required:` — is retried with exponential
 *   backoff and jitter, without limit while no relay has the event: a message typed offline is
 *   sent whenever a relay comes back. An entry *fails* when every relay refused it for good.
 * - `after` lists entries that must be done before this one is sent (an MLS commit must be
 *   acknowledged before the welcome that depends on it goes out). If one of them fails, so does
 *   this entry. An id that is not in the outbox counts as done (done entries are removed).
 *
 * Runs in: Node and browsers (pure; time and randomness are parameters).
 */
import type { NostrEvent } from "nostr-tools/core";
import { type BackoffPolicy, backoffDelay, OUTBOX_BACKOFF } from "./backoff.ts";
import type { PublishOutcome } from "./relayConnection.ts";
import { checkEventShape, messagePrefix } from "./relayFrames.ts";
import { normalizeRelayUrl } from "./relayUrl.ts";

export type OutboxState = "pending" | "done" | "failed";

export interface RelayDelivery {
  /** `failed` is final; `pending` is retried at `nextAt`. */
  status: "pending" | "ok" | "failed";
  attempts: number;
  /** When the next try is due (ms since the epoch). */
  nextAt: number;
  /** The relay's last answer, or why it could not be reached. */
  message?: string;
}

export interface OutboxEntry {
  /**
   * The id of the event queued: the entry's handle, which others refer to (`after`, a message's
   * own send state, a pending commit). It stays when the event is stamped again, so `event.id`
   * may differ from it.
   */
  id: string;
  event: NostrEvent;
  /** Normalised relay URL → delivery to it. */
  relays: Record<string, RelayDelivery>;
  /** Ids of entries that must be done before this one is sent. */
  after: string[];
  /** Free text for whoever queued it (e.g. a group id), so a UI can show what is pending where. */
  label?: string;
  state: OutboxState;
  /** ms since the epoch. */
  createdAt: number;
  doneAt?: number;
  /** Why it failed, in the relays' words. */
  error?: string;
}

export interface OutboxRules {
  backoff: BackoffPolicy;
  /** How long after being done the other relays are still tried. */
  lingerMs: number;
}

export const DEFAULT_RULES: OutboxRules = { backoff: OUTBOX_BACKOFF, lingerMs: 10 * 60_000 };

export interface NewEntryOptions {
  after?: string[];
  label?: string;
  now?: number;
}

/** A new pending entry; throws in plain words on a malformed event or relay list. */
export function newEntry(
  event: NostrEvent,
  relays: Iterable<string>,
  options: NewEntryOptions = {},
): OutboxEntry {
  const shape = checkEventShape(event);
  if (!shape.ok) throw new Error(`cannot queue this event: ${shape.reason}`);
  const now = options.now ?? Date.now();
  const deliveries: Record<string, RelayDelivery> = {};
  for (const r of relays) deliveries[normalizeRelayUrl(r)] = { status: "pending", attempts: 0, nextAt: now };
  if (Object.keys(deliveries).length === 0)
    throw new Error("cannot queue this event: no relay to send it to");
  const after = [...new Set(options.after ?? [])];
  if (after.includes(event.id)) throw new Error("cannot queue this event: it depends on itself");
  const entry: OutboxEntry = {
    id: event.id,
    event: shape.event,
    relays: deliveries,
    after,
    state: "pending",
    createdAt: now,
  };
  if (options.label !== undefined) entry.label = options.label;
  return entry;
}

export type OutcomeClass = "ok" | "final" | "retry" | "time";

/**
 * True for a relay's `invalid:` answer about the event's time: Rally's relay says "created_at is
 * more than 900 seconds in the future; check your clock"; others say "created_at too early/late",
 * "event too much in the future", "event too old".
 */
export function isTimeRefusal(message: string | undefined): boolean {
  if (typeof message !== "string" || messagePrefix(message) !== "invalid") return false;
  return /created_at|timestamp|clock|in the future|too old|too early|too late|too far (?:in|ahead|behind)/i.test(
    message,
  );
}

export function classifyOutcome(outcome: PublishOutcome): OutcomeClass {
  if (outcome.ok) return "ok";
  if (outcome.status !== "rejected") return "retry";
  if (isTimeRefusal(outcome.message)) return "time";
  const prefix = messagePrefix(outcome.message);
  return prefix === "invalid" || prefix === "blocked" || prefix === "restricted" || prefix === "pow"
    ? "final"
    : "retry";
}

/** The entry after one relay's answer. Never mutates `entry`. */
export function applyOutcome(
  entry: OutboxEntry,
  relay: string,
  outcome: PublishOutcome,
  now: number,
  rules: OutboxRules = DEFAULT_RULES,
  random: () => number = Math.random,
): OutboxEntry {
  const d = entry.relays[relay];
  if (d?.status !== "pending") return entry;
  const cls = classifyOutcome(outcome);
  const attempts = d.attempts + 1;
  const next: RelayDelivery =
    cls === "ok"
      ? { status: "ok", attempts, nextAt: now }
      : cls === "final"
        ? { status: "failed", attempts, nextAt: now }
        : { status: "pending", attempts, nextAt: now + backoffDelay(d.attempts, rules.backoff, random) };
  // A time refusal keeps the relay's words: they are what `canRestamp` looks for.
  if (outcome.message) next.message = outcome.message;
  const out: OutboxEntry = { ...entry, relays: { ...entry.relays, [relay]: next } };
  if (cls === "ok" && out.state !== "done") {
    out.state = "done";
    out.doneAt = now;
    delete out.error;
  } else if (out.state === "pending" && Object.values(out.relays).every((r) => r.status === "failed")) {
    out.state = "failed";
    out.error = Object.entries(out.relays)
      .map(([url, r]) => `${url}: ${r.message ?? "refused"}`)
      .join("; ");
  }
  return out;
}

/** A try whose answer never came: the relay may hold the event all the same. */
function answerUnknown(d: RelayDelivery): boolean {
  return d.message?.startsWith("error: no answer") === true;
}

/**
 * True when `entry` may be sent as a fresh copy stamped again: a relay refused it for its time,
 * no relay took it, and no relay may hold it unbeknown (a try that timed out), so the copy can
 * never sit beside the first version on a relay. The entry keeps its id as its handle.
 */
export function canRestamp(entry: OutboxEntry): boolean {
  if (entry.state !== "pending") return false;
  const ds = Object.values(entry.relays);
  if (ds.some((d) => d.status === "ok" || answerUnknown(d))) return false;
  return ds.some((d) => d.status === "pending" && isTimeRefusal(d.message));
}

/**
 * `entry` carrying `event` (the same message stamped again) instead of its old event: every relay
 * still pending is due at `now`, and the old answers about time are dropped (they were about the
 * old stamp). The entry's id stays what it was, since others refer to it. Never mutates `entry`.
 */
export function restampedEntry(entry: OutboxEntry, event: NostrEvent, now: number): OutboxEntry {
  const shape = checkEventShape(event);
  if (!shape.ok) throw new Error(`cannot stamp this event again: ${shape.reason}`);
  const relays: Record<string, RelayDelivery> = {};
  for (const [url, d] of Object.entries(entry.relays)) {
    if (d.status !== "pending") relays[url] = d;
    else relays[url] = { status: "pending", attempts: d.attempts, nextAt: now };
  }
  return { ...entry, event: shape.event, relays };
}

/** True when some relay's last answer to `entry` was a refusal for its time. */
export function refusedForTime(entry: OutboxEntry): boolean {
  return Object.values(entry.relays).some((d) => d.status === "pending" && isTimeRefusal(d.message));
}

type Lookup = (id: string) => OutboxEntry | undefined;

/** "ready" when every entry in `after` is done (or gone), "failed" if one failed, else "waiting". */
export function dependencyState(entry: OutboxEntry, lookup: Lookup): "ready" | "waiting" | "failed" {
  let waiting = false;
  for (const id of entry.after) {
    const dep = lookup(id);
    if (!dep || dep.state === "done") continue;
    if (dep.state === "failed") return "failed";
    waiting = true;
  }
  return waiting ? "waiting" : "ready";
}

/** Relays of `entry` worth sending to at `now` (ignoring dependencies). */
export function dueRelays(entry: OutboxEntry, now: number, rules: OutboxRules = DEFAULT_RULES): string[] {
  if (entry.state === "failed") return [];
  if (entry.state === "done" && now - (entry.doneAt ?? 0) >= rules.lingerMs) return [];
  return Object.entries(entry.relays)
    .filter(([, d]) => d.status === "pending" && d.nextAt <= now)
    .map(([url]) => url);
}

export interface Housekeeping {
  /** Entries whose state changed (failed because a dependency failed). */
  updated: OutboxEntry[];
  /** Done entries with nothing left to do: remove them. */
  removed: string[];
}

/**
 * What to rewrite or remove: pending entries whose dependency failed fail too; done entries are
 * removed once no relay is pending or their linger time is over.
 */
export function housekeeping(
  entries: OutboxEntry[],
  now: number,
  rules: OutboxRules = DEFAULT_RULES,
): Housekeeping {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const updated: OutboxEntry[] = [];
  const removed: string[] = [];
  // Failure propagates along chains (A fails → B after A fails → C after B fails): repeat until stable.
  let changed = true;
  while (changed) {
    changed = false;
    for (const e of byId.values()) {
      if (e.state !== "pending" || dependencyState(e, (id) => byId.get(id)) !== "failed") continue;
      const failedDep = e.after.find((id) => byId.get(id)?.state === "failed");
      const next: OutboxEntry = {
        ...e,
        state: "failed",
        error: `it had to wait for ${failedDep}, which failed`,
      };
      byId.set(e.id, next);
      updated.push(next);
      changed = true;
    }
  }
  for (const e of byId.values()) {
    if (e.state !== "done") continue;
    const lingering = now - (e.doneAt ?? 0) < rules.lingerMs;
    if (!lingering || !Object.values(e.relays).some((d) => d.status === "pending")) removed.push(e.id);
  }
  return { updated, removed };
}

/** When something next needs doing (a retry or a linger ending), or null if nothing will. */
export function nextWakeAt(entries: OutboxEntry[], rules: OutboxRules = DEFAULT_RULES): number | null {
  let next: number | null = null;
  const byId = new Map(entries.map((e) => [e.id, e]));
  for (const e of entries) {
    if (e.state === "failed") continue;
    if (e.state === "pending" && dependencyState(e, (id) => byId.get(id)) !== "ready") continue;
    for (const d of Object.values(e.relays)) {
      if (d.status === "pending" && (next === null || d.nextAt < next)) next = d.nextAt;
    }
    if (e.state === "done") {
      const end = (e.doneAt ?? 0) + rules.lingerMs;
      if (next === null || end < next) next = end;
    }
  }
  return next;
}
