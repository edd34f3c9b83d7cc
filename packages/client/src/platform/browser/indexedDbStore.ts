/// <reference lib="dom" />
/**
 * The `Store` port over IndexedDB (with `idb`), for the web app. Same collections and semantics
 * as the SQLite adapter; both pass `conformance.ts` (this one inside real Chromium).
 *
 * Schema versions are numbered upgrade steps, applied in order by `onupgradeneeded` inside the
 * browser's version-change transaction (all or nothing), mirroring the SQLite migrations.
 * Values of `kv` and `outbox` are kept as JSON text, exactly like SQLite, so both adapters store
 * and return the same thing; blobs are stored as their own copy of the bytes.
 *
 * A `batch` is one read-write transaction over every store; an invalid operation aborts it, so
 * nothing of the batch is kept.
 *
 * Runs in: browsers (and workers).
 */
import { parseMs } from "@rally/protocol/app";
import { type IDBPDatabase, type IDBPTransaction, openDB } from "idb";
import {
  type OutboxRow,
  type RumorQuery,
  type Store,
  type StoreDump,
  type StoredRumor,
  StoreError,
  type WriteOp,
} from "../../store/store.ts";
import {
  checkBytes,
  checkEventId,
  checkKey,
  checkQuery,
  checkRumor,
  checkTimestamp,
  decodeValue,
  encodeValue,
  newestFirst,
  prefixUpperBound,
  rumorMatches,
} from "../../store/validate.ts";

type Db = IDBPDatabase<unknown>;
type UpgradeTx = IDBPTransaction<unknown, string[], "versionchange">;

/** Numbered upgrade steps: step N turns a version N-1 database into version N. Never edit one. */
export const IDB_UPGRADES: readonly ((db: Db, tx: UpgradeTx) => void)[] = [
  // 1: kv records, blobs, processed event ids, inner messages.
  (db) => {
    db.createObjectStore("kv");
    db.createObjectStore("blobs");
    db.createObjectStore("seen", { keyPath: ["group", "id"] });
    const rumors = db.createObjectStore("rumors", { keyPath: ["group", "id"] });
    rumors.createIndex("byTime", ["group", "created_at", "id"]);
    rumors.createIndex("byKindTime", ["group", "kind", "created_at", "id"]);
  },
  // 2: the durable outbox, in first-written order.
  (db) => {
    const outbox = db.createObjectStore("outbox", { keyPath: "id" });
    outbox.createIndex("bySeq", "seq", { unique: true });
  },
  // 3: what each inner message acts on (reactions, deletions), indexed as [group, ref] pairs.
  (_db, tx) => {
    tx.objectStore("rumors").createIndex("byRef", "refKeys", { multiEntry: true });
  },
  // 4: the milliseconds within a rumor's second (the `ms` tag), in both time indexes, so messages
  // sent within one second keep their author's order. Every record gets the field (an index leaves
  // out records without it): from its JSON where readable, else 0 (sealed records were all written
  // before the tag existed).
  (_db, tx) => {
    const rumors = tx.objectStore("rumors");
    rumors.deleteIndex("byTime");
    rumors.deleteIndex("byKindTime");
    rumors.createIndex("byTime", ["group", "created_at", "ms", "id"]);
    rumors.createIndex("byKindTime", ["group", "kind", "created_at", "ms", "id"]);
    void fillMs(tx);
  },
];

export const IDB_VERSION = IDB_UPGRADES.length;

const ALL_STORES = ["kv", "blobs", "seen", "rumors", "outbox"];

/** Applies the upgrade steps from `oldVersion` up to `newVersion` (exported for upgrade tests). */
export function upgradeIndexedDb(db: Db, oldVersion: number, newVersion: number, tx: UpgradeTx): void {
  for (let v = oldVersion + 1; v <= newVersion; v++) IDB_UPGRADES[v - 1]?.(db, tx);
}

