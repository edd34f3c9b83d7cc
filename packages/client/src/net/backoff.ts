/**
 * Exponential backoff with jitter, shared by relay reconnects and outbox retries.
 *
 * Runs in: Node and browsers (pure; randomness is a parameter).
 */

export interface BackoffPolicy {
  /** Delay before the first retry, in ms. */
  initialMs: number;
  /** Cap on any delay, in ms. */
  maxMs: number;
  /** Growth per attempt (2 doubles). */
  factor: number;
  /**
   * Fraction of the delay that is random, 0..1. With 0.5 the delay is uniform in [d/2, d]: enough
   * spread that many clients cut off by one relay restart do not all come back in the same instant.
   */
  jitter: number;
}

export const RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 60_000, factor: 2, jitter: 0.5 };
export const OUTBOX_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 5 * 60_000, factor: 2, jitter: 0.5 };

/**
 * Delay before retry number `attempt` (0 for the first retry after one failure).
 * `random` returns a number in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const n = Math.max(0, Math.floor(attempt));
  // Math.min before the power would overflow: factor^n is Infinity for large n, and min() handles it.
  const raw = Math.min(policy.maxMs, policy.initialMs * policy.factor ** n);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(raw * (1 - jitter + jitter * r));
}
