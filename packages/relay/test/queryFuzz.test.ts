/**
 * Fuzz: the SQLite adapter's indexed queries against the reference matcher. For random event sets
 * and random filters (few timestamps, so many ties), the store must return exactly the matching,
 * unexpired, unhidden events in NIP-01 order — newest first, ties by lowest id — cut at `limit`,
 * and COUNT must equal the size of the union over filters.
 */
import { matchFilter } from "@rally/protocol/nostr";
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
              // NIP-01 order: newest first, ties by lowest id; a limit keeps the first n of that order.
              const ordered = [...matching].sort(
                (a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : 1),
              );
              const want = filter.limit === undefined ? ordered : ordered.slice(0, filter.limit);
              expect(gotIds).toEqual(want.map((e) => e.id));
              if (got.length > 0) nonEmpty++;
              if (want.length < matching.length && want.length > 0) cut++;
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
    // Guards against a vacuous run, set well below what a run gives (cuts number about 20 of 300
    // runs, so "more than 20" failed now and then by chance alone).
    expect(nonEmpty).toBeGreaterThan(100);
    expect(cut).toBeGreaterThan(5);
  });
});