/** Opens (creating or upgrading) the store in the IndexedDB database `name`. */
export async function openIndexedDbStore(name = "rally", options: { version?: number } = {}): Promise<Store> {
  if (typeof indexedDB === "undefined") {
    throw new StoreError("This browser has no IndexedDB, so Rally cannot keep anything on this device", "io");
  }
  const version = options.version ?? IDB_VERSION;
  let store: IndexedDbStore | undefined;
  let db: Db;
  try {
    db = await openDB(name, version, {
      upgrade: (d, oldVersion, newVersion, tx) => upgradeIndexedDb(d, oldVersion, newVersion ?? version, tx),
      // A newer Rally in another tab wants to upgrade: step aside instead of blocking it forever.
      blocking: () => store?.release("Rally was updated in another tab; reload this page"),
    });
  } catch (e) {
    const err = e as Error;
    if (err?.name === "VersionError") {
      throw new StoreError(
        `The Rally data in this browser was written by a newer version of Rally (this one knows schema ${version}). Reload to update.`,
        "version",
      );
    }
    throw new StoreError(`Cannot open Rally's storage in this browser: ${err?.message ?? String(e)}`, "io");
  }
  store = new IndexedDbStore(db);
  return store;
}

/** Deletes a whole store database (tests, "remove this device's data"). */
export async function deleteIndexedDbStore(name: string): Promise<void> {
  const { deleteDB } = await import("idb");
  await deleteDB(name);
}

/**
 * A failed write in plain words. The browser's storage quota for the site is its full disk
 * (QuotaExceededError): named as such, since the transaction was aborted whole and nothing was lost.
 */
function saveError(e: unknown): StoreError {
  if ((e as Error | null)?.name === "QuotaExceededError") {
    return new StoreError(
      "The storage this browser gives Rally is full: Rally could not save its changes. Free some space (or allow this site more storage) and try again; nothing was lost.",
      "full",
    );
  }
  return new StoreError(
    `Could not save in this browser's storage: ${(e as Error)?.message ?? String(e)}`,
    "io",
  );
}

class IndexedDbStore implements Store {
  readonly kind = "indexeddb";
  private db: Db | null;
  private closedReason = "The Rally database is closed";

  constructor(db: Db) {
    this.db = db;
  }

  release(reason: string): void {
    this.closedReason = reason;
    this.db?.close();
    this.db = null;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const db = this.open();
    checkKey(key);
    const text = (await db.get("kv", key)) as string | undefined;
    return text === undefined ? undefined : decodeValue<T>(text);
  }

  async list<T = unknown>(
    prefix: string,
    options: { limit?: number } = {},
  ): Promise<{ key: string; value: T }[]> {
    const db = this.open();
    checkKey(prefix, "prefix");
    if (options.limit === 0) return [];
    const range = IDBKeyRange.bound(prefix, prefixUpperBound(prefix), false, true);
    const tx = db.transaction("kv", "readonly");
    const [keys, values] = await Promise.all([
      tx.store.getAllKeys(range, options.limit),
      tx.store.getAll(range, options.limit),
      tx.done,
    ]);
    return keys.map((k, i) => ({ key: k as string, value: decodeValue<T>(values[i] as string) }));
  }

  async getBlob(key: string): Promise<Uint8Array | undefined> {
    const db = this.open();
    checkKey(key);
    const data = (await db.get("blobs", key)) as Uint8Array | undefined;
    return data === undefined ? undefined : new Uint8Array(data);
  }

  async seen(group: string, ids: string[]): Promise<Set<string>> {
    const db = this.open();
    checkKey(group, "group");
    const unique = [...new Set(ids)];
    const tx = db.transaction("seen", "readonly");
    const found = await Promise.all(unique.map((id) => tx.store.getKey([group, id])));
    await tx.done;
    return new Set(unique.filter((_, i) => found[i] !== undefined));
  }

  async getRumor(group: string, id: string): Promise<StoredRumor | undefined> {
    const db = this.open();
    checkKey(group, "group");
    const row = (await db.get("rumors", [group, id])) as RumorRecord | undefined;
    return row === undefined ? undefined : fromRecord(row);
  }

