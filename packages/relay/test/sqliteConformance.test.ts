/** The shared EventStore conformance suite, run against the SQLite adapter (in memory and on disk). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, it } from "vitest";
import { eventStoreConformance, runEventStoreConformance } from "../src/store/conformance.ts";
import { SqliteEventStore } from "../src/store/sqlite.ts";

describe("EventStore conformance: SQLite in memory", () => {
  runEventStoreConformance(() => new SqliteEventStore(":memory:"), it);
});

describe("EventStore conformance: SQLite file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rally-store-conf-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  eventStoreConformance.forEach((c, i) => {
    it(c.name, async () => {
      const store = new SqliteEventStore(path.join(dir, `case-${i}.sqlite`));
      try {
        await c.run(store);
      } finally {
        await store.close();
      }
    });
  });
});
