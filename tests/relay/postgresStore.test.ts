/**
 * The PostgreSQL event store on a real PostgreSQL (a private cluster, tests/helpers/postgres.ts):
 * the shared EventStore conformance suite, the fuzz comparison with the reference matcher, and what
 * only several processes on one database show — notifications between stores and concurrent
 * writers keeping one version of a replaceable event.
 */
import type { NostrEvent } from "@rally/protocol/nostr";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../packages/relay/src/server.ts";
import { eventStoreConformance } from "../../packages/relay/src/store/conformance.ts";
import { PostgresEventStore } from "../../packages/relay/src/store/postgres.ts";
import { migratePostgres, POSTGRES_MIGRATIONS } from "../../packages/relay/src/store/postgresMigrations.ts";
import { type EventStore, QueryTimeoutError } from "../../packages/relay/src/store/types.ts";
import { storeMatchesReference } from "../../packages/relay/test/storeFuzz.ts";
import { type PostgresHandle, startPostgres } from "../helpers/postgres.ts";
import { NostrSocket } from "./support/nostrSocket.ts";

const sk = generateSecretKey();
const signed = (kind: number, created_at: number, tags: string[][]): NostrEvent =>
  finalizeEvent({ kind, created_at, tags, content: "" }, sk) as unknown as NostrEvent;

let cluster: PostgresHandle;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

describe("EventStore conformance: PostgreSQL", () => {
  for (const c of eventStoreConformance) {
    it(c.name, async () => {
      const store = await PostgresEventStore.open(await cluster.createDatabase());
      try {
        await c.run(store);
      } finally {
        await store.close();
      }
    });
  }
});

describe("PostgreSQL queries agree with matchFilter", () => {
  it("returns the newest matching events, limit respected", async () => {
    const store = await PostgresEventStore.open(await cluster.createDatabase());
    try {
      // One database emptied between cases (a fresh database per case would take most of the run).
      const emptied = async (): Promise<EventStore> => {
        await store.pool.query("TRUNCATE events, tags");
        return {
          saveBatch: (e) => store.saveBatch(e),
          query: (f, o) => store.query(f, o),
          queryKeys: (f, o) => store.queryKeys(f, o),
          count: (f, o) => store.count(f, o),
          purgeExpired: (n) => store.purgeExpired(n),
          close: async () => {},
        };
      };
      await storeMatchesReference(emptied, 300);
    } finally {
      await store.close();
    }
  });
});

describe("PostgreSQL queries with a byte budget, read in pages", () => {
  it("return the same events as the reference matcher across page boundaries", async () => {
    // Pages of 2 rows: ties on created_at and events matching two tag values cross page boundaries.
    const store = await PostgresEventStore.open(await cluster.createDatabase(), { pageRows: 2 });
    try {
      const emptied = async (): Promise<EventStore> => {
        await store.pool.query("TRUNCATE events, tags");
        return {
          saveBatch: (e) => store.saveBatch(e),
          query: (f, o) => store.query(f, o),
          queryKeys: (f, o) => store.queryKeys(f, o),
          count: (f, o) => store.count(f, o),
          purgeExpired: (n) => store.purgeExpired(n),
          close: async () => {},
        };
      };
      await storeMatchesReference(emptied, 150, 1_000_000_000);
    } finally {
      await store.close();
    }
  });
});

describe("PostgreSQL tag values", () => {
  it("matches values PostgreSQL text cannot hold or index as they are: NUL, backslashes, very long", async () => {
    const store = await PostgresEventStore.open(await cluster.createDatabase());
    try {
      const long = "x".repeat(5000);
      const values = ["a\u0000b", "a\\0b", "a\\\\0b", "\\", long, `${long}y`, "\\h00"];
      const events = values.map((v, i) => signed(1, 1_700_000_000 + i, [["t", v]]));
      const addressable = signed(30000, 1_700_000_000, [["d", long]]);
      const newer = signed(30000, 1_700_000_001, [["d", long]]);
      expect((await store.saveBatch([...events, addressable, newer])).map((o) => o.status)).toEqual([
        ...values.map(() => "saved"),
        "saved",
        "saved",
      ]);
      for (const [i, v] of values.entries()) {
        const got = await store.query({ "#t": [v] }, { now: 1_800_000_000 });
        expect(got.map((e) => e.id)).toEqual([events[i]!.id]);
      }
      const latest = await store.query({ kinds: [30000], "#d": [long] }, { now: 1_800_000_000 });
      expect(latest.map((e) => e.id)).toEqual([newer.id]);
    } finally {
      await store.close();
    }
  });
});

