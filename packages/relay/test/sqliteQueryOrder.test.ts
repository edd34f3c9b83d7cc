/**
 * SQLite reads events by `created_at` alone and puts ties in id order itself, reading on past a
 * cut through the events tied with the last one kept. Its answers must be exactly NIP-01's — newest
 * first, ties by lowest id, the first `limit` of that order, cut after the event whose JSON reaches
 * `maxBytes` — for events stored in any order of id (the shared fuzz stores them in id order), and
 * when a run of ties outlasts what it reads (many events in one second).
 */
import { eventToJson, type Filter, matchFilter, type NostrEvent } from "@rally/protocol/nostr";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SqliteEventStore } from "../src/store/sqlite.ts";

const T0 = 1_700_000_000;
const NOW = T0 + 100;
const hex64 = (n: number) => n.toString(16).padStart(64, "0");

function event(id: number, dt: number, room: string, size: number): NostrEvent {
  return {
    id: hex64(id),
    pubkey: "a".repeat(64),
    created_at: T0 + dt,
    kind: 445,
    tags: [["h", room]],
    content: "x".repeat(size),
    sig: "0".repeat(128),
  } as NostrEvent;
}

/** NIP-01 order, cut at `limit` and after the event whose JSON reaches `maxBytes`. */
function reference(events: readonly NostrEvent[], filter: Filter, maxBytes?: number): string[] {
  const ordered = events
    .filter((e) => matchFilter(filter, e))
    .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : 1));
  const out: string[] = [];
  let bytes = 0;
  for (const e of ordered) {
    if (filter.limit !== undefined && out.length >= filter.limit) break;
    out.push(e.id);
    bytes += eventToJson(e).length;
    if (maxBytes !== undefined && bytes >= maxBytes) break;
  }
  return out;
}

const eventsArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 60 })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 3 }),
          fc.constantFrom("r1", "r2", "r3"),
          fc.integer({ min: 0, max: 400 }),
        ),
        { minLength: ids.length, maxLength: ids.length },
      ),
    ),
  )
  .map(([ids, rows]) => ids.map((id, i) => event(id, rows[i]![0], rows[i]![1], rows[i]![2])));

const filterArb = fc.record({
  "#h": fc.subarray(["r1", "r2", "r3"], { minLength: 1 }),
  limit: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
});

describe("SQLite read order", () => {
  it("agrees with NIP-01 order, limit and byte cut, for ids stored in any order", async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsArb,
        filterArb,
        fc.option(fc.integer({ min: 1, max: 6000 }), { nil: undefined }),
        async (events, filter, maxBytes) => {
          const store = new SqliteEventStore(":memory:");
          try {
            store.saveSync(events);
            const got = store.querySync(filter, { now: NOW, ...(maxBytes ? { maxBytes } : {}) });
            expect(got.map((e) => e.id)).toEqual(reference(events, filter, maxBytes));
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps the lowest ids of a long run of ties, past what it reads at first", async () => {
    const store = new SqliteEventStore(":memory:");
    // 300 events in one second, ids stored in descending order, then older ones.
    const tied = Array.from({ length: 300 }, (_, i) => event(10_000 - i, 50, "r1", 100));
    const older = Array.from({ length: 20 }, (_, i) => event(20_000 + i, 10 - (i % 5), "r1", 100));
    store.saveSync([...tied, ...older]);
    const all = [...tied, ...older];
    for (const filter of [
      { "#h": ["r1"], limit: 5 },
      { "#h": ["r1"], limit: 299 },
      { "#h": ["r1"], limit: 300 },
      { "#h": ["r1"], limit: 310 },
      { "#h": ["r1", "r2"], limit: 7 },
    ]) {
      expect(store.querySync(filter, { now: NOW }).map((e) => e.id)).toEqual(reference(all, filter));
      expect(store.querySync(filter, { now: NOW, maxBytes: 2000 }).map((e) => e.id)).toEqual(
        reference(all, filter, 2000),
      );
    }
    await store.close();
  });
});
