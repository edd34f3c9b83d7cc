/**
 * The conformance suite every `EventStore` adapter runs (SQLite now, PostgreSQL later), after
 * khatru/eventstore's shared test table: each case gets a fresh, empty store and checks one rule of
 * NIP-01 (filters, limit, replaceable and addressable kinds), NIP-09 (deletion) or NIP-40
 * (expiration) through the port alone. Runner-independent (node:assert), so any test runner can
 * run it — `runEventStoreConformance(openEmptyStore, it)` with Vitest's `it` — or iterate
 * `eventStoreConformance` itself.
 */
import assert from "node:assert/strict";
import type { Filter, NostrEvent } from "@rally/protocol/nostr";
import { finalizeEvent, getPublicKey } from "nostr-tools/pure";
import { type EventStore, type QueryOptions, QueryTimeoutError, type SaveOutcome } from "./types.ts";

export interface ConformanceCase {
  name: string;
  run(store: EventStore): Promise<void>;
}

// Fixed keys keep the suite deterministic apart from Schnorr nonces.
const keys = [1, 2, 3].map((n) => {
  const sk = new Uint8Array(32);
  sk[31] = n;
  return { sk, pubkey: getPublicKey(sk) };
});
const [alice, bob] = keys as [(typeof keys)[0], (typeof keys)[0]];

const T0 = 1_700_000_000;
const NOW: QueryOptions = { now: T0 + 1_000_000 };

function ev(
  who: { sk: Uint8Array },
  kind: number,
  created_at: number,
  tags: string[][] = [],
  content = "",
): NostrEvent {
  return finalizeEvent({ kind, created_at, tags, content }, who.sk) as unknown as NostrEvent;
}

async function save(store: EventStore, ...events: NostrEvent[]): Promise<SaveOutcome["status"][]> {
  return (await store.saveBatch(events)).map((o) => o.status);
}

async function ids(store: EventStore, filter: Filter, options: QueryOptions = NOW): Promise<string[]> {
  return (await store.query(filter, options)).map((e) => e.id);
}