describe("PostgreSQL reads with a deadline", () => {
  it("stop a sync's key read and a count still running at the deadline, leaving the connection as it was", async () => {
    const url = await cluster.createDatabase();
    // One connection, so the read after the cut-short ones runs on the same connection.
    const store = await PostgresEventStore.open(url, { maxConnections: 1 });
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    try {
      await store.saveBatch([signed(1, 1_700_000_000, [])]);
      const now = 1_800_000_000;
      // Another connection holds the events table: each read waits for it past its deadline. A
      // read that ignored its deadline would get the table after 10 seconds and answer.
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");
      const unlock = setTimeout(() => void locker.query("ROLLBACK").catch(() => {}), 10_000);
      try {
        const keys = store.queryKeys({ kinds: [1] }, { now, deadline: performance.now() + 200 });
        await expect(keys).rejects.toThrow(QueryTimeoutError);
        const count = store.count([{ kinds: [1] }], { now, deadline: performance.now() + 200 });
        await expect(count).rejects.toThrow(QueryTimeoutError);
      } finally {
        clearTimeout(unlock);
        await locker.query("ROLLBACK");
      }
      // The timeout was the cut-short transaction's only: the connection reads without one again.
      const { rows } = await store.pool.query<{ statement_timeout: string }>("SHOW statement_timeout");
      expect(rows[0]!.statement_timeout).toBe("0");
      expect(await store.count([{ kinds: [1] }], { now, deadline: performance.now() + 600_000 })).toBe(1);
      expect(await store.queryKeys({ kinds: [1] }, { now })).toHaveLength(1);
    } finally {
      await locker.end();
      await store.close();
    }
  });
});

