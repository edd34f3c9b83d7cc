/**
 * Relay benchmark (`npm run bench:relay`): Rally's relay (`rally relay`) against other relays, same
 * workloads, same run, each a separate process on loopback over its own fresh data directory, all
 * verifying signatures:
 *   - nrelay: the TypeScript relay `@nostr-relay/core` + `@nostr-relay/event-repository-sqlite`
 *     (bench/relay/peerServer.ts), SQLite in WAL mode like Rally's; always runs;
 *   - strfry (C++, LMDB) when STRFRY_DIR names a built strfry tree;
 *   - khatru (Go, LMDB) when KHATRU_BIN names the khatru reference relay binary.
 * An unset variable or missing binary skips that relay with one line saying why (bench/relay/peers.ts).
 * The relays take turns in every phase (who goes first rotates), so background load on a shared
 * machine falls on all alike.
 *
 * 1. ingest: N signed events, in 4 rounds each sent at once over 4 connections; events/s to the OKs,
 *    and the relay's CPU-seconds (its process tree, user + system) spent over them.
 * 2. query: REQ→EOSE latency for Rally's typical filters over a preloaded store (median, p95); then
 *    queries/s with 4 connections, each keeping one query in flight.
 * 3. fan-out: one event to 1,000 live subscriptions (100 connections × 10); time until every
 *    subscription has it (median, p95 over repeated events).
 * 4. footprint: RSS of the process tree at start, after the ingest and settled (after idling with no
 *    connection, `BENCH_SETTLE_S`, default 30); disk per stored event, live
 *    and after a clean stop (bench/relay/footprint.ts).
 *
 * Environment: BENCH_EVENTS (ingest, default 2000), BENCH_PRELOAD (default 20000), STRFRY_DIR, KHATRU_BIN.
 * Prints figures, ratios against strfry when it ran (else against nrelay), and the headline last.
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
  open,
  query,
  type RunningRelay,
  spawnRelay,
  withTimeout,
} from "./clients.ts";
import { cpuSeconds, diskBytes, rssMb } from "./footprint.ts";
import { outsideRelays, startPreloaded } from "./peers.ts";
import { type RelayFigures, report } from "./report.ts";
import { workload } from "./workload.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const N = Number(process.env.BENCH_EVENTS ?? 2000);
const PRELOAD = Number(process.env.BENCH_PRELOAD ?? 20000);
// Seconds every relay idles after the last phase before its memory is read again: a garbage-collected
// runtime gives memory back to the system only once its work has slowed down (V8's memory reducer).
const SETTLE_S = Number(process.env.BENCH_SETTLE_S ?? 30);
const FANOUT_CONNS = 100;
const SUBS_PER_CONN = 10;
const FANOUT_EVENTS = 40;
const QUERY_REPS = 40;
const QPS_ROUNDS = 4;
// Serial queries per connection per round, 4 connections at once: 800 per relay in all, enough for a
// steady figure on a shared machine (160 varied by a factor of two between runs of the same build).
const QPS_PER_CONN = 50;
const now = Math.floor(Date.now() / 1000);

const { relays: outside, skipped } = outsideRelays(process.env);
for (const line of skipped) console.log(line);
// Outside relays take the preload over WebSocket, so it must carry real ids and signatures; Rally's
// and nrelay's stores are loaded directly with the very same events.
const signPreload = outside.length > 0;
console.log(
  `Preparing: ${N} signed events to ingest, ${PRELOAD} ${signPreload ? "signed " : ""}preloaded events per store…`,
);
const { authorPks, room, ingestEvents, preload, fanoutEvents } = workload({
  now,
  events: N,
  preload: PRELOAD,
  fanout: FANOUT_EVENTS,
  signPreload,
});

// --- relays -------------------------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-relay-"));

interface Started {
  name: string;
  dir: string;
  relay: RunningRelay;
  preloaded: number;
}

async function startRally(): Promise<Started> {
  const dir = path.join(tmp, "rally");
  const store = new SqliteEventStore(path.join(dir, "events.sqlite"));
  for (let i = 0; i < preload.length; i += 5000) store.saveSync(preload.slice(i, i + 5000) as never);
  await store.close();
  const relay = await spawnRelay(
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
  return { name: "rally", dir, relay, preloaded: preload.length };
}

async function startNrelay(): Promise<Started> {
  const dir = path.join(tmp, "nrelay");
  fs.mkdirSync(dir);
  const file = path.join(dir, "peer.sqlite");
  const repo = new EventRepositorySqlite(file);
  await repo.init();
  // It commits each upsert itself; skip fsyncs while preloading (not measured; reopened with defaults).
  repo.getDatabase().pragma("synchronous = OFF");
  for (const e of preload) await repo.upsert(e);
  await repo.destroy();
  const relay = await spawnRelay(["--import", "tsx", path.join(here, "peerServer.ts"), file], "peer relay");
  return { name: "nrelay", dir, relay, preloaded: preload.length };
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
    (i) => ({ ids: Array.from({ length: 10 }, (_, k) => preload[(i * 10 + k) % preload.length]!.id) }),
  ],
];

interface Side extends RelayFigures {
  relay: RunningRelay;
  dir: string;
  pid: number;
  pubs: WebSocket[];
  q: WebSocket;
  subs: WebSocket[];
}

async function connect({ name, dir, relay, preloaded }: Started): Promise<Side> {
  const rssStartMb = rssMb(relay.child.pid!); // before the benchmark's own 105 connections
  const subs = await Promise.all(Array.from({ length: FANOUT_CONNS }, () => open(relay.url)));
  return {
    name,
    relay,
    dir,
    pid: relay.child.pid!,
    pubs: await Promise.all([0, 1, 2, 3].map(() => open(relay.url))),
    q: await open(relay.url),
    subs,
    ingestMs: 0,
    accepted: 0,
    ingestCpuS: 0,
    queryMs: {},
    queryCount: {},
    qpsMs: 0,
    qpsQueries: 0,
    fanout: [],
    rssStartMb,
    rssIngestMb: 0,
    rssSettledMb: 0,
    storedEvents: preloaded,
    diskLiveBytes: 0,
    diskStoppedBytes: 0,
    cleanStop: false,
  };
}

/** The relays take turns, one after another, the first of one round going last in the next. */
const turns = <T>(round: number, sides: T[]): T[] => sides.map((_, k) => sides[(k + round) % sides.length]!);

