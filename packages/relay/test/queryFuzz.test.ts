/**
 * Fuzz: the SQLite adapter's indexed queries against the reference matcher (`storeFuzz.ts`; the
 * PostgreSQL adapter runs the same comparison in tests/relay/postgresStore.test.ts).
 */
import { describe, it } from "vitest";
import { SqliteEventStore } from "../src/store/sqlite.ts";
import { storeMatchesReference } from "./storeFuzz.ts";

describe("SQLite queries agree with matchFilter", () => {
  it("returns the newest matching events, limit respected", async () => {
    await storeMatchesReference(async () => new SqliteEventStore(":memory:"), 300);
  });
});
