/**
 * Client store benchmark (SQLite adapter, WAL + synchronous=FULL, on a real file):
 * 1. Persistence cost per message as the MLS epoch state grows: with the state split into an
 *    epoch part and a per-message part, one message's write should cost the same whatever the
 *    group size; the naive alternative (rewrite the whole state per message) is measured beside it.
 * 2. Cold sync of 10,000 inner messages: insert rate, then the reads a chat screen makes.
 *
 *   npx tsx bench/store/run.ts
 *
 * Prints figures; the last line is the headline ratio.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../packages/client/src/platform/node/sqliteStore.ts";
import { blobKeys } from "../../packages/client/src/store/keys.ts";
import type { Store, StoredRumor, WriteOp } from "../../packages/client/src/store/store.ts";

const dir = mkdtempSync(join(tmpdir(), "rally-bench-store-"));
const G = "ab".repeat(16);
const PK = "cd".repeat(32);
let counter = 0;
const hexId = () => (++counter).toString(16).padStart(64, "0");

function rumor(created_at: number, kind = 9): StoredRumor {
  const id = hexId();
  return {
    id,
    group: G,
    kind,
    created_at,
    pubkey: PK,
    json: JSON.stringify({ id, kind, created_at, content: "x".repeat(120) }),
  };
}

async function perMessage(
  store: Store,
  epochBytes: number,
  naive: boolean,
  messages: number,
): Promise<number> {
  const epoch = new Uint8Array(epochBytes).fill(7);
  const secrets = new Uint8Array(2048).fill(3);
  await store.batch([{ op: "putBlob", key: blobKeys.groupEpoch(G), data: epoch }]);
  // Warm up past the checkpoint the epoch write causes, so only steady-state messages are timed.
  for (let i = 0; i < 20; i++) {
    await store.batch([{ op: "putBlob", key: blobKeys.groupMessages(G), data: secrets }]);
  }
  const t0 = performance.now();
  for (let i = 0; i < messages; i++) {
    const r = rumor(1_700_000_000 + i);
    const ops: WriteOp[] = [
      { op: "putBlob", key: blobKeys.groupMessages(G), data: secrets },
      { op: "putRumor", rumor: r },
      { op: "markSeen", group: G, ids: [r.id], at: r.created_at },
    ];
    if (naive) ops.push({ op: "putBlob", key: blobKeys.groupEpoch(G), data: epoch });
    await store.batch(ops);
  }
  return (performance.now() - t0) / messages;
}

async function main() {
  const results: string[] = [];
  const sizes = [16 * 1024, 4 * 1024 * 1024];
  const split: number[] = [];
  const whole: number[] = [];
  for (const size of sizes) {
    const s1 = openSqliteStore(join(dir, `split-${size}.db`));
    split.push(await perMessage(s1, size, false, 200));
    await s1.close();
    const s2 = openSqliteStore(join(dir, `whole-${size}.db`));
    whole.push(await perMessage(s2, size, true, 40));
    await s2.close();
  }
  for (const [i, size] of sizes.entries()) {
    results.push(
      `epoch state ${String(size / 1024).padStart(5)} KiB: per message ${split[i]?.toFixed(3)} ms (split state) vs ${whole[i]?.toFixed(3)} ms (whole state rewritten)`,
    );
  }

  const store = openSqliteStore(join(dir, "sync.db"));
  const N = 10_000;
  const all = Array.from({ length: N }, (_, i) => rumor(1_700_000_000 + i, i % 10 === 0 ? 7 : 9));
  const t0 = performance.now();
  for (let i = 0; i < N; i += 500) {
    const chunk = all.slice(i, i + 500);
    await store.batch([
      ...chunk.map((r): WriteOp => ({ op: "putRumor", rumor: r })),
      { op: "markSeen", group: G, ids: chunk.map((r) => r.id), at: 1 },
    ]);
  }
  const insertMs = performance.now() - t0;
  results.push(
    `cold sync: ${N} messages stored in ${insertMs.toFixed(0)} ms (${Math.round((N / insertMs) * 1000)} messages/s, batches of 500)`,
  );
  const Q = 300;
  let t = performance.now();
  for (let i = 0; i < Q; i++)
    await store.rumors({ group: G, kinds: [9], limit: 50, until: 1_700_000_000 + N - i * 20 });
  results.push(`newest 50 chat messages (page): ${((performance.now() - t) / Q).toFixed(3)} ms`);
  t = performance.now();
  for (let i = 0; i < Q; i++)
    await store.countRumors({
      group: G,
      kinds: [9],
      since: 1_700_000_000 + N - 2000,
      excludeAuthors: ["ee".repeat(32)],
    });
  results.push(`unread count over the last 2,000: ${((performance.now() - t) / Q).toFixed(3)} ms`);
  await store.close();

  for (const line of results) console.log(line);
  const growthSplit = (split[1] ?? 0) / (split[0] ?? 1);
  const growthWhole = (whole[1] ?? 0) / (whole[0] ?? 1);
  console.log(
    `per-message cost, 4 MiB vs 16 KiB epoch state: ×${growthSplit.toFixed(2)} with the split state, ×${growthWhole.toFixed(1)} rewriting the whole state`,
  );
}

main().finally(() => rmSync(dir, { recursive: true, force: true }));