  async rumors(query: RumorQuery): Promise<StoredRumor[]> {
    const db = this.open();
    checkQuery(query);
    if (query.limit === 0 || query.kinds?.length === 0 || query.authors?.length === 0) return [];
    if (query.refs !== undefined) {
      const out = (await this.byRefs(query)).sort(newestFirst);
      return query.limit === undefined ? out : out.slice(0, query.limit);
    }
    const tx = db.transaction("rumors", "readonly");
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    const out: StoredRumor[] = [];
    // One descending index scan per kind (or one over all kinds), each stopping at `limit`
    // matches; the merge below keeps the newest `limit` of them.
    for (const scan of scans(query)) {
      let found = 0;
      let cursor = await tx.store.index(scan.index).openCursor(scan.range, "prev");
      while (cursor && found < limit) {
        const r = cursor.value as RumorRecord;
        if (authorOk(query, r)) {
          out.push(fromRecord(r));
          found++;
        }
        cursor = await cursor.continue();
      }
    }
    await tx.done;
    out.sort(newestFirst);
    return Number.isFinite(limit) ? out.slice(0, limit) : out;
  }

  async countRumors(query: RumorQuery): Promise<number> {
    const db = this.open();
    checkQuery(query);
    if (query.kinds?.length === 0 || query.authors?.length === 0) return 0;
    if (query.refs !== undefined) return (await this.byRefs(query)).length;
    const tx = db.transaction("rumors", "readonly");
    let n = 0;
    const byAuthor = query.authors !== undefined || (query.excludeAuthors?.length ?? 0) > 0;
    for (const scan of scans(query)) {
      const index = tx.store.index(scan.index);
      if (!byAuthor) {
        n += await index.count(scan.range);
        continue;
      }
      let cursor = await index.openCursor(scan.range);
      while (cursor) {
        if (authorOk(query, cursor.value as StoredRumor)) n++;
        cursor = await cursor.continue();
      }
    }
    await tx.done;
    return n;
  }

  /** Rumors acting on any of `q.refs` that match the rest of the query, in no order. */
  private async byRefs(q: RumorQuery): Promise<StoredRumor[]> {
    const db = this.open();
    const tx = db.transaction("rumors", "readonly");
    const index = tx.store.index("byRef");
    const found = new Map<string, RumorRecord>();
    for (const ref of new Set(q.refs)) {
      for (const r of (await index.getAll(IDBKeyRange.only([q.group, ref]))) as RumorRecord[])
        found.set(r.id, r);
    }
    await tx.done;
    return [...found.values()].map(fromRecord).filter((r) => rumorMatches(q, r));
  }

  async outbox(): Promise<OutboxRow[]> {
    const db = this.open();
    const rows = (await db.getAllFromIndex("outbox", "bySeq")) as {
      id: string;
      seq: number;
      value: string;
    }[];
    return rows.map((r) => ({ id: r.id, seq: r.seq, value: decodeValue(r.value) }));
  }

  async batch(ops: WriteOp[]): Promise<void> {
    const db = this.open();
    if (!Array.isArray(ops)) throw new StoreError("batch expects a list of operations");
    if (ops.length === 0) return;
    const tx = db.transaction(ALL_STORES, "readwrite");
    try {
      for (const op of ops) await applyOp(tx, op);
    } catch (e) {
      try {
        tx.abort();
      } catch {
        // Already finished or aborted: nothing was committed either way.
      }
      await tx.done.catch(() => {});
      if (e instanceof StoreError) throw e;
      throw saveError(e);
    }
    try {
      await tx.done;
    } catch (e) {
      throw saveError(e);
    }
  }

