/**
 * Numbered, forward-only schema migrations of the SQLite event store. `PRAGMA user_version` holds
 * the number of the last migration applied; each runs in its own transaction.
 *
 * Schema: `events` holds one row per stored event with the columns filters select on, and the
 * event's JSON to send as is. `tags` holds one row per distinct single-letter tag (name, value) of
 * an event — the only tags NIP-01 filters can select — with the event's kind and created_at copied
 * in, so a tag query walks one composite index in created_at order (as strfry's indexes do).
 */
import type { Database } from "better-sqlite3";

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "events and tags tables with indexes for the NIP-01 filter shapes",
    up(db) {
      db.exec(`
        CREATE TABLE events (
          seq INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          pubkey TEXT NOT NULL,
          kind INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          -- replacement key: '' for replaceable kinds, the d tag for addressable ones, else NULL
          d TEXT,
          expires_at INTEGER,
          json TEXT NOT NULL
        );
        CREATE INDEX events_created_at ON events (created_at DESC);
        CREATE INDEX events_kind ON events (kind, created_at DESC);
        CREATE INDEX events_pubkey ON events (pubkey, created_at DESC);
        CREATE INDEX events_pubkey_kind ON events (pubkey, kind, created_at DESC);
        CREATE UNIQUE INDEX events_replaceable ON events (pubkey, kind, d) WHERE d IS NOT NULL;
        CREATE INDEX events_expires ON events (expires_at) WHERE expires_at IS NOT NULL;
        CREATE TABLE tags (
          seq INTEGER NOT NULL,
          name TEXT NOT NULL,
          value TEXT NOT NULL,
          kind INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        );
        CREATE INDEX tags_value ON tags (name, value, created_at DESC);
        CREATE INDEX tags_seq ON tags (seq);
      `);
    },
  },
  {
    version: 2,
    description: "tag index with kind, for Rally's routing-tag reads (kinds:[445], #h:[…])",
    up(db) {
      db.exec("CREATE INDEX tags_value_kind ON tags (name, value, kind, created_at DESC);");
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Applies every migration above the database's `user_version`; returns the versions applied. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  if (current > latest)
    throw new Error(
      `the relay database is at schema version ${current}, newer than this Rally (${latest}); upgrade Rally`,
    );
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
