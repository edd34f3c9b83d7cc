/**
 * The SQLite store's schema as numbered, forward-only migrations. `PRAGMA user_version` holds the
 * number of the last one applied; each runs in its own transaction together with the version bump,
 * so a crash mid-upgrade leaves the previous version intact. Each has a test that upgrades a
 * database holding data in the previous shape (`test/store/sqliteMigrations.test.ts`).
 *
 * Never edit a migration once released: add the next one.
 *
 * Runs in: Node.
 */

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "kv records, blobs, processed event ids, inner messages",
    sql: `
      CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE seen (grp TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (grp, id)) WITHOUT ROWID;
      CREATE TABLE rumors (
        grp TEXT NOT NULL,
        id TEXT NOT NULL,
        kind INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        pubkey TEXT NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (grp, id)
      );
      CREATE INDEX rumors_by_time ON rumors (grp, created_at, id);
      CREATE INDEX rumors_by_kind_time ON rumors (grp, kind, created_at, id);
    `,
  },
  {
    version: 2,
    description: "durable outbox, in first-written order",
    sql: `
      CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, value TEXT NOT NULL);
    `,
  },
  {
    version: 3,
    description: "blobs and kv as rowid tables",
    // In a WITHOUT ROWID table a large row lives in the same B-tree as its neighbours, and
    // rewriting a 2 KiB per-message state next to a 4 MiB epoch state cost ~8 ms instead of
    // ~0.05 ms (measured by bench/store/run.ts): the per-message cost grew with the group. Rowid
    // tables keep large values on their own overflow pages, untouched by neighbouring writes.
    sql: `
      CREATE TABLE blobs_v3 (key TEXT PRIMARY KEY, data BLOB NOT NULL);
      INSERT INTO blobs_v3 (key, data) SELECT key, data FROM blobs;
      DROP TABLE blobs;
      ALTER TABLE blobs_v3 RENAME TO blobs;
      CREATE TABLE kv_v3 (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO kv_v3 (key, value) SELECT key, value FROM kv;
      DROP TABLE kv;
      ALTER TABLE kv_v3 RENAME TO kv;
    `,
  },
  {
    version: 4,
    description: "what each inner message acts on (reactions, deletions), indexed",
    // A page of chat is read with only the reactions and deletions that act on it, so reading
    // the newest messages costs the same in a long history as in a short one.
    sql: `
      ALTER TABLE rumors ADD COLUMN refs TEXT;
      CREATE TABLE rumor_refs (grp TEXT NOT NULL, ref TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (grp, ref, id)) WITHOUT ROWID;
      CREATE INDEX rumor_refs_by_rumor ON rumor_refs (grp, id);
    `,
  },
  {
    version: 5,
    description: "the milliseconds within a rumor's second, in the time indexes",
    // Messages sent within one second keep the order their author's clock gave them (the `ms`
    // tag, protocol app/order.ts): the column joins both time indexes, so a page of chat is still
    // one index walk. Rows stored before it take the tag from their JSON where it is readable
    // (sealed rows are not: they were all written before the tag existed, so 0 is right for them),
    // read as strictly as the protocol reads it: "0" to "999" written plainly, anything else 0.
    sql: `
      ALTER TABLE rumors ADD COLUMN ms INTEGER NOT NULL DEFAULT 0;
      UPDATE rumors SET ms = COALESCE((
        SELECT CASE
          WHEN typeof(v) = 'text' AND (v = '0' OR v GLOB '[1-9]' OR v GLOB '[1-9][0-9]' OR v GLOB '[1-9][0-9][0-9]')
          THEN CAST(v AS INTEGER) ELSE 0 END
        FROM (
          SELECT json_extract(t.value, '$[1]') AS v FROM json_each(rumors.json, '$.r.tags') t
          WHERE json_type(t.value) = 'array' AND json_extract(t.value, '$[0]') = 'ms'
          ORDER BY t.key LIMIT 1
        )
      ), 0)
      WHERE json_valid(json) AND json_type(json, '$.r.tags') = 'array';
      DROP INDEX rumors_by_time;
      DROP INDEX rumors_by_kind_time;
      CREATE INDEX rumors_by_time ON rumors (grp, created_at, ms, id);
      CREATE INDEX rumors_by_kind_time ON rumors (grp, kind, created_at, ms, id);
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
