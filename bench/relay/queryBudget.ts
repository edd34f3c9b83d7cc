/**
 * Does one client's expensive REQs stall everyone else's cheap ones, and would SQLite reads be
 * better off on a worker thread? (`npx tsx bench/relay/queryBudget.ts`)
 *
 * A relay process holds PRELOAD events of about 2 KB. One connection keeps IN_FLIGHT expensive
 * REQs open at all times (three filters of limit 5,000: up to the 16 MiB a REQ may hold), while
 * another sends a cheap REQ (one event by id) every 10 ms and times REQ→EOSE. Three relays, the
 * same data, one after another:
 *
 * - before: reads run as their frames arrive, no time budget (the relay before the limits);
 * - turns: reads take fair turns (4 ms slices, round robin by address), no budget;
 * - turns + budget: as above with a REQ budget of BUDGET_MS (past it: `CLOSED "error: …"`).
 *
 * Prints the cheap REQ's p50/p99 and the expensive REQs answered per second for each.
 * Environment: BENCH_PRELOAD (default 30000), BENCH_SECONDS (per relay, default 8),
 * BENCH_BUDGET_MS (default 50), BENCH_IN_FLIGHT (default 4).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { SqliteEventStore } from "@rally/relay";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { finalizeEvent, setNostrWasm } from "nostr-tools/wasm";
import { initNostrWasm } from "nostr-wasm";
import WebSocket from "ws";
import { median, percentile, spawnRelay } from "./clients.ts";

setNostrWasm(await initNostrWasm());
const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = Number(process.env.BENCH_PRELOAD ?? 30000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 50);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4);

const authors = Array.from({ length: 20 }, () => generateSecretKey());
const authorPks = authors.map((sk) => getPublicKey(sk));
const now = Math.floor(Date.now() / 1000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rally-query-budget-"));
const ids: string[] = [];
{
  const store = new SqliteEventStore(path.join(dir, "events.sqlite"), { synchronous: "NORMAL" });
  let batch = [];
  for (let i = 0; i < PRELOAD; i++) {
    const e = finalizeEvent(
      {
        kind: 1,
        created_at: now - i,
        tags: [["t", "bench"]],
        content: `${i} ${"x".repeat(1900)}`,
      },
      authors[i % authors.length]!,
    );
    ids.push(e.id);
    batch.push(e);
    if (batch.length === 2000) {
      store.saveSync(batch as never);
      batch = [];
    }
  }
  store.saveSync(batch as never);
  await store.close();
}

const expensive = [
  { kinds: [1], limit: 5000 },
  { "#t": ["bench"], limit: 5000, until: now - 5000 },
  { authors: authorPks, limit: 5000, until: now - 10000 },
];

const HEAVY_CLIENT = `
const { parentPort, workerData } = require("node:worker_threads");
const WebSocket = require("ws");
const { url, filters, inFlight } = workerData;
const ws = new WebSocket(url, { perMessageDeflate: false });
let running = false, n = 0, heavyDone = 0, heavyClosed = 0, heavyLost = false;
const send = () => ws.send(JSON.stringify(["REQ", "h" + n++, ...filters]));
ws.on("open", () => parentPort.postMessage("open"));
ws.on("close", () => { heavyLost = running; });
ws.on("message", (d) => {
  const s = d.toString("utf8", 0, 12);
  if (!s.startsWith('["EOSE"') && !s.startsWith('["CLOSED"')) return;
  if (s.startsWith('["CLOSED"')) heavyClosed++;
  heavyDone++;
  ws.send(JSON.stringify(["CLOSE", JSON.parse(d.toString())[1]]));
  if (running) send();
});
parentPort.on("message", (m) => {
  if (m === "start") { running = true; for (let i = 0; i < inFlight; i++) send(); }
  else { running = false; parentPort.postMessage({ heavyDone, heavyClosed, heavyLost }); ws.close(); }
});
`;

async function measure(name: string, limits: Record<string, number | null>) {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "rally-query-budget-run-"));
  fs.copyFileSync(path.join(dir, "events.sqlite"), path.join(copy, "events.sqlite"));
  const relay = await spawnRelay(
    ["--import", "tsx", path.join(here, "queryBudgetServer.ts"), copy, JSON.stringify(limits)],
    name,
  );
  // The expensive client runs on its own thread: receiving its 16 MiB answers must not delay
  // the cheap client's clock in this one.
  const heavy = new Worker(HEAVY_CLIENT, {
    eval: true,
    workerData: { url: relay.url, filters: expensive, inFlight: IN_FLIGHT },
  });
  await new Promise((r) => heavy.once("message", r)); // connected
  // From another loopback address, as another person would be (reads take turns by address).
  const cheap = await new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(relay.url, { perMessageDeflate: false, localAddress: "127.0.0.2" });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
  const latencies: number[] = [];
  let cheapClosed = 0;
  const pending = new Map<string, number>();
  cheap.on("message", (d) => {
    const s = d.toString();
    if (s.startsWith('["CLOSED"')) cheapClosed++;
    if (!s.startsWith('["EOSE"') && !s.startsWith('["CLOSED"')) return;
    const sub = JSON.parse(s)[1] as string;
    const t0 = pending.get(sub);
    if (t0 !== undefined) {
      latencies.push(performance.now() - t0);
      pending.delete(sub);
      cheap.send(JSON.stringify(["CLOSE", sub]));
    }
  });
  // Warm up: the cheap query alone.
  await new Promise((r) => setTimeout(r, 300));
  heavy.postMessage("start");
  const started = performance.now();
  let k = 0;
  while (performance.now() - started < SECONDS * 1000) {
    const sub = `c${k++}`;
    pending.set(sub, performance.now());
    cheap.send(JSON.stringify(["REQ", sub, { ids: [ids[(k * 7919) % ids.length]] }]));
    await new Promise((r) => setTimeout(r, 10));
    while (pending.size > 0 && performance.now() - started < SECONDS * 1000 + 30_000)
      await new Promise((r) => setTimeout(r, 1));
  }
  const elapsed = (performance.now() - started) / 1000;
  const { heavyDone, heavyClosed, heavyLost } = await new Promise<{
    heavyDone: number;
    heavyClosed: number;
    heavyLost: boolean;
  }>((r) => {
    heavy.once("message", r);
    heavy.postMessage("stop");
  });
  await heavy.terminate();
  cheap.close();
  await relay.stop();
  fs.rmSync(copy, { recursive: true, force: true });
  return {
    name,
    p50: median(latencies),
    p99: percentile(latencies, 99),
    samples: latencies.length,
    heavyPerSecond: heavyDone / elapsed,
    heavyClosed,
    cheapClosed,
    heavyLost,
  };
}

// What one expensive REQ costs the relay's thread, in-process on the same data: the store reads
// (what a worker thread could take off the event loop) and building its answer's frames (what it
// could not: sending stays on the thread that owns the sockets).
const readMs: number[] = [];
const frameMs: number[] = [];
{
  const store = new SqliteEventStore(path.join(dir, "events.sqlite"));
  for (let rep = 0; rep < 5; rep++) {
    let t = performance.now();
    let budget = 16 * 1024 * 1024;
    const rows = [];
    for (const f of expensive) {
      if (budget <= 0) break;
      const found = store.querySync(f, { now, maxBytes: budget });
      for (const r of found) budget -= r.json.length;
      rows.push(...found);
    }
    readMs.push(performance.now() - t);
    t = performance.now();
    let bytes = 0;
    for (const r of rows) bytes += `["EVENT","h",${r.json}]`.length;
    frameMs.push(performance.now() - t + (bytes < 0 ? 1 : 0));
  }
  await store.close();
}

const results = [
  await measure("before (no turns, no budget)", { querySliceMs: null, queryBudgetMs: null }),
  await measure("turns (4 ms slices), no budget", { querySliceMs: 4, queryBudgetMs: null }),
  await measure(`turns + budget ${BUDGET_MS} ms`, { querySliceMs: 4, queryBudgetMs: BUDGET_MS }),
];
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  `\ncheap REQ (one event by id) every 10 ms while one connection keeps ${IN_FLIGHT} expensive REQs open; ${PRELOAD} events of ~2 KB; ${SECONDS} s each`,
);
console.log(
  `one expensive REQ in-process: store reads ${median(readMs).toFixed(1)} ms, building its frames ${median(frameMs).toFixed(1)} ms (medians of 5)`,
);
for (const r of results)
  console.log(
    `${r.name.padEnd(34)} cheap REQ→EOSE p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms (${r.samples} samples); expensive REQs answered ${r.heavyPerSecond.toFixed(1)}/s (${r.heavyClosed} closed as too long)${r.cheapClosed ? `; ${r.cheapClosed} cheap REQs closed` : ""}${r.heavyLost ? "; the expensive client was disconnected" : ""}`,
  );
