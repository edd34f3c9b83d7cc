/**
 * Relay benchmark (`npm run bench:relay`): Rally's relay (`rally relay`) against the TypeScript
 * relay `@nostr-relay/core` + `@nostr-relay/event-repository-sqlite`, same workloads, same run,
 * both as separate processes on loopback, both on SQLite in WAL mode, both verifying signatures.
 *
 * 1. ingest: N signed events sent at once over 4 connections; events/s until the last OK.
 * 2. query: REQ→EOSE latency for Rally's typical filters over a preloaded store (median, p95).
 * 3. fan-out: one event to 1,000 live subscriptions (100 connections × 10); time until every
 *    subscription has it (median, p95 over repeated events).
 *
 * Environment: BENCH_EVENTS (ingest, default 2000), BENCH_PRELOAD (default 20000).
 * Prints figures, ratios, and the headline figure last.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EventRepositorySqlite } from "@nostr-relay/event-repository-sqlite";
import { SqliteEventStore } from "@rally/relay";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { finalizeEvent, setNostrWasm } from "nostr-tools/wasm";
import { initNostrWasm } from "nostr-wasm";
import type WebSocket from "ws";
import { ingest, median, open, percentile, query, type RunningRelay, spawnRelay } from "./clients.ts";

setNostrWasm(await initNostrWasm());

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const N = Number(process.env.BENCH_EVENTS ?? 2000);
const PRELOAD = Number(process.env.BENCH_PRELOAD ?? 20000);
const FANOUT_CONNS = 100;
const SUBS_PER_CONN = 10;
const FANOUT_EVENTS = 30;
const QUERY_REPS = 40;
const now = Math.floor(Date.now() / 1000);

type Ev = ReturnType<typeof finalizeEvent>;

// --- workloads, identical for both relays -------------------------------------------------------
const authors = Array.from({ length: 20 }, () => generateSecretKey());
const authorPks = authors.map((sk) => getPublicKey(sk));
const ROOMS = 100;
const room = (i: number) => `room-${i % ROOMS}`;

function signed(i: number, offset: number): Ev {
  const sk = authors[i % authors.length]!;
  const kind = i % 3 === 0 ? 1 : 445;
  const tags =
    kind === 445
      ? [["h", room(i)]]
      : [
          ["p", authorPks[(i + 1) % authorPks.length]!],
          ["t", "bench"],
        ];
  return finalizeEvent(
    { kind, created_at: now - offset, tags, content: `ingest ${i} ${"x".repeat(200)}` },
    sk,
  );
}

/** Preloaded events: valid shape, fake signatures (stores do not verify; they are loaded directly). */
function preloadEvents(): Ev[] {
  const out: Ev[] = [];
  for (let i = 0; i < PRELOAD; i++) {
    const kind = i % 4 === 0 ? 1 : i % 4 === 1 ? 7 : 445;
    const pk = authorPks[i % authorPks.length]!;
    const tags =
      kind === 445
        ? [["h", room(i)]]
        : kind === 7
          ? [
              ["e", (i - 1).toString(16).padStart(64, "0")],
              ["p", pk],
            ]
          : [["t", "bench"]];
    out.push({
      id: (i + 1).toString(16).padStart(64, "f"),
      pubkey: pk,
      created_at: now - 100_000 + i,
      kind,
      tags,
      content: `preloaded ${i} ${"y".repeat(150)}`,
      sig: "0".repeat(128),
    } as Ev);
  }
  return out;
}

console.log(`Preparing: ${N} signed events to ingest, ${PRELOAD} preloaded events per store…`);
const ingestEvents = Array.from({ length: N }, (_, i) => signed(i, 50_000 - i));
const preload = preloadEvents();
const fanoutEvents = Array.from({ length: FANOUT_EVENTS }, (_, i) =>
  finalizeEvent(
    { kind: 445, created_at: now, tags: [["h", "fanout-room"]], content: `fan-out ${i}` },
    authors[0]!,
  ),
);

// --- relays -------------------------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-relay-"));

async function startRally(): Promise<RunningRelay> {
  const dir = path.join(tmp, "rally");
  const store = new SqliteEventStore(path.join(dir, "events.sqlite"));
  for (let i = 0; i < preload.length; i += 5000) store.saveSync(preload.slice(i, i + 5000) as never);
  await store.close();
  return spawnRelay(
    [
      path.join(root, "apps/cli/bin/rally.js"),
      "relay",
      "--port",
      "0",
      "--data",
      dir,
      "--events-per-second",
      "10000000",
      "--reqs-per-second",
      "10000000",
      "--max-subscriptions",
      "1000",
    ],
    "rally relay",
  );
}

async function startPeer(): Promise<RunningRelay> {
  const file = path.join(tmp, "peer.sqlite");
  const repo = new EventRepositorySqlite(file);
  await repo.init();
  // It commits each upsert itself; skip fsyncs while preloading (not measured; reopened with defaults).
  repo.getDatabase().pragma("synchronous = OFF");
  for (const e of preload) await repo.upsert(e);
  await repo.destroy();
  return spawnRelay(["--import", "tsx", path.join(here, "peerServer.ts"), file], "peer relay");
}

interface Figures {
  ingestPerSec: number;
  accepted: number;
  queries: Record<string, { median: number; p95: number; count: number }>;
  fanoutMedian: number;
  fanoutP95: number;
  delivered: number;
}

