/**
 * Fair turns for store reads. SQLite reads run on the event loop, so a burst of expensive REQs
 * from one client, handled back to back as its frames arrive, would hold every other client
 * for all of them. Here reads take turns: while the loop is free a read runs at once (no cost to
 * the usual quick REQ); within one turn of the event loop reads run for at most `sliceMs`, then
 * the loop goes round (reading other sockets) before the next, and waiting reads are taken round
 * robin by address, so one address's queue never stands in front of another's.
 */

type Job = () => void;

export class QueryQueue {
  private readonly queues = new Map<string, Job[]>();
  /** `performance.now()` when reads began in the current turn of the event loop; undefined between. */
  private sliceStart: number | undefined;
  private scheduled = false;
  private waiting = 0;

  constructor(private readonly sliceMs = 4) {}

  /** Runs `read` now or in its turn; resolves with its result. */
  run<T>(key: string, read: () => Promise<T>): Promise<T> {
    if (this.waiting === 0 && this.mayRunNow()) return this.start(read);
    return new Promise<T>((resolve, reject) => {
      let q = this.queues.get(key);
      if (!q) {
        q = [];
        this.queues.set(key, q);
      }
      q.push(() => this.start(read).then(resolve, reject));
      this.waiting++;
      this.schedule();
    });
  }

  get queued(): number {
    return this.waiting;
  }

  private mayRunNow(): boolean {
    const t = performance.now();
    if (this.sliceStart === undefined) {
      this.sliceStart = t;
      this.schedule(); // ends the slice at the next turn of the loop
      return true;
    }
    return t - this.sliceStart < this.sliceMs;
  }

  private start<T>(read: () => Promise<T>): Promise<T> {
    try {
      return read();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.sliceStart = undefined;
      this.drain();
    });
  }

  /** One slice: waiting reads, one per address in turn, until the slice is used up. */
  private drain(): void {
    while (this.waiting > 0 && this.mayRunNow()) {
      for (const [key, q] of this.queues) {
        const job = q.shift();
        if (q.length === 0) this.queues.delete(key);
        else {
          // Round robin: this address goes to the back of the line.
          this.queues.delete(key);
          this.queues.set(key, q);
        }
        if (job) {
          this.waiting--;
          job();
        }
        break;
      }
    }
    if (this.waiting > 0) this.schedule();
  }
}
