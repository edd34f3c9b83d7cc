/**
 * A SQLite read with a deadline stops at it even when it scans many rows and returns few or none,
 * and a COUNT (one aggregate statement) stops too: the check runs in SQL for every row looked at,
 * not only for rows that come back. Reads with and without a deadline use the same query plan.
 */
import type { Filter, NostrEvent } from "@rally/protocol/nostr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteEventStore } from "../src/store/sqlite.ts";
import { QueryTimeoutError } from "../src/store/types.ts";

const T0 = 1_700_000_000;
const N = 60_000;
const NOW = T0 + N + 10;
const hex64 = (n: number) => n.toString(16).padStart(64, "0");

/** Every event is tagged `t: nostr` with its own `p`: a filter on `t` plus an unknown `p` scans all. */
function event(i: number): NostrEvent {
  return {
    id: hex64(i + 1),
    pubkey: "a".repeat(64),
    created_at: T0 + i,
    kind: 1,
    tags: [
      ["t", "nostr"],
      ["p", hex64(i)],
    ],
    content: "",
    sig: "0".repeat(128),
  } as NostrEvent;
}

const scanning: Filter[] = [
  { "#t": ["nostr"], "#p": ["ff".repeat(32)], limit: 10 },
  { "#t": ["nostr"], "#e": ["ff".repeat(32)], limit: 10 },
  { "#t": ["nostr"], authors: ["b".repeat(64)], limit: 10 },
];

describe("SQLite read deadlines", () => {
  let store: SqliteEventStore;
  beforeAll(() => {
    store = new SqliteEventStore(":memory:");
    for (let b = 0; b < N; b += 5000) store.saveSync(Array.from({ length: 5000 }, (_, k) => event(b + k)));
  });
  afterAll(() => store.close());

  it.each(scanning)("a read that scans without finding stops at its deadline: %j", (filter) => {
    expect(store.querySync(filter, { now: NOW })).toEqual([]);
    // The deadline is a millisecond away; reading every event of the scan takes far longer.
    expect(() => store.querySync(filter, { now: NOW, deadline: performance.now() + 1 })).toThrow(
      QueryTimeoutError,
    );
    expect(() => store.queryKeysSync(filter, { now: NOW, deadline: performance.now() + 1 })).toThrow(
      QueryTimeoutError,
    );
    // The store reads on normally after a read stopped part-way.
    expect(store.querySync(filter, { now: NOW, deadline: performance.now() + 600_000 })).toEqual([]);
  });

  it("a COUNT stops at its deadline", () => {
    const all: Filter = { "#t": ["nostr"] };
    expect(store.countSync([all], { now: NOW })).toBe(N);
    expect(() => store.countSync([all], { now: NOW, deadline: performance.now() + 1 })).toThrow(
      QueryTimeoutError,
    );
    expect(() => store.countSync(scanning, { now: NOW, deadline: performance.now() + 1 })).toThrow(
      QueryTimeoutError,
    );
    expect(store.countSync([all], { now: NOW, deadline: performance.now() + 600_000 })).toBe(N);
  });

  it("a read with a deadline has the same query plan as one without", async () => {
    // A store of its own, so that no statement is cached already.
    const store = new SqliteEventStore(":memory:");
    store.saveSync(Array.from({ length: 100 }, (_, i) => event(i)));
    const prepared: string[] = [];
    const prepare = store.db.prepare.bind(store.db);
    store.db.prepare = ((sql: string) => {
      prepared.push(sql);
      return prepare(sql);
    }) as typeof store.db.prepare;
    // Filters of distinct SQL (a statement already prepared is not prepared again).
    const shapes: Filter[] = [
      scanning[0]!,
      scanning[2]!,
      { authors: ["a".repeat(64)], kinds: [1], limit: 5 },
      { kinds: [1], since: T0 + N - 100 },
      { ids: [hex64(5), hex64(6)] },
    ];
    try {
      for (const filter of shapes) {
        prepared.length = 0;
        store.querySync(filter, { now: NOW });
        store.querySync(filter, { now: NOW, deadline: performance.now() + 600_000 });
        const plain = prepared.find((sql) => !sql.includes("rally_deadline"));
        const timed = prepared.find((sql) => sql.includes("rally_deadline"));
        expect(plain, JSON.stringify(filter)).toBeDefined();
        expect(timed?.replace("((random() & 255) <> 0 OR rally_deadline()) AND ", "")).toBe(plain);
        expect(plan(store, timed!)).toEqual(plan(store, plain!));
      }
    } finally {
      store.db.prepare = prepare;
      await store.close();
    }
  });
});

function plan(store: SqliteEventStore, sql: string): string[] {
  const params = new Array((sql.match(/\?/g) ?? []).length).fill(1);
  return (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map(
    (r) => r.detail,
  );
}
