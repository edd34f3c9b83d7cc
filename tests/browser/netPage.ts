/// <reference lib="dom" />
/**
 * Browser entry for the network tests: the relay pool over the browser's own WebSocket and the
 * durable outbox over IndexedDB, driven by `net.browser.test.ts` against real relay processes.
 *
 * Runs in: browsers (bundled by the test).
 */
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { Outbox } from "../../packages/client/src/net/outbox.ts";
import type { OutboxEntry } from "../../packages/client/src/net/outboxSchedule.ts";
import { type ConnectionState, RelayPool } from "../../packages/client/src/net/relayPool.ts";
import { openIndexedDbStore } from "../../packages/client/src/platform/browser/indexedDbStore.ts";
import type { Store } from "../../packages/client/src/store/store.ts";

const sk = generateSecretKey();
const sign = (content: string) =>
  finalizeEvent(
    { kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [["t", "browser"]], content },
    sk,
  );

const FAST = { initialMs: 100, maxMs: 400, factor: 2, jitter: 0.5 };

/** Publishes to a live and a dead relay, then reads back from both. */
async function publishAndRead(live: string, dead: string) {
  const states: ConnectionState[] = [];
  const pool = new RelayPool({ WebSocket, publishTimeoutMs: 5000, eoseTimeoutMs: 10_000, log: () => {} });
  pool.onStatus((_s, overall) => states.push(overall));
  try {
    const ev = sign("from the browser");
    const results = await pool.publish(ev, [live, dead]);
    const got: string[] = [];
    const sub = pool.subscribe([live, dead], [{ ids: [ev.id] }], { onEvent: (e) => got.push(e.id) });
    const report = await sub.eose;
    sub.close();
    return { id: ev.id, results, got, report, states };
  } finally {
    pool.close();
  }
}

let current: { store: Store; pool: RelayPool; outbox: Outbox } | undefined;

async function startOutbox(dbName: string) {
  const store = await openIndexedDbStore(dbName);
  const pool = new RelayPool({ WebSocket, publishTimeoutMs: 3000, reconnect: FAST, log: () => {} });
  const outbox = new Outbox({ store, pool, rules: { backoff: FAST } });
  await outbox.start();
  current = { store, pool, outbox };
}

/** Queues one event for `relay` in an IndexedDB-backed outbox that keeps running. */
async function enqueue(dbName: string, relay: string) {
  await startOutbox(dbName);
  const ev = sign("typed offline in the browser");
  await current?.outbox.enqueue(ev, [relay]);
  return ev.id;
}

/** After a reload: reopen the same database and carry on sending. */
async function resume(dbName: string) {
  await startOutbox(dbName);
}

async function outboxEntries(): Promise<OutboxEntry[]> {
  return ((await current?.store.outbox()) ?? []).map((r) => r.value as OutboxEntry);
}

declare global {
  interface Window {
    rallyNetTests: {
      publishAndRead: typeof publishAndRead;
      enqueue: typeof enqueue;
      resume: typeof resume;
      outboxEntries: typeof outboxEntries;
    };
  }
}

window.rallyNetTests = { publishAndRead, enqueue, resume, outboxEntries };
