/// <reference lib="dom" />
/**
 * Browser entry for the IndexedDB store tests: exposes the shared Store conformance suite over the
 * IndexedDB adapter, and an upgrade check from an older schema, for `store.browser.test.ts`.
 *
 * Runs in: browsers (bundled by the test).
 */
import { openDB } from "idb";
import {
  deleteIndexedDbStore,
  IDB_VERSION,
  openIndexedDbStore,
  upgradeIndexedDb,
} from "../../packages/client/src/platform/browser/indexedDbStore.ts";
import {
  type CheckResult,
  runStoreConformance,
  type StoreFactory,
} from "../../packages/client/src/store/conformance.ts";

let n = 0;
const factory: StoreFactory = async () => {
  const name = `rally-conformance-${Date.now()}-${++n}`;
  return {
    open: () => openIndexedDbStore(name),
    destroy: () => deleteIndexedDbStore(name),
  };
};

const G = "ab".repeat(16);
const ID = "cd".repeat(32);
const PK = "ef".repeat(32);

/** Writes version-1 data with raw IndexedDB, opens it with the adapter, and reads it back. */
async function upgradeFromV1(): Promise<unknown> {
  const name = `rally-upgrade-${Date.now()}`;
  const old = await openDB(name, 1, { upgrade: (db, o, v, tx) => upgradeIndexedDb(db, o, v ?? 1, tx) });
  await old.put("kv", JSON.stringify({ name: "Ana" }), "account");
  await old.put("blobs", Uint8Array.from([1, 2, 3]), `mls/${G}/epoch`);
  await old.put("seen", { group: G, id: ID, at: 1700000000 });
  await old.put("rumors", { id: ID, group: G, kind: 9, created_at: 1700000000, pubkey: PK, json: "{}" });
  const storesBefore = [...old.objectStoreNames];
  old.close();
  const store = await openIndexedDbStore(name);
  try {
    await store.batch([{ op: "putOutbox", id: "e", value: { ok: 1 } }]);
    const check = await openDB(name);
    const versionAfter = check.version;
    const storesAfter = [...check.objectStoreNames];
    check.close();
    return {
      storesBefore,
      storesAfter,
      versionAfter,
      latest: IDB_VERSION,
      account: await store.get("account"),
      blob: Array.from((await store.getBlob(`mls/${G}/epoch`)) ?? []),
      seen: [...(await store.seen(G, [ID]))],
      rumors: await store.rumors({ group: G, kinds: [9] }),
      outbox: (await store.outbox()).map((r) => r.value),
    };
  } finally {
    await store.close();
    await deleteIndexedDbStore(name);
  }
}

/**
 * Writes version-3 rumors with raw IndexedDB (no `ms` field: five of one second whose ids run
 * against their tags, one without a tag, one with a bad tag, a sealed body, one of the next second),
 * opens them with the adapter (upgrade 4), and reads them back newest first and page by page.
 */
async function upgradeFromV3(): Promise<unknown> {
  const name = `rally-upgrade-v3-${Date.now()}`;
  const old = await openDB(name, 3, { upgrade: (db, o, v, tx) => upgradeIndexedDb(db, o, v ?? 3, tx) });
  const T = 1700000000;
  const env = (tags: string[][]) => JSON.stringify({ r: { tags, content: "x" }, e: 1 });
  const rows: [string, number, string][] = [
    ["f5".repeat(32), T, env([["ms", "10"]])],
    ["f4".repeat(32), T, env([["ms", "20"]])],
    ["f3".repeat(32), T, env([["ms", "30"]])],
    ["f2".repeat(32), T, env([["ms", "40"]])],
    ["f1".repeat(32), T, env([["ms", "999"]])],
    ["a1".repeat(32), T, env([])],
    ["a2".repeat(32), T, env([["ms", "07"]])],
    ["a3".repeat(32), T, "c2VhbGVkIGJvZHk="],
    ["00".repeat(32), T + 1, env([["ms", "0"]])],
  ];
  for (const [id, created_at, json] of rows)
    await old.put("rumors", { id, group: G, kind: 9, created_at, pubkey: PK, json });
  old.close();
  const store = await openIndexedDbStore(name);
  try {
    const all = await store.rumors({ group: G, kinds: [9] });
    const pages: string[] = [];
    let before: { created_at: number; ms?: number; id: string } | undefined;
    for (let guard = 0; guard < 20; guard++) {
      const page = await store.rumors({ group: G, kinds: [9], limit: 2, ...(before ? { before } : {}) });
      if (page.length === 0) break;
      pages.push(...page.map((r) => r.id));
      const last = page[page.length - 1]!;
      before = { created_at: last.created_at, ms: last.ms ?? 0, id: last.id };
    }
    return {
      order: all.map((r) => r.id),
      ms: Object.fromEntries(all.map((r) => [r.id, r.ms ?? 0])),
      pages,
      count: await store.countRumors({ group: G }),
    };
  } finally {
    await store.close();
    await deleteIndexedDbStore(name);
  }
}

/** A database from a newer Rally is refused in plain words. */
async function newerVersionRefused(): Promise<{ code?: string; message?: string }> {
  const name = `rally-newer-${Date.now()}`;
  const db = await openDB(name, IDB_VERSION + 3);
  db.close();
  try {
    const s = await openIndexedDbStore(name);
    await s.close();
    return {};
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  } finally {
    await deleteIndexedDbStore(name);
  }
}

declare global {
  interface Window {
    rallyStoreTests: {
      conformance(only?: string): Promise<CheckResult[]>;
      upgradeFromV1(): Promise<unknown>;
      upgradeFromV3(): Promise<unknown>;
      newerVersionRefused(): Promise<{ code?: string; message?: string }>;
    };
  }
}

window.rallyStoreTests = {
  conformance: (only) => runStoreConformance(factory, only),
  upgradeFromV1,
  upgradeFromV3,
  newerVersionRefused,
};
