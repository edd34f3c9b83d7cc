/**
 * Numbered, forward-only schema migrations of the PostgreSQL event store. `rally_schema` holds the
 * number of the last migration applied; several relay processes may start at once on one
 * database, so migrating holds an advisory lock and each migration runs in its own transaction.
 *
 * Schema (as the SQLite store's): `events` holds one row per stored event with the columns filters
 * select on and the event's JSON to send as is; `tags` one row per distinct single-letter tag
 * (name, value) with the event's kind and created_at copied in, so a tag query — Rally's `#h` on
 * 445, `#p` on 1059, `#d` — walks one composite index in created_at order. Text columns use the
 * "C" collation: ids compare bytewise, as NIP-01's tie-break wants, whatever the database's locale.
 *
 * `rally_save_batch` applies a batch of events in one statement — one round trip, one transaction
 * — with the same rules as the SQLite store, and notifies the other relay processes (LISTEN/NOTIFY)
 * of each event it saved, delivered only when the transaction commits.
 */
import type pg from "pg";

export interface PostgresMigration {
  version: number;
  description: string;
  sql: string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: "events and tags tables, indexes for the NIP-01 filter shapes, the batch save function",
    sql: `
      CREATE TABLE events (
        seq bigserial PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        pubkey text COLLATE "C" NOT NULL,
        kind integer NOT NULL,
        created_at bigint NOT NULL,
        -- replacement key: '' for replaceable kinds, the d tag for addressable ones, else NULL
        d text COLLATE "C",
        expires_at bigint,
        json text NOT NULL
      );
      CREATE INDEX events_created_at ON events (created_at DESC, id);
      CREATE INDEX events_kind ON events (kind, created_at DESC);
      CREATE INDEX events_pubkey ON events (pubkey, created_at DESC);
      CREATE INDEX events_pubkey_kind ON events (pubkey, kind, created_at DESC);
      CREATE UNIQUE INDEX events_replaceable ON events (pubkey, kind, d) WHERE d IS NOT NULL;
      CREATE INDEX events_expires ON events (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE tags (
        seq bigint NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
        name text COLLATE "C" NOT NULL,
        value text COLLATE "C" NOT NULL,
        kind integer NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX tags_value ON tags (name, value, created_at DESC);
      CREATE INDEX tags_value_kind ON tags (name, value, kind, created_at DESC);
      CREATE INDEX tags_seq ON tags (seq);

      -- batch: [{id, pubkey, kind, created_at, d, address, expires_at, json, tags: [[name, value]…],
      --          del_ids: [...], del_addrs: [[kind, d]…], note}…]; locks: the keys the batch touches.
      -- Returns one status per event: saved, duplicate, superseded or deleted.
      CREATE FUNCTION rally_save_batch(batch jsonb, locks text[], channel text, origin text)
      RETURNS text[] LANGUAGE plpgsql AS $fn$
      DECLARE
        ev jsonb;
        a jsonb;
        k bigint;
        out text[] := '{}';
        old record;
        new_seq bigint;
        v_id text;
        v_pubkey text;
        v_kind integer;
        v_created bigint;
        v_d text;
      BEGIN
        -- Processes saving the same id, replaceable address or deletion target take turns; the
        -- locks are taken in one order everywhere, so two batches never wait on each other.
        FOR k IN SELECT DISTINCT hashtextextended(x, 0) AS h FROM unnest(locks) x ORDER BY h LOOP
          PERFORM pg_advisory_xact_lock(k);
        END LOOP;
        FOR ev IN SELECT e.value FROM jsonb_array_elements(batch) WITH ORDINALITY AS e(value, n) ORDER BY e.n LOOP
          v_id := ev->>'id';
          v_pubkey := ev->>'pubkey';
          v_kind := (ev->>'kind')::integer;
          v_created := (ev->>'created_at')::bigint;
          v_d := ev->>'d';
          IF EXISTS (SELECT 1 FROM events WHERE id = v_id) THEN
            out := out || 'duplicate'::text;
            CONTINUE;
          END IF;
          IF v_kind <> 5 THEN
            -- NIP-09: a relay should stop publishing what its author asked to delete, also if re-sent.
            IF EXISTS (SELECT 1 FROM tags t JOIN events e ON e.seq = t.seq
                       WHERE t.name = 'e' AND t.value = v_id AND t.kind = 5 AND e.pubkey = v_pubkey) THEN
              out := out || 'deleted'::text;
              CONTINUE;
            END IF;
            IF v_d IS NOT NULL AND EXISTS (
                SELECT 1 FROM tags t JOIN events e ON e.seq = t.seq
                WHERE t.name = 'a' AND t.value = ev->>'address' AND t.kind = 5 AND e.pubkey = v_pubkey
                  AND e.created_at >= v_created) THEN
              out := out || 'deleted'::text;
              CONTINUE;
            END IF;
          END IF;
          IF v_d IS NOT NULL THEN
            SELECT seq, id, created_at INTO old FROM events WHERE pubkey = v_pubkey AND kind = v_kind AND d = v_d;
            IF FOUND THEN
              IF NOT (v_created > old.created_at OR (v_created = old.created_at AND v_id COLLATE "C" < old.id)) THEN
                out := out || 'superseded'::text;
                CONTINUE;
              END IF;
              DELETE FROM events WHERE seq = old.seq;
            END IF;
          END IF;
          IF v_kind = 5 THEN
            -- Only the author's own events; "publishing a deletion request event against a deletion
            -- request has no effect".
            DELETE FROM events WHERE id IN (SELECT jsonb_array_elements_text(ev->'del_ids'))
              AND pubkey = v_pubkey AND kind <> 5;
            FOR a IN SELECT value FROM jsonb_array_elements(ev->'del_addrs') LOOP
              DELETE FROM events WHERE pubkey = v_pubkey AND kind = (a->>0)::integer AND d = a->>1
                AND created_at <= v_created;
            END LOOP;
          END IF;
          INSERT INTO events (id, pubkey, kind, created_at, d, expires_at, json)
            VALUES (v_id, v_pubkey, v_kind, v_created, v_d, (ev->>'expires_at')::bigint, ev->>'json')
            RETURNING seq INTO new_seq;
          INSERT INTO tags (seq, name, value, kind, created_at)
            SELECT new_seq, t->>0, t->>1, v_kind, v_created FROM jsonb_array_elements(ev->'tags') t;
          IF channel IS NOT NULL THEN
            PERFORM pg_notify(channel, origin || ' ' || (ev->>'note'));
          END IF;
          out := out || 'saved'::text;
        END LOOP;
        RETURN out;
      END
      $fn$;
    `,
  },
];

/** Key of the advisory lock held while migrating. */
const MIGRATION_LOCK = 7_447_001;

/** Applies every migration above the database's version; returns the versions applied. */
export async function migratePostgres(
  client: pg.ClientBase,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  try {
    await client.query("CREATE TABLE IF NOT EXISTS rally_schema (version integer NOT NULL)");
    const { rows } = await client.query<{ version: number }>(
      "SELECT coalesce(max(version), 0)::integer AS version FROM rally_schema",
    );
    const current = rows[0]?.version ?? 0;
    const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
    if (current > latest)
      throw new Error(
        `the relay database is at schema version ${current}, newer than this Rally (${latest}); upgrade Rally`,
      );
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query("DELETE FROM rally_schema");
        await client.query("INSERT INTO rally_schema (version) VALUES ($1)", [m.version]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  }
}
