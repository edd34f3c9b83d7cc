/**
 * Where catching up with a routing tag starts: for each tag, the newest `created_at` of a kind 445
 * event seen under it, so the next fetch asks only for what is newer (NIP-01 `since`), less a
 * margin for events that reach a relay after their time.
 *
 * Kind 445 events carry the real time of their making (PROTOCOL.md, timestamps), unlike NIP-59
 * wraps, so the margin is not the wraps' two days but what delays an event between its stamp and a
 * relay: the relays' allowance for clocks ahead (15 minutes on Rally's relay), a sender's clock
 * error (Rally corrects it to within a minute of the relays'), and an outbox that retried a while.
 * An event that reached a relay later than that is still found: each tag is read in full again
 * once an hour.
 *
 * A relay may serve anything under a tag (it knows the tag), dated as it likes: a time past the
 * relays' allowance for clocks ahead never moves a cursor, so one relay cannot make this device
 * skip what another relay holds.
 *
 * Kept in the store as one kv value (sealed like every value, store/sealing.ts; a cursor names its
 * routing tag, and tags must not sit in the store's unsealed key names), so a command run in a new
 * process (the CLI) also asks only for what is new.
 *
 * Runs in: Node and browsers (the time is a parameter; the store is the only I/O).
 */
import { keys } from "../store/keys.ts";
import type { Store } from "../store/store.ts";

/** How far before the newest event seen a catch-up starts, in seconds. */
export const SINCE_MARGIN_SECONDS = 3600;
/** Every tag is read in full again after this long (ms), for events that came very late. */
export const FULL_READ_EVERY_MS = 3_600_000;
/** Times further ahead than this (s) do not move a cursor: Rally's relay refuses them. */
const AHEAD_SECONDS = 15 * 60;

interface CursorsRecord {
  resetAt: number;
  newest: Record<string, number>;
}

export class TagCursors {
  private readonly newest = new Map<string, number>();
  private resetAt: number;
  private loaded = false;
  private dirty = false;

  constructor(private readonly nowMs: () => number) {
    this.resetAt = nowMs() + FULL_READ_EVERY_MS;
  }

  /** Takes the cursors a previous process kept (once; a damaged record counts as none). */
  async load(store: Store): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    const rec = await store.get<CursorsRecord>(keys.tagCursors).catch(() => undefined);
    if (typeof rec !== "object" || rec === null || typeof rec.resetAt !== "number") return;
    // A reset time further ahead than one period is not believed (a clock set back meanwhile).
    this.resetAt = Math.min(rec.resetAt, this.nowMs() + FULL_READ_EVERY_MS);
    for (const [tag, n] of Object.entries(rec.newest ?? {}))
      if (typeof n === "number" && !this.newest.has(tag)) this.newest.set(tag, n);
  }

  /** Keeps the cursors of `tags` (the groups' current and retained ones) when they moved. */
  async save(store: Store, tags: ReadonlySet<string>): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const newest: Record<string, number> = {};
    for (const [tag, n] of this.newest) if (tags.has(tag)) newest[tag] = n;
    await store.batch([{ op: "put", key: keys.tagCursors, value: { resetAt: this.resetAt, newest } }]);
  }

  /** The `since` for the next fetch of `tag`, or undefined to read it in full. */
  since(tag: string): number | undefined {
    if (this.nowMs() >= this.resetAt) {
      this.newest.clear();
      this.resetAt = this.nowMs() + FULL_READ_EVERY_MS;
      this.dirty = true;
    }
    const n = this.newest.get(tag);
    return n === undefined ? undefined : Math.max(0, n - SINCE_MARGIN_SECONDS);
  }

  /**
   * Records the times of what was read under `tag` (only after every relay answered it to the end).
   * `unreadFrom`, the time of the oldest event left for a later sync, holds the cursor so that the
   * next `since` still reaches it.
   */
  saw(tag: string, createdAt: Iterable<number>, unreadFrom?: number): void {
    const ceiling = Math.floor(this.nowMs() / 1000) + AHEAD_SECONDS;
    let n = this.newest.get(tag);
    for (const t of createdAt) if (t <= ceiling && (n === undefined || t > n)) n = t;
    if (unreadFrom !== undefined)
      n = Math.min(n ?? Number.POSITIVE_INFINITY, unreadFrom + SINCE_MARGIN_SECONDS);
    if (n !== undefined && n !== this.newest.get(tag)) {
      this.newest.set(tag, n);
      this.dirty = true;
    }
  }
}
