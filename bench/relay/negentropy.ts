/**
 * How much a NIP-77 sync saves (`npx tsx bench/relay/negentropy.ts`): a client that holds 99% of a
 * group's 10,000 stored messages catches up with the real relay process over loopback, two ways:
 *
 * - sync: NEG-OPEN/NEG-MSG with nostr-tools' Negentropy as the client, then one REQ for the ids it
 *   learned it lacks;
 * - REQ: fetch every message of the filter and keep the new ones.
 *
 * Figures: wall time to the last event (median of the runs, the two ways taking turns) and bytes on
 * the wire both ways (frame payloads). Printed, never asserted; the headline figure is last.
 *
 * Environment: BENCH_EVENTS (default 10000), BENCH_MISSING_PERCENT (default 1), BENCH_RUNS (default 5).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteEventStore } from "@rally/relay";
import { nip77 } from "nostr-tools";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import type WebSocket from "ws";
import { median, open, spawnRelay } from "./clients.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const N = Number(process.env.BENCH_EVENTS ?? 10_000);
const MISSING_PERCENT = Number(process.env.BENCH_MISSING_PERCENT ?? 1);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const now = Math.floor(Date.now() / 1000);
const ROOM = "bench-room";

// Group messages as Rally stores them: kind 445, routed by an `h` tag, about 1 KB of ciphertext.
// Signatures are not checked by the store, which is loaded directly (not measured).
const pubkey = getPublicKey(generateSecretKey());
const events = Array.from({ length: N }, (_, i) => ({
  id: (i + 1).toString(16).padStart(64, "0"),
  pubkey,
  created_at: now - N + Math.floor(i / 3),
  kind: 445,
  tags: [["h", ROOM]],
  content: Buffer.alloc(750, i % 251).toString("base64"),
  sig: "0".repeat(128),
}));
const missing = new Set<string>();
while (missing.size < Math.round((N * MISSING_PERCENT) / 100))
  missing.add(events[Math.floor(Math.random() * N)]!.id);
const local = events.filter((e) => !missing.has(e.id));
const filter = { kinds: [445], "#h": [ROOM] };

/** Counts payload bytes both ways and hands out messages by predicate. */
function meter(ws: WebSocket) {
  let sent = 0;
  let received = 0;
  let waiter: { pred: (m: unknown[]) => boolean; resolve: (m: unknown[]) => void } | undefined;
  ws.on("message", (d: Buffer) => {
    received += d.length;
    const m = JSON.parse(d.toString()) as unknown[];
    if (waiter?.pred(m)) {
      const w = waiter;
      waiter = undefined;
      w.resolve(m);
    }
  });
  return {
    send(m: unknown[]) {
      const text = JSON.stringify(m);
      sent += Buffer.byteLength(text);
      ws.send(text);
    },
    next: (pred: (m: unknown[]) => boolean) =>
      new Promise<unknown[]>((resolve) => {
        waiter = { pred, resolve };
      }),
    /** Collects EVENTs of `subId` until its EOSE. */
    collect(subId: string) {
      const got: { id: string }[] = [];
      return new Promise<{ id: string }[]>((resolve) => {
        const onMessage = (d: Buffer) => {
          const m = JSON.parse(d.toString()) as unknown[];
          if (m[1] !== subId) return;
          if (m[0] === "EVENT") got.push(m[2] as { id: string });
          else if (m[0] === "EOSE" || m[0] === "CLOSED") {
            ws.off("message", onMessage);
            resolve(got);
          }
        };
        ws.on("message", onMessage);
      });
    },
    bytes: () => ({ sent, received }),
  };
}

interface Outcome {
  ms: number;
  sent: number;
  received: number;
  fetched: number;
  rounds?: number;
  /** Sync only: time until the client knew what it lacks. */
  reconcileMs?: number;
}

