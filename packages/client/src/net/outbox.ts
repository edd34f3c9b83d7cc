/**
 * The durable outbox: an event is written to the store *before* it is sent to any relay, then
 * sent to all of its relays through the pool, retried with backoff until a relay accepts it, and
 * picked up again by the next process if this one stops or is killed. The rules (when an entry is
 * done, which answers are final, backoff, dependencies) are pure functions in `outboxSchedule.ts`.
 *
 * To store an outbox entry in the same atomic write as the state it belongs to (a new MLS epoch
 * and the commit that creates it), build it with `Outbox.prepare`, put its `op` in your own
 * `store.batch`, then call `outbox.wake()`.
 *
 * Runs in: Node and browsers (storage and network are the `Store` and `RelayPool` given).
 */
import type { NostrEvent } from "nostr-tools/core";
import type { Store, WriteOp } from "../store/store.ts";
import { requeueFailed } from "./outboxRetry.ts";
import {
  applyOutcome,
  canRestamp,
  classifyOutcome,
  DEFAULT_RULES,
  dependencyState,
  dueRelays,
  housekeeping,
  type NewEntryOptions,
  newEntry,
  nextWakeAt,
  type OutboxEntry,
  type OutboxRules,
  restampedEntry,
} from "./outboxSchedule.ts";
import type { PublishOutcome } from "./relayConnection.ts";

export type { OutboxEntry, OutboxRules };

/** The part of the relay pool the outbox uses. */
export interface Publisher {
  publish(
    event: NostrEvent,
    relays: Iterable<string>,
    options?: { timeoutMs?: number },
  ): Promise<(PublishOutcome & { relay: string })[]>;
}

export interface OutboxOptions {
  store: Store;
  pool: Publisher;
  rules?: Partial<OutboxRules>;
  /** How long to wait for one relay's OK; default 10 s. */
  publishTimeoutMs?: number;
  /** Sends in flight at once, across relays; default 32. */
  maxInFlight?: number;
  now?: () => number;
  random?: () => number;
  /**
   * A fresh copy of an event a relay refused for its time, stamped with the current time (same
   * message), or null to keep sending it unchanged until a relay's clock catches up with it. Asked
   * once per refusal, only while no relay may hold the event (`canRestamp`).
   */
  restamp?: (event: NostrEvent) => Promise<NostrEvent | null>;
  /** A relay refused an event for its time; the next try waits for this (e.g. learning its clock). */
  onTimeRefusal?: (relay: string) => Promise<void>;
}

export type OutboxChange = { entry: OutboxEntry; removed: false } | { id: string; removed: true };

export interface FlushReport {
  done: number;
  failed: number;
  pending: number;
}

export class Outbox {
  private readonly store: Store;
  private readonly pool: Publisher;
  private readonly rules: OutboxRules;
  private readonly publishTimeoutMs: number;
  private readonly maxInFlight: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly entries = new Map<string, OutboxEntry>();
  private readonly inFlight = new Set<string>();
  private readonly listeners = new Set<(change: OutboxChange) => void>();
  /** Every read-modify-write of entries goes through this chain, so no update is lost. */
  private queue: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private loaded = false;
  private readonly restamp: OutboxOptions["restamp"];
  private readonly onTimeRefusal: OutboxOptions["onTimeRefusal"];
  /** Refusals already answered by asking `restamp` (entry, event and tries), so it is asked once each. */
  private readonly restampAsked = new Set<string>();

  constructor(opts: OutboxOptions) {
    this.store = opts.store;
    this.pool = opts.pool;
    this.rules = { ...DEFAULT_RULES, ...opts.rules };
    this.publishTimeoutMs = opts.publishTimeoutMs ?? 10_000;
    this.maxInFlight = opts.maxInFlight ?? 32;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.restamp = opts.restamp;
    this.onTimeRefusal = opts.onTimeRefusal;
  }

  /** A new entry and the store write that persists it, for a caller's own atomic batch. */
  static prepare(
    event: NostrEvent,
    relays: Iterable<string>,
    options: NewEntryOptions = {},
  ): { entry: OutboxEntry; op: WriteOp } {
    const entry = newEntry(event, relays, options);
    return { entry, op: { op: "putOutbox", id: entry.id, value: entry } };
  }

  /** Persists the event for sending, then starts sending it (if the outbox runs). */
  async enqueue(
    event: NostrEvent,
    relays: Iterable<string>,
    options: NewEntryOptions = {},
  ): Promise<OutboxEntry> {
    const { entry, op } = Outbox.prepare(event, relays, { now: this.now(), ...options });
    await this.serial(async () => {
      const existing = this.entries.get(entry.id) ?? (await this.readEntry(entry.id));
      if (existing) return; // the same event queued twice is one entry
      await this.store.batch([op]);
      this.entries.set(entry.id, entry);
      this.emit({ entry, removed: false });
    });
    this.schedule(0);
    return this.entries.get(entry.id) ?? entry;
  }

  /** Loads pending entries from the store and keeps sending until `stop()`. */
  async start(): Promise<void> {
    this.running = true;
    await this.reload();
    this.schedule(0);
  }