describe("PostgreSQL reads waiting for a connection", () => {
  it("stop at the deadline once a connection comes free past it, without a round trip", async () => {
    const store = await PostgresEventStore.open(await cluster.createDatabase(), { maxConnections: 1 });
    const held = await store.pool.connect();
    try {
      await held.query("SELECT 1");
      const now = 1_800_000_000;
      const count = store.count([{ kinds: [1] }], { now, deadline: performance.now() + 50 });
      const keys = store.queryKeys({ kinds: [1] }, { now, deadline: performance.now() + 50 });
      // The only connection comes free well after both deadlines.
      setTimeout(() => held.release(), 400);
      await expect(count).rejects.toThrow(QueryTimeoutError);
      await expect(keys).rejects.toThrow(QueryTimeoutError);
      // The connection went back to the pool and reads again.
      expect(await store.count([{ kinds: [1] }], { now, deadline: performance.now() + 600_000 })).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe("a relay's request on PostgreSQL", () => {
  it("shares one time budget across its reads, the wait for a connection included", async () => {
    const store = await PostgresEventStore.open(await cluster.createDatabase(), { maxConnections: 1 });
    await store.saveBatch([signed(1, 1_700_000_000, [["t", "x"]])]);
    const relay = await startRelayServer({ port: 0, store, verifier: "js", limits: { queryBudgetMs: 500 } });
    const socket = await NostrSocket.open(relay.url);
    try {
      // Within the budget: both filters read.
      expect((await socket.req("fast", { kinds: [1] }, { "#t": ["x"] })).events).toHaveLength(1);
      // The first filter's read waits for the only connection until well past the budget: the
      // request is closed as too long rather than the second filter starting on a fresh budget.
      const held = await store.pool.connect();
      setTimeout(() => held.release(), 1_500);
      const slow = await socket.req("slow", { kinds: [1] }, { "#t": ["x"] });
      expect(slow.closed).toMatch(/^error: query took too long/);
    } finally {
      await socket.close();
      await relay.close();
      await store.close();
    }
  });
});

describe("PostgreSQL usage accounting", () => {
  it("an author's bytes asked for before a batch is saved leave that batch out, as SQLite's do", async () => {
    const store = await PostgresEventStore.open(await cluster.createDatabase());
    try {
      const e = signed(1, 1_700_000_000, [["t", "x".repeat(300)]]);
      // What a relay does with an author's first event: it asks for the bytes the author already
      // stores, then saves the event, counting it itself. Here the read goes out on a connection
      // still being opened (the store's only open one is held), the batch on that one once free.
      const held = await store.pool.connect();
      const reading = store.authorBytes(e.pubkey);
      held.release();
      const [outcome] = await store.saveBatch([e]);
      expect(await reading).toBe(0);
      expect(outcome?.status).toBe("saved");
      expect(await store.authorBytes(e.pubkey)).toBe(outcome?.status === "saved" ? outcome.json.length : -1);
    } finally {
      await store.close();
    }
  });
});

describe("PostgreSQL stores of several processes on one database", () => {
  it("announce each saved event to the other stores, large ones by id, never to themselves", async () => {
    const url = await cluster.createDatabase();
    const a = await PostgresEventStore.open(url);
    const b = await PostgresEventStore.open(url);
    try {
      const atA: string[] = [];
      const atB: { id: string; json: string }[] = [];
      await a.watchOthers((e) => atA.push(e.id));
      await b.watchOthers((e, json) => atB.push({ id: e.id, json }));
      const small = signed(1, 1_700_000_000, [["h", "g"]]);
      const large = finalizeEvent(
        { kind: 1, created_at: 1_700_000_001, tags: [], content: "z".repeat(20_000) },
        sk,
      ) as unknown as NostrEvent;
      const dup = small;
      const outcomes = await a.saveBatch([small, large, dup]);
      expect(outcomes.map((o) => o.status)).toEqual(["saved", "saved", "duplicate"]);
      while (atB.length < 2) await new Promise((r) => setTimeout(r, 5));
      expect(atB.map((e) => e.id)).toEqual([small.id, large.id]);
      expect(JSON.parse(atB[1]!.json).content).toBe(large.content);
      // B's own save reaches A, and B hears nothing of it.
      const fromB = signed(7, 1_700_000_002, []);
      await b.saveBatch([fromB]);
      while (atA.length < 1) await new Promise((r) => setTimeout(r, 5));
      expect(atA).toEqual([fromB.id]);
      expect(atB).toHaveLength(2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("keep one version of a replaceable event and honour deletions when writing at once", async () => {
    const url = await cluster.createDatabase();
    const a = await PostgresEventStore.open(url);
    const b = await PostgresEventStore.open(url);
    try {
      // Batches large enough to overlap in time: every kind's two versions, every note and its
      // deletion, are written by the two stores at once.
      for (let round = 0; round < 5; round++) {
        const t = 1_700_000_000 + round * 10;
        const kinds = Array.from({ length: 150 }, (_, i) => 10000 + i);
        const v1 = kinds.map((k) => signed(k, t, [["r", "1"]]));
        const v2 = kinds.map((k) => signed(k, t + 1, [["r", "2"]]));
        const notes = kinds.map((k) => signed(1, t, [["n", String(k)]]));
        const dels = notes.map((n) => signed(5, t + 2, [["e", n.id]]));
        await Promise.all([
          a.saveBatch([...v1, ...notes]),
          b.saveBatch([...v2.reverse(), ...dels.reverse()]),
        ]);
        const kept = await a.query({ kinds, limit: 1000 }, { now: 1_800_000_000 });
        expect(new Set(kept.map((e) => e.id))).toEqual(new Set(v2.map((e) => e.id)));
        expect(await a.query({ ids: notes.map((n) => n.id) }, { now: 1_800_000_000 })).toEqual([]);
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("PostgreSQL schema migrations", () => {
  it("apply once, even to stores opened at the same moment, and refuse a database from a newer Rally", async () => {
    const url = await cluster.createDatabase();
    const stores = await Promise.all([0, 1, 2].map(() => PostgresEventStore.open(url)));
    const client = await stores[0]!.pool.connect();
    try {
      expect(await migratePostgres(client)).toEqual([]);
      const { rows } = await client.query<{ version: number }>("SELECT version FROM rally_schema");
      expect(rows).toEqual([{ version: POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]!.version }]);
      await client.query("UPDATE rally_schema SET version = version + 1");
    } finally {
      client.release();
    }
    for (const s of stores) await s.close();
    await expect(PostgresEventStore.open(url)).rejects.toThrow(/newer than this Rally.*upgrade Rally/);
  });
});
