// An older version of a person's replaceable or addressable event reaching a real `rally relay`
// that already holds their newer one: the relay answers `OK false` "replaced: have newer event";
// the client counts that as delivered (their newer version is what readers get), so the outbox
// entry is done, not retried, and never reported as "not sent".
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Outbox } from "../../src/net/outbox.ts";
import { RefusalLog } from "../../src/net/refusals.ts";
import { RelayPool } from "../../src/net/relayPool.ts";
import { openHomeStore } from "../../src/platform/node/sqliteStore.ts";
import { startRelay, waitFor } from "./helpers.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const versions = (kind: number, tags: string[][]) => {
  const sk = generateSecretKey();
  const t = Math.floor(Date.now() / 1000) - 100;
  return {
    older: finalizeEvent({ kind, created_at: t, tags, content: "older" }, sk),
    newer: finalizeEvent({ kind, created_at: t + 10, tags, content: "newer" }, sk),
  };
};

describe("an older version refused as replaced", { timeout: 60_000 }, () => {
  it.each([
    ["a replaceable", 10050, [["relay", "wss://inbox.example"]]],
    ["an addressable", 31923, [["d", "meeting"]]],
  ])("of %s event is delivered, not a refusal", async (_label, kind, tags) => {
    const relay = await startRelay();
    cleanups.push(() => relay.stop());
    const dir = mkdtempSync(join(tmpdir(), "rally-outbox-replaced-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = openHomeStore(dir);
    const pool = new RelayPool({ WebSocket, publishTimeoutMs: 5000, log: () => {} });
    const outbox = new Outbox({
      store,
      pool,
      rules: { backoff: { initialMs: 100, maxMs: 400, factor: 2, jitter: 0.5 }, lingerMs: 30_000 },
      publishTimeoutMs: 5000,
    });
    const refusals = new RefusalLog(outbox);
    cleanups.push(async () => {
      await outbox.stop();
      pool.close();
      await store.close();
    });
    const { older, newer } = versions(kind, tags as string[][]);

    // Another device of the same person already put the newer version there.
    const [first] = await pool.publish(newer, [relay.url]);
    expect(first).toMatchObject({ ok: true, status: "ok" });

    // The pool reports the relay's words and counts it as delivered.
    const [direct] = await pool.publish(older, [relay.url]);
    expect(direct).toMatchObject({ ok: true, message: "replaced: have newer event" });

    // Through the outbox: done at once, not retried, nothing to show as "not sent".
    const mark = refusals.mark();
    await outbox.start();
    await outbox.enqueue(older, [relay.url]);
    const report = await outbox.flush({ timeoutMs: 10_000 });
    expect(report).toMatchObject({ failed: 0, pending: 0 });
    await waitFor(async () => (await outbox.get(older.id)) === undefined, "the entry to be done");
    expect(refusals.since(mark)).toEqual([]);
  });
});
