/**
 * How many answers one address may send: a token bucket per address, in memory only (addresses
 * are never written anywhere or logged, and are forgotten once their bucket is full again).
 * Default: a burst of 5, refilled at 5 per 10 minutes; at most 10,000 addresses are held.
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
    const { burst, windowSeconds, maxAddresses } = this.options;
    if (this.buckets.size <= maxAddresses) return;
    const rate = burst / windowSeconds;
    const tokens = (b: { tokens: number; at: number }) => Math.min(burst, b.tokens + (now - b.at) * rate);
    // Forget the addresses that have sent least lately (the most tokens left), down to 90% so this
    // sort runs once per many answers; an address that is being slowed down is kept longest.
    const keep = Math.floor(maxAddresses * 0.9);
    const byTokens = [...this.buckets].sort((a, b) => tokens(b[1]) - tokens(a[1]));
    for (const [address] of byTokens.slice(0, this.buckets.size - keep)) this.buckets.delete(address);
  }
}

/**
 * What answers are counted by: an IPv4 address as it is (also when written IPv4-mapped), an IPv6
 * address by its /64 network (one home or phone usually holds a whole /64, so counting single
 * addresses would let one person rotate through billions).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.toLowerCase().split("%")[0]!.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
