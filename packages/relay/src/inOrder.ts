/**
 * Keeps the relay's answers in the order their messages arrived while some of them wait for a
 * signature check on another thread. A step either runs at once (nothing is waiting before it) or
 * after every step queued before it; a reserved place runs when its work is handed in and all
 * places before it have run. With nothing ever reserved (checks on the relay thread) every step
 * runs at once, exactly as without this queue.
 */
interface Place {
  work: (() => void) | undefined;
}

export class InOrder {
  private places: Place[] = [];
  private head = 0;
  /** True while a step runs: what it does belongs to its own turn. */
  private running = false;
  private draining = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly onError: (error: unknown) => void) {}

  get waiting(): number {
    return this.places.length - this.head;
  }

  /** Runs `work` now when nothing waits before it (or from inside a running step), else in turn. */
  run(work: () => void): void {
    if (this.running || this.waiting === 0) this.call(work);
    else this.places.push({ work });
  }

  /** Holds a place; the returned function hands in the work for it (once). */
  reserve(): (work: () => void) => void {
    const place: Place = { work: undefined };
    this.places.push(place);
    return (work) => {
      place.work = work;
      this.drain();
    };
  }

  /** Resolves when no place is held. */
  idle(): Promise<void> {
    if (this.waiting === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private call(work: () => void): void {
    const outer = this.running;
    this.running = true;
    try {
      work();
    } catch (error) {
      this.onError(error);
    } finally {
      this.running = outer;
    }
  }

  private drain(): void {
    if (this.draining) return; // the outer drain goes on
    if (this.running) {
      // Handed in from inside a step: its turn comes after that step, not in the middle of it.
      queueMicrotask(() => this.drain());
      return;
    }
    this.draining = true;
    try {
      this.drainPlaces();
    } finally {
      this.draining = false;
    }
  }

  private drainPlaces(): void {
    while (this.head < this.places.length) {
      const place = this.places[this.head]!;
      if (!place.work) break;
      this.head++;
      this.call(place.work);
    }
    if (this.head > 1024 && this.head * 2 > this.places.length) {
      this.places = this.places.slice(this.head);
      this.head = 0;
    }
    if (this.waiting === 0) {
      this.places = [];
      this.head = 0;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
