/**
 * How many answers one address may send: a token bucket per address, in memory only (addresses
 * are never written anywhere or logged, and are forgotten once their bucket is full again).
 * Default: a burst of 5, refilled at 5 per 10 minutes.
 *
 * Runs in: Node (`rally serve`); pure apart from the clock passed in.
 */

export interface AnswerLimitOptions {
  burst: number;
  /** Seconds to refill the whole burst. */
  windowSeconds: number;
  /** Unix seconds (fractional allowed). */
  now: () => number;
  /** Most addresses held at once; past it, full and oldest buckets go first. */
  maxAddresses: number;
}

export const DEFAULT_ANSWER_LIMIT = { burst: 5, windowSeconds: 600, maxAddresses: 10_000 };

export class AnswerRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly options: AnswerLimitOptions;

  constructor(options: Partial<AnswerLimitOptions> = {}) {
    this.options = { ...DEFAULT_ANSWER_LIMIT, now: () => Date.now() / 1000, ...options };
  }

  /** Takes one answer for `address`: ok, or how many seconds until the next one is allowed. */
  take(address: string): { ok: true } | { ok: false; retryAfter: number } {
    const { burst, windowSeconds } = this.options;
    const now = this.options.now();
    const rate = burst / windowSeconds;
    const bucket = this.buckets.get(address);
    const tokens = bucket ? Math.min(burst, bucket.tokens + (now - bucket.at) * rate) : burst;
    if (tokens < 1) {
      this.buckets.set(address, { tokens, at: now });
      return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - tokens) / rate)) };
    }
    this.buckets.delete(address);
    this.buckets.set(address, { tokens: tokens - 1, at: now });
    this.prune(now);
    return { ok: true };
  }

  private prune(now: number): void {
    if (this.buckets.size <= this.options.maxAddresses) return;
    const rate = this.options.burst / this.options.windowSeconds;
    for (const [address, b] of this.buckets) {
      if (b.tokens + (now - b.at) * rate >= this.options.burst) this.buckets.delete(address);
    }
    // Still too many: forget the least recently seen (Map keeps insertion order).
    for (const address of this.buckets.keys()) {
      if (this.buckets.size <= this.options.maxAddresses) break;
      this.buckets.delete(address);
    }
  }
}