export const eventStoreConformance: ConformanceCase[] = [
  {
    name: "saves an event and returns it by id with its JSON intact",
    async run(store) {
      const e = ev(alice, 1, T0, [["t", "x"]], 'hello ☀ \u0000 "quoted"');
      assert.deepEqual(await save(store, e), ["saved"]);
      const [row] = await store.query({ ids: [e.id] }, NOW);
      assert.ok(row);
      assert.equal(row.id, e.id);
      assert.equal(row.pubkey, e.pubkey);
      assert.equal(row.kind, 1);
      assert.equal(row.created_at, T0);
      assert.deepEqual(JSON.parse(row.json), {
        id: e.id,
        pubkey: e.pubkey,
        created_at: e.created_at,
        kind: e.kind,
        tags: e.tags,
        content: e.content,
        sig: e.sig,
      });
    },
  },
  {
    name: "answers a second copy of an event as duplicate, also within one batch",
    async run(store) {
      const e = ev(alice, 1, T0);
      assert.deepEqual(await save(store, e, e), ["saved", "duplicate"]);
      assert.deepEqual(await save(store, e), ["duplicate"]);
      assert.deepEqual(await ids(store, {}), [e.id]);
    },
  },
  {
    name: "returns newest first and honours limit",
    async run(store) {
      const es = [3, 1, 4, 0, 2].map((i) => ev(alice, 1, T0 + i));
      await save(store, ...es);
      const byTime = [...es].sort((a, b) => b.created_at - a.created_at).map((e) => e.id);
      assert.deepEqual(await ids(store, {}), byTime);
      assert.deepEqual(await ids(store, { limit: 2 }), byTime.slice(0, 2));
      assert.deepEqual(await ids(store, { limit: 0 }), []);
    },
  },
  {
    name: "orders events with equal created_at by lowest id first, also when a limit cuts",
    async run(store) {
      const tied = [0, 1, 2, 3].map((i) => ev(alice, 1, T0, [], `tie ${i}`));
      const newer = ev(alice, 1, T0 + 1);
      await save(store, ...tied, newer);
      const byId = tied.map((e) => e.id).sort();
      assert.deepEqual(await ids(store, {}), [newer.id, ...byId]);
      assert.deepEqual(await ids(store, { limit: 3 }), [newer.id, byId[0], byId[1]]);
      assert.deepEqual(await ids(store, { "#p": [], limit: 3 }), []);
    },
  },
  {
    name: "stops at maxBytes, newest first, with at least one event",
    async run(store) {
      const es = [0, 1, 2, 3].map((i) => ev(alice, 1, T0 + i, [], "z".repeat(1000)));
      await save(store, ...es);
      const newestFirst = [...es].reverse().map((e) => e.id);
      assert.deepEqual(await ids(store, {}, { ...NOW, maxBytes: 1 }), newestFirst.slice(0, 1));
      const two = await ids(store, {}, { ...NOW, maxBytes: 1500 });
      assert.deepEqual(two, newestFirst.slice(0, 2));
      assert.deepEqual(await ids(store, {}, { ...NOW, maxBytes: 1_000_000 }), newestFirst);
    },
  },
  {
    name: "matches ids, authors, kinds, since and until (inclusive)",
    async run(store) {
      const a1 = ev(alice, 1, T0);
      const a7 = ev(alice, 7, T0 + 10);
      const b1 = ev(bob, 1, T0 + 20);
      await save(store, a1, a7, b1);
      assert.deepEqual(await ids(store, { ids: [a7.id, b1.id] }), [b1.id, a7.id]);
      assert.deepEqual(await ids(store, { authors: [alice.pubkey] }), [a7.id, a1.id]);
      assert.deepEqual(await ids(store, { kinds: [1] }), [b1.id, a1.id]);
      assert.deepEqual(await ids(store, { since: T0 + 10 }), [b1.id, a7.id]);
      assert.deepEqual(await ids(store, { until: T0 + 10 }), [a7.id, a1.id]);
      assert.deepEqual(await ids(store, { since: T0 + 10, until: T0 + 10 }), [a7.id]);
      assert.deepEqual(await ids(store, { authors: [alice.pubkey], kinds: [1] }), [a1.id]);
      assert.deepEqual(await ids(store, { ids: [a1.id], kinds: [7] }), []);
    },
  },
  {
    name: "matches single-letter tag filters: any value of a list, all tag conditions",
    async run(store) {
      const e1 = ev(alice, 1, T0, [
        ["e", "aa"],
        ["p", "x"],
      ]);
      const e2 = ev(alice, 1, T0 + 1, [
        ["e", "bb"],
        ["p", "x"],
        ["p", "y"],
      ]);
      const e3 = ev(alice, 1, T0 + 2, [
        ["T", "Upper"],
        ["expiration-like", "zz"],
        ["h", "g1", "extra"],
      ]);
      await save(store, e1, e2, e3);
      assert.deepEqual(await ids(store, { "#e": ["aa", "bb"] }), [e2.id, e1.id]);
      assert.deepEqual(
        await ids(store, { "#p": ["x", "y"] }),
        [e2.id, e1.id],
        "an event matching two values comes once",
      );
      assert.deepEqual(await ids(store, { "#p": ["x", "y"], limit: 1 }), [e2.id]);
      assert.deepEqual(await ids(store, { "#e": ["aa", "bb"], "#p": ["y"] }), [e2.id]);
      assert.deepEqual(await ids(store, { "#T": ["Upper"] }), [e3.id]);
      assert.deepEqual(await ids(store, { "#t": ["Upper"] }), [], "tag names are case-sensitive");
      assert.deepEqual(
        await ids(store, { "#h": ["g1"] }),
        [e3.id],
        "only the first value of a tag is matched",
      );
      assert.deepEqual(await ids(store, { "#h": ["extra"] }), []);
      assert.deepEqual(await ids(store, { "#e": ["aa"], authors: [bob.pubkey] }), []);
      assert.deepEqual(await ids(store, { "#e": ["aa", "bb"], since: T0 + 1 }), [e2.id]);
    },
  },
  {
    name: "keeps only the newest replaceable event per author and kind",
    async run(store) {
      const old = ev(alice, 0, T0, [], "old");
      const mid = ev(alice, 0, T0 + 5, [], "mid");
      const other = ev(bob, 0, T0 + 1, [], "bob");
      assert.deepEqual(await save(store, old, other, mid), ["saved", "saved", "saved"]);
      assert.deepEqual(await ids(store, { kinds: [0] }), [mid.id, other.id]);
      assert.deepEqual(await save(store, old), ["superseded"]);
      const k10002a = ev(alice, 10002, T0);
      const k10002b = ev(alice, 10002, T0 + 1);
      assert.deepEqual(await save(store, k10002b, k10002a), ["saved", "superseded"]);
      assert.deepEqual(await ids(store, { kinds: [10002] }), [k10002b.id]);
    },
  },
  {
    name: "breaks a replaceable tie on equal created_at by keeping the lowest id",
    async run(store) {
      const a = ev(alice, 3, T0, [], "a");
      const b = ev(alice, 3, T0, [], "b");
      const [low, high] = a.id < b.id ? [a, b] : [b, a];
      assert.deepEqual(await save(store, high, low), ["saved", "saved"]);
      assert.deepEqual(await ids(store, { kinds: [3] }), [low.id]);
      assert.deepEqual(await save(store, high), ["superseded"]);
    },
  },
  {
    name: "keeps the newest addressable event per author, kind and d tag",
    async run(store) {
      const x1 = ev(alice, 30023, T0, [["d", "x"]]);
      const x2 = ev(alice, 30023, T0 + 1, [["d", "x"]]);
      const y = ev(alice, 30023, T0, [["d", "y"]]);
      const none = ev(alice, 30023, T0);
      const empty = ev(alice, 30023, T0 + 2, [["d", ""]]);
      assert.deepEqual(await save(store, x1, y, x2, none, empty), [
        "saved",
        "saved",
        "saved",
        "saved",
        "saved",
      ]);
      assert.deepEqual(new Set(await ids(store, { kinds: [30023] })), new Set([x2.id, y.id, empty.id]));
      const bobX = ev(bob, 30023, T0 - 5, [["d", "x"]]);
      assert.deepEqual(await save(store, bobX), ["saved"], "another author's address is separate");
    },
  },
  {
    name: "NIP-09: a kind-5 request deletes its author's events named by e tag, and only those",
    async run(store) {
      const mine = ev(alice, 1, T0);
      const theirs = ev(bob, 1, T0);
      await save(store, mine, theirs);
      const del = ev(alice, 5, T0 + 1, [
        ["e", mine.id],
        ["e", theirs.id],
      ]);
      assert.deepEqual(await save(store, del), ["saved"]);
      assert.deepEqual(await ids(store, { kinds: [1] }), [theirs.id]);
      assert.deepEqual(await ids(store, { kinds: [5] }), [del.id], "the request itself is kept");
      assert.deepEqual(await save(store, mine), ["deleted"], "a deleted event is not stored again");
      assert.deepEqual(await save(store, theirs), ["duplicate"]);
    },
  },
  {
    name: "NIP-09: a request that arrives before its target still keeps the target out",
    async run(store) {
      const mine = ev(alice, 1, T0);
      await save(store, ev(alice, 5, T0 + 1, [["e", mine.id]]));
      assert.deepEqual(await save(store, mine), ["deleted"]);
      const forged = ev(bob, 5, T0 + 1, [["e", "f".repeat(64)]]);
      await save(store, forged);
      assert.deepEqual(await ids(store, { kinds: [1] }), []);
    },
  },
  {
    name: "NIP-09: deleting a deletion request has no effect",
    async run(store) {
      const target = ev(alice, 1, T0);
      const del = ev(alice, 5, T0 + 1, [["e", target.id]]);
      const delDel = ev(alice, 5, T0 + 2, [["e", del.id]]);
      await save(store, target, del, delDel);
      assert.deepEqual(new Set(await ids(store, { kinds: [5] })), new Set([del.id, delDel.id]));
      assert.deepEqual(await save(store, target), ["deleted"]);
    },
  },
  {
    name: "NIP-09: an a-tag request deletes versions of the address up to its created_at",
    async run(store) {
      const v1 = ev(alice, 30000, T0, [["d", "list"]]);
      const other = ev(alice, 30000, T0, [["d", "other"]]);
      await save(store, v1, other);
      const del = ev(alice, 5, T0 + 10, [["a", `30000:${alice.pubkey}:list`]]);
      await save(store, del);
      assert.deepEqual(await ids(store, { kinds: [30000] }), [other.id]);
      assert.deepEqual(await save(store, ev(alice, 30000, T0 + 5, [["d", "list"]])), ["deleted"]);
      const v2 = ev(alice, 30000, T0 + 11, [["d", "list"]]);
      assert.deepEqual(await save(store, v2), ["saved"], "a newer version after the request is kept");
      const bobDel = ev(bob, 5, T0 + 20, [["a", `30000:${alice.pubkey}:list`]]);
      await save(store, bobDel);
      assert.deepEqual(new Set(await ids(store, { kinds: [30000] })), new Set([other.id, v2.id]));
    },
  },
  {
    name: "NIP-40: expired events are not returned and purgeExpired removes them",
    async run(store) {
      const soon = ev(alice, 1, T0, [["expiration", String(T0 + 100)]]);
      const later = ev(alice, 1, T0 + 1, [["expiration", String(T0 + 1000)]]);
      const never = ev(alice, 1, T0 + 2);
      await save(store, soon, later, never);
      assert.deepEqual(await ids(store, {}, { now: T0 + 50 }), [never.id, later.id, soon.id]);
      assert.deepEqual(await ids(store, {}, { now: T0 + 100 }), [never.id, later.id]);
      assert.equal(await store.count([{}], { now: T0 + 100 }), 2);
      assert.equal(await store.purgeExpired(T0 + 100), 1);
      assert.deepEqual(await ids(store, {}, { now: T0 }), [never.id, later.id]);
    },
  },
  {
    name: "hides the kinds a read policy asks to hide",
    async run(store) {
      const wrap = ev(alice, 1059, T0, [["p", bob.pubkey]]);
      const note = ev(alice, 1, T0, [["p", bob.pubkey]]);
      await save(store, wrap, note);
      assert.deepEqual(await ids(store, { "#p": [bob.pubkey] }, { ...NOW, hideKinds: [1059] }), [note.id]);
      assert.equal(await store.count([{}], { ...NOW, hideKinds: [1059] }), 1);
      // Per filter: the wrap counts through the filter that may see it, once.
      const byFilter = { ...NOW, hideKindsByFilter: [[1059], []] };
      assert.equal(await store.count([{}, { kinds: [1059] }], byFilter), 2);
      assert.equal(await store.count([{}, { kinds: [7] }], byFilter), 1);
    },
  },
  {
    name: "queryKeys gives the id and created_at of what query returns, in the same order",
    async run(store) {
      const wrap = ev(alice, 1059, T0 + 2, [["p", bob.pubkey]]);
      const tagged = ev(alice, 1, T0 + 1, [
        ["p", bob.pubkey],
        ["p", alice.pubkey],
      ]);
      const expired = ev(bob, 1, T0, [["expiration", String(T0 + 10)]]);
      await save(store, wrap, tagged, expired, ev(bob, 7, T0 + 3), ev(bob, 1, T0 + 3));
      const filters: Filter[] = [{}, { kinds: [1] }, { "#p": [bob.pubkey, alice.pubkey] }, { limit: 2 }];
      for (const options of [NOW, { now: T0 }, { ...NOW, hideKinds: [1059] }])
        for (const f of filters) {
          const rows = await store.query(f, options);
          const keys = await store.queryKeys(f, options);
          assert.deepEqual(
            keys,
            rows.map((r) => ({ id: r.id, created_at: r.created_at })),
          );
        }
      assert.equal((await store.queryKeys({}, NOW)).length, 4);
      assert.equal((await store.queryKeys({}, { ...NOW, hideKinds: [1059] })).length, 3);
    },
  },
  {
    name: "counts distinct events matching any filter",
    async run(store) {
      const a = ev(alice, 1, T0, [
        ["p", "x"],
        ["p", "y"],
      ]);
      const b = ev(bob, 1, T0);
      await save(store, a, b, ev(bob, 7, T0));
      assert.equal(await store.count([{ kinds: [1] }], NOW), 2);
      assert.equal(await store.count([{ kinds: [1] }, { authors: [alice.pubkey] }], NOW), 2);
      assert.equal(await store.count([{ "#p": ["x", "y"] }], NOW), 1);
      assert.equal(await store.count([{ kinds: [7] }, { "#p": ["x"] }], NOW), 2);
      assert.equal(await store.count([], NOW), 0);
    },
  },
  {
    name: "query, queryKeys and count stop with QueryTimeoutError at a deadline already past",
    async run(store) {
      const events = Array.from({ length: 5 }, (_, i) => ev(alice, 1, T0 + i, [["t", "x"]]));
      await save(store, ...events);
      const filter: Filter = { kinds: [1], "#t": ["x"] };
      const past: QueryOptions = { ...NOW, deadline: performance.now() - 1 };
      await assert.rejects(store.query(filter, past), QueryTimeoutError);
      await assert.rejects(store.queryKeys(filter, past), QueryTimeoutError);
      await assert.rejects(store.count([filter], past), QueryTimeoutError);
      // A deadline still ahead changes nothing.
      const ahead: QueryOptions = { ...NOW, deadline: performance.now() + 600_000 };
      assert.equal((await store.query(filter, ahead)).length, 5);
      assert.equal((await store.queryKeys(filter, ahead)).length, 5);
      assert.equal(await store.count([filter], ahead), 5);
    },
  },
  {
    name: "authorBytes counts the author's stored JSON, without a batch saved after it was asked for",
    async run(store) {
      if (store.authorBytes === undefined) return;
      const first = ev(alice, 1, T0, [], "first");
      const reading = store.authorBytes(first.pubkey);
      const [outcome] = await store.saveBatch([first, ev(bob, 1, T0)]);
      assert.equal(await reading, 0);
      assert.ok(outcome?.status === "saved");
      assert.equal(await store.authorBytes(first.pubkey), outcome.json.length);
    },
  },
  {
    name: "applies a batch in order with one outcome per event",
    async run(store) {
      const r1 = ev(alice, 10000, T0 + 1);
      const r0 = ev(alice, 10000, T0);
      const n = ev(bob, 1, T0);
      assert.deepEqual(await save(store, r1, n, r0, n), ["saved", "saved", "superseded", "duplicate"]);
      assert.deepEqual(await save(store), []);
    },
  },
];

/**
 * Registers every conformance case with a test runner's `test`/`it`; each case gets a fresh store
 * from `open` and closes it afterwards.
 */
export function runEventStoreConformance(
  open: () => EventStore | Promise<EventStore>,
  test: (name: string, fn: () => Promise<void>) => void,
): void {
  for (const c of eventStoreConformance) {
    test(c.name, async () => {
      const store = await open();
      try {
        await c.run(store);
      } finally {
        await store.close();
      }
    });
  }
}