/** A phase step that waits on a relay's answers; a relay that stops answering ends the run with its name. */
const bounded = <T>(side: Side, p: Promise<T>, what: string) =>
  withTimeout(p, 180_000, `${side.name}: ${what}`);

async function measure(sides: Side[]): Promise<void> {
  // 1. ingest, in rounds of N/4 events sent at once
  const ROUNDS = 4;
  const per = Math.ceil(N / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    const batch = ingestEvents.slice(r * per, (r + 1) * per);
    for (const side of turns(r, sides)) {
      const cpu = cpuSeconds(side.pid);
      const res = await bounded(side, ingest(side.pubs, batch), `ingest round ${r + 1}`);
      side.ingestCpuS += cpuSeconds(side.pid) - cpu;
      side.ingestMs += res.ms;
      side.accepted += res.accepted;
    }
  }
  // let writes that outlast their OKs settle before reading memory
  await new Promise((r) => setTimeout(r, 1000));
  for (const side of sides) {
    side.rssIngestMb = rssMb(side.pid);
    side.storedEvents += side.accepted;
  }

  // 2. queries, one at a time on one connection (latency)
  for (const [name, make] of QUERIES) {
    for (const side of sides) {
      await bounded(side, query(side.q, "warm", make(0)), name);
      side.queryMs[name] = [];
      side.queryCount[name] = 0;
    }
    for (let i = 0; i < QUERY_REPS; i++) {
      for (const side of turns(i, sides)) {
        const r = await bounded(side, query(side.q, `q${i}`, make(i + 1)), name);
        side.queryMs[name]!.push(r.ms);
        side.queryCount[name]! += r.count;
      }
    }
  }

  // 2b. queries/s: 4 connections, each with one query in flight, the filters in turn
  for (let r = 0; r < QPS_ROUNDS; r++) {
    for (const side of turns(r, sides)) {
      const start = performance.now();
      await bounded(
        side,
        Promise.all(
          side.pubs.map(async (ws, c) => {
            for (let i = 0; i < QPS_PER_CONN; i++) {
              const k = (r * QPS_PER_CONN + i) * side.pubs.length + c;
              await query(ws, `t${k}`, QUERIES[k % QUERIES.length]![1](k));
            }
          }),
        ),
        "queries/s",
      );
      side.qpsMs += performance.now() - start;
      side.qpsQueries += side.pubs.length * QPS_PER_CONN;
    }
  }

  // 3. fan-out: 100 connections × 10 live subscriptions on each relay
  for (const side of sides)
    await bounded(side, liveSubscriptions(side.subs, SUBS_PER_CONN, now), "subscribe");
  const expected = FANOUT_CONNS * SUBS_PER_CONN;
  for (const [i, e] of fanoutEvents.entries()) {
    for (const side of turns(i, sides)) {
      const start = performance.now();
      await bounded(
        side,
        new Promise<void>((resolve) => {
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
        }),
        "fan-out",
      );
      side.fanout.push(performance.now() - start);
    }
  }
  for (const side of sides) {
    side.storedEvents += fanoutEvents.length;
    for (const ws of [...side.pubs, side.q, ...side.subs]) ws.close();
  }
}

const started: Started[] = [];
try {
  console.log(`Starting the relays (rally, nrelay${outside.map((o) => `, ${o.name}`).join("")})…`);
  started.push(await startRally(), await startNrelay());
  for (const o of outside) {
    const dir = path.join(tmp, o.name);
    const { running, accepted } = await startPreloaded(o, dir, preload);
    started.push({ name: o.name, dir, relay: running, preloaded: accepted });
    if (accepted !== preload.length)
      console.log(`  ${o.name} accepted ${accepted} of ${preload.length} preloaded events`);
  }
  const sides: Side[] = [];
  for (const s of started) sides.push(await connect(s));
  console.log(`Measuring, the ${sides.length} relays taking turns…`);
  await measure(sides);
  await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
  for (const side of sides) side.rssSettledMb = rssMb(side.pid);
  for (const side of sides) {
    side.diskLiveBytes = diskBytes(side.dir);
    side.cleanStop = await side.relay.stop();
    side.diskStoppedBytes = diskBytes(side.dir);
  }
  report(sides, {
    events: N,
    preload: PRELOAD,
    queries: QUERIES.map(([name]) => name),
    fanoutSubs: FANOUT_CONNS * SUBS_PER_CONN,
    fanoutEvents: FANOUT_EVENTS,
  });
} finally {
  for (const s of started) await s.relay.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
