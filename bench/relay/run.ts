/**
 * Relay benchmark (`npm run bench:relay`): Rally's relay (`rally relay`) against the TypeScript
 * relay `@nostr-relay/core` + `@nostr-relay/event-repository-sqlite`, same workloads, same run,
 * both as separate processes on loopback, both on SQLite in WAL mode, both verifying signatures.
 * The two take turns (who goes first alternates), so background load on a shared machine falls on
 * both alike.
 *
 * 1. ingest: N signed events, in 4 rounds each sent at once over 4 connections; events/s to the OKs.
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
import type WebSocket from "ws";
import {
  ingest,
  liveSubscriptions,
  median,
  open,
  percentile,
  query,
  type RunningRelay,
  spawnRelay,
} from "./clients.ts";
import { workload } from "./workload.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const N = Number(process.env.BENCH_EVENTS ?? 2000);
const PRELOAD = Number(process.env.BENCH_PRELOAD ?? 20000);
const FANOUT_CONNS = 100;
const SUBS_PER_CONN = 10;
const FANOUT_EVENTS = 40;
const QUERY_REPS = 40;
const now = Math.floor(Date.now() / 1000);

console.log(`Preparing: ${N} signed events to ingest, ${PRELOAD} preloaded events per store…`);
const { authorPks, room, ingestEvents, preload, fanoutEvents } = workload({
  now,
  events: N,
  preload: PRELOAD,
  fanout: FANOUT_EVENTS,
});

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

interface Side {
  name: string;
  relay: RunningRelay;
  pubs: WebSocket[];
  q: WebSocket;
  subs: WebSocket[];
  ingestMs: number;
  accepted: number;
  queryMs: Record<string, number[]>;
  queryCount: Record<string, number>;
  fanout: number[];
}

async function connect(name: string, relay: RunningRelay): Promise<Side> {
  const subs = await Promise.all(Array.from({ length: FANOUT_CONNS }, () => open(relay.url)));
  return {
    name,
    relay,
    pubs: await Promise.all([0, 1, 2, 3].map(() => open(relay.url))),
    q: await open(relay.url),
    subs,
    ingestMs: 0,
    accepted: 0,
    queryMs: {},
    queryCount: {},
    fanout: [],
  };
}

/** The two relays take turns, first one then the other, swapping who goes first every round. */
const turns = <T>(round: number, a: T, b: T): T[] => (round % 2 === 0 ? [a, b] : [b, a]);

async function measure(a: Side, b: Side): Promise<void> {
  // 1. ingest, in rounds of N/4 events sent at once
  const ROUNDS = 4;
  const per = Math.ceil(N / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    const batch = ingestEvents.slice(r * per, (r + 1) * per);
    for (const side of turns(r, a, b)) {
      const res = await ingest(side.pubs, batch);
      side.ingestMs += res.ms;
      side.accepted += res.accepted;
    }
  }

  // 2. queries
  for (const [name, make] of QUERIES) {
    for (const side of [a, b]) {
      await query(side.q, "warm", make(0));
      side.queryMs[name] = [];
      side.queryCount[name] = 0;
    }
    for (let i = 0; i < QUERY_REPS; i++) {
      for (const side of turns(i, a, b)) {
        const r = await query(side.q, `q${i}`, make(i + 1));
        side.queryMs[name]!.push(r.ms);
        side.queryCount[name]! += r.count;
      }
    }
  }

  // 3. fan-out: 100 connections × 10 live subscriptions on each relay
  for (const side of [a, b]) await liveSubscriptions(side.subs, SUBS_PER_CONN, now);
  const expected = FANOUT_CONNS * SUBS_PER_CONN;
  for (const [i, e] of fanoutEvents.entries()) {
    for (const side of turns(i, a, b)) {
      const start = performance.now();
      await new Promise<void>((resolve) => {
        let got = 0;
        const handlers = side.subs.map((ws) => {
          const h = (d: WebSocket.RawData) => {
            if (d.toString().includes(e.id) && ++got === expected) {
              side.subs.forEach((s, k) => {
                s.off("message", handlers[k]!);
              });
              resolve();
            }
          };
          ws.on("message", h);
          return h;
        });
        side.pubs[0]!.send(JSON.stringify(["EVENT", e]));
      });
      side.fanout.push(performance.now() - start);
    }
  }
  for (const side of [a, b]) for (const ws of [...side.pubs, side.q, ...side.subs]) ws.close();
}

const fmt = (n: number, d = 1) => n.toFixed(d);
try {
  console.log("Starting both relays…");
  const [rallyRelay, peerRelay] = [await startRally(), await startPeer()];
  const rally = await connect("rally", rallyRelay);
  const peer = await connect("peer", peerRelay);
  console.log("Measuring, the two relays taking turns…");
  await measure(rally, peer);
  await rallyRelay.stop();
  await peerRelay.stop();

  const rate = (s: Side) => (N / s.ingestMs) * 1000;
  console.log("");
  console.log(
    `ingest (${N} events in rounds of ${Math.ceil(N / 4)} sent at once over 4 connections, signatures verified)`,
  );
  console.log(`  rally  ${fmt(rate(rally), 0)} events/s  (${rally.accepted} OK true)`);
  console.log(`  peer   ${fmt(rate(peer), 0)} events/s  (${peer.accepted} OK true)`);
  console.log(`query latency, REQ → EOSE, ${PRELOAD} preloaded events (median / p95 ms, results returned)`);
  for (const [name] of QUERIES) {
    const [am, ap, bm, bp] = [
      median(rally.queryMs[name]!),
      percentile(rally.queryMs[name]!, 95),
      median(peer.queryMs[name]!),
      percentile(peer.queryMs[name]!, 95),
    ];
    console.log(
      `  ${name}\n    rally ${fmt(am, 2)} / ${fmt(ap, 2)} (${rally.queryCount[name]})   peer ${fmt(bm, 2)} / ${fmt(bp, 2)} (${peer.queryCount[name]})   peer/rally ${fmt(bm / am, 2)}x`,
    );
  }
  console.log(
    `fan-out of one event to ${FANOUT_CONNS * SUBS_PER_CONN} live subscriptions (median / p95 ms over ${FANOUT_EVENTS} events)`,
  );
  console.log(`  rally  ${fmt(median(rally.fanout), 2)} / ${fmt(percentile(rally.fanout, 95), 2)}`);
  console.log(`  peer   ${fmt(median(peer.fanout), 2)} / ${fmt(percentile(peer.fanout, 95), 2)}`);
  const ingestRatio = rate(rally) / rate(peer);
  const fanoutRatio = median(peer.fanout) / median(rally.fanout);
  console.log("");
  console.log(
    `ratios (rally vs peer, higher is better for rally): ingest ${fmt(ingestRatio, 2)}x, fan-out ${fmt(fanoutRatio, 2)}x`,
  );
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
