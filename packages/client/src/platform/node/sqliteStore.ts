/**
 * The `Store` port over SQLite (`better-sqlite3`), one file per device home: `<home>/rally.db`.
 *
 * Durability: WAL journal with `synchronous=FULL`. In WAL mode NORMAL only risks the last
 * transactions on power loss (not on a process crash), but those are exactly the ones that matter
 * here: an outbox entry the person was told is queued, or an MLS state whose commit may already be
 * on a relay — losing the state after its commit went out breaks the group for this device. A
 * client writes a few transactions per second at most, so the extra fsync per commit is cheap.
 * `busy_timeout` lets the CLI and a running `rally serve` share one home without spurious errors.
 *
 * A full disk is named as such (`StoreError` code "full"): SQLite's SQLITE_FULL, or an I/O error
 * while the file system has no room left. Every write is one transaction, rolled back whole when it
 * fails, so what was stored before stays as it was, and the same step can be run again once there
 * is room.
 *
 * Runs in: Node.
 */
import { mkdirSync, statfsSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
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
  prefixUpperBound,
} from "../../store/validate.ts";
import { LATEST_VERSION, MIGRATIONS } from "./sqliteMigrations.ts";

type DB = Database.Database;

/** The store's file inside a home directory. */
export function storePath(home: string): string {
  return join(home, "rally.db");
}

export interface SqliteStoreOptions {
  /** Bring the schema only this far (tests of migrations). */
  migrateTo?: number;
  /**
   * SQLite's `max_page_count` for this connection: the file grows to at most this many pages, and
   * a write past it fails as on a full disk (SQLITE_FULL). For tests of a full disk; unset, no limit.
   */
  maxPageCount?: number;
}

/** Opens (creating if needed) `<home>/rally.db`, creating `home` too. */
export function openHomeStore(home: string, options: SqliteStoreOptions = {}): Store {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOSPC") throw diskFullError(home);
    throw new StoreError(`Cannot create the Rally folder ${home}: ${(e as Error).message}`, "io");
  }
  return openSqliteStore(storePath(home), options);
}

