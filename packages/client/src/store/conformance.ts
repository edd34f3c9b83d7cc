/**
 * The one conformance suite every `Store` adapter runs (the automerge-repo / khatru pattern):
 * a list of named async checks over a fresh-store factory, with no test framework, so the same
 * checks run under Vitest in Node (SQLite) and inside a real Chromium page (IndexedDB).
 *
 * Runs in: Node and browsers.
 */
import { type RumorQuery, type Store, type StoredRumor, StoreError, type WriteOp } from "./store.ts";
import { newestFirst, rumorMatches } from "./validate.ts";

/** One store's storage: `open()` may be called again after `close()` to reopen the same data. */
export interface StoreHarness {
  open(): Promise<Store>;
  /** Deletes the storage. */
  destroy(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreHarness>;

export interface StoreCheck {
  name: string;
  run(factory: StoreFactory): Promise<void>;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  error?: string;
}

/** Runs every check (or those whose name includes `only`), each on a fresh store. */
export async function runStoreConformance(factory: StoreFactory, only?: string): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of storeConformance) {
    if (only && !check.name.includes(only)) continue;
    try {
      await check.run(factory);
      results.push({ name: check.name, ok: true });
    } catch (e) {
      results.push({
        name: check.name,
        ok: false,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
    }
  }
  return results;
}

// --- tiny assertion kit (no framework, so it bundles for the browser) ---

class CheckFailed extends Error {}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new CheckFailed(message);
}

function canonical(x: unknown): string {
  if (x instanceof Uint8Array) return `bytes:${Array.from(x).join(",")}`;
  if (x instanceof Set) return `set:${canonical([...x].sort())}`;
  if (Array.isArray(x)) return `[${x.map(canonical).join(",")}]`;
  if (x && typeof x === "object") {
    const entries = Object.entries(x as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return x === undefined ? "undefined" : JSON.stringify(x);
}

function equal(actual: unknown, expected: unknown, message: string): void {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a !== e)
    throw new CheckFailed(`${message}\n  expected: ${e.slice(0, 500)}\n  actual:   ${a.slice(0, 500)}`);
}

async function rejects(p: () => Promise<unknown>, message: string, code?: StoreError["code"]): Promise<void> {
  let threw: unknown;
  try {
    await p();
  } catch (e) {
    threw = e;
  }
  assert(threw !== undefined, `${message}: expected a rejection`);
  assert(
    threw instanceof Error && threw.name === "StoreError",
    `${message}: expected a StoreError, got ${String(threw)}`,
  );
  if (code)
    assert(
      (threw as StoreError).code === code,
      `${message}: expected code ${code}, got ${(threw as StoreError).code}`,
    );
  assert((threw as Error).message.length > 0, `${message}: the error has no message`);
}

async function withStore(factory: StoreFactory, fn: (store: Store, harness: StoreHarness) => Promise<void>) {
  const harness = await factory();
  const store = await harness.open();
  try {
    await fn(store, harness);
  } finally {
    await store.close().catch(() => {});
    await harness.destroy();
  }
}

/** A small deterministic PRNG (mulberry32) so generated data is the same in every environment. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex64(n: number, salt = 0): string {
  const r = prng(n * 7919 + salt + 1);
  let s = "";
  for (let i = 0; i < 64; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

const G1 = "a1".repeat(16);
const G2 = "b2".repeat(16);
const ALICE = hex64(1, 11);
const BOB = hex64(2, 11);

function rumor(group: string, n: number, created_at: number, kind = 9, pubkey = ALICE): StoredRumor {
  const id = hex64(n, group.charCodeAt(0));
  return {
    id,
    group,
    kind,
    created_at,
    pubkey,
    json: JSON.stringify({ id, kind, created_at, pubkey, content: `m${n}` }),
  };
}

function naive(all: StoredRumor[], q: RumorQuery): StoredRumor[] {
  const out = all.filter((r) => rumorMatches(q, r)).sort(newestFirst);
  return q.limit === undefined ? out : out.slice(0, q.limit);
}

// --- the checks ---

export const storeConformance: StoreCheck[] = [
  {
    name: "kv: put, get, overwrite, delete",
    run: (f) =>
      withStore(f, async (s) => {
        equal(await s.get("account"), undefined, "missing key reads undefined");
        const value = { name: "Ana", relays: ["ws://a/", "ws://b/"], n: 3, nested: { ok: true, none: null } };
        await s.batch([{ op: "put", key: "account", value }]);
        equal(await s.get("account"), value, "value round-trips");
        await s.batch([{ op: "put", key: "account", value: "replaced" }]);
        equal(await s.get("account"), "replaced", "put replaces");
        await s.batch([{ op: "delete", key: "account" }]);
        equal(await s.get("account"), undefined, "delete removes");
        await s.batch([{ op: "delete", key: "never-there" }]);
      }),
  },
  {
    name: "kv: values are stored as JSON, non-JSON values are refused",
    run: (f) =>
      withStore(f, async (s) => {
        await s.batch([{ op: "put", key: "k", value: { a: 1, gone: undefined, when: new Date(0) } }]);
        equal(await s.get("k"), { a: 1, when: "1970-01-01T00:00:00.000Z" }, "stored as its JSON form");
        await s.batch([{ op: "put", key: "zero", value: 0 }]);
        equal(await s.get("zero"), 0, "falsy values are values");
        await s.batch([{ op: "put", key: "null", value: null }]);
        equal(await s.get("null"), null, "null is a value");
        await rejects(
          () => s.batch([{ op: "put", key: "u", value: undefined }]),
          "undefined value",
          "invalid",
        );
        await rejects(() => s.batch([{ op: "put", key: "b", value: 1n }]), "bigint value", "invalid");
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        await rejects(() => s.batch([{ op: "put", key: "c", value: cyclic }]), "cyclic value", "invalid");
      }),
  },
  {
    name: "kv: keys are printable ASCII up to 1024 characters",
    run: (f) =>
      withStore(f, async (s) => {
        await rejects(() => s.batch([{ op: "put", key: "", value: 1 }]), "empty key", "invalid");
        await rejects(() => s.batch([{ op: "put", key: "caf\u00e9", value: 1 }]), "non-ASCII key", "invalid");
        await rejects(() => s.batch([{ op: "put", key: "a\nb", value: 1 }]), "control character", "invalid");
        await rejects(
          () => s.batch([{ op: "put", key: "k".repeat(1025), value: 1 }]),
          "1025 characters",
          "invalid",
        );
        await s.batch([{ op: "put", key: "k".repeat(1024), value: 1 }]);
        equal(await s.get("k".repeat(1024)), 1, "1024 characters is fine");
        await rejects(() => s.get(""), "get with empty key", "invalid");
        await rejects(() => s.list(""), "list with empty prefix", "invalid");
      }),
  },
  {
    name: "kv: list by prefix in key order, with limit; deletePrefix",
    run: (f) =>
      withStore(f, async (s) => {
        const keys = [
          "group/",
          "group/b",
          "group/a",
          "group/a/x",
          "group0",
          "groupZ",
          "grou",
          "invite/1",
          "~",
        ];
        await s.batch(keys.map((key, i): WriteOp => ({ op: "put", key, value: i })));
        const all = await s.list("group/");
        equal(
          all.map((r) => r.key),
          ["group/", "group/a", "group/a/x", "group/b"],
          "exactly the keys under the prefix, in order",
        );
        equal(all[1]?.value, 2, "values come with keys");
        equal(
          (await s.list("group/", { limit: 2 })).map((r) => r.key),
          ["group/", "group/a"],
          "limit",
        );
        equal(await s.list("nothing/"), [], "empty prefix scan");
        equal(
          (await s.list("~")).map((r) => r.key),
          ["~"],
          "prefix at the top of the range",
        );
        await s.batch([{ op: "deletePrefix", prefix: "group/a" }]);
        equal(
          (await s.list("grou")).map((r) => r.key),
          ["grou", "group/", "group/b", "group0", "groupZ"],
          "deletePrefix",
        );
      }),
  },
  {
    name: "blobs: bytes round-trip, large and empty blobs, views, prefix delete",
    run: (f) =>
      withStore(f, async (s) => {
        equal(await s.getBlob("mls/g/epoch"), undefined, "missing blob");
        const big = new Uint8Array(3 * 1024 * 1024);
        for (let i = 0; i < big.length; i += 997) big[i] = i & 0xff;
        const small = Uint8Array.from([1, 2, 3, 0, 255]);
        const backing = Uint8Array.from([9, 9, 7, 8, 9, 9]);
        await s.batch([
          { op: "putBlob", key: "mls/g/epoch", data: big },
          { op: "putBlob", key: "mls/g/messages", data: small },
          { op: "putBlob", key: "mls/g/view", data: backing.subarray(2, 4) },
          { op: "putBlob", key: "mls/g/empty", data: new Uint8Array(0) },
          { op: "putBlob", key: "mls/h/epoch", data: small },
        ]);
        const gotBig = await s.getBlob("mls/g/epoch");
        assert(gotBig instanceof Uint8Array, "a blob reads back as a Uint8Array");
        assert(
          gotBig.length === big.length && gotBig.every((b, i) => b === big[i]),
          "3 MiB blob round-trips",
        );
        equal(await s.getBlob("mls/g/messages"), small, "small blob");
        equal(await s.getBlob("mls/g/view"), Uint8Array.from([7, 8]), "only the bytes of a view are stored");
        equal(await s.getBlob("mls/g/empty"), new Uint8Array(0), "empty blob");
        // The per-message part is rewritten alone; the epoch part stays as it was.
        await s.batch([{ op: "putBlob", key: "mls/g/messages", data: Uint8Array.from([4]) }]);
        equal(await s.getBlob("mls/g/messages"), Uint8Array.from([4]), "overwrite");
        assert((await s.getBlob("mls/g/epoch"))?.length === big.length, "other blob untouched");
        await s.batch([{ op: "deleteBlob", key: "mls/g/view" }]);
        equal(await s.getBlob("mls/g/view"), undefined, "deleteBlob");
        await s.batch([{ op: "deleteBlobPrefix", prefix: "mls/g/" }]);
        equal(await s.getBlob("mls/g/epoch"), undefined, "deleteBlobPrefix removes the group's blobs");
        equal(await s.getBlob("mls/h/epoch"), small, "and only those");
        await rejects(
          () => s.batch([{ op: "putBlob", key: "x", data: [1, 2] as unknown as Uint8Array }]),
          "non-bytes blob",
          "invalid",
        );
      }),
  },
  {
    name: "seen: processed event ids per group, idempotent, many at once",
    run: (f) =>
      withStore(f, async (s) => {
        const ids = Array.from({ length: 1200 }, (_, i) => hex64(i, 5));
        await s.batch([{ op: "markSeen", group: G1, ids: ids.slice(0, 1000), at: 1700000000 }]);
        await s.batch([{ op: "markSeen", group: G1, ids: ids.slice(990, 1010), at: 1700000001 }]);
        await s.batch([{ op: "markSeen", group: G2, ids: [ids[1100] as string], at: 1 }]);
        const got = await s.seen(G1, ids);
        equal(got.size, 1010, "1010 distinct ids seen in group 1");
        assert(got.has(ids[0] as string) && got.has(ids[1009] as string), "first and last marked ids");
        assert(
          !got.has(ids[1010] as string) && !got.has(ids[1100] as string),
          "unmarked / other group's ids",
        );
        equal(
          await s.seen(G2, [ids[1100] as string, ids[0] as string]),
          new Set([ids[1100]]),
          "group isolation",
        );
        equal(await s.seen(G1, []), new Set(), "no ids asked");
        await rejects(
          () => s.batch([{ op: "markSeen", group: G1, ids: ["not-hex"], at: 1 }]),
          "bad id",
          "invalid",
        );
        await rejects(() => s.batch([{ op: "markSeen", group: G1, ids: [], at: -1 }]), "bad time", "invalid");
      }),
  },
  {
    name: "rumors: newest first, ties by id, kinds, since/until inclusive, limit, count",
    run: (f) =>
      withStore(f, async (s) => {
        const rs = [
          rumor(G1, 1, 100),
          rumor(G1, 2, 200),
          rumor(G1, 3, 200),
          rumor(G1, 4, 300, 7, BOB),
          rumor(G1, 5, 400, 31923),
          rumor(G2, 6, 250),
        ];
        await s.batch(rs.map((r): WriteOp => ({ op: "putRumor", rumor: r })));
        const g1 = rs.filter((r) => r.group === G1);
        equal(await s.rumors({ group: G1 }), naive(g1, { group: G1 }), "all of group 1, newest first");
        const [r2, r3] = [rs[1] as StoredRumor, rs[2] as StoredRumor];
        const tie = await s.rumors({ group: G1, since: 200, until: 200 });
        equal(
          tie.map((r) => r.id),
          [r2, r3]
            .map((r) => r.id)
            .sort()
            .reverse(),
          "equal times: id descending",
        );
        equal(await s.rumors({ group: G1, kinds: [9] }), naive(g1, { group: G1, kinds: [9] }), "kind 9 only");
        equal(
          await s.rumors({ group: G1, kinds: [7, 31923] }),
          naive(g1, { group: G1, kinds: [7, 31923] }),
          "several kinds",
        );
        equal(await s.rumors({ group: G1, kinds: [] }), [], "empty kinds match nothing");
        equal((await s.rumors({ group: G1, since: 200, until: 300 })).length, 3, "since/until inclusive");
        equal(
          (await s.rumors({ group: G1, limit: 2 })).map((r) => r.created_at),
          [400, 300],
          "limit",
        );
        equal(await s.rumors({ group: G1, limit: 0 }), [], "limit 0");
        equal(await s.countRumors({ group: G1 }), 5, "count");
        equal(await s.countRumors({ group: G1, kinds: [9], since: 150 }), 2, "count with kinds and since");
        equal(await s.countRumors({ group: G1, kinds: [9], limit: 1 }), 3, "count ignores limit");
        equal(await s.countRumors({ group: G1, excludeAuthors: [ALICE] }), 1, "count excluding own messages");
        equal(await s.countRumors({ group: G1, kinds: [] }), 0, "count with empty kinds");
        equal(await s.rumors({ group: G1, authors: [BOB] }), [rs[3]], "authors");
        equal(await s.rumors({ group: "c3".repeat(16) }), [], "unknown group");
        equal(await s.getRumor(G1, rs[0]?.id as string), rs[0], "getRumor");
        equal(await s.getRumor(G2, rs[0]?.id as string), undefined, "getRumor is per group");
      }),
  },
  {
    name: "rumors: replace by group+id, delete, page with a before cursor",
    run: (f) =>
      withStore(f, async (s) => {
        // 30 rumors over only 6 distinct timestamps: paging must not skip or repeat any.
        const rs = Array.from({ length: 30 }, (_, i) => rumor(G1, i, 1000 + (i % 6)));
        await s.batch(rs.map((r): WriteOp => ({ op: "putRumor", rumor: r })));
        const seen: string[] = [];
        let before: { created_at: number; id: string } | undefined;
        for (let page = 0; page < 20; page++) {
          const q: RumorQuery = { group: G1, limit: 4 };
          if (before) q.before = before;
          const got = await s.rumors(q);
          if (got.length === 0) break;
          seen.push(...got.map((r) => r.id));
          const last = got[got.length - 1] as StoredRumor;
          before = { created_at: last.created_at, id: last.id };
        }
        equal(
          seen,
          naive(rs, { group: G1 }).map((r) => r.id),
          "pages cover everything once, in order",
        );
        const changed = { ...(rs[0] as StoredRumor), json: '{"edited":true}', kind: 5 };
        await s.batch([{ op: "putRumor", rumor: changed }]);
        equal(await s.getRumor(G1, changed.id), changed, "putRumor replaces");
        equal(await s.countRumors({ group: G1 }), 30, "replacing does not duplicate");
        await s.batch([{ op: "deleteRumor", group: G1, id: changed.id }]);
        equal(await s.getRumor(G1, changed.id), undefined, "deleteRumor");
        equal(await s.countRumors({ group: G1 }), 29, "count after delete");
      }),
  },
  {
    name: "rumors: within one second by ms, then id; cursors inside a second; bad ms refused",
    run: (f) =>
      withStore(f, async (s) => {
        // Ids running against the milliseconds, as ids do: only ms can put these in sending order.
        const T = 1_700_000_000;
        const sent = [10, 20, 30, 40, 999].map((ms, i) => ({ ...rumor(G1, 50 - i, T), ms }));
        const untagged = rumor(G1, 60, T);
        const next = rumor(G1, 1, T + 1);
        const earlier = { ...rumor(G1, 70, T - 1), ms: 999 };
        const all = [...sent, untagged, next, earlier];
        await s.batch(all.map((r): WriteOp => ({ op: "putRumor", rumor: r })));
        const newest = [next, ...[...sent].reverse(), untagged, earlier].map((r) => r.id);
        equal(
          (await s.rumors({ group: G1 })).map((r) => r.id),
          newest,
          "newest first: seconds, then ms, then id",
        );
        equal(
          (await s.rumors({ group: G1, kinds: [9, 7] })).map((r) => r.id),
          newest,
          "the same over several kinds",
        );
        equal(await s.getRumor(G1, sent[1]?.id as string), sent[1], "ms reads back");
        equal(await s.getRumor(G1, untagged.id), untagged, "no ms reads back as none");
        for (const size of [1, 2, 3]) {
          const seen: string[] = [];
          let before: RumorQuery["before"];
          for (let page = 0; page < 20; page++) {
            const got = await s.rumors({ group: G1, kinds: [9], limit: size, ...(before ? { before } : {}) });
            if (got.length === 0) break;
            seen.push(...got.map((r) => r.id));
            const last = got[got.length - 1] as StoredRumor;
            before = { created_at: last.created_at, ms: last.ms ?? 0, id: last.id };
          }
          equal(seen, newest, `pages of ${size} cover everything once, in order`);
        }
        const third = sent[2] as StoredRumor;
        equal(
          (await s.rumors({ group: G1, before: { created_at: T, ms: 30, id: third.id } })).map((r) => r.id),
          [sent[1], sent[0], untagged, earlier].map((r) => r?.id),
          "a cursor inside the second",
        );
        equal(
          await s.countRumors({ group: G1, before: { created_at: T, ms: 30, id: third.id } }),
          4,
          "counted the same",
        );
        for (const [why, ms] of [
          ["ms 1000", 1000],
          ["negative ms", -1],
          ["fractional ms", 1.5],
          ["ms as text", "5"],
        ] as const) {
          await rejects(
            () => s.batch([{ op: "putRumor", rumor: { ...rumor(G2, 1, T), ms } as StoredRumor }]),
            why,
            "invalid",
          );
        }
        await rejects(
          () => s.rumors({ group: G1, before: { created_at: T, ms: 1000, id: third.id } }),
          "cursor ms 1000",
          "invalid",
        );
      }),
  },
  {
    name: "rumors: bad rumors and queries are refused",
    run: (f) =>
      withStore(f, async (s) => {
        const good = rumor(G1, 1, 10);
        const bad: [string, unknown][] = [
          ["short id", { ...good, id: "abc" }],
          ["upper-case id", { ...good, id: good.id.toUpperCase() }],
          ["bad pubkey", { ...good, pubkey: "zz" }],
          ["fractional kind", { ...good, kind: 1.5 }],
          ["negative created_at", { ...good, created_at: -1 }],
          ["json not a string", { ...good, json: { a: 1 } }],
          ["no group", { ...good, group: "" }],
          ["not an object", null],
        ];
        for (const [why, r] of bad) {
          await rejects(() => s.batch([{ op: "putRumor", rumor: r as StoredRumor }]), why, "invalid");
        }
        await rejects(() => s.rumors({ group: G1, limit: -1 }), "negative limit", "invalid");
        await rejects(() => s.rumors({ group: "" }), "no group", "invalid");
        equal(await s.countRumors({ group: G1 }), 0, "nothing stored");
      }),
  },
  {
    name: "rumors: generated queries agree with the naive filter",
    run: (f) =>
      withStore(f, async (s) => {
        const r = prng(42);
        const kinds = [5, 7, 9, 1068, 31923, 31925];
        const authors = [ALICE, BOB, hex64(3, 11)];
        const groups = [G1, G2];
        const all: StoredRumor[] = [];
        const millis = [0, 0, 3, 500, 999];
        for (let i = 0; i < 300; i++) {
          const x = rumor(
            groups[Math.floor(r() * 2)] as string,
            i,
            1_700_000_000 + Math.floor(r() * 50),
            kinds[Math.floor(r() * kinds.length)],
            authors[Math.floor(r() * authors.length)],
          );
          const ms = millis[Math.floor(r() * millis.length)] as number;
          all.push(ms === 0 ? x : { ...x, ms });
        }
        await s.batch(all.map((x): WriteOp => ({ op: "putRumor", rumor: x })));
        const pick = <T>(xs: T[]) => xs.filter(() => r() < 0.4);
        for (let i = 0; i < 120; i++) {
          const q: RumorQuery = { group: groups[Math.floor(r() * 2)] as string };
          if (r() < 0.5) q.kinds = pick(kinds);
          if (r() < 0.2) q.authors = pick(authors);
          if (r() < 0.3) q.excludeAuthors = pick(authors);
          if (r() < 0.4) q.since = 1_700_000_000 + Math.floor(r() * 50);
          if (r() < 0.4) q.until = 1_700_000_000 + Math.floor(r() * 50);
          if (r() < 0.3) {
            const pivot = all[Math.floor(r() * all.length)] as StoredRumor;
            q.before = { created_at: pivot.created_at, ms: pivot.ms ?? 0, id: pivot.id };
          }
          if (r() < 0.5) q.limit = Math.floor(r() * 20);
          const expected = naive(all, q);
          equal(await s.rumors(q), expected, `query ${JSON.stringify(q)}`);
          const { limit: _l, ...noLimit } = q;
          equal(await s.countRumors(q), naive(all, noLimit).length, `count ${JSON.stringify(q)}`);
        }
      }),
  },
  {
    name: "dropGroup removes one group's rumors and seen ids only",
    run: (f) =>
      withStore(f, async (s) => {
        const a = rumor(G1, 1, 10);
        const b = rumor(G2, 2, 10);
        await s.batch([
          { op: "putRumor", rumor: a },
          { op: "putRumor", rumor: b },
          { op: "markSeen", group: G1, ids: [a.id], at: 1 },
          { op: "markSeen", group: G2, ids: [b.id], at: 1 },
          { op: "put", key: `group/${G1}`, value: { name: "g1" } },
        ]);
        await s.batch([{ op: "dropGroup", group: G1 }]);
        equal(await s.countRumors({ group: G1 }), 0, "group 1 rumors gone");
        equal(await s.seen(G1, [a.id]), new Set(), "group 1 seen gone");
        equal(await s.countRumors({ group: G2 }), 1, "group 2 rumors kept");
        equal(await s.seen(G2, [b.id]), new Set([b.id]), "group 2 seen kept");
        equal(await s.get(`group/${G1}`), { name: "g1" }, "kv is the caller's to delete");
      }),
  },
  {
    name: "outbox: records keep first-written order across rewrites",
    run: (f) =>
      withStore(f, async (s) => {
        equal(await s.outbox(), [], "empty outbox");
        await s.batch([
          { op: "putOutbox", id: "c", value: { n: 1 } },
          { op: "putOutbox", id: "a", value: { n: 2 } },
        ]);
        await s.batch([{ op: "putOutbox", id: "b", value: { n: 3 } }]);
        await s.batch([{ op: "putOutbox", id: "c", value: { n: 4, state: "done" } }]);
        const rows = await s.outbox();
        equal(
          rows.map((r) => [r.id, r.value]),
          [
            ["c", { n: 4, state: "done" }],
            ["a", { n: 2 }],
            ["b", { n: 3 }],
          ],
          "order of first write, latest value",
        );
        assert(
          rows.every((r, i) => i === 0 || (rows[i - 1] as { seq: number }).seq < r.seq),
          "seq increases",
        );
        await s.batch([{ op: "deleteOutbox", id: "a" }]);
        await s.batch([{ op: "putOutbox", id: "a", value: { n: 5 } }]);
        equal(
          (await s.outbox()).map((r) => r.id),
          ["c", "b", "a"],
          "a re-added id goes last",
        );
        await rejects(
          () => s.batch([{ op: "putOutbox", id: "x", value: undefined }]),
          "undefined value",
          "invalid",
        );
      }),
  },
  {
    name: "batch: all or nothing when any operation is bad",
    run: (f) =>
      withStore(f, async (s) => {
        await s.batch([{ op: "put", key: "keep", value: "before" }]);
        const ops: WriteOp[] = [
          { op: "put", key: "keep", value: "after" },
          { op: "put", key: "new", value: 1 },
          { op: "putBlob", key: "mls/g/epoch", data: Uint8Array.from([1]) },
          { op: "markSeen", group: G1, ids: [hex64(1)], at: 1 },
          { op: "putRumor", rumor: rumor(G1, 1, 1) },
          { op: "putOutbox", id: "o", value: {} },
          { op: "delete", key: "keep" },
          { op: "putRumor", rumor: { ...rumor(G1, 2, 2), id: "bad" } },
        ];
        await rejects(() => s.batch(ops), "a batch whose last operation is bad", "invalid");
        equal(await s.get("keep"), "before", "earlier put rolled back");
        equal(await s.get("new"), undefined, "new key rolled back");
        equal(await s.getBlob("mls/g/epoch"), undefined, "blob rolled back");
        equal(await s.seen(G1, [hex64(1)]), new Set(), "seen rolled back");
        equal(await s.countRumors({ group: G1 }), 0, "rumor rolled back");
        equal(await s.outbox(), [], "outbox rolled back");
        await rejects(
          () => s.batch([{ op: "put", key: "x", value: 1 }, { op: "nope" } as unknown as WriteOp]),
          "unknown operation",
          "invalid",
        );
        equal(await s.get("x"), undefined, "unknown operation rolls back too");
        await s.batch([]);
      }),
  },
  {
    name: "rumors by refs: what acts on given messages, with the other conditions, kept in step",
    run: (f) =>
      withStore(f, async (s) => {
        const m1 = rumor(G1, 1, 100);
        const m2 = rumor(G1, 2, 200);
        const react1 = { ...rumor(G1, 3, 300, 7, BOB), refs: [m1.id] };
        const react2 = { ...rumor(G1, 4, 310, 7), refs: [m2.id] };
        const del = { ...rumor(G1, 5, 320, 5), refs: [m1.id, m2.id] };
        const other = { ...rumor(G2, 6, 330, 7), refs: [m1.id] };
        const all = [m1, m2, react1, react2, del, other];
        await s.batch(all.map((r): WriteOp => ({ op: "putRumor", rumor: r })));
        const ids = (q: RumorQuery) => s.rumors(q).then((rs) => rs.map((r) => r.id));
        const want = (q: RumorQuery) => naive(all, q).map((r) => r.id);
        for (const q of [
          { group: G1, refs: [m1.id] },
          { group: G1, refs: [m2.id] },
          { group: G1, refs: [m1.id, m2.id] },
          { group: G1, refs: [m1.id], kinds: [7] },
          { group: G1, refs: [m1.id, m2.id], authors: [BOB] },
          { group: G1, refs: [m1.id, m2.id], limit: 2 },
          { group: G1, refs: [m1.id, m2.id], before: { created_at: 320, id: del.id } },
          { group: G1, refs: [m1.id, m2.id], since: 305, until: 315 },
          { group: G2, refs: [m1.id] },
        ] satisfies RumorQuery[]) {
          equal(await ids(q), want(q), `refs query ${JSON.stringify(q)}`);
          equal(await s.countRumors(q), naive(all, { ...q, limit: undefined }).length, "count by refs");
        }
        equal(await s.rumors({ group: G1, refs: [] }), [], "no refs asked: nothing");
        equal((await s.getRumor(G1, del.id))?.refs, del.refs, "refs come back with the rumor");
        // Rewriting a rumor with other refs moves it in the index; deleting it takes it out.
        await s.batch([{ op: "putRumor", rumor: { ...react1, refs: [m2.id] } }]);
        equal(await ids({ group: G1, refs: [m1.id], kinds: [7] }), [], "moved off m1");
        equal(await ids({ group: G1, refs: [m2.id], kinds: [7] }), [react2.id, react1.id], "moved to m2");
        await s.batch([{ op: "deleteRumor", group: G1, id: del.id }]);
        equal(await ids({ group: G1, refs: [m1.id], kinds: [5] }), [], "deleted rumor leaves the index");
        await s.batch([{ op: "dropGroup", group: G1 }]);
        equal(await ids({ group: G1, refs: [m2.id] }), [], "dropped group leaves the index");
        equal(await ids({ group: G2, refs: [m1.id] }), [other.id], "other group untouched");
        await rejects(
          () => s.batch([{ op: "putRumor", rumor: { ...m1, refs: ["not-an-id"] } }]),
          "bad ref",
          "invalid",
        );
      }),
  },
  {
    name: "batch: operations apply in order; concurrent batches all land",
    run: (f) =>
      withStore(f, async (s) => {
        await s.batch([
          { op: "put", key: "a", value: 1 },
          { op: "delete", key: "a" },
          { op: "delete", key: "b" },
          { op: "put", key: "b", value: 2 },
        ]);
        equal(await s.get("a"), undefined, "put then delete");
        equal(await s.get("b"), 2, "delete then put");
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            s.batch([
              { op: "put", key: `n/${String(i).padStart(2, "0")}`, value: i },
              { op: "putOutbox", id: `o${i}`, value: i },
            ]),
          ),
        );
        equal((await s.list("n/")).length, 40, "40 concurrent batches");
        equal((await s.outbox()).length, 40, "40 outbox records");
      }),
  },
  {
    name: "persistence: everything is there after close and reopen",
    run: (f) =>
      withStore(f, async (first, harness) => {
        const r = rumor(G1, 1, 123);
        await first.batch([
          { op: "put", key: "account", value: { name: "Ana" } },
          { op: "putBlob", key: "mls/g/epoch", data: Uint8Array.from([7, 7]) },
          { op: "markSeen", group: G1, ids: [r.id], at: 5 },
          { op: "putRumor", rumor: r },
          { op: "putOutbox", id: "e1", value: { relays: ["ws://r/"] } },
        ]);
        await first.close();
        const s = await harness.open();
        try {
          equal(await s.get("account"), { name: "Ana" }, "kv");
          equal(await s.getBlob("mls/g/epoch"), Uint8Array.from([7, 7]), "blob");
          equal(await s.seen(G1, [r.id]), new Set([r.id]), "seen");
          equal(await s.rumors({ group: G1 }), [r], "rumors");
          equal(
            (await s.outbox()).map((o) => o.value),
            [{ relays: ["ws://r/"] }],
            "outbox",
          );
        } finally {
          await s.close();
        }
      }),
  },
  {
    name: "a closed store refuses to work",
    run: (f) =>
      withStore(f, async (s) => {
        await s.close();
        await s.close(); // closing twice is harmless
        await rejects(() => s.get("a"), "get after close", "closed");
        await rejects(() => s.batch([{ op: "put", key: "a", value: 1 }]), "batch after close", "closed");
        await rejects(() => s.rumors({ group: G1 }), "rumors after close", "closed");
        await rejects(() => s.outbox(), "outbox after close", "closed");
      }),
  },
];

export { StoreError };
