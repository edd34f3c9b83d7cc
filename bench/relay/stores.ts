/**
 * Relay storage backends, one run (`npm run bench:relay:stores`): `rally relay` on SQLite, on
 * PostgreSQL as one process, and on PostgreSQL as two processes sharing one database — each a
 * real process on loopback verifying every signature, the three taking turns in every phase (who
 * goes first rotates) so background load falls on all alike. PostgreSQL is a private cluster in a
 * temp folder (tests/helpers/postgres.ts) with fsync on, as a production server runs; SQLite runs
 * with its default `synchronous = FULL`.
 *
 * 1. ingest: N signed events in 4 rounds, each sent at once over 4 connections (with two
 *    processes, 2 connections to each); events/s to the last OK.
 * 2. query: REQ→EOSE latency of Rally's typical filters over a preloaded store (median / p95); with
 *    two processes the requests alternate between them.
 * 3. fan-out: one event to 1,000 live subscriptions (100 connections × 10); with two processes
 *    half the connections are on the other process, so this includes the NOTIFY hop.
 *
 * Environment: BENCH_EVENTS (default 4000), BENCH_PRELOAD (default 20000).
 * Prints figures and ratios to SQLite; the headline figure is last.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteEventStore } from "@rally/relay";
import { PostgresEventStore } from "@rally/relay/postgres";
import type WebSocket from "ws";
import { startPostgres } from "../../tests/helpers/postgres.ts";
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
const N = Number(process.env.BENCH_EVENTS ?? 4000);
const PRELOAD = Number(process.env.BENCH_PRELOAD ?? 20000);
const FANOUT_CONNS = 100;
const SUBS_PER_CONN = 10;
const FANOUT_EVENTS = 30;
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
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rally-bench-stores-"));
const RELAY_ARGS = [
  "--port",
  "0",
  "--events-per-second",
  "10000000",
  "--reqs-per-second",
  "10000000",
  "--max-subscriptions",
  "1000",
];

function startRelay(name: string, extra: string[]): Promise<RunningRelay> {
  return spawnRelay(
    [
      path.join(root, "apps/cli/bin/rally.js"),
      "relay",
      ...RELAY_ARGS,
      "--data",
      path.join(tmp, name),
      ...extra,
    ],
    name,
  );
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0; // gone meanwhile
  }
}

/** CPU seconds of the PostgreSQL server: the postmaster and every backend it runs. */
function postgresCpuSeconds(dataDir: string): number {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  let total = cpuSeconds(postmaster);
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === postmaster) total += cpuSeconds(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

interface Setup {
  name: string;
  relays: RunningRelay[];
  /** CPU seconds during ingest: the relay processes, and the PostgreSQL server (when used). */
  relayCpu: number;
  dbCpu: number;
  /** Connections spread round-robin over the setup's processes. */
  pubs: WebSocket[];
  qs: WebSocket[];
  subs: WebSocket[];
  ingestMs: number;
  accepted: number;
  queryMs: Record<string, number[]>;
  fanout: number[];
}

async function connect(name: string, relays: RunningRelay[]): Promise<Setup> {
  const at = (i: number) => relays[i % relays.length]!.url;
  return {
    name,
    relays,
    pubs: await Promise.all([0, 1, 2, 3].map((i) => open(at(i)))),
    qs: await Promise.all(relays.map((r) => open(r.url))),
    subs: await Promise.all(Array.from({ length: FANOUT_CONNS }, (_, i) => open(at(i)))),
    ingestMs: 0,
    accepted: 0,
    relayCpu: 0,
    dbCpu: 0,
    queryMs: {},
    fanout: [],
  };
}

const QUERIES: [string, (i: number) => object][] = [
  [
    "group messages  {kinds:[445], #h:[room], limit:100}",
    (i) => ({ kinds: [445], "#h": [room(i)], limit: 100 }),
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

/** Every setup in turn, the first one rotating each round. */
const turns = <T>(round: number, xs: T[]): T[] => xs.map((_, k) => xs[(k + round) % xs.length]!);

async function measure(setups: Setup[]): Promise<void> {
  const ROUNDS = 4;
  const per = Math.ceil(N / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    const batch = ingestEvents.slice(r * per, (r + 1) * per);
    for (const s of turns(r, setups)) {
      const relayCpu = () => s.relays.reduce((sum, relay) => sum + cpuSeconds(relay.child.pid ?? 0), 0);
      const dbCpu = () => (s.name === "SQLite" ? 0 : postgresCpuSeconds(pgData));
      const [r0, d0] = [relayCpu(), dbCpu()];
      const res = await ingest(s.pubs, batch);
      s.ingestMs += res.ms;
      s.accepted += res.accepted;
      s.relayCpu += relayCpu() - r0;
      s.dbCpu += dbCpu() - d0;
    }
  }

  for (const [name, make] of QUERIES) {
    for (const s of setups) {
      for (const q of s.qs) await query(q, "warm", make(0));
      s.queryMs[name] = [];
    }
    for (let i = 0; i < QUERY_REPS; i++) {
      for (const s of turns(i, setups)) {
        const r = await query(s.qs[i % s.qs.length]!, `q${i}`, make(i + 1));
        s.queryMs[name]!.push(r.ms);
      }
    }
  }

  for (const s of setups) await liveSubscriptions(s.subs, SUBS_PER_CONN, now);
  const expected = FANOUT_CONNS * SUBS_PER_CONN;
  for (const [i, e] of fanoutEvents.entries()) {
    for (const s of turns(i, setups)) {
      const start = performance.now();
      await new Promise<void>((resolve) => {
        let got = 0;
        const handlers = s.subs.map((ws) => {
          const h = (d: WebSocket.RawData) => {
            if (d.toString().includes(e.id) && ++got === expected) {
              s.subs.forEach((x, k) => {
                x.off("message", handlers[k]!);
              });
              resolve();
            }
          };
          ws.on("message", h);
          return h;
        });
        s.pubs[0]!.send(JSON.stringify(["EVENT", e]));
      });
      s.fanout.push(performance.now() - start);
    }
  }
  for (const s of setups) for (const ws of [...s.pubs, ...s.qs, ...s.subs]) ws.close();
}

const cluster = await startPostgres({ fsync: true });
const pgData = path.join(cluster.dir, "data");
const fmt = (n: number, d = 1) => n.toFixed(d);
try {
  console.log("Preloading the three stores…");
  const sqlite = new SqliteEventStore(path.join(tmp, "sqlite", "events.sqlite"));
  for (let i = 0; i < preload.length; i += 5000) sqlite.saveSync(preload.slice(i, i + 5000) as never);
  await sqlite.close();
  const dbs = [await cluster.createDatabase("one"), await cluster.createDatabase("two")];
  for (const url of dbs) {
    const pg = await PostgresEventStore.open(url);
    for (let i = 0; i < preload.length; i += 2000) await pg.saveBatch(preload.slice(i, i + 2000) as never);
    await pg.pool.query("VACUUM ANALYZE");
    await pg.close();
  }

  console.log("Starting the relays…");
  const setups = [
    await connect("SQLite", [await startRelay("sqlite", [])]),
    await connect("PostgreSQL ×1", [await startRelay("pg1", ["--db", dbs[0]!])]),
    await connect("PostgreSQL ×2", [
      await startRelay("pg2a", ["--db", dbs[1]!]),
      await startRelay("pg2b", ["--db", dbs[1]!]),
    ]),
  ];
  console.log("Measuring, the setups taking turns…");
  await measure(setups);
  for (const s of setups) for (const r of s.relays) await r.stop();

  const rate = (s: Setup) => (N / s.ingestMs) * 1000;
  const base = setups[0]!;
  const pad = (s: string) => s.padEnd(14);
  console.log("");
  console.log(
    `ingest (${N} events in rounds of ${Math.ceil(N / 4)} sent at once over 4 connections, signatures verified)`,
  );
  for (const s of setups)
    console.log(
      `  ${pad(s.name)} ${fmt(rate(s), 0)} events/s  (${s.accepted} OK true)  ${fmt(rate(s) / rate(base), 2)}× SQLite   CPU per 1,000 events: relay ${fmt((s.relayCpu / N) * 1000, 2)} s${s.name === "SQLite" ? "" : `, PostgreSQL ${fmt((s.dbCpu / N) * 1000, 2)} s`}`,
    );
  console.log(`query latency, REQ → EOSE, ${PRELOAD} preloaded events (median / p95 ms)`);
  for (const [name] of QUERIES) {
    console.log(`  ${name}`);
    for (const s of setups)
      console.log(
        `    ${pad(s.name)} ${fmt(median(s.queryMs[name]!), 2)} / ${fmt(percentile(s.queryMs[name]!, 95), 2)}`,
      );
  }
  console.log(
    `fan-out of one event to ${FANOUT_CONNS * SUBS_PER_CONN} live subscriptions (median / p95 ms over ${FANOUT_EVENTS} events)`,
  );
  for (const s of setups)
    console.log(`  ${pad(s.name)} ${fmt(median(s.fanout), 2)} / ${fmt(percentile(s.fanout, 95), 2)}`);
  console.log("");
  console.log(`headline: ingest events/s — ${setups.map((s) => `${s.name} ${fmt(rate(s), 0)}`).join(", ")}`);
} finally {
  await cluster.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
