/**
 * The single writer (after strfry's): events to store queue up and are committed together, one
 * transaction — one fsync — per batch; each caller's promise resolves only after its batch
 * committed, so the relay's `OK true` always means "on disk". A batch starts on the next turn of the
 * event loop, so under load it gathers every event that arrived meanwhile.
 */
import type { NostrEvent } from "@rally/protocol/nostr";
import type { EventStore, SaveOutcome } from "./store/types.ts";

interface Pending {
  event: NostrEvent;
  resolve(outcome: SaveOutcome): void;
  reject(error: unknown): void;
}

export class BatchWriter {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  /** Committed batches, for tests and stats. */
  batches = 0;

  constructor(
    private readonly store: EventStore,
    private readonly maxBatch: number,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  write(event: NostrEvent): Promise<SaveOutcome> {
    if (this.closed) return Promise.reject(new Error("the relay is shutting down"));
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.running ??= this.run();
    });
  }

  private async run(): Promise<void> {
    // Let the event loop deliver whatever else is already waiting on sockets into this batch.
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const outcomes = await this.store.saveBatch(batch.map((p) => p.event));
        this.batches++;
        batch.forEach((p, i) => {
          p.resolve(outcomes[i]!);
        });
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error);
        // One bad event must not fail the others: retry each alone, each in its own transaction.
        else for (const p of batch) await this.saveAlone(p);
      }
    }
    this.running = undefined;
  }

  private async saveAlone(p: Pending): Promise<void> {
    try {
      const [outcome] = await this.store.saveBatch([p.event]);
      this.batches++;
      p.resolve(outcome!);
    } catch (error) {
      p.reject(error);
    }
  }

  /** Stops taking events and waits until everything queued is committed. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.running) await this.running;
  }
}
