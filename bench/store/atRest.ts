/**
 * What encryption at rest costs (SQLite on a real file, WAL + synchronous=FULL), plain store and
 * vault (every record sealed with AES-256-GCM under the data key) measured in the same run:
 * 1. the per-message write a received message makes (per-message MLS state, the rumor, its id);
 * 2. opening a 10,000-message group: a fresh process's first read of the group's whole history
 *    and its MLS state, as the chat screen does today;
 * 3. unlocking with the passphrase (scrypt, NIP-49 log_n 16), a wrong passphrase, sealing an older
 *    store of 10,000 messages in place, and erasing (time until nothing opens).
 *
 *   npx tsx bench/store/atRest.ts
 *
 * Medians of 5 alternating rounds. The last lines are the ratios (goal: under 1.20).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openHomeVault } from "../../packages/client/src/platform/node/nodeVault.ts";
import { openHomeStore } from "../../packages/client/src/platform/node/sqliteStore.ts";
import { blobKeys } from "../../packages/client/src/store/keys.ts";
import type { Store, StoredRumor, WriteOp } from "../../packages/client/src/store/store.ts";

const dir = mkdtempSync(join(tmpdir(), "rally-bench-at-rest-"));
const G = "ab".repeat(32);
const PK = "cd".repeat(32);
const MESSAGES = 10_000;
const ROUNDS = 5;
let counter = 0;
let homes = 0;
const hexId = () => (++counter).toString(16).padStart(64, "0");

function rumor(created_at: number): StoredRumor {
  const id = hexId();
  const content = "We meet at the laundry room at seven; bring the eviction notices and a friend.";
  return {
    id,
    group: G,
    kind: 9,
    created_at,
    pubkey: PK,
    json: JSON.stringify({ id, kind: 9, created_at, pubkey: PK, tags: [["h", G]], content }),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
type Kind = "plain" | "sealed";
const open = async (kind: Kind, home: string): Promise<Store> =>
  kind === "plain" ? openHomeStore(home) : openHomeVault(home);

/** ms per received message: one batch with the per-message MLS state, the rumor and its event id. */
async function perMessage(kind: Kind, n = 1_000): Promise<number> {
  const store = await open(kind, join(dir, `w-${++homes}`));
  const state = new Uint8Array(2048).fill(3);
  const write = (i: number): WriteOp[] => [
    { op: "putBlob", key: blobKeys.groupMessages(G), data: state },
    { op: "putRumor", rumor: rumor(1_700_000_000 + i) },
    { op: "markSeen", group: G, ids: [hexId()], at: 1_700_000_000 + i },
  ];
  for (let i = 0; i < 50; i++) await store.batch(write(i));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await store.batch(write(i));
  const ms = (performance.now() - t0) / n;
  await store.close();
  return ms;
}

/** A home holding a 10,000-message group and a 1 MiB epoch state. */
async function filled(kind: Kind): Promise<string> {
  const home = join(dir, `o-${++homes}`);
  const store = await open(kind, home);
  const ops: WriteOp[] = [
    { op: "putBlob", key: blobKeys.groupEpoch(G), data: new Uint8Array(1 << 20).fill(5) },
  ];
  for (let i = 0; i < MESSAGES; i++) ops.push({ op: "putRumor", rumor: rumor(1_700_000_000 + i) });
  await store.batch(ops);
  await store.close();
  return home;
}

/** ms to open the store and read the group's state and whole history. */
async function openGroup(kind: Kind, home: string): Promise<number> {
  const t0 = performance.now();
  const store = await open(kind, home);
  await store.getBlob(blobKeys.groupEpoch(G));
  const all = await store.rumors({ group: G });
  if (all.length !== MESSAGES) throw new Error(`read ${all.length} messages`);
  const ms = performance.now() - t0;
  await store.close();
  return ms;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const write = { plain: [] as number[], sealed: [] as number[] };
const read = { plain: [] as number[], sealed: [] as number[] };
const homesOf = { plain: await filled("plain"), sealed: await filled("sealed") };
for (let r = 0; r < ROUNDS; r++) {
  for (const kind of (r % 2 === 0 ? ["plain", "sealed"] : ["sealed", "plain"]) as Kind[]) {
    write[kind].push(await perMessage(kind));
    read[kind].push(await openGroup(kind, homesOf[kind]));
  }
}

// Passphrase, sealing in place, erasing.
const locked = join(dir, "locked");
const v = await openHomeVault(locked);
await v.setPassphrase("correct horse battery staple");
await v.close();
const unlock: number[] = [];
const wrong: number[] = [];
for (let r = 0; r < 3; r++) {
  unlock.push(
    await timed(async () =>
      (await openHomeVault(locked, { passphrase: "correct horse battery staple" })).close(),
    ),
  );
  const lv = await openHomeVault(locked);
  wrong.push(await timed(() => lv.unlock("not it").catch(() => undefined)));
  await lv.close();
}
const older = await filled("plain");
const seal = await timed(async () => (await openHomeVault(older)).close());
const doomed = await openHomeVault(older);
const unreadableMs = await doomed.erase();

const f = (x: number) => x.toFixed(3);
console.log(`per-message write, ms: plain ${f(median(write.plain))}, sealed ${f(median(write.sealed))}`);
console.log(
  `open a ${MESSAGES}-message group, ms: plain ${median(read.plain).toFixed(1)}, sealed ${median(read.sealed).toFixed(1)}`,
);
console.log(
  `unlock with the passphrase (scrypt log_n 16), ms: ${median(unlock).toFixed(0)}; a wrong passphrase: ${median(wrong).toFixed(0)}`,
);
console.log(`seal an older ${MESSAGES}-message store in place, ms: ${seal.toFixed(0)}`);
console.log(`erase: unreadable after ${unreadableMs.toFixed(1)} ms`);
console.log(
  `ratio sealed/plain, per-message write: ${(median(write.sealed) / median(write.plain)).toFixed(2)}`,
);
console.log(
  `ratio sealed/plain, open a ${MESSAGES}-message group: ${(median(read.sealed) / median(read.plain)).toFixed(2)}`,
);
rmSync(dir, { recursive: true, force: true });
