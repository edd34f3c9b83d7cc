/**
 * The relay's storage port (after khatru's eventstore): a handful of methods every backend
 * implements — SQLite now, PostgreSQL later — and one conformance suite (`conformance.ts`) that each
 * runs. The NIP-01/09/40 storage rules live behind this port so that a batch is applied atomically.
 */
import type { EventId, Filter, NostrEvent, PubkeyHex } from "@rally/protocol/nostr";

/** What happened to one event of a batch. */
export type SaveOutcome =
  /** Stored and committed. `json` is the event as stored (and as it should be sent). */
  | { status: "saved"; json: string }
  /** An event with this id is already stored. */
  | { status: "duplicate" }
  /** Replaceable or addressable: a newer version (NIP-01 tie-break) is already stored. */
  | { status: "superseded" }
  /** Its author already asked to delete it (NIP-09); it is not stored again. */
  | { status: "deleted" };

/** A stored event as queries return it: enough to answer without parsing `json`. */
export interface StoredEvent {
  id: EventId;
  pubkey: PubkeyHex;
  kind: number;
  created_at: number;
  /** The event's JSON, sent to clients as is. */
  json: string;
}

/** What NIP-77 sync compares of an event: its id and `created_at`, without its JSON. */
export interface EventKey {
  id: EventId;
  created_at: number;
}

export interface QueryOptions {
  /** Unix seconds: events with a NIP-40 expiration at or before this are not returned. */
  now: number;
  /** Kinds to leave out of the results (read policies, e.g. others' gift wraps). */
  hideKinds?: readonly number[];
  /**
   * Stop once the returned events' JSON adds up to this many characters (the event that crosses it
   * is included): bounds a relay's memory per query. NIP-01 allows returning fewer than `limit`.
   */
  maxBytes?: number;
  /**
   * `performance.now()` past which the read should stop with `QueryTimeoutError` (the relay's
   * query time budget). A store that cannot stop part-way may ignore it; the relay checks after.
   */
  deadline?: number;
}

/** A read stopped at its `deadline`. */
export class QueryTimeoutError extends Error {
  constructor() {
    super("the query took longer than its time budget");
    this.name = "QueryTimeoutError";
  }
}

export interface CountOptions extends QueryOptions {
  /** Kinds hidden from each filter in turn, where read policies decide per filter (else `hideKinds`). */
  hideKindsByFilter?: readonly (readonly number[])[];
}

export interface EventStore {
  /**
   * True when reads wait on another process (a database server) rather than run within the call:
   * a request's reads are then charged the wall time until each settles, so its time budget is
   * shared across them. A store that reads within the call is charged that call's time.
   */
  readonly readsOffThread?: boolean;
  /**
   * Applies events in order in one atomic, durable transaction and resolves after it commits.
   * Rules: an existing id is a `duplicate`; a replaceable (0, 3, 10000–19999) or addressable
   * (30000–39999, keyed by `d`) event replaces an older version of the same key and is `superseded`
   * by a newer one; a kind-5 request deletes the author's own events it names by `e` id and by `a`
   * address (versions up to its `created_at`), and those are then refused as `deleted`; an event's
   * NIP-40 expiration is recorded. Ephemeral events are never given to the store.
   */
  saveBatch(events: readonly NostrEvent[]): Promise<SaveOutcome[]>;
  /** Events matching the filter, newest first (`created_at` descending), at most `filter.limit`. */
  query(filter: Filter, options: QueryOptions): Promise<StoredEvent[]>;
  /**
   * Id and `created_at` of the events `query` would return for the filter (same order, `limit`,
   * hiding and expiry; `maxBytes` does not apply): the set a NIP-77 sync reconciles, read without
   * loading each event's JSON.
   */
  queryKeys(filter: Filter, options: QueryOptions): Promise<EventKey[]>;
  /** How many distinct events match any of the filters (`limit` ignored). */
  count(filters: readonly Filter[], options: CountOptions): Promise<number>;
  /** Deletes events whose NIP-40 expiration is at or before `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
  /**
   * Retention per kind: deletes events of `kind` with `created_at` before `before`, at most `max`
   * of them (the oldest first), and returns how many. Optional: a relay whose store lacks it
   * refuses to start with a retention rule.
   */
  purgeKindBefore?(kind: number, before: number, max: number): Promise<number>;
  /**
   * Bytes of event JSON stored for one author (the per-author storage quota). Optional. Counts what
   * was saved before the call and never a batch saved after it, even one saved while this reads:
   * the quota counts the events it lets through meanwhile itself.
   */
  authorBytes?(pubkey: PubkeyHex): Promise<number>;
  /** Bytes the store takes on disk (the total storage quota). Optional. */
  storedBytes?(): Promise<number>;
  close(): Promise<void>;
}
