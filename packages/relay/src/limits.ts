/**
 * The relay's limits, with defaults close to strfry's (200 subscriptions per connection) but a
 * larger event size: Rally's MLS welcomes and key packages are bigger than social posts.
 */
export interface RelayLimits {
  /** Largest WebSocket message (frame) accepted, in bytes. Larger ones get `invalid:`. */
  maxMessageBytes: number;
  /** Largest event (its JSON), in bytes. */
  maxEventBytes: number;
  /** Most open subscriptions per connection. */
  maxSubscriptions: number;
  /** Most filters in one REQ or COUNT. */
  maxFilters: number;
  /** Most values in one filter list (`ids`, `authors`, `kinds`, `#x`). */
  maxFilterValues: number;
  /** Largest `limit` honoured; a REQ without `limit` gets this many stored events at most. */
  maxLimit: number;
  /** NIP-01: subscription ids are at most 64 characters. */
  maxSubIdLength: number;
  /** Most tags in one event. */
  maxEventTags: number;
  /** How far in the future `created_at` may be, in seconds (clock skew allowance). */
  maxFutureSeconds: number;
  /** EVENT token bucket: sustained events per second and burst size, per connection. */
  eventsPerSecond: number;
  eventBurst: number;
  /** REQ/COUNT token bucket: sustained requests per second and burst size, per connection. */
  reqsPerSecond: number;
  reqBurst: number;
  /** Bytes queued to a client above which its reading is paused (backpressure). */
  highWaterBytes: number;
  /** Bytes queued to a client above which it is disconnected as too slow. */
  maxQueuedBytes: number;
  /** Most events committed in one write transaction. */
  maxBatch: number;
  /** NIP-77: most records one sync may reconcile; a larger set is refused `blocked:`. */
  maxSyncRecords: number;
  /** NIP-77: most syncs open at once per connection (each holds its set in memory). */
  maxSyncSessions: number;
  /** NIP-77: a sync with no message for this many seconds is closed (`NEG-ERR` `closed:`). */
  syncIdleSeconds: number;
  /** Most WebSocket connections open at once; more get HTTP 503 with `Retry-After`. */
  maxConnections: number;
  /** Most connections open at once from one address (IPv6: one /64). */
  maxConnectionsPerAddress: number;
  /** EVENT token bucket shared by every connection from one address (IPv6: one /64). */
  addressEventsPerSecond: number;
  addressEventBurst: number;
  /** Bytes of event JSON one author may have stored; more is refused `blocked:`. */
  maxAuthorBytes: number;
  /** Bytes of event JSON the relay stores in all; more is refused `blocked:`. */
  maxStoredBytes: number;
  /**
   * Milliseconds of store reading one REQ, COUNT or NEG-OPEN may take; past it a REQ or COUNT is
   * `CLOSED` with `error:`, a NEG-OPEN answered `NEG-ERR` with `blocked:`.
   */
  queryBudgetMs: number;
  /** Milliseconds of reads in one turn of the event loop before others' sockets are read (`queryQueue.ts`). */
  querySliceMs: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxMessageBytes: 256 * 1024,
  maxEventBytes: 256 * 1024,
  maxSubscriptions: 200,
  maxFilters: 20,
  maxFilterValues: 1000,
  maxLimit: 5000,
  maxSubIdLength: 64,
  maxEventTags: 2500,
  maxFutureSeconds: 15 * 60,
  // Bursts are generous — a client sending its outbox after a day offline, a conformance suite's
  // hundreds of requests on one socket — while a sustained flood is still held to the rate.
  eventsPerSecond: 100,
  eventBurst: 2000,
  reqsPerSecond: 50,
  reqBurst: 1000,
  highWaterBytes: 4 * 1024 * 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
  maxBatch: 4096,
  // A set is held while its sync is open (about 190 bytes a record retained, 310 at the peak of
  // building it), and each message may fingerprint all of it (over 100 ms at 200,000 records):
  // 50,000 keeps both a quarter of that. A bigger catch-up narrows its filter (since/until).
  maxSyncRecords: 50_000,
  maxSyncSessions: 4,
  syncIdleSeconds: 60,
  // Connection caps are far above what a community's node sees (each Rally device holds one
  // socket per relay) and below a typical open-file limit, which a flood would otherwise exhaust.
  maxConnections: 4000,
  maxConnectionsPerAddress: 200,
  // Ten connections' worth of sustained writes from one address (people behind one NAT, a test
  // machine running many clients), while a flood spread over many sockets is held to it.
  addressEventsPerSecond: 1000,
  addressEventBurst: 20_000,
  maxAuthorBytes: 512 * 1024 * 1024,
  maxStoredBytes: Infinity,
  queryBudgetMs: 1000,
  querySliceMs: 4,
};

/** Sizes and counts must be positive integers; rates may be `Infinity` (no limit). */
export function resolveLimits(partial: Partial<RelayLimits> = {}): RelayLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(partial) as [keyof RelayLimits, number | undefined][]) {
    if (v === undefined) continue;
    if (typeof v !== "number" || Number.isNaN(v) || v <= 0 || (!Number.isInteger(v) && v !== Infinity))
      throw new RangeError(`relay limit ${k} must be a positive integer, got ${v}`);
    out[k] = v;
  }
  return out;
}