/** Opens a store file and brings its schema up to date (or to `migrateTo`, for tests). */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Store {
  let db: DB;
  try {
    db = new Database(file);
  } catch (e) {
    if (isDiskFull(e, file)) throw diskFullError(file);
    throw new StoreError(`Cannot open the Rally database ${file}: ${(e as Error).message}`, "io");
  }
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    // Deleted rows are overwritten with zeros instead of left in free pages, and the write-ahead
    // log shrinks back to nothing after each checkpoint instead of keeping old pages at its end:
    // a deleted message or a superseded key must not be readable from a copy of the files.
    db.pragma("secure_delete = ON");
    db.pragma("journal_size_limit = 0");
    if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.trunc(options.maxPageCount)}`);
    migrate(db, options.migrateTo ?? LATEST_VERSION, file);
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    if (isDiskFull(e, file)) throw diskFullError(file);
    const msg = (e as Error).message;
    if (/not a database|malformed/i.test(msg)) {
      throw new StoreError(`${file} is not a Rally database, or it is damaged (${msg})`, "io");
    }
    throw new StoreError(`Cannot open the Rally database ${file}: ${msg}`, "io");
  }
  return new SqliteStore(db, file);
}

/** Below this much free space, an I/O error while writing is taken for a full disk. */
const NEARLY_FULL_BYTES = 1024 * 1024;

/**
 * True when a failed write failed for want of space: SQLite's SQLITE_FULL ("database or disk is
 * full"), a file system's ENOSPC, or an I/O error (SQLite reports some ENOSPC cases, in the WAL's
 * shared memory or a sync, as "disk I/O error") while the file's file system is out of room.
 */
export function isDiskFull(e: unknown, file: string): boolean {
  const code = (e as { code?: unknown })?.code;
  if (code === "SQLITE_FULL" || code === "ENOSPC") return true;
  if (/database or disk is full|no space left on device/i.test((e as Error)?.message ?? "")) return true;
  if (typeof code !== "string" || !code.startsWith("SQLITE_IOERR")) return false;
  try {
    const fs = statfsSync(dirname(file));
    return fs.bavail * fs.bsize < NEARLY_FULL_BYTES;
  } catch {
    return false;
  }
}

/** What a person reads when the disk is full: what failed, that nothing was lost, what to do. */
export function diskFullError(file: string): StoreError {
  return new StoreError(
    `The disk is full: Rally could not save its changes to ${file}. Free some space and try again; nothing was lost.`,
    "full",
  );
}

/** Applies every migration above the database's version, each in its own transaction. */
export function migrate(db: DB, target: number = LATEST_VERSION, label = "the database"): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > LATEST_VERSION) {
    throw new StoreError(
      `${label} was written by a newer version of Rally (schema ${current}; this one knows up to ${LATEST_VERSION}). Update Rally to open it.`,
      "version",
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

const SEEN_CHUNK = 500;

class SqliteStore implements Store {
  readonly kind = "sqlite";
  private readonly db: DB;
  private open = true;
  private readonly s;

  constructor(
    db: DB,
    private readonly file: string,
  ) {
    this.db = db;
    this.s = {
      get: db.prepare<[string], { value: string }>("SELECT value FROM kv WHERE key = ?"),
      list: db.prepare<[string, string, number], { key: string; value: string }>(
        "SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key LIMIT ?",
      ),
      put: db.prepare(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      ),
      del: db.prepare("DELETE FROM kv WHERE key = ?"),
      delPrefix: db.prepare("DELETE FROM kv WHERE key >= ? AND key < ?"),
      getBlob: db.prepare<[string], { data: Buffer }>("SELECT data FROM blobs WHERE key = ?"),
      putBlob: db.prepare(
        "INSERT INTO blobs (key, data) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET data = excluded.data",
      ),
      delBlob: db.prepare("DELETE FROM blobs WHERE key = ?"),
      delBlobPrefix: db.prepare("DELETE FROM blobs WHERE key >= ? AND key < ?"),
      markSeen: db.prepare("INSERT OR IGNORE INTO seen (grp, id, at) VALUES (?, ?, ?)"),
      getRumor: db.prepare<[string, string], RumorRow>(
        "SELECT grp, id, kind, created_at, ms, pubkey, json, refs FROM rumors WHERE grp = ? AND id = ?",
      ),
      putRumor: db.prepare(
        `INSERT INTO rumors (grp, id, kind, created_at, ms, pubkey, json, refs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(grp, id) DO UPDATE SET kind = excluded.kind, created_at = excluded.created_at,
           ms = excluded.ms, pubkey = excluded.pubkey, json = excluded.json, refs = excluded.refs`,
      ),
      putRef: db.prepare("INSERT OR IGNORE INTO rumor_refs (grp, ref, id) VALUES (?, ?, ?)"),
      delRefs: db.prepare("DELETE FROM rumor_refs WHERE grp = ? AND id = ?"),
      delRumor: db.prepare("DELETE FROM rumors WHERE grp = ? AND id = ?"),
      dropRumors: db.prepare("DELETE FROM rumors WHERE grp = ?"),
      dropRefs: db.prepare("DELETE FROM rumor_refs WHERE grp = ?"),
      dropSeen: db.prepare("DELETE FROM seen WHERE grp = ?"),
      outbox: db.prepare<[], { id: string; seq: number; value: string }>(
        "SELECT id, seq, value FROM outbox ORDER BY seq",
      ),
      putOutbox: db.prepare(
        "INSERT INTO outbox (id, value) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET value = excluded.value",
      ),
      delOutbox: db.prepare("DELETE FROM outbox WHERE id = ?"),
    };
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    this.check();
    checkKey(key);
    const row = this.s.get.get(key);
    return row ? decodeValue<T>(row.value) : undefined;
  }

  async list<T = unknown>(
    prefix: string,
    options: { limit?: number } = {},
  ): Promise<{ key: string; value: T }[]> {
    this.check();
    checkKey(prefix, "prefix");
    const limit = options.limit ?? -1; // SQLite: a negative LIMIT means no limit
    return this.s.list
      .all(prefix, prefixUpperBound(prefix), limit)
      .map((r) => ({ key: r.key, value: decodeValue<T>(r.value) }));
  }

  async getBlob(key: string): Promise<Uint8Array | undefined> {
    this.check();
    checkKey(key);
    const row = this.s.getBlob.get(key);
    // Copy out of the Buffer so callers get a plain Uint8Array that owns its bytes.
    return row ? new Uint8Array(row.data) : undefined;
  }

  async seen(group: string, ids: string[]): Promise<Set<string>> {
    this.check();
    checkKey(group, "group");
    const out = new Set<string>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += SEEN_CHUNK) {
      const chunk = unique.slice(i, i + SEEN_CHUNK);
      const rows = this.db
        .prepare<string[], { id: string }>(
          `SELECT id FROM seen WHERE grp = ? AND id IN (${chunk.map(() => "?").join(",")})`,
        )
        .all(group, ...chunk);
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  async getRumor(group: string, id: string): Promise<StoredRumor | undefined> {
    this.check();
    checkKey(group, "group");
    const row = this.s.getRumor.get(group, id);
    return row ? toRumor(row) : undefined;
  }

  async rumors(query: RumorQuery): Promise<StoredRumor[]> {
    this.check();
    checkQuery(query);
    const q = select(query, "r.grp, r.id, r.kind, r.created_at, r.ms, r.pubkey, r.json, r.refs");
    if (!q) return [];
    // Several kinds: ordering by the time index would scan the whole group; the kind index finds
    // the matches and they are sorted (`+` keeps the planner off the time index).
    const order =
      (query.kinds?.length ?? 0) > 1 || query.refs
        ? "+r.created_at DESC, +r.ms DESC, +r.id DESC"
        : "r.created_at DESC, r.ms DESC, r.id DESC";
    let sql = `${q.sql} ORDER BY ${order}`;
    if (query.limit !== undefined) {
      sql += " LIMIT ?";
      q.params.push(query.limit);
    }
    return this.db
      .prepare<unknown[], RumorRow>(sql)
      .all(...q.params)
      .map(toRumor);
  }

  async countRumors(query: RumorQuery): Promise<number> {
    this.check();
    checkQuery(query);
    const q = select(query, query.refs ? "r.id" : "count(*) AS n");
    if (!q) return 0;
    const sql = query.refs ? `SELECT count(*) AS n FROM (${q.sql})` : q.sql;
    const row = this.db.prepare<unknown[], { n: number }>(sql).get(...q.params);
    return row?.n ?? 0;
  }

  async outbox(): Promise<OutboxRow[]> {
    this.check();
    return this.s.outbox.all().map((r) => ({ id: r.id, seq: r.seq, value: decodeValue(r.value) }));
  }

  async batch(ops: WriteOp[]): Promise<void> {
    this.check();
    if (!Array.isArray(ops)) throw new StoreError("batch expects a list of operations");
    const run = this.db.transaction((list: WriteOp[]) => {
      // Operations are checked as they are applied, inside the transaction: a bad one anywhere in
      // the list throws, and better-sqlite3 rolls back everything before it.
      for (const op of list) this.apply(op);
    });
    try {
      run.immediate(ops);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      if (isDiskFull(e, this.file)) throw diskFullError(this.file);
      throw new StoreError(`Could not save to the Rally database: ${(e as Error).message}`, "io");
    }
  }

  async dump(): Promise<StoreDump> {
    this.check();
    // One read transaction, so the dump is one consistent moment of the store.
    return this.db.transaction(() => ({
      kv: this.db
        .prepare<[], { key: string; value: string }>("SELECT key, value FROM kv ORDER BY key")
        .all()
        .map((r) => ({ key: r.key, value: decodeValue(r.value) })),
      blobs: this.db
        .prepare<[], { key: string; data: Buffer }>("SELECT key, data FROM blobs ORDER BY key")
        .all()
        .map((r) => ({ key: r.key, data: new Uint8Array(r.data) })),
      seen: this.db
        .prepare<[], { grp: string; id: string; at: number }>("SELECT grp, id, at FROM seen")
        .all()
        .map((r) => ({ group: r.grp, id: r.id, at: r.at })),
      rumors: this.db
        .prepare<[], RumorRow>(
          "SELECT grp, id, kind, created_at, ms, pubkey, json, refs FROM rumors ORDER BY grp, created_at, ms, id",
        )
        .all()
        .map(toRumor),
      outbox: this.s.outbox.all().map((r) => ({ id: r.id, seq: r.seq, value: decodeValue(r.value) })),
    }))();
  }

  async scrub(options: { rebuild?: boolean } = {}): Promise<void> {
    this.check();
    try {
      if (options.rebuild) this.db.exec("VACUUM");
      this.db.pragma("wal_checkpoint(TRUNCATE)");
    } catch (e) {
      throw new StoreError(`Could not tidy the Rally database: ${(e as Error).message}`, "io");
    }
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.db.close();
  }

  private apply(op: WriteOp): void {
    switch (op?.op) {
      case "put": {
        const key = checkKey(op.key);
        this.s.put.run(key, encodeValue(key, op.value));
        return;
      }
      case "delete":
        this.s.del.run(checkKey(op.key));
        return;
      case "deletePrefix": {
        const p = checkKey(op.prefix, "prefix");
        this.s.delPrefix.run(p, prefixUpperBound(p));
        return;
      }
      case "putBlob": {
        const key = checkKey(op.key);
        this.s.putBlob.run(key, checkBytes(op.data, key));
        return;
      }
      case "deleteBlob":
        this.s.delBlob.run(checkKey(op.key));
        return;
      case "deleteBlobPrefix": {
        const p = checkKey(op.prefix, "prefix");
        this.s.delBlobPrefix.run(p, prefixUpperBound(p));
        return;
      }
      case "markSeen": {
        const group = checkKey(op.group, "group");
        const at = checkTimestamp(op.at, "at");
        if (!Array.isArray(op.ids)) throw new StoreError("markSeen ids must be a list");
        for (const id of op.ids) this.s.markSeen.run(group, checkEventId(id), at);
        return;
      }
      case "putRumor": {
        const r = checkRumor(op.rumor);
        this.s.putRumor.run(
          r.group,
          r.id,
          r.kind,
          r.created_at,
          r.ms ?? 0,
          r.pubkey,
          r.json,
          r.refs?.join(" ") ?? null,
        );
        this.s.delRefs.run(r.group, r.id);
        for (const ref of r.refs ?? []) this.s.putRef.run(r.group, ref, r.id);
        return;
      }
      case "deleteRumor": {
        const group = checkKey(op.group, "group");
        this.s.delRumor.run(group, op.id);
        this.s.delRefs.run(group, op.id);
        return;
      }
      case "dropGroup": {
        const group = checkKey(op.group, "group");
        this.s.dropRumors.run(group);
        this.s.dropRefs.run(group);
        this.s.dropSeen.run(group);
        return;
      }
      case "putOutbox": {
        const id = checkKey(op.id, "outbox id");
        this.s.putOutbox.run(id, encodeValue(id, op.value));
        return;
      }
      case "deleteOutbox":
        this.s.delOutbox.run(checkKey(op.id, "outbox id"));
        return;
      default:
        throw new StoreError(`unknown store operation ${JSON.stringify((op as { op?: unknown })?.op)}`);
    }
  }

  private check(): void {
    if (!this.open) throw new StoreError("The Rally database is closed", "closed");
  }
}

type RumorRow = Omit<StoredRumor, "refs" | "ms"> & { grp: string; ms: number; refs: string | null };

function toRumor(row: RumorRow): StoredRumor {
  const out: StoredRumor = {
    id: row.id,
    group: row.grp,
    kind: row.kind,
    created_at: row.created_at,
    pubkey: row.pubkey,
    json: row.json,
  };
  if (row.ms !== 0) out.ms = row.ms;
  if (row.refs) out.refs = row.refs.split(" ");
  return out;
}

/**
 * The SELECT of a rumor query (rumors as `r`), or null when it can match nothing (an empty
 * `kinds`, `authors` or `refs`). Asked by refs, the rumors are reached from the refs index (the
 * few acting on a page of messages), never by scanning the group.
 */
function select(q: RumorQuery, columns: string): { sql: string; params: unknown[] } | null {
  const parts: string[] = [];
  const params: unknown[] = [];
  let from = "rumors r";
  if (q.refs) {
    if (q.refs.length === 0) return null;
    from = "rumor_refs x CROSS JOIN rumors r ON r.grp = x.grp AND r.id = x.id";
    parts.push(`x.grp = ? AND x.ref IN (${q.refs.map(() => "?").join(",")})`);
    params.push(q.group, ...q.refs);
  }
  parts.push("r.grp = ?");
  params.push(q.group);
  const inList = (col: string, values: readonly unknown[], not = false) => {
    parts.push(`${col} ${not ? "NOT IN" : "IN"} (${values.map(() => "?").join(",")})`);
    params.push(...values);
  };
  if (q.kinds) {
    if (q.kinds.length === 0) return null;
    inList("r.kind", q.kinds);
  }
  if (q.authors) {
    if (q.authors.length === 0) return null;
    inList("r.pubkey", q.authors);
  }
  if (q.excludeAuthors && q.excludeAuthors.length > 0) inList("r.pubkey", q.excludeAuthors, true);
  if (q.since !== undefined) {
    parts.push("r.created_at >= ?");
    params.push(q.since);
  }
  if (q.until !== undefined) {
    parts.push("r.created_at <= ?");
    params.push(q.until);
  }
  if (q.before) {
    // A row value: SQLite walks the time index to it, a cursor inside one second included.
    parts.push("(r.created_at, r.ms, r.id) < (?, ?, ?)");
    params.push(q.before.created_at, q.before.ms ?? 0, q.before.id);
  }
  // A rumor acting on several of the refs asked for comes once.
  const group = q.refs ? " GROUP BY r.id" : "";
  return { sql: `SELECT ${columns} FROM ${from} WHERE ${parts.join(" AND ")}${group}`, params };
}
