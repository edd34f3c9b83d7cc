/**
 * PostgreSQL adapter of the `EventStore` port, on node-postgres (`pg`), for relays that outgrow one
 * SQLite file or run as several processes on one database.
 *
 * Durability: a batch is one statement (`rally_save_batch`, one round trip) committed with
 * PostgreSQL's default `synchronous_commit = on`, so it is in the database's WAL on disk before
 * `saveBatch` resolves and the relay answers `OK true`.
 *
 * Several processes: each batch takes advisory locks on the ids, replaceable addresses and deletion
 * targets it touches (in one global order), so two processes never both store a replaceable event's
 * two versions or an event and its deletion. Each saved event is announced with NOTIFY inside the
 * saving transaction — delivered to the other processes only once it commits — carrying the event's
 * JSON, or only its id when the JSON would not fit NOTIFY's 8,000-byte payload; `watchOthers` hands
 * those events to the relay, which sends them to its own live subscriptions without storing them
 * again.
 */
import { randomBytes } from "node:crypto";
import {
  deletionTargets,
  eventAddress,
  eventToJson,
  type Filter,
  KIND_DELETION,
  type NostrEvent,
  type PubkeyHex,
  readExpiration,
  replacementKey,
} from "@rally/protocol/nostr";
import pg from "pg";
import { migratePostgres } from "./postgresMigrations.ts";
import { buildSelect, indexValue, shiftPlaceholders } from "./postgresQuery.ts";
import {
  type CountOptions,
  type EventKey,
  type EventStore,
  type QueryOptions,
  QueryTimeoutError,
  type SaveOutcome,
  type StoredEvent,
} from "./types.ts";

export interface PostgresEventStoreOptions {
  /** Connections in the pool (default 10). */
  maxConnections?: number;
  /** Where to report trouble with the notification connection (default: nowhere). */
  log?: (line: string) => void;
  /**
   * Rows read per round trip when a query has a byte budget (`maxBytes`), so a REQ never holds
   * more than about this many events beyond its budget in memory (default 200).
   */
  pageRows?: number;
}

/** Events saved by another process on the same database, to send to this process's subscribers. */
export type OtherProcessEvent = (event: NostrEvent, json: string) => void;

const CHANNEL = "rally_events";
/** NOTIFY's payload must be shorter than 8,000 bytes; the origin and a space come first. */
const MAX_INLINE_BYTES = 7_900;

const SELECT_COLUMNS =
  "e.seq AS seq, e.id AS id, e.pubkey AS pubkey, e.kind AS kind, e.created_at AS created_at, e.json AS json";
const KEY_COLUMNS = "e.seq AS seq, e.id AS id, e.created_at AS created_at";
/** SQLSTATE of a statement cancelled, here by its `statement_timeout`. */
const QUERY_CANCELED = "57014";

// bigint columns (created_at, seq, counts) come back as numbers: all fit in a double.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

/** What `rally_save_batch` needs of one event, precomputed here. */
function batchRow(event: NostrEvent): { row: Record<string, unknown>; locks: string[] } {
  const key = replacementKey(event);
  const expiration = readExpiration(event);
  const json = eventToJson(event);
  const locks = [`i:${event.id}`];
  if (key) locks.push(`k:${key.kind}:${event.pubkey}:${key.d}`);
  const seen = new Set<string>();
  const tags: [string, string][] = [];
  for (const tag of event.tags) {
    const name = tag[0];
    const value = tag[1];
    if (name === undefined || name.length !== 1 || value === undefined) continue;
    const k = `${name}\u0000${value}`;
    if (seen.has(k)) continue;
    seen.add(k);
    tags.push([indexValue(name), indexValue(value)]);
  }
  let delIds: string[] = [];
  let delAddrs: [number, string][] = [];
  if (event.kind === KIND_DELETION) {
    const targets = deletionTargets(event);
    delIds = targets.ids;
    delAddrs = targets.addresses.map((a) => [a.kind, indexValue(a.d)]);
    for (const id of targets.ids) locks.push(`i:${id}`);
    for (const a of targets.addresses) locks.push(`k:${a.kind}:${event.pubkey}:${a.d}`);
  }
  return {
    row: {
      id: event.id,
      pubkey: event.pubkey,
      kind: event.kind,
      created_at: event.created_at,
      d: key ? indexValue(key.d) : null,
      address: key ? indexValue(eventAddress(event)) : null,
      expires_at: expiration.ok && expiration.value !== undefined ? expiration.value : null,
      json,
      tags,
      del_ids: delIds,
      del_addrs: delAddrs,
      note: Buffer.byteLength(json) < MAX_INLINE_BYTES ? json : `#${event.id}`,
    },
    locks,
  };
}

