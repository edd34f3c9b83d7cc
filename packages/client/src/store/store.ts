/**
 * The client's `Store` port: everything a Rally device keeps locally, behind a handful of async
 * methods that behave the same over SQLite (Node, `platform/node/sqliteStore.ts`) and IndexedDB
 * (browsers, `platform/browser/indexedDbStore.ts`). Both adapters run the one shared suite in
 * `conformance.ts`.
 *
 * Runs in: Node and browsers (types only, no I/O).
 *
 * Five typed collections instead of one table per feature:
 * - `kv`: small JSON records under string keys, listable by key prefix (account, group metadata,
 *   pending invites, key-package private parts, invite links, sync cursors, …; see `keys.ts`).
 * - `blobs`: opaque bytes under string keys. MLS state lives here split in two parts — the epoch
 *   part (rewritten only when the epoch changes; can be megabytes in a large group) and the small
 *   per-message part (secret-tree ratchets) — so that storing the effect of one message never
 *   rewrites the large part: persistence cost per message does not grow with group size.
 * - `seen`: which Nostr event ids a group has processed (dedupe and replay protection).
 * - `rumors`: a group's decrypted inner messages, queryable by kind and time, newest first.
 * - `outbox`: records of the durable outbox, kept in the order they were first written.
 *
 * Every write goes through `batch(ops)`, which applies all of its operations atomically (one SQLite
 * transaction, one IndexedDB transaction): either all of them are stored or none, so a new MLS state
 * and the outbox entry carrying its commit can never be stored one without the other. A plain list
 * of operations rather than a transaction callback because an IndexedDB transaction commits itself
 * as soon as the callback awaits anything that is not an IndexedDB request.
 */

/** A Rally group's local id (hex), never sent to a relay. */
export type GroupKey = string;

/** An inner message (unsigned Nostr event, "rumor") as stored, with its full JSON. */
export interface StoredRumor {
  /** Event id: 64 lowercase hex characters. */
  id: string;
  group: GroupKey;
  kind: number;
  /** Unix seconds. */
  created_at: number;
  /**
   * Milliseconds within `created_at`'s second, 0 to 999, from the rumor's `ms` tag (the order
   * within one second, `compareOrder` in the protocol). Absent: 0.
   */
  ms?: number;
  /** Author (64 lowercase hex). */
  pubkey: string;
  /** The rumor itself, serialised; the store never looks inside. */
  json: string;
  /**
   * Ids of the rumors this one acts on (a reaction's target, a deletion's targets), so a page of
   * messages can be read with only what acts on it (`RumorQuery.refs`). Absent: none.
   */
  refs?: string[];
}

/**
 * A rumor query. Results are newest first: `created_at` descending, then `ms`, then `id`
 * descending (the protocol's `compareOrder`, reversed).
 */
export interface RumorQuery {
  group: GroupKey;
  /** Only these kinds (any kind when absent; no result when empty). */
  kinds?: number[];
  /** Only these authors (any when absent). */
  authors?: string[];
  /** Leave out these authors (e.g. one's own messages when counting unread ones). */
  excludeAuthors?: string[];
  /** `created_at >= since` (inclusive, as in NIP-01 filters). */
  since?: number;
  /** `created_at <= until` (inclusive). */
  until?: number;
  /**
   * Page cursor: only rumors strictly older than this one in result order, i.e.
   * `(created_at, ms, id) < (before.created_at, before.ms, before.id)` (`ms` absent: 0). Stable
   * across equal timestamps, a cursor inside one second included.
   */
  before?: { created_at: number; ms?: number; id: string };
  /** At most this many (all when absent). Ignored by `countRumors`. */
  limit?: number;
  /** Only rumors whose `refs` hold one of these ids (no result when empty). */
  refs?: string[];
}

/** One record of the outbox collection, in first-written order (`seq` ascending). */
export interface OutboxRow {
  id: string;
  /** Order of first insertion; rewriting a record keeps its `seq`. */
  seq: number;
  value: unknown;
}

/** Every record of a store (`Store.dump`). */
export interface StoreDump {
  kv: { key: string; value: unknown }[];
  blobs: { key: string; data: Uint8Array }[];
  seen: { group: GroupKey; id: string; at: number }[];
  rumors: StoredRumor[];
  outbox: OutboxRow[];
}

