/**
 * The SQLite store's write-ahead log does not keep the size a burst gave it: after the next
 * checkpoint it is cut back (`journal_size_limit`), so the relay's disk stays near its database's.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { NostrEvent } from "@rally/protocol/nostr";
import { afterAll, expect, it } from "vitest";
import { SqliteEventStore } from "../src/store/sqlite.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rally-wal-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Stored as given (the store does not check signatures): distinct ids, 4 KB of content each. */
const events = (count: number): NostrEvent[] =>
  Array.from({ length: count }, () => {
    n++;
    return {
      id: n.toString(16).padStart(64, "0"),
      pubkey: "a".repeat(64),
      created_at: 1_700_000_000 + n,
      kind: 1,
      tags: [["t", `t${n % 7}`]],
      content: `${n} ${"x".repeat(4000)}`,
      sig: "b".repeat(128),
    } as NostrEvent;
  });

it("cuts the write-ahead log back to 4 MiB after a burst bigger than that", () => {
  const file = path.join(dir, "events.sqlite");
  const store = new SqliteEventStore(file);
  const wal = () => fs.statSync(`${file}-wal`).size;
  // One transaction of about 12 MB: the log must grow past it, whatever the limit.
  store.saveSync(events(3000));
  expect(wal()).toBeGreaterThan(8 * 1024 * 1024);
  // The next commit finds the log past the checkpoint size, checkpoints it and truncates it.
  store.saveSync(events(1));
  expect(wal()).toBeLessThanOrEqual(4 * 1024 * 1024);
  expect(store.db.prepare("SELECT count(*) AS c FROM events").get()).toEqual({ c: 3001 });
  store.close();
});