export class PostgresEventStore implements EventStore {
  readonly pool: pg.Pool;
  /** Reads wait on the database server: a request's time budget is charged their wall time. */
  readonly readsOffThread = true;
  /** Tells this process's own notifications from the others'. */
  private readonly origin = randomBytes(8).toString("hex");
  private listener: pg.Client | undefined;
  private closed = false;
  private delivery: Promise<void> = Promise.resolve();
  /**
   * `authorBytes` reads not answered yet. A batch is sent only once those asked for before it are
   * answered: the pool may give the batch another connection that commits before the read has
   * started, and the read would then count events the quota has already counted itself.
   */
  private readonly usageReads = new Set<Promise<unknown>>();

  private constructor(
    private readonly connectionString: string,
    private readonly options: PostgresEventStoreOptions,
  ) {
    // allowExitOnIdle: a relay that failed to start after opening its store still exits.
    this.pool = new pg.Pool({
      connectionString,
      max: options.maxConnections ?? 10,
      types,
      allowExitOnIdle: true,
    });
    // An idle connection that drops (a database restart) must not end the process.
    this.pool.on("error", (error) => options.log?.(`PostgreSQL connection lost: ${error.message}`));
  }

  /** Connects, creating or migrating the schema when needed. */
  static async open(
    connectionString: string,
    options: PostgresEventStoreOptions = {},
  ): Promise<PostgresEventStore> {
    let store: PostgresEventStore | undefined;
    try {
      store = new PostgresEventStore(connectionString, options);
      const client = await store.pool.connect();
      try {
        await migratePostgres(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await store?.pool.end().catch(() => {});
      const why = error instanceof Error ? error.message : String(error);
      throw Object.assign(
        new Error(`cannot use the PostgreSQL database ${describeDatabase(connectionString)} (${why})`),
        { code: "RALLY_DATABASE_UNAVAILABLE", cause: error },
      );
    }
    return store;
  }

  async saveBatch(events: readonly NostrEvent[]): Promise<SaveOutcome[]> {
    if (events.length === 0) return [];
    const readsBefore = this.usageReads.size > 0 ? [...this.usageReads] : undefined;
    const rows: Record<string, unknown>[] = [];
    const locks: string[] = [];
    for (const e of events) {
      const b = batchRow(e);
      rows.push(b.row);
      locks.push(...b.locks);
    }
    if (readsBefore) await Promise.allSettled(readsBefore);
    const { rows: result } = await this.pool.query<{ statuses: string[] }>(
      "SELECT rally_save_batch($1::jsonb, $2::text[], $3, $4) AS statuses",
      [JSON.stringify(rows), locks, CHANNEL, this.origin],
    );
    const statuses = result[0]!.statuses;
    return statuses.map((status, i): SaveOutcome => {
      if (status === "saved") return { status, json: rows[i]!.json as string };
      if (status === "duplicate" || status === "superseded" || status === "deleted") return { status };
      throw new Error(`unexpected save status ${status}`);
    });
  }

  async query(filter: Filter, options: QueryOptions): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    if (filter.limit === 0) return out;
    const seen = new Set<number>();
    let bytes = 0;
    // Without a byte or time budget, one round trip up to the limit. With one, pages in NIP-01
    // order, each starting after the last row of the one before (keyset), until the budget or limit
    // is reached: SQLite's store stops reading at the budget; this one at the page that crosses it.
    const page =
      options.maxBytes === undefined && options.deadline === undefined
        ? undefined
        : (this.options.pageRows ?? 200);
    let after: { created_at: number; id: string } | undefined;
    for (;;) {
      if (options.deadline !== undefined && performance.now() > options.deadline)
        throw new QueryTimeoutError();
      const rows = await this.select<StoredEvent & { seq: number }>(
        filter,
        options,
        SELECT_COLUMNS,
        page,
        after,
      );
      for (const row of rows) {
        if (seen.has(row.seq)) continue;
        seen.add(row.seq);
        out.push({
          id: row.id,
          pubkey: row.pubkey,
          kind: row.kind,
          created_at: row.created_at,
          json: row.json,
        });
        if (filter.limit !== undefined && out.length >= filter.limit) return out;
        bytes += row.json.length;
        if (options.maxBytes !== undefined && bytes >= options.maxBytes) return out;
      }
      const last = rows[rows.length - 1];
      if (page === undefined || !last || rows.length < page) return out;
      after = { created_at: last.created_at, id: last.id };
    }
  }

  async queryKeys(filter: Filter, options: QueryOptions): Promise<EventKey[]> {
    const rows = await this.select<EventKey & { seq: number }>(
      filter,
      options,
      KEY_COLUMNS,
      undefined,
      undefined,
      options.deadline,
    );
    const out: EventKey[] = [];
    const seen = new Set<number>();
    for (const row of rows) {
      if (seen.has(row.seq)) continue;
      seen.add(row.seq);
      out.push({ id: row.id, created_at: row.created_at });
      if (filter.limit !== undefined && out.length >= filter.limit) break;
    }
    return out;
  }

  /**
   * Rows of the filter in NIP-01 order, up to `limit` events' worth (a tag join may give an event
   * once per matching value) or `page` rows, starting after the row `after` when given; cut short
   * at `deadline` when given (`readBefore`).
   */
  private async select<R extends pg.QueryResultRow>(
    filter: Filter,
    options: QueryOptions,
    columns: string,
    page?: number,
    after?: { created_at: number; id: string },
    deadline?: number,
  ): Promise<R[]> {
    if (filter.limit === 0) return [];
    const built = buildSelect(filter, options, columns);
    const params = [...built.params];
    const time = built.timeColumn;
    let sql = built.sql;
    if (after) {
      params.push(after.created_at, after.id);
      const [t, id] = [`$${params.length - 1}::bigint`, `$${params.length}::text`];
      sql += ` AND (${time} < ${t} OR (${time} = ${t} AND e.id > ${id}))`;
    }
    // NIP-01: "Newer events should appear first, and in the case of ties the event with the lowest
    // id (first in lexical order) should be first" — also deciding which ties a limit keeps.
    sql += ` ORDER BY ${time} DESC, e.id ASC`;
    const rowLimit = Math.min(
      filter.limit === undefined ? Number.MAX_SAFE_INTEGER : filter.limit * built.fanout,
      page ?? Number.MAX_SAFE_INTEGER,
    );
    if (rowLimit < Number.MAX_SAFE_INTEGER) {
      params.push(rowLimit);
      sql += ` LIMIT $${params.length}`;
    }
    return this.readBefore<R>(deadline, sql, params);
  }

  /**
   * One read statement that PostgreSQL itself stops at `deadline` (a `performance.now()` value),
   * failing with `QueryTimeoutError` as SQLite's reads do when they pass it between rows. A sync's
   * key set or a count is one statement whose rows cannot be looked at as they come (a count has
   * one row; keys come back whole), so checking between pages, as `query` does, would mean
   * splitting it into many round trips; instead the statement gets a `statement_timeout` of the
   * time left, set with `set_config(…, true)` — SET LOCAL — so it ends with the transaction and
   * never reaches the pooled connection's next user. A deadline already past fails before any
   * round trip (a timeout of 0 would mean none). Without a deadline: one plain round trip.
   */
  private async readBefore<R extends pg.QueryResultRow>(
    deadline: number | undefined,
    sql: string,
    params: readonly unknown[],
  ): Promise<R[]> {
    if (deadline === undefined) return (await this.pool.query<R>(sql, params as unknown[])).rows;
    if (performance.now() >= deadline) throw new QueryTimeoutError();
    const client = await this.pool.connect();
    // The wait for a free connection may have used the time up: no round trip then.
    if (performance.now() >= deadline) {
      client.release();
      throw new QueryTimeoutError();
    }
    let broken = false;
    try {
      await client.query("BEGIN READ ONLY");
      // What is left after waiting for a connection and BEGIN; at least 1 ms (0 turns it off).
      const left = Math.max(1, Math.ceil(deadline - performance.now()));
      await client.query("SELECT set_config('statement_timeout', $1, true)", [`${left}ms`]);
      const { rows } = await client.query<R>(sql, params as unknown[]);
      await client.query("COMMIT");
      return rows;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true; // not back to a clean state: the pool drops this connection
      });
      // 57014 query_canceled: what statement_timeout raises.
      if ((error as { code?: unknown }).code === QUERY_CANCELED) throw new QueryTimeoutError();
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async count(filters: readonly Filter[], options: CountOptions): Promise<number> {
    if (filters.length === 0) return 0;
    let offset = 0;
    const parts: string[] = [];
    const params: unknown[] = [];
    filters.forEach((f, i) => {
      const hideKinds = options.hideKindsByFilter?.[i] ?? options.hideKinds;
      const built = buildSelect(f, hideKinds ? { ...options, hideKinds } : options, "e.seq AS seq");
      parts.push(shiftPlaceholders(built.sql, offset));
      params.push(...built.params);
      offset += built.params.length;
    });
    const rows = await this.readBefore<{ n: number }>(
      options.deadline,
      `SELECT COUNT(DISTINCT seq) AS n FROM (${parts.join(" UNION ALL ")}) matched`,
      params,
    );
    return rows[0]!.n;
  }

  async purgeExpired(now: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      "DELETE FROM events WHERE expires_at IS NOT NULL AND expires_at <= $1",
      [now],
    );
    return rowCount ?? 0;
  }

