/**
 * How many answers this node seals at once for people without JavaScript. Sealing an answer means
 * mining its proof of work (about a second of CPU, docs/PROTOCOL.md §20) on the one thread that
 * also serves the pages and the relay; the mining gives way every 25 ms, but many at once would
 * take turns back to back and hold everything else up. Past the slots the person is asked to send
 * again shortly (the form keeps what they typed); with JavaScript the browser does the work and
 * takes no slot.
 *
 * Runs in: Node (`rally serve`); pure.
 */

/** Answers sealed at once per process: a page waits at most about this many slices (25 ms each). */
export const MAX_SEALING = 2;

export class SealingSlots {
  private busy = 0;

  constructor(readonly max: number = MAX_SEALING) {}

  /** Takes a slot, or false when all are busy; a slot taken is given back with `release`. */
  take(): boolean {
    if (this.busy >= this.max) return false;
    this.busy++;
    return true;
  }

  release(): void {
    this.busy = Math.max(0, this.busy - 1);
  }

  get inUse(): number {
    return this.busy;
  }
}
