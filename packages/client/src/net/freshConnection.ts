/**
 * Publishing on a connection of its own, opened after a short random wait and closed once its
 * relays answered: for what an admin's device sends *to* someone (welcomes and join requests as
 * gift wraps, the ratchet-tree chunks a welcome points to), so that it does not leave on the
 * connection that carries the group's commits and asks for the group's routing tags. A relay then
 * sees a new connection a moment later, not "the connection that just committed to tag T sends a
 * gift wrap to P". What it still sees (the same address, close in time): docs/THREAT-MODEL.md,
 * "What a live relay links".
 *
 * Sends that overlap share the connection open at that moment (the tree chunks and the welcomes
 * of one commit go together anyway); the next send after it closed opens another.
 *
 * Runs in: Node and browsers.
 */
import type { NostrEvent } from "nostr-tools/core";
import type { PublishResult, RelayPool } from "./relayPool.ts";

/**
 * The wait before a fresh connection is opened, in ms: at least this… (a join by link waits twice:
 * 0.2–1.2 s made it 3.0 s with the admin live, bench/client/live.ts; the wait only separates the
 * new connection from the commit in time, the address links them anyway)
 */
export const FRESH_DELAY_MIN_MS = 100;
/** …and at most this. */
export const FRESH_DELAY_MAX_MS = 600;

interface Open {
  pool: RelayPool;
  ready: Promise<void>;
  users: number;
}

export class FreshConnections {
  private current: Open | null = null;
  private closed = false;
  /** How many connections this has opened (for tests and status). */
  opened = 0;

  constructor(
    /** A new pool: its connections are opened on first use and belong to it alone. */
    private readonly makePool: () => RelayPool,
    private readonly random: () => number = Math.random,
  ) {}

  /** Sends `event` to `relays` on the connection of the moment (opened after the wait). */
  async publish(
    event: NostrEvent,
    relays: Iterable<string>,
    options: { timeoutMs?: number } = {},
  ): Promise<PublishResult[]> {
    let open = this.current;
    if (!open) {
      const pool = this.makePool();
      // After `close`, a pool closed at birth answers every relay as unreachable, in plain words.
      if (this.closed) pool.close();
      const wait = FRESH_DELAY_MIN_MS + (FRESH_DELAY_MAX_MS - FRESH_DELAY_MIN_MS) * this.random();
      open = {
        pool,
        ready: this.closed ? Promise.resolve() : new Promise((r) => setTimeout(r, wait)),
        users: 0,
      };
      this.opened++;
      if (!this.closed) this.current = open;
    }
    open.users++;
    try {
      await open.ready;
      return await open.pool.publish(event, relays, options);
    } finally {
      open.users--;
      if (open.users === 0) {
        if (this.current === open) this.current = null;
        open.pool.close();
      }
    }
  }

  /** Closes the connection open now; later sends are answered as unreachable. */
  close(): void {
    this.closed = true;
    this.current?.pool.close();
    this.current = null;
  }
}
