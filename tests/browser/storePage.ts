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
      newerVersionRefused(): Promise<{ code?: string; message?: string }>;
    };
  }
}

window.rallyStoreTests = {
  conformance: (only) => runStoreConformance(factory, only),
  upgradeFromV1,
  newerVersionRefused,
};
