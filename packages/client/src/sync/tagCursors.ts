/**
 * Where catching up with a routing tag starts: for each tag, the newest `created_at` of a kind 445
 * event seen under it, so the next fetch asks only for what is newer (NIP-01 `since`), less a
 * margin for events that reach a relay after their time.
 *
 * Kind 445 events carry the real time of their making (PROTOCOL.md, timestamps), unlike NIP-59
 * wraps, so the margin is not the wraps' two days but what delays an event between its stamp and a
 * relay: the relays' allowance for clocks ahead (15 minutes on Rally's relay), a sender's clock
 * error (Rally corrects it to within a minute of the relays'), and an outbox that retried a while.
 * An event that reached a relay later than that is still found: the cursors live in memory only,
 * so each tag is read in full at the first catch-up of a process, and again once an hour.
 *
 * A relay may serve anything under a tag (it knows the tag), dated as it likes: a time past the
 * relays' allowance for clocks ahead never moves a cursor, so one relay cannot make this device
 * skip what another relay holds.
 *
 * Kept in memory also because a cursor names its routing tag, and tags must not sit in the store's
 * unsealed key names (store/sealing.ts).
 *
 * Runs in: Node and browsers (pure; the time is a parameter).
 */

/** How far before the newest event seen a catch-up starts, in seconds. */
export const SINCE_MARGIN_SECONDS = 3600;
/** Every tag is read in full again after this long (ms), for events that came very late. */
export const FULL_READ_EVERY_MS = 3_600_000;
/** Times further ahead than this (s) do not move a cursor: Rally's relay refuses them. */
const AHEAD_SECONDS = 15 * 60;

export class TagCursors {
  private readonly newest = new Map<string, number>();
  private resetAt: number;

  constructor(private readonly nowMs: () => number) {
    this.resetAt = nowMs() + FULL_READ_EVERY_MS;
  }

  /** The `since` for the next fetch of `tag`, or undefined to read it in full. */
  since(tag: string): number | undefined {
    if (this.nowMs() >= this.resetAt) {
      this.newest.clear();
      this.resetAt = this.nowMs() + FULL_READ_EVERY_MS;
    }
    const n = this.newest.get(tag);
    return n === undefined ? undefined : Math.max(0, n - SINCE_MARGIN_SECONDS);
  }

  /** Records what a fetch of `tag` returned (only after a relay answered it to the end). */
  saw(tag: string, createdAt: Iterable<number>): void {
    const ceiling = Math.floor(this.nowMs() / 1000) + AHEAD_SECONDS;
    let n = this.newest.get(tag);
    for (const t of createdAt) if (t <= ceiling && (n === undefined || t > n)) n = t;
    if (n !== undefined) this.newest.set(tag, n);
  }
}