const QUERIES: [string, (i: number) => object][] = [
  [
    "group messages  {kinds:[445], #h:[room], limit:100}",
    (i) => ({ kinds: [445], "#h": [room(i)], limit: 100 }),
  ],
  [
    "group catch-up  {kinds:[445], #h:[3 rooms], since}",
    (i) => ({ kinds: [445], "#h": [room(i), room(i + 1), room(i + 2)], since: now - 60_000 }),
  ],
  [
    "author's notes  {authors:[pk], kinds:[1], limit:50}",
    (i) => ({ authors: [authorPks[i % authorPks.length]], kinds: [1], limit: 50 }),
  ],
  ["mentions        {#p:[pk], limit:20}", (i) => ({ "#p": [authorPks[i % authorPks.length]], limit: 20 })],
  [
    "by ids          {ids:[10 ids]}",
    (i) => ({ ids: Array.from({ length: 10 }, (_, k) => (i * 10 + k + 1).toString(16).padStart(64, "f")) }),
  ],
];

async function measure(relay: RunningRelay): Promise<Figures> {
  // 1. ingest
  const pubs = await Promise.all([0, 1, 2, 3].map(() => open(relay.url)));
  const ing = await ingest(pubs, ingestEvents);

  // 2. queries
  const q = await open(relay.url);
  const queries: Figures["queries"] = {};
  for (const [name, make] of QUERIES) {
    await query(q, "warm", make(0));
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < QUERY_REPS; i++) {
      const r = await query(q, `q${i}`, make(i + 1));
      times.push(r.ms);
      count += r.count;
    }
    queries[name] = { median: median(times), p95: percentile(times, 95), count };
  }

  // 3. fan-out
  const subs: WebSocket[] = await Promise.all(Array.from({ length: FANOUT_CONNS }, () => open(relay.url)));
  await Promise.all(
    subs.map(
      (ws) =>
        new Promise<void>((resolve) => {
          let eose = 0;
          ws.on("message", (d) => {
            if (d.toString().startsWith('["EOSE"') && ++eose === SUBS_PER_CONN) resolve();
          });
          for (let k = 0; k < SUBS_PER_CONN; k++)
            ws.send(JSON.stringify(["REQ", `live${k}`, { kinds: [445], "#h": ["fanout-room"], since: now }]));
        }),
    ),
  );
  const latencies: number[] = [];
  let delivered = 0;
  for (const e of fanoutEvents) {
    const expected = FANOUT_CONNS * SUBS_PER_CONN;
    const start = performance.now();
    await new Promise<void>((resolve) => {
      let got = 0;
      const handlers = subs.map((ws) => {
        const h = (d: WebSocket.RawData) => {
          if (d.toString().includes(e.id) && ++got === expected) {
            subs.forEach((s, i) => {
              s.off("message", handlers[i]!);
            });
            resolve();
          }
        };
        ws.on("message", h);
        return h;
      });
      pubs[0]!.send(JSON.stringify(["EVENT", e]));
    });
    latencies.push(performance.now() - start);
    delivered += expected;
  }
  for (const ws of [...pubs, q, ...subs]) ws.close();
  return {
    ingestPerSec: (N / ing.ms) * 1000,
    accepted: ing.accepted,
    queries,
    fanoutMedian: median(latencies),
    fanoutP95: percentile(latencies, 95),
    delivered,
  };
}

const fmt = (n: number, d = 1) => n.toFixed(d);
try {
  console.log("Running Rally's relay…");
  const rallyRelay = await startRally();
  const rally = await measure(rallyRelay);
  await rallyRelay.stop();
  console.log("Running the peer (@nostr-relay/core + event-repository-sqlite)…");
  const peerRelay = await startPeer();
  const peer = await measure(peerRelay);
  await peerRelay.stop();

  console.log("");
  console.log(`ingest (${N} events, 4 connections, all in flight, signatures verified)`);
  console.log(`  rally  ${fmt(rally.ingestPerSec, 0)} events/s  (${rally.accepted} OK true)`);
  console.log(`  peer   ${fmt(peer.ingestPerSec, 0)} events/s  (${peer.accepted} OK true)`);
  console.log(`query latency, REQ → EOSE, ${PRELOAD} preloaded events (median / p95 ms, results returned)`);
  for (const [name] of QUERIES) {
    const a = rally.queries[name]!;
    const b = peer.queries[name]!;
    console.log(
      `  ${name}\n    rally ${fmt(a.median, 2)} / ${fmt(a.p95, 2)} (${a.count})   peer ${fmt(b.median, 2)} / ${fmt(b.p95, 2)} (${b.count})   peer/rally ${fmt(b.median / a.median, 2)}x`,
    );
  }
  console.log(
    `fan-out of one event to ${FANOUT_CONNS * SUBS_PER_CONN} live subscriptions (median / p95 ms over ${FANOUT_EVENTS})`,
  );
  console.log(`  rally  ${fmt(rally.fanoutMedian, 2)} / ${fmt(rally.fanoutP95, 2)}`);
  console.log(`  peer   ${fmt(peer.fanoutMedian, 2)} / ${fmt(peer.fanoutP95, 2)}`);
  const ingestRatio = rally.ingestPerSec / peer.ingestPerSec;
  const fanoutRatio = peer.fanoutMedian / rally.fanoutMedian;
  console.log("");
  console.log(
    `ratios (rally vs peer, higher is better for rally): ingest ${fmt(ingestRatio, 2)}x, fan-out ${fmt(fanoutRatio, 2)}x`,
  );
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