async function bySync(url: string): Promise<Outcome> {
  const ws = await open(url);
  const m = meter(ws);
  const t0 = performance.now();
  const storage = new nip77.NegentropyStorageVector();
  for (const e of local) storage.insert(e.created_at, e.id);
  storage.seal();
  const client = new nip77.Negentropy(storage);
  const need: string[] = [];
  m.send(["NEG-OPEN", "s", filter, client.initiate()]);
  let rounds = 0;
  for (;;) {
    const msg = await m.next((x) => (x[0] === "NEG-MSG" || x[0] === "NEG-ERR") && x[1] === "s");
    if (msg[0] === "NEG-ERR") throw new Error(`relay refused the sync: ${msg[2]}`);
    rounds++;
    const next = client.reconcile(msg[2] as string, undefined, (id) => need.push(id));
    if (next === null) break;
    m.send(["NEG-MSG", "s", next]);
  }
  m.send(["NEG-CLOSE", "s"]);
  const reconcileMs = performance.now() - t0;
  const fetchedP = m.collect("f");
  m.send(["REQ", "f", { ids: [...new Set(need)] }]);
  const fetched = await fetchedP;
  const ms = performance.now() - t0;
  if (fetched.length !== missing.size || !fetched.every((e) => missing.has(e.id)))
    throw new Error(`sync fetched ${fetched.length} events, expected the ${missing.size} missing`);
  ws.close();
  return { ms, ...m.bytes(), fetched: fetched.length, rounds, reconcileMs };
}

async function byReq(url: string): Promise<Outcome> {
  const ws = await open(url);
  const m = meter(ws);
  const t0 = performance.now();
  const have = new Set(local.map((e) => e.id));
  const allP = m.collect("all");
  m.send(["REQ", "all", { ...filter, limit: N }]);
  const all = await allP;
  const fresh = all.filter((e) => !have.has(e.id));
  const ms = performance.now() - t0;
  if (fresh.length !== missing.size)
    throw new Error(`REQ found ${fresh.length} new events of ${missing.size}`);
  ws.close();
  return { ms, ...m.bytes(), fetched: all.length };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-neg-"));
try {
  console.log(
    `Preparing: ${N} stored group messages; the client lacks ${missing.size} (${MISSING_PERCENT}%)…`,
  );
  const store = new SqliteEventStore(path.join(tmp, "events.sqlite"));
  for (let i = 0; i < events.length; i += 5000) store.saveSync(events.slice(i, i + 5000) as never);
  await store.close();
  const relay = await spawnRelay(
    [
      path.join(root, "apps/cli/bin/rally.js"),
      "relay",
      "--port",
      "0",
      "--data",
      tmp,
      "--max-limit",
      String(N),
      "--reqs-per-second",
      "10000000",
    ],
    "rally relay",
  );
  try {
    // One of each first, unmeasured: warms SQLite's cache and the JIT for both.
    await bySync(relay.url);
    await byReq(relay.url);
    const sync: Outcome[] = [];
    const req: Outcome[] = [];
    for (let r = 0; r < RUNS; r++) {
      if (r % 2 === 0) {
        sync.push(await bySync(relay.url));
        req.push(await byReq(relay.url));
      } else {
        req.push(await byReq(relay.url));
        sync.push(await bySync(relay.url));
      }
    }
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    const show = (name: string, o: Outcome[]) => {
      const ms = median(o.map((x) => x.ms));
      const first = o[0]!;
      console.log(
        `${name.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms (runs ${o.map((x) => x.ms.toFixed(0)).join(", ")})  ` +
          `sent ${kb(first.sent).padStart(10)}  received ${kb(first.received).padStart(11)}  ` +
          `events ${first.fetched}${first.rounds !== undefined ? `  rounds ${first.rounds}` : ""}`,
      );
      return { ms, bytes: first.sent + first.received };
    };
    console.log(`\nCatching up on ${N} messages, ${missing.size} missing, median of ${RUNS}:`);
    const a = show("NIP-77 sync, then REQ by ids", sync);
    console.log(
      `  of which reconciling (client set built, NEG exchange): ${median(sync.map((x) => x.reconcileMs!)).toFixed(1)} ms`,
    );
    const b = show("REQ for everything", req);
    console.log(
      `\nNIP-77 sync: ${(b.ms / a.ms).toFixed(1)}× faster, ${(b.bytes / a.bytes).toFixed(0)}× fewer bytes than fetching all ${N} with REQ`,
    );
  } finally {
    await relay.stop();
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
