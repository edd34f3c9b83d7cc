/** Each numbered migration upgrades real data of the previous shape. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { LATEST_VERSION, MIGRATIONS, migrate } from "../src/store/migrations.ts";
import { SqliteEventStore } from "../src/store/sqlite.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rally-migrations-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("relay schema migrations", () => {
  it("numbers migrations 1, 2, … without gaps", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });

  it("1 → 2: adds the (name, value, kind, created_at) tag index; version-1 data stays queryable", async () => {
    const file = path.join(dir, "v1.sqlite");
    const db = new Database(file);
    expect(migrate(db, MIGRATIONS.slice(0, 1))).toEqual([1]);
    const json = JSON.stringify({
      id: "1".repeat(64),
      pubkey: "a".repeat(64),
      created_at: 50,
      kind: 445,
      tags: [["h", "room"]],
      content: "opaque",
      sig: "0".repeat(128),
    });
    db.prepare(
      "INSERT INTO events (seq, id, pubkey, kind, created_at, d, expires_at, json) VALUES (1, ?, ?, 445, 50, NULL, NULL, ?)",
    ).run("1".repeat(64), "a".repeat(64), json);
    db.prepare(
      "INSERT INTO tags (seq, name, value, kind, created_at) VALUES (1, 'h', 'room', 445, 50)",
    ).run();
    db.close();

    const store = new SqliteEventStore(file);
    expect(store.db.pragma("user_version", { simple: true })).toBe(2);
    const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as {
      name: string;
    }[];
    expect(indexes.map((i) => i.name)).toContain("tags_value_kind");
    const plan = store.db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT seq FROM tags WHERE name = 'h' AND value = 'room' AND kind = 445 ORDER BY created_at DESC",
      )
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(" ")).toContain("tags_value_kind");
    const rows = await store.query({ kinds: [445], "#h": ["room"] }, { now: 100 });
    expect(rows.map((r) => r.json)).toEqual([json]);
    await store.close();

    // Reopening applies nothing again.
    const again = new Database(file);
    expect(migrate(again)).toEqual([]);
    again.close();
  });

  it("refuses a database from a newer schema", () => {
    const db = new Database(":memory:");
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(/newer than this Rally/);
    db.close();
  });

  it("rolls back a migration that fails halfway", () => {
    const db = new Database(":memory:");
    const broken = [
      ...MIGRATIONS.slice(0, 1),
      {
        version: 2,
        description: "fails",
        up(d: Database.Database) {
          d.exec("CREATE TABLE half (x)");
          throw new Error("boom");
        },
      },
    ];
    expect(() => migrate(db, broken)).toThrow("boom");
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });
});