  /** Stops sending. Answers still on their way are not recorded; those relays are tried again later. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.queue;
  }

  /** Re-reads the store (entries written by `prepare` + a caller's batch) and sends what is due. */
  async wake(): Promise<void> {
    await this.reload();
    this.schedule(0);
  }

  /**
   * Replaces every in-memory entry with the store's copy: another process or tab on the same store
   * may have sent, finished or removed entries since (called when the device lock is taken).
   */
  async refresh(): Promise<void> {
    await this.serial(async () => {
      const rows = await this.store.outbox();
      this.entries.clear();
      for (const row of rows) this.entries.set(row.id, row.value as OutboxEntry);
      this.loaded = true;
    });
    this.schedule(0);
  }

  /**
   * Tries every pending relay now (ignoring backoff waits left from earlier), then keeps going
   * until every entry is done or failed, or `timeoutMs` passes. For one-shot runs (`rally sync`).
   */
  async flush(options: { timeoutMs?: number } = {}): Promise<FlushReport> {
    const wasRunning = this.running;
    this.running = true;
    await this.reload();
    const now = this.now();
    await this.serial(async () => {
      for (const [id, e] of this.entries) {
        if (e.state !== "pending") continue;
        const relays = Object.fromEntries(
          Object.entries(e.relays).map(([url, d]) => [
            url,
            d.status === "pending" ? { ...d, nextAt: now } : d,
          ]),
        );
        this.entries.set(id, { ...e, relays });
      }
    });
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    this.schedule(0);
    try {
      while (Date.now() < deadline) {
        if (![...this.entries.values()].some((e) => e.state === "pending")) break;
        await new Promise<void>((resolve) => {
          const off = this.onChange(() => {
            off();
            clearTimeout(t);
            resolve();
          });
          const t = setTimeout(
            () => {
              off();
              resolve();
            },
            Math.max(0, Math.min(250, deadline - Date.now())),
          );
        });
      }
    } finally {
      if (!wasRunning) await this.stop();
    }
    const report = this.report();
    await this.tidy();
    return report;
  }

  /** Every entry, oldest first (from memory once started, else from the store). */
  async list(): Promise<OutboxEntry[]> {
    if (!this.loaded) await this.reload();
    return [...this.entries.values()];
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    if (!this.loaded) await this.reload();
    return this.entries.get(id);
  }

  /**
   * Sends failed entries again from the start (after the cause of a refusal is gone): those named,
   * or every failed one, and the failed entries that were waiting for them. Returns how many.
   */
  async retry(ids?: string | Iterable<string>): Promise<number> {
    if (!this.loaded) await this.reload();
    const wanted = ids === undefined ? null : new Set(typeof ids === "string" ? [ids] : ids);
    const again = await this.serial(async () => {
      const entries = requeueFailed(this.entries.values(), wanted, this.now());
      if (entries.length === 0) return entries;
      await this.store.batch(entries.map((e): WriteOp => ({ op: "putOutbox", id: e.id, value: e })));
      for (const e of entries) {
        this.entries.set(e.id, e);
        this.emit({ entry: e, removed: false });
      }
      return entries;
    });
    if (again.length > 0) this.schedule(0);
    return again.length;
  }

  /** Removes an entry for good (sent or not). Entries waiting for it then fail. */
  async discard(id: string): Promise<void> {
    await this.serial(async () => {
      if (!this.entries.has(id)) return;
      const dependents = [...this.entries.values()].filter(
        (e) => e.state === "pending" && e.after.includes(id),
      );
      const ops: WriteOp[] = [{ op: "deleteOutbox", id }];
      const failed = dependents.map((e) => ({
        ...e,
        state: "failed" as const,
        error: `it had to wait for ${id}, which was discarded`,
      }));
      for (const f of failed) ops.push({ op: "putOutbox", id: f.id, value: f });
      await this.store.batch(ops);
      this.entries.delete(id);
      this.emit({ id, removed: true });
      for (const f of failed) {
        this.entries.set(f.id, f);
        this.emit({ entry: f, removed: false });
      }
    });
  }

