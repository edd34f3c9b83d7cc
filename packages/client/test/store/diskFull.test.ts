/**
 * A full disk, for real: SQLite's max_page_count caps the store's file, so SQLite itself answers
 * SQLITE_FULL ("database or disk is full") exactly as when the disk has no room. The store says the
 * disk is full in plain words (code "full"), keeps everything written before, and takes the same
 * write once there is room again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { isDiskFull, openSqliteStore } from "../../src/platform/node/sqliteStore.ts";
import { StoreError, type WriteOp } from "../../src/store/store.ts";

const root = mkdtempSync(join(tmpdir(), "rally-disk-full-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const put = (key: string, size: number): WriteOp => ({ op: "put", key, value: "x".repeat(size) });

describe("a full disk", () => {
  it("is named as such; what was stored stays; the same write succeeds once there is room", async () => {
    const file = join(root, "full.db");
    const setup = openSqliteStore(file);
    await setup.batch([put("note/1", 100), put("note/2", 100)]);
    await setup.close();
    const pages = new Database(file, { readonly: true }).pragma("page_count", { simple: true }) as number;

    const store = openSqliteStore(file, { maxPageCount: pages });
    const big = [put("note/3", 20_000), put("note/4", 100)];
    let error: unknown;
    try {
      await store.batch(big);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe("full");
    expect((error as Error).message).toBe(
      `The disk is full: Rally could not save its changes to ${file}. Free some space and try again; nothing was lost.`,
    );
    expect((error as Error).message).not.toMatch(/I\/O/);
    // Nothing of the failed batch, and everything from before.
    expect(await store.get("note/1")).toBe("x".repeat(100));
    expect(await store.get("note/2")).toBe("x".repeat(100));
    expect(await store.get("note/4")).toBeUndefined();
    // A small write that fits in the pages the file already has still goes through.
    await store.batch([put("note/5", 10)]);
    await store.close();

    const roomy = openSqliteStore(file);
    await roomy.batch(big);
    expect(await roomy.get("note/3")).toBe("x".repeat(20_000));
    expect((await roomy.list("note/")).map((r) => r.key)).toEqual([
      "note/1",
      "note/2",
      "note/3",
      "note/4",
      "note/5",
    ]);
    await roomy.close();
  });

  it("tells SQLITE_FULL and ENOSPC from other errors", () => {
    const file = join(root, "any.db");
    expect(isDiskFull({ code: "SQLITE_FULL", message: "database or disk is full" }, file)).toBe(true);
    expect(isDiskFull({ code: "ENOSPC", message: "no space left on device" }, file)).toBe(true);
    expect(isDiskFull({ code: "SQLITE_CONSTRAINT", message: "UNIQUE constraint failed" }, file)).toBe(false);
    // An I/O error on a file system with room is an I/O error, not a full disk.
    expect(isDiskFull({ code: "SQLITE_IOERR_WRITE", message: "disk I/O error" }, file)).toBe(false);
  });
});
