/**
 * Write rate limits per address: one token bucket shared by every connection from the same
 * address key (`clientAddress.ts`), so a flood spread over many sockets is held to the same rate
 * as one socket's. In memory only; a bucket is forgotten once its address has no connection left
 * and the bucket has refilled (a quick reconnect does not earn a fresh burst).
 */
import { TokenBucket } from "./rateLimit.ts";

interface Entry {
  bucket: TokenBucket;
  connections: number;
  /** When the last connection left (ms, the clock's), for forgetting idle entries. */
  idleSince: number;
}

export class AddressRates {
  private readonly entries = new Map<string, Entry>();
  private lastSweep: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastSweep = now();
  }

  /** A connection from `key` opened; returns its address's shared bucket. */
  attach(key: string): TokenBucket {
    this.sweep();
    let e = this.entries.get(key);
    if (!e) {
      e = { bucket: new TokenBucket(this.perSecond, this.burst, this.now), connections: 0, idleSince: 0 };
      this.entries.set(key, e);
    }
    e.connections++;
    return e.bucket;
  }

  detach(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.connections--;
    if (e.connections <= 0) e.idleSince = this.now();
  }

  /** Drops entries idle long enough for their bucket to be full again. */
  private sweep(): void {
    const t = this.now();
    if (t - this.lastSweep < 10_000) return;
    this.lastSweep = t;
    const refillMs = this.perSecond === Infinity ? 0 : (this.burst / this.perSecond) * 1000;
    for (const [k, e] of this.entries)
      if (e.connections <= 0 && t - e.idleSince >= refillMs) this.entries.delete(k);
  }

  get size(): number {
    return this.entries.size;
  }
}