  async dump(): Promise<StoreDump> {
    const db = this.open();
    const tx = db.transaction(ALL_STORES, "readonly");
    const [kvKeys, kvValues, blobKeys, blobValues, seen, rumors, outbox] = await Promise.all([
      tx.objectStore("kv").getAllKeys(),
      tx.objectStore("kv").getAll(),
      tx.objectStore("blobs").getAllKeys(),
      tx.objectStore("blobs").getAll(),
      tx.objectStore("seen").getAll(),
      tx.objectStore("rumors").getAll(),
      tx.objectStore("outbox").index("bySeq").getAll(),
    ]);
    await tx.done;
    return {
      kv: kvKeys.map((k, i) => ({ key: k as string, value: decodeValue(kvValues[i] as string) })),
      blobs: blobKeys.map((k, i) => ({
        key: k as string,
        data: new Uint8Array(blobValues[i] as Uint8Array),
      })),
      seen: (seen as { group: string; id: string; at: number }[]).map((r) => ({
        group: r.group,
        id: r.id,
        at: r.at,
      })),
      rumors: (rumors as RumorRecord[]).map(fromRecord),
      outbox: (outbox as { id: string; seq: number; value: string }[]).map((r) => ({
        id: r.id,
        seq: r.seq,
        value: decodeValue(r.value),
      })),
    };
  }

  async scrub(): Promise<void> {
    // IndexedDB gives no control over when its files drop old values; everything in it is
    // encrypted under the data key, which is what erasing destroys.
    this.open();
  }

  async close(): Promise<void> {
    this.release("The Rally database is closed");
  }

  private open(): Db {
    if (!this.db) throw new StoreError(this.closedReason, "closed");
    return this.db;
  }
}

type BatchTx = IDBPTransaction<unknown, string[], "readwrite">;

async function applyOp(tx: BatchTx, op: WriteOp): Promise<void> {
  switch (op?.op) {
    case "put": {
      const key = checkKey(op.key);
      await tx.objectStore("kv").put(encodeValue(key, op.value), key);
      return;
    }
    case "delete":
      await tx.objectStore("kv").delete(checkKey(op.key));
      return;
    case "deletePrefix": {
      const p = checkKey(op.prefix, "prefix");
      await tx.objectStore("kv").delete(IDBKeyRange.bound(p, prefixUpperBound(p), false, true));
      return;
    }
    case "putBlob": {
      const key = checkKey(op.key);
      // slice(): a view would otherwise store its whole underlying buffer.
      await tx.objectStore("blobs").put(checkBytes(op.data, key).slice(), key);
      return;
    }
    case "deleteBlob":
      await tx.objectStore("blobs").delete(checkKey(op.key));
      return;
    case "deleteBlobPrefix": {
      const p = checkKey(op.prefix, "prefix");
      await tx.objectStore("blobs").delete(IDBKeyRange.bound(p, prefixUpperBound(p), false, true));
      return;
    }
    case "markSeen": {
      const group = checkKey(op.group, "group");
      const at = checkTimestamp(op.at, "at");
      if (!Array.isArray(op.ids)) throw new StoreError("markSeen ids must be a list");
      const seen = tx.objectStore("seen");
      const checked = op.ids.map((id) => checkEventId(id));
      // Idempotent, like INSERT OR IGNORE: the first time an id was seen is kept.
      await Promise.all(
        checked.map(async (id) => {
          if ((await seen.getKey([group, id])) === undefined) await seen.put({ group, id, at });
        }),
      );
      return;
    }
    case "putRumor":
      await tx.objectStore("rumors").put(toRecord(checkRumor(op.rumor)));
      return;
    case "deleteRumor":
      await tx.objectStore("rumors").delete([checkKey(op.group, "group"), String(op.id)]);
      return;
    case "dropGroup": {
      const group = checkKey(op.group, "group");
      // [group] sorts before every [group, id] and [group, []] after them (arrays > strings).
      const range = IDBKeyRange.bound([group], [group, []]);
      await tx.objectStore("rumors").delete(range);
      await tx.objectStore("seen").delete(range);
      return;
    }
    case "putOutbox": {
      const id = checkKey(op.id, "outbox id");
      const value = encodeValue(id, op.value);
      const outbox = tx.objectStore("outbox");
      const existing = (await outbox.get(id)) as { seq: number } | undefined;
      let seq = existing?.seq;
      if (seq === undefined) {
        const last = await outbox.index("bySeq").openCursor(null, "prev");
        seq = ((last?.value as { seq: number } | undefined)?.seq ?? 0) + 1;
      }
      await outbox.put({ id, seq, value });
      return;
    }
    case "deleteOutbox":
      await tx.objectStore("outbox").delete(checkKey(op.id, "outbox id"));
      return;
    default:
      throw new StoreError(`unknown store operation ${JSON.stringify((op as { op?: unknown })?.op)}`);
  }
}