  async purgeKindBefore(kind: number, before: number, max: number): Promise<number> {
    // The oldest first, through the (kind, created_at) index; tags go with their events.
    const { rowCount } = await this.pool.query(
      `DELETE FROM events WHERE seq IN (
         SELECT seq FROM events WHERE kind = $1 AND created_at < $2 ORDER BY created_at LIMIT $3)`,
      [kind, before, max],
    );
    return rowCount ?? 0;
  }

  async authorBytes(pubkey: PubkeyHex): Promise<number> {
    // Batches asked for after this wait for it (`usageReads`), so it counts none of them.
    const reading = this.pool.query<{ n: number }>(
      "SELECT COALESCE(SUM(length(json)), 0)::bigint AS n FROM events WHERE pubkey = $1",
      [pubkey],
    );
    this.usageReads.add(reading);
    try {
      return (await reading).rows[0]!.n;
    } finally {
      this.usageReads.delete(reading);
    }
  }

  async storedBytes(): Promise<number> {
    // The events' tables with their indexes and TOAST, not the database's fixed few megabytes.
    const { rows } = await this.pool.query<{ n: number }>(
      "SELECT (pg_total_relation_size('events') + pg_total_relation_size('tags'))::bigint AS n",
    );
    return rows[0]!.n;
  }

