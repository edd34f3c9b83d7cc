/**
 * Fuzz: the SQLite adapter's indexed queries against the reference matcher. For random event sets
 * and random filters, the store must return exactly the matching, unexpired, unhidden events —
 * newest first, at most `limit`, and when a limit cuts, none left out newer than one returned — and
 * COUNT must equal the size of the union over filters.
 */
import { matchFilter } from "@rally/protocol/nostr/index.ts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SqliteEventStore } from "../src/store/sqlite.ts";
import { eventsArb, filterArb, isExpired, NOW } from "./arbitraries.ts";

describe("SQLite queries agree with matchFilter", () => {
  it("returns the newest matching events, limit respected", () => {
    // How often a filter matched something and how often a limit cut: keeps the test from going vacuous.
    let nonEmpty = 0;
    let cut = 0;
    fc.assert(
      fc.property(
        eventsArb,
        fc.array(filterArb, { minLength: 1, maxLength: 4 }),
        fc.subarray([1059, 7]),
        (events, filters, hideKinds) => {
          const store = new SqliteEventStore(":memory:");
          try {
            const outcomes = store.saveSync(events);
            expect(outcomes.every((o) => o.status === "saved")).toBe(true);
            const visible = events.filter((e) => !isExpired(e) && !hideKinds.includes(e.kind));
            for (const filter of filters) {
              const got = store.querySync(filter, { now: NOW, hideKinds });
              const matching = visible.filter((e) => matchFilter(filter, e));
              const gotIds = got.map((r) => r.id);
              expect(new Set(gotIds).size).toBe(gotIds.length);
              for (const r of got) expect(matching.some((e) => e.id === r.id)).toBe(true);
              for (let i = 1; i < got.length; i++)
                expect(got[i - 1]!.created_at).toBeGreaterThanOrEqual(got[i]!.created_at);
              const want =
                filter.limit === undefined ? matching.length : Math.min(filter.limit, matching.length);
              expect(got.length).toBe(want);
              if (got.length > 0) nonEmpty++;
              if (want < matching.length && want > 0) cut++;
              if (got.length > 0) {
                const oldestReturned = got[got.length - 1]!.created_at;
                const left = matching.filter((e) => !gotIds.includes(e.id));
                for (const e of left) expect(e.created_at).toBeLessThanOrEqual(oldestReturned);
              }
            }
            const union = visible.filter((e) => filters.some((f) => matchFilter(f, e)));
            expect(store.countSync(filters, { now: NOW, hideKinds })).toBe(union.length);
          } finally {
            void store.close();
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(nonEmpty).toBeGreaterThan(100);
    expect(cut).toBeGreaterThan(20);
  });
});