/**
 * A rumor as kept: always with `ms` (the time indexes leave out a record without it), with its
 * refs as [group, ref] keys for the `byRef` index.
 */
type RumorRecord = StoredRumor & { ms: number; refKeys?: [string, string][] };

function toRecord(r: StoredRumor): RumorRecord {
  const kept: RumorRecord = { ...r, ms: r.ms ?? 0 };
  return r.refs ? { ...kept, refKeys: r.refs.map((ref) => [r.group, ref]) } : kept;
}

function fromRecord(r: RumorRecord): StoredRumor {
  const { refKeys: _, ms, ...rumor } = r;
  return ms ? { ...rumor, ms } : rumor;
}

/**
 * Upgrade 4's walk: gives every stored rumor its `ms`, read from its JSON where that is readable
 * (`{"r": rumor, …}`, the first `ms` tag, as strictly as the protocol reads it), else 0. Runs
 * inside the version-change transaction, which stays open while it waits only on its requests.
 */
async function fillMs(tx: UpgradeTx): Promise<void> {
  try {
    let cursor = await tx.objectStore("rumors").openCursor();
    while (cursor) {
      const r = cursor.value as Partial<RumorRecord>;
      if (typeof r.ms !== "number") await cursor.update({ ...r, ms: msOfJson(r.json) });
      cursor = await cursor.continue();
    }
  } catch {
    // The transaction failed (and rolls back whole): opening reports it.
    try {
      tx.abort();
    } catch {
      // Already finished.
    }
  }
}

function msOfJson(json: unknown): number {
  if (typeof json !== "string") return 0;
  try {
    const tags = (JSON.parse(json) as { r?: { tags?: unknown } } | null)?.r?.tags;
    if (!Array.isArray(tags)) return 0;
    const tag = tags.find((t) => Array.isArray(t) && t[0] === "ms") as unknown[] | undefined;
    return tag === undefined ? 0 : parseMs(tag[1]);
  } catch {
    return 0;
  }
}

function authorOk(q: RumorQuery, r: StoredRumor): boolean {
  if (q.authors && !q.authors.includes(r.pubkey)) return false;
  if (q.excludeAuthors?.includes(r.pubkey)) return false;
  return true;
}

/** The index ranges that cover a query: one per kind, or one over the group. */
function scans(q: RumorQuery): { index: string; range: IDBKeyRange }[] {
  const heads: { index: string; head: (string | number)[] }[] = q.kinds
    ? [...new Set(q.kinds)].map((k) => ({ index: "byKindTime", head: [q.group, k] }))
    : [{ index: "byTime", head: [q.group] }];
  // A range whose lower end is above its upper end matches nothing (and IDBKeyRange refuses it).
  const top = Math.min(q.until ?? Number.POSITIVE_INFINITY, q.before?.created_at ?? Number.POSITIVE_INFINITY);
  if ((q.since ?? 0) > top) return [];
  return heads.map(({ index, head }) => {
    const lower = [...head, q.since ?? 0];
    // Upper end: the tighter of `until` (inclusive; [] sorts after every id string) and the
    // `before` cursor (exclusive); with neither, [] after every created_at number.
    let upper: unknown[] = [...head, []];
    let upperOpen = false;
    if (q.until !== undefined) upper = [...head, q.until, []];
    if (q.before && (q.until === undefined || q.before.created_at <= q.until)) {
      upper = [...head, q.before.created_at, q.before.ms ?? 0, q.before.id];
      upperOpen = true;
    }
    return { index, range: IDBKeyRange.bound(lower, upper, false, upperOpen) };
  });
}