  /**
   * Tells the other processes of an event this one does not store (an ephemeral event), for their
   * live subscriptions. One over NOTIFY's size limit stays on this process: there is nothing for
   * the others to read it back from.
   */
  readonly announce = (_event: NostrEvent, json: string): void => {
    if (this.closed || Buffer.byteLength(json) >= MAX_INLINE_BYTES) return;
    this.pool
      .query("SELECT pg_notify($1, $2)", [CHANNEL, `${this.origin} ${json}`])
      .catch((error: unknown) =>
        this.options.log?.(
          `could not pass an ephemeral event to the other relay processes: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
  };

  /**
   * Listens for events other processes save on this database and hands each to `deliver`, in the
   * order they were announced. Events too large for a notification are read back by id. While the
   * listening connection is down (a database restart) it reconnects every second; events saved
   * meanwhile reach subscribers on their next REQ, not live.
   */
  async watchOthers(deliver: OtherProcessEvent): Promise<void> {
    const connect = async (): Promise<void> => {
      const client = new pg.Client({ connectionString: this.connectionString, types });
      client.on("notification", (msg) => {
        if (msg.channel !== CHANNEL || !msg.payload) return;
        const space = msg.payload.indexOf(" ");
        if (msg.payload.slice(0, space) === this.origin) return;
        const body = msg.payload.slice(space + 1);
        this.delivery = this.delivery.then(() => this.deliverOne(body, deliver));
      });
      const reconnect = (why: string) => {
        if (this.closed || this.listener !== client) return;
        this.listener = undefined;
        this.options.log?.(`lost the PostgreSQL notification connection (${why}); reconnecting`);
        client.end().catch(() => {});
        setTimeout(() => {
          if (!this.closed) connect().catch((e: unknown) => reconnect(String(e)));
        }, 1000).unref();
      };
      client.on("error", (error) => reconnect(error.message));
      client.on("end", () => reconnect("closed"));
      this.listener = client;
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    };
    await connect();
  }

  private async deliverOne(body: string, deliver: OtherProcessEvent): Promise<void> {
    try {
      let json = body;
      if (body.startsWith("#")) {
        const { rows } = await this.pool.query<{ json: string }>("SELECT json FROM events WHERE id = $1", [
          body.slice(1),
        ]);
        // Already replaced or deleted: nothing to send.
        if (!rows[0]) return;
        json = rows[0].json;
      }
      deliver(JSON.parse(json) as NostrEvent, json);
    } catch (error) {
      this.options.log?.(
        `could not pass on an event from another relay process: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => {});
    await this.delivery;
    await this.pool.end();
  }
}

/** Opens (creating and migrating when needed) the relay database at a `postgres://` connection string. */
export function openPostgresEventStore(
  connectionString: string,
  options: PostgresEventStoreOptions = {},
): Promise<PostgresEventStore> {
  return PostgresEventStore.open(connectionString, options);
}

/** A connection string without its password, fit to show in messages and logs. */
export function describeDatabase(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    if (u.password) u.password = "";
    u.search = "";
    return u.toString();
  } catch {
    return "(not a valid postgres:// connection string)";
  }
}
