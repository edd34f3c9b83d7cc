/**
 * Storage quotas, per author and in total. Checked as each event is about to be queued for the
 * writer, synchronously, so a burst cannot slip past while a count is being read:
 *
 * - per author: bytes of event JSON the author has stored, read from the store the first time the
 *   author writes (`authorBytes`) and kept in a bounded cache that adds each event accepted since.
 *   Gift wraps and group messages are signed by one-time keys, so most authors write once: the
 *   cache forgets the least recently seen beyond `CACHE_SIZE` and reads them again if they return.
 * - in total: the store's size on disk (`storedBytes`), measured again at most every few seconds,
 *   plus the JSON of events accepted since.
 *
 * Replaced and deleted events still count until `refresh` (after each purge) reads them again: a
 * quota errs towards refusing a little early, never towards letting the disk fill.
 */
import type { PubkeyHex } from "@rally/protocol/nostr";
import type { EventStore } from "./store/types.ts";

const CACHE_SIZE = 10_000;
const TOTAL_EVERY_MS = 5_000;

interface AuthorUsage {
  bytes: number;
}

export class StorageQuota {
  private readonly authors = new Map<string, AuthorUsage>();
  private total = 0;
  private totalAt = -Infinity;
  private measuring = false;

  constructor(
    private readonly store: EventStore,
    private readonly maxAuthorBytes: number,
    private readonly maxStoredBytes: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Reads the total now (at start, so the first events are judged against the real size). */
  async start(): Promise<void> {
    await this.measureTotal();
  }

  /**
   * Counts `bytes` for `pubkey` if both quotas allow it; otherwise returns the NIP-01 refusal
   * (`blocked:`: retrying will not help until the operator or retention frees space).
   */
  take(pubkey: PubkeyHex, bytes: number): string | undefined {
    const author = this.author(pubkey);
    if (this.maxAuthorBytes !== Infinity && author && author.bytes + bytes > this.maxAuthorBytes)
      return `blocked: storage quota used up for this key (${this.maxAuthorBytes} bytes)`;
    if (this.maxStoredBytes !== Infinity) {
      if (performance.now() - this.totalAt > TOTAL_EVERY_MS) void this.measureTotal();
      if (this.total + bytes > this.maxStoredBytes) return "blocked: this relay's storage is full";
    }
    if (author) author.bytes += bytes;
    this.total += bytes;
    return undefined;
  }

  /** Gives back what `take` counted for an event that was not stored after all. */
  giveBack(pubkey: PubkeyHex, bytes: number): void {
    const a = this.authors.get(pubkey);
    if (a) a.bytes = Math.max(0, a.bytes - bytes);
    this.total = Math.max(0, this.total - bytes);
  }

  /** After a purge: forget cached counts so they are read again. */
  refresh(): void {
    this.authors.clear();
    this.totalAt = -Infinity;
  }

  private author(pubkey: PubkeyHex): AuthorUsage | undefined {
    if (this.maxAuthorBytes === Infinity || this.store.authorBytes === undefined) return undefined;
    let a = this.authors.get(pubkey);
    if (a) {
      // Most recently seen last: the first entry is the one to forget.
      this.authors.delete(pubkey);
      this.authors.set(pubkey, a);
      return a;
    }
    a = { bytes: 0 };
    this.authors.set(pubkey, a);
    if (this.authors.size > CACHE_SIZE) this.authors.delete(this.authors.keys().next().value as string);
    // Events accepted before the count arrives are added to it, so nothing is counted twice or lost:
    // the store's count leaves out every batch saved after it was asked for (`authorBytes`).
    const entry = a;
    this.store.authorBytes(pubkey).then(
      (stored) => {
        entry.bytes += stored;
      },
      (error: unknown) => this.log(`storage error while reading a quota: ${String(error)}`),
    );
    return a;
  }

  private async measureTotal(): Promise<void> {
    if (this.measuring || this.maxStoredBytes === Infinity || this.store.storedBytes === undefined) return;
    this.measuring = true;
    try {
      const stored = await this.store.storedBytes();
      this.total = stored;
      this.totalAt = performance.now();
    } catch (error) {
      this.log(`storage error while measuring the store: ${String(error)}`);
    } finally {
      this.measuring = false;
    }
  }
}
