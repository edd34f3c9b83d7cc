/**
 * Connection caps, global and per address, counted in memory only: a map from address key
 * (`clientAddress.ts`) to open connections, each entry dropped when its last connection closes.
 * Nothing here is logged or written anywhere.
 */

export type Admission = { ok: true } | { ok: false; why: string };

export class ConnectionCaps {
  private total = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerAddress: number,
  ) {}

  /** Counts a new connection from `key`, or says why it is refused (nothing is counted then). */
  admit(key: string): Admission {
    if (this.total >= this.maxTotal) return { ok: false, why: "the relay is at its connection limit" };
    const n = this.byAddress.get(key) ?? 0;
    if (n >= this.maxPerAddress) return { ok: false, why: "too many connections from your address" };
    this.total++;
    this.byAddress.set(key, n + 1);
    return { ok: true };
  }

  /** A connection counted by `admit(key)` closed. */
  release(key: string): void {
    const n = this.byAddress.get(key);
    if (n === undefined) return;
    this.total--;
    if (n <= 1) this.byAddress.delete(key);
    else this.byAddress.set(key, n - 1);
  }

  get open(): number {
    return this.total;
  }
}
