// Each numbered migration of the SQLite store, upgrading a database that holds data in the
// previous shape (written with raw SQL, as the older Rally wrote it), plus the refusals around it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { LATEST_VERSION, MIGRATIONS } from "../../src/platform/node/sqliteMigrations.ts";
import { migrate, openHomeStore, openSqliteStore, storePath } from "../../src/platform/node/sqliteStore.ts";
import { StoreError } from "../../src/store/store.ts";

const root = mkdtempSync(join(tmpdir(), "rally-sqlite-migrations-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `m${++n}.db`);

function tables(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((r) => r.name);
  } finally {
    db.close();
  }
}

function version(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma("user_version", { simple: true }) as number;
  } finally {
    db.close();
  }
}

const G = "ab".repeat(16);
const ID = "cd".repeat(32);
const PK = "ef".repeat(32);

describe("SQLite store migrations", () => {
  it("are numbered 1, 2, … without gaps", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });

  it("1: creates kv, blobs, seen and rumors on an empty file", () => {
    const file = fresh();
    const db = new Database(file);
    migrate(db, 1);
    db.close();
    expect(version(file)).toBe(1);
    expect(tables(file)).toEqual(["blobs", "kv", "rumors", "seen"]);
  });

  it("2: adds the outbox to a version-1 database and keeps its data", () => {
    const file = fresh();
    const db = new Database(file);
    migrate(db, 1);
    db.prepare("INSERT INTO kv (key, value) VALUES (?, ?)").run("account", '{"name":"Ana"}');
    db.prepare("INSERT INTO seen (grp, id, at) VALUES (?, ?, ?)").run(G, ID, 1700000000);
    migrate(db, 2);
    expect(db.pragma("user_version", { simple: true })).toBe(2);
    db.prepare("INSERT INTO outbox (id, value) VALUES ('a', '1'), ('b', '2')").run();
    expect(db.prepare("SELECT id, seq FROM outbox ORDER BY seq").all()).toEqual([
      { id: "a", seq: 1 },
      { id: "b", seq: 2 },
    ]);
    expect(db.prepare("SELECT value FROM kv WHERE key = 'account'").get()).toEqual({
      value: '{"name":"Ana"}',
    });
    expect(db.prepare("SELECT count(*) AS n FROM seen").get()).toEqual({ n: 1 });
    db.close();
  });

  it("3: moves blobs and kv to rowid tables, keeping every value byte for byte", async () => {
    const file = fresh();
    const db = new Database(file);
    migrate(db, 2);
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4093) big[i] = i & 0xff;
    db.prepare("INSERT INTO blobs (key, data) VALUES (?, ?)").run(`mls/${G}/epoch`, big);
    db.prepare("INSERT INTO blobs (key, data) VALUES (?, ?)").run(
      `mls/${G}/messages`,
      Buffer.from([9, 8, 7]),
    );
    db.prepare("INSERT INTO kv (key, value) VALUES (?, ?)").run("account", JSON.stringify({ name: "Ana" }));
    db.prepare("INSERT INTO kv (key, value) VALUES (?, ?)").run(
      `group/${G}`,
      JSON.stringify({ name: "Tenants" }),
    );
    db.prepare("INSERT INTO outbox (id, value) VALUES (?, ?)").run("e1", '{"state":"pending"}');
    db.close();

    const store = openSqliteStore(file);
    try {
      expect(version(file)).toBe(LATEST_VERSION);
      const ddl = new Database(file, { readonly: true });
      const sql = ddl
        .prepare<[], { name: string; sql: string }>(
          "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN ('blobs', 'kv')",
        )
        .all();
      ddl.close();
      expect(sql.map((r) => r.name).sort()).toEqual(["blobs", "kv"]);
      for (const r of sql) expect(r.sql).not.toMatch(/WITHOUT ROWID/i);
      expect(tables(file)).toEqual(["blobs", "kv", "outbox", "rumor_refs", "rumors", "seen"]);
      expect(Buffer.from((await store.getBlob(`mls/${G}/epoch`)) ?? []).equals(big)).toBe(true);
      expect(await store.getBlob(`mls/${G}/messages`)).toEqual(Uint8Array.from([9, 8, 7]));
      expect(await store.get("account")).toEqual({ name: "Ana" });
      expect((await store.list("group/")).map((r) => r.value)).toEqual([{ name: "Tenants" }]);
      expect((await store.outbox()).map((r) => r.value)).toEqual([{ state: "pending" }]);
      await store.batch([{ op: "put", key: "account", value: { name: "Bea" } }]);
      expect(await store.get("account")).toEqual({ name: "Bea" });
    } finally {
      await store.close();
    }
  });

  it("4: adds what rumors act on, empty for rumors stored before, and indexes new ones", async () => {
    const file = fresh();
    const db = new Database(file);
    migrate(db, 3);
    db.prepare("INSERT INTO rumors (grp, id, kind, created_at, pubkey, json) VALUES (?, ?, ?, ?, ?, ?)").run(
      G,
      ID,
      9,
      1700000000,
      PK,
      '{"content":"hello"}',
    );
    db.close();
    const store = openSqliteStore(file);
    try {
      // Opening brings it to the latest schema, migration 4 among the others.
      expect(version(file)).toBe(LATEST_VERSION);
      const [old] = await store.rumors({ group: G });
      expect(old?.refs).toBeUndefined();
      const reaction = "b".repeat(64);
      await store.batch([
        {
          op: "putRumor",
          rumor: {
            id: reaction,
            group: G,
            kind: 7,
            created_at: 1700000001,
            pubkey: PK,
            json: "{}",
            refs: [ID],
          },
        },
      ]);
      expect((await store.rumors({ group: G, refs: [ID] })).map((r) => r.id)).toEqual([reaction]);
    } finally {
      await store.close();
    }
  });

  it("5: adds each rumor's milliseconds, read from its JSON where readable, and orders by them", async () => {
    const file = fresh();
    const db = new Database(file);
    migrate(db, 4);
    // Rows as version 4 wrote them: no ms column. Five chat messages of one second whose ids run
    // against the order they were sent in (the tags say it), an old one without a tag, bad tags,
    // a sealed body (not JSON) and one of the next second.
    const T = 1700000000;
    const env = (tags: string[][]) => JSON.stringify({ r: { tags, content: "x" }, e: 1 });
    const rows: [string, number, string][] = [
      ["f5".repeat(32), T, env([["ms", "10"]])],
      ["f4".repeat(32), T, env([["ms", "20"]])],
      ["f3".repeat(32), T, env([["ms", "30"]])],
      ["f2".repeat(32), T, env([["ms", "40"]])],
      ["f1".repeat(32), T, env([["ms", "999"]])],
      ["a1".repeat(32), T, env([])],
      ["a2".repeat(32), T, env([["ms", "1000"]])],
      ["a3".repeat(32), T, env([["ms", "-5"]])],
      ["a4".repeat(32), T, env([["ms", "07"]])],
      ["a5".repeat(32), T, env([["ms", "5.5"]])],
      ["a6".repeat(32), T, env([["ms"]])],
      [
        "a7".repeat(32),
        T,
        env([
          ["ms", "12", "x"],
          ["ms", "500"],
        ]),
      ],
      ["a8".repeat(32), T, "c2VhbGVkIGJvZHk="],
      ["00".repeat(32), T + 1, env([["ms", "0"]])],
    ];
    const insert = db.prepare(
      "INSERT INTO rumors (grp, id, kind, created_at, pubkey, json) VALUES (?, ?, 9, ?, ?, ?)",
    );
    for (const [id, at, json] of rows) insert.run(G, id, at, PK, json);
    db.close();

    const store = openSqliteStore(file);
    try {
      expect(version(file)).toBe(LATEST_VERSION);
      const msOf = new Map((await store.rumors({ group: G })).map((r) => [r.id, r.ms ?? 0]));
      expect(Object.fromEntries(msOf)).toEqual(
        Object.fromEntries([
          ["f5".repeat(32), 10],
          ["f4".repeat(32), 20],
          ["f3".repeat(32), 30],
          ["f2".repeat(32), 40],
          ["f1".repeat(32), 999],
          ["a1".repeat(32), 0],
          ["a2".repeat(32), 0],
          ["a3".repeat(32), 0],
          ["a4".repeat(32), 0],
          ["a5".repeat(32), 0],
          ["a6".repeat(32), 0],
          ["a7".repeat(32), 12],
          ["a8".repeat(32), 0],
          ["00".repeat(32), 0],
        ]),
      );
      // Newest first: the next second, then the tagged five in reverse of their sending, then the
      // untagged ones (0) by id.
      const order = (await store.rumors({ group: G, kinds: [9] })).map((r) => r.id);
      expect(order.slice(0, 7)).toEqual([
        "00".repeat(32),
        "f1".repeat(32),
        "f2".repeat(32),
        "f3".repeat(32),
        "f4".repeat(32),
        "a7".repeat(32),
        "f5".repeat(32),
      ]);
      // A cursor inside the second: each row once, in order, page by page.
      const seen: string[] = [];
      let before: { created_at: number; ms?: number; id: string } | undefined;
      for (;;) {
        const page = await store.rumors({ group: G, kinds: [9], limit: 3, ...(before ? { before } : {}) });
        if (page.length === 0) break;
        seen.push(...page.map((r) => r.id));
        const last = page[page.length - 1]!;
        before = { created_at: last.created_at, ms: last.ms ?? 0, id: last.id };
      }
      expect(seen).toEqual(order);
      expect(seen).toHaveLength(rows.length);
      const ddl = new Database(file, { readonly: true });
      const indexes = ddl
        .prepare<[], { name: string; sql: string }>(
          "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rumors' AND sql IS NOT NULL ORDER BY name",
        )
        .all();
      const plan = ddl
        .prepare<unknown[], { detail: string }>(
          "EXPLAIN QUERY PLAN SELECT id FROM rumors r WHERE r.grp = ? AND r.kind = ? AND (r.created_at, r.ms, r.id) < (?, ?, ?) ORDER BY r.created_at DESC, r.ms DESC, r.id DESC LIMIT 3",
        )
        .all(G, 9, T, 500, "f3".repeat(32))
        .map((r) => r.detail)
        .join("\n");
      ddl.close();
      expect(indexes.map((i) => i.sql)).toEqual([
        "CREATE INDEX rumors_by_kind_time ON rumors (grp, kind, created_at, ms, id)",
        "CREATE INDEX rumors_by_time ON rumors (grp, created_at, ms, id)",
      ]);
      // A page is one walk of the index, without sorting.
      expect(plan).toMatch(/rumors_by_kind_time/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    } finally {
      await store.close();
    }
  });

  it("upgrades a version-1 database with data all the way to the latest", async () => {
    const file = fresh();
    const db = new Database(file);
    migrate(db, 1);
    // Data in the version-1 shape, written the way version 1 wrote it.
    db.prepare("INSERT INTO kv (key, value) VALUES (?, ?)").run("account", JSON.stringify({ name: "Ana" }));
    db.prepare("INSERT INTO blobs (key, data) VALUES (?, ?)").run(`mls/${G}/epoch`, Buffer.from([1, 2, 3]));
    db.prepare("INSERT INTO seen (grp, id, at) VALUES (?, ?, ?)").run(G, ID, 1700000000);
    db.prepare("INSERT INTO rumors (grp, id, kind, created_at, pubkey, json) VALUES (?, ?, ?, ?, ?, ?)").run(
      G,
      ID,
      9,
      1700000000,
      PK,
      '{"content":"hello"}',
    );
    db.close();

    const store = openSqliteStore(file);
    try {
      expect(version(file)).toBe(LATEST_VERSION);
      expect(await store.get("account")).toEqual({ name: "Ana" });
      expect(await store.getBlob(`mls/${G}/epoch`)).toEqual(Uint8Array.from([1, 2, 3]));
      expect(await store.seen(G, [ID])).toEqual(new Set([ID]));
      expect(await store.rumors({ group: G, kinds: [9] })).toEqual([
        { id: ID, group: G, kind: 9, created_at: 1700000000, pubkey: PK, json: '{"content":"hello"}' },
      ]);
      await store.batch([{ op: "putOutbox", id: "e", value: { ok: 1 } }]);
      expect((await store.outbox()).map((r) => r.value)).toEqual([{ ok: 1 }]);
    } finally {
      await store.close();
    }
  });

  it("a failed migration leaves the database at its previous version", () => {
    const file = fresh();
    const db = new Database(file);
    migrate(db, 1);
    // Something in the way of migration 2: it must fail as a whole, not half-apply.
    db.exec("CREATE TABLE outbox (x INTEGER)");
    db.prepare("INSERT INTO kv (key, value) VALUES ('k', '1')").run();
    db.close();
    expect(() => openSqliteStore(file)).toThrow(StoreError);
    expect(version(file)).toBe(1);
  });

  it("refuses a database from a newer Rally, in plain words", () => {
    const file = fresh();
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_VERSION + 5}`);
    db.close();
    let err: unknown;
    try {
      openSqliteStore(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe("version");
    expect((err as StoreError).message).toMatch(/newer version of Rally/);
    expect(version(file)).toBe(LATEST_VERSION + 5);
  });

  it("refuses a file that is not a database", () => {
    const file = fresh();
    writeFileSync(file, "this is a text file, not SQLite ".repeat(200));
    expect(() => openSqliteStore(file)).toThrow(/not a Rally database/);
  });

  it("says so when the folder does not exist, and openHomeStore creates it", async () => {
    expect(() => openSqliteStore(join(root, "no", "such", "dir", "rally.db"))).toThrow(StoreError);
    const home = join(root, "home-a", "nested");
    const store = openHomeStore(home);
    await store.batch([{ op: "put", key: "k", value: 1 }]);
    await store.close();
    expect(version(storePath(home))).toBe(LATEST_VERSION);
    const blocker = join(root, "blocker");
    writeFileSync(blocker, "x");
    expect(() => openHomeStore(join(blocker, "home"))).toThrow(/Cannot create the Rally folder/);
  });

  it("keeps the file in WAL mode", async () => {
    const dir = join(root, "wal");
    mkdirSync(dir);
    const store = openHomeStore(dir);
    await store.batch([{ op: "put", key: "k", value: 1 }]);
    const db = new Database(storePath(dir), { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
    await store.close();
  });
});