  onChange(listener: (change: OutboxChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  report(): FlushReport {
    const r: FlushReport = { done: 0, failed: 0, pending: 0 };
    for (const e of this.entries.values()) r[e.state]++;
    return r;
  }

  // --- internals ---

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async readEntry(id: string): Promise<OutboxEntry | undefined> {
    const rows = await this.store.outbox();
    return rows.find((r) => r.id === id)?.value as OutboxEntry | undefined;
  }

  private reload(): Promise<void> {
    return this.serial(async () => {
      const rows = await this.store.outbox();
      const fresh = new Map<string, OutboxEntry>();
      for (const row of rows) {
        const e = row.value as OutboxEntry;
        // Keep our in-memory copy when it is the one we wrote last (flush may have advanced it).
        fresh.set(row.id, this.entries.get(row.id) ?? e);
      }
      this.entries.clear();
      for (const [id, e] of fresh) this.entries.set(id, e);
      this.loaded = true;
    });
  }

  private async write(entry: OutboxEntry): Promise<void> {
    await this.store.batch([{ op: "putOutbox", id: entry.id, value: entry }]);
    this.entries.set(entry.id, entry);
    this.emit({ entry, removed: false });
  }

  private emit(change: OutboxChange): void {
    for (const l of [...this.listeners]) {
      try {
        l(change);
      } catch {
        // A listener's failure must not stop delivery.
      }
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.pump();
      },
      Math.max(0, delayMs),
    );
  }

  /** Rewrites entries whose dependency failed, removes finished ones. */
  private tidy(): Promise<void> {
    return this.serial(async () => {
      const hk = housekeeping([...this.entries.values()], this.now(), this.rules);
      if (!hk.updated.length && !hk.removed.length) return;
      const ops: WriteOp[] = [
        ...hk.updated.map((e): WriteOp => ({ op: "putOutbox", id: e.id, value: e })),
        ...hk.removed.map((id): WriteOp => ({ op: "deleteOutbox", id })),
      ];
      await this.store.batch(ops);
      for (const e of hk.updated) {
        this.entries.set(e.id, e);
        this.emit({ entry: e, removed: false });
      }
      for (const id of hk.removed) {
        this.entries.delete(id);
        this.emit({ id, removed: true });
      }
    });
  }

  /** One round: housekeeping, then start every due send, then sleep until the next one is due. */
  private async pump(): Promise<void> {
    if (!this.running) return;
    await this.tidy();
    if (!this.running) return;
    const now = this.now();
    const lookup = (id: string) => this.entries.get(id);
    for (const e of this.entries.values()) {
      if (e.state === "pending" && dependencyState(e, lookup) !== "ready") continue;
      if (this.startRestamp(e)) continue;
      for (const relay of dueRelays(e, now, this.rules)) {
        const key = `${e.id} ${relay}`;
        if (this.inFlight.has(key)) continue;
        if (this.inFlight.size >= this.maxInFlight) break;
        this.inFlight.add(key);
        void this.send(e.id, e.event, relay, key);
      }
    }
    this.scheduleNext();
  }

  private scheduleNext(): void {
    if (this.inFlight.size >= this.maxInFlight) return; // the next answer pumps again
    const pendingNotInFlight = [...this.entries.values()].map((e) => ({
      ...e,
      relays: Object.fromEntries(
        Object.entries(e.relays).filter(([url]) => !this.inFlight.has(`${e.id} ${url}`)),
      ),
    }));
    const at = nextWakeAt(pendingNotInFlight, this.rules);
    if (at !== null) this.schedule(at - this.now());
  }

  private async send(id: string, event: NostrEvent, relay: string, key: string): Promise<void> {
    let outcome: PublishOutcome;
    try {
      const [result] = await this.pool.publish(event, [relay], { timeoutMs: this.publishTimeoutMs });
      outcome = result ?? { ok: false, status: "unreachable", message: "error: no answer" };
    } catch (e) {
      outcome = { ok: false, status: "unreachable", message: `error: ${(e as Error).message}` };
    }
    // Refused for its time: learn what the relay's clock says before the next try is stamped.
    if (classifyOutcome(outcome) === "time" && this.onTimeRefusal) {
      await this.onTimeRefusal(relay).catch(() => undefined);
    }
    await this.serial(async () => {
      this.inFlight.delete(key);
      if (!this.running) return;
      const current = this.entries.get(id);
      // An answer about an event the entry no longer carries (it was stamped again) says nothing.
      if (!current || current.event.id !== event.id) return;
      const next = applyOutcome(current, relay, outcome, this.now(), this.rules, this.random);
      if (next !== current) await this.write(next);
    });
    this.schedule(0);
  }

  /**
   * Starts stamping `e` again when a relay refused it for its time and nothing of it is in flight
   * (asked once per refusal); true while that runs, so the old event is not sent meanwhile.
   */
  private startRestamp(e: OutboxEntry): boolean {
    if (!this.restamp || !canRestamp(e)) return false;
    const tries = Object.values(e.relays).reduce((n, d) => n + d.attempts, 0);
    const asked = `${e.id} ${e.event.id} ${tries}`;
    if (this.restampAsked.has(asked)) return false;
    if ([...this.inFlight].some((k) => k.startsWith(`${e.id} `))) return true;
    this.restampAsked.add(asked);
    const key = `${e.id} restamp`;
    this.inFlight.add(key);
    void this.restampOne(e, key);
    return true;
  }

  private async restampOne(e: OutboxEntry, key: string): Promise<void> {
    let fresh: NostrEvent | null = null;
    try {
      fresh = (await this.restamp?.(e.event)) ?? null;
    } catch {
      fresh = null; // could not: it goes unchanged
    }
    await this.serial(async () => {
      this.inFlight.delete(key);
      const current = this.entries.get(e.id);
      if (!fresh || !this.running || current?.event.id !== e.event.id || !canRestamp(current)) return;
      await this.write(restampedEntry(current, fresh, this.now()));
    });
    this.schedule(0);
  }
}