/** One write. A `batch` applies a list of them atomically, in order. */
export type WriteOp =
  /** Store a JSON-serialisable value (not `undefined`) under `key`, replacing any. */
  | { op: "put"; key: string; value: unknown }
  | { op: "delete"; key: string }
  /** Delete every kv record whose key starts with `prefix` (non-empty). */
  | { op: "deletePrefix"; prefix: string }
  | { op: "putBlob"; key: string; data: Uint8Array }
  | { op: "deleteBlob"; key: string }
  /** Delete every blob whose key starts with `prefix` (non-empty). */
  | { op: "deleteBlobPrefix"; prefix: string }
  /** Record that a group processed these event ids (idempotent). `at` is unix seconds. */
  | { op: "markSeen"; group: GroupKey; ids: string[]; at: number }
  /** Insert or replace (by group + id) one inner message. */
  | { op: "putRumor"; rumor: StoredRumor }
  | { op: "deleteRumor"; group: GroupKey; id: string }
  /** Delete everything a group has in `seen` and `rumors` (leaving a group, removal). */
  | { op: "dropGroup"; group: GroupKey }
  /** Insert or replace an outbox record; a new id goes last in order. */
  | { op: "putOutbox"; id: string; value: unknown }
  | { op: "deleteOutbox"; id: string };

export interface Store {
  /** Which adapter this is, for diagnostics ("sqlite", "indexeddb"). */
  readonly kind: string;

  /** The kv record under `key`, or `undefined`. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** kv records whose key starts with `prefix`, in ascending key order (code-unit order). */
  list<T = unknown>(prefix: string, options?: { limit?: number }): Promise<{ key: string; value: T }[]>;

  getBlob(key: string): Promise<Uint8Array | undefined>;

  /** Of these event ids, the ones this group has already processed. */
  seen(group: GroupKey, ids: string[]): Promise<Set<string>>;

  getRumor(group: GroupKey, id: string): Promise<StoredRumor | undefined>;
  rumors(query: RumorQuery): Promise<StoredRumor[]>;
  /** How many rumors match (ignores `limit`). */
  countRumors(query: RumorQuery): Promise<number>;

  /** Every outbox record, oldest first. */
  outbox(): Promise<OutboxRow[]>;

  /** Applies all operations atomically; rejects (and stores nothing) if any is invalid. */
  batch(ops: WriteOp[]): Promise<void>;

  /**
   * Every record, for rewriting a whole store at once (encrypting it, or re-encrypting it under a
   * new data key). Values as `get`, `getBlob`, `rumors` and `outbox` would return them.
   */
  dump(): Promise<StoreDump>;

  /**
   * Makes what was deleted unrecoverable from the files as far as the database allows: SQLite
   * zeroes deleted content (`secure_delete`) and this checkpoints and truncates the write-ahead
   * log, where old copies of pages linger; IndexedDB offers no such control (its files compact on
   * their own schedule). Call after deleting something a person expects gone. `rebuild` also
   * rewrites the whole file (SQLite's VACUUM), for after the whole store was rewritten: pages freed
   * before `secure_delete` was on may still hold what they held.
   */
  scrub(options?: { rebuild?: boolean }): Promise<void>;

  /** Releases the database. Other methods reject afterwards. */
  close(): Promise<void>;
}

/** Thrown by stores for invalid input or an unusable database; the message says what to do. */
export class StoreError extends Error {
  constructor(
    message: string,
    /** "full": the disk (or the store's size limit) has no room for the write; nothing was saved. */
    /**
     * "locked": the data key is not in memory (the device has a passphrase and is locked);
     * "wrong-passphrase": a passphrase did not open the data key.
     */
    readonly code:
      | "invalid"
      | "closed"
      | "version"
      | "io"
      | "full"
      | "locked"
      | "wrong-passphrase" = "invalid",
  ) {
    super(message);
    this.name = "StoreError";
  }
}

/** Shorthands over `batch` for single writes. */
export function put(store: Store, key: string, value: unknown): Promise<void> {
  return store.batch([{ op: "put", key, value }]);
}

export function putBlob(store: Store, key: string, data: Uint8Array): Promise<void> {
  return store.batch([{ op: "putBlob", key, data }]);
}
