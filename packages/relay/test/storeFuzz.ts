/**
 * The fuzz comparison every EventStore runs against the reference matcher: for random event sets
 * and random filters (few timestamps, so many ties), the store must return exactly the matching,
 * unexpired, unhidden events in NIP-01 order — newest first, ties by lowest id — cut at `limit`,
 * and COUNT must equal the size of the union over filters. `storeMatchesReference` runs it with a
 * fresh (or emptied) store per case from `open`; `maxBytes` is passed to every query (a budget
 * large enough never to cut, to exercise a store that reads in pages when it has one).
 */
import { type Filter, matchFilter, type NostrEvent } from "@rally/protocol/nostr";
import fc from "fast-check";
import { expect } from "vitest";
import type { EventStore } from "../src/store/types.ts";
import { eventsArb, filterArb, isExpired, NOW } from "./arbitraries.ts";

export async function storeMatchesReference(
  open: () => Promise<EventStore>,
  numRuns: number,
  maxBytes?: number,
): Promise<void> {
  // How often a filter matched something and how often a limit cut: keeps the test from going vacuous.
  let nonEmpty = 0;
  let cut = 0;
  await fc.assert(
    fc.asyncProperty(
      eventsArb,
      fc.array(filterArb, { minLength: 1, maxLength: 4 }),
      fc.subarray([1059, 7]),
      async (events: NostrEvent[], filters: Filter[], hideKinds: number[]) => {
        const store = await open();
        try {
          const outcomes = await store.saveBatch(events);
          expect(outcomes.every((o) => o.status === "saved")).toBe(true);
          const visible = events.filter((e) => !isExpired(e) && !hideKinds.includes(e.kind));
          for (const filter of filters) {
            const got = await store.query(filter, { now: NOW, hideKinds, ...(maxBytes ? { maxBytes } : {}) });
            const matching = visible.filter((e) => matchFilter(filter, e));
            // NIP-01 order: newest first, ties by lowest id; a limit keeps the first n of that order.
            const ordered = [...matching].sort(
              (a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : 1),
            );
            const want = filter.limit === undefined ? ordered : ordered.slice(0, filter.limit);
            expect(got.map((r) => r.id)).toEqual(want.map((e) => e.id));
            const keys = await store.queryKeys(filter, { now: NOW, hideKinds });
            expect(keys.map((k) => k.id)).toEqual(want.map((e) => e.id));
            if (got.length > 0) nonEmpty++;
            if (want.length < matching.length && want.length > 0) cut++;
          }
          const union = visible.filter((e) => filters.some((f) => matchFilter(f, e)));
          expect(await store.count(filters, { now: NOW, hideKinds })).toBe(union.length);
        } finally {
          await store.close();
        }
      },
    ),
    { numRuns },
  );
  // Guards against a vacuous run, set well below what a run gives (cuts number about 20 in 300
  // runs, so "more than 20" failed now and then by chance alone).
  expect(nonEmpty).toBeGreaterThan(numRuns / 3);
  expect(cut).toBeGreaterThan(numRuns / 60);
}
