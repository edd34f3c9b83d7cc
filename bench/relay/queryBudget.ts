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
import { SqliteEventStore } from "@rally/relay";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { finalizeEvent, setNostrWasm } from "nostr-tools/wasm";
import { initNostrWasm } from "nostr-wasm";
import WebSocket from "ws";
import { median, open, percentile, spawnRelay } from "./clients.ts";

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

async function measure(name: string, limits: Record<string, number | null>) {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "rally-query-budget-run-"));
  fs.copyFileSync(path.join(dir, "events.sqlite"), path.join(copy, "events.sqlite"));
  const relay = await spawnRelay(
    ["--import", "tsx", path.join(here, "queryBudgetServer.ts"), copy, JSON.stringify(limits)],
    name,
  );
  const heavy = await open(relay.url);
  // From another loopback address, as another person would be (reads take turns by address).
  const cheap = await new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(relay.url, { perMessageDeflate: false, localAddress: "127.0.0.2" });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
  let running = true;
  let heavyDone = 0;
  let heavyClosed = 0;
  let n = 0;
  const sendHeavy = (ws: WebSocket) => ws.send(JSON.stringify(["REQ", `h${n++}`, ...expensive]));
  heavy.on("message", (d) => {
    const s = d.toString();
    if (s.startsWith('["EOSE"') || s.startsWith('["CLOSED"')) {
      if (s.startsWith('["CLOSED"')) heavyClosed++;
      heavyDone++;
      const sub = JSON.parse(s)[1] as string;
      heavy.send(JSON.stringify(["CLOSE", sub]));
      if (running) sendHeavy(heavy);
    }
  });
  const latencies: number[] = [];
  let cheapClosed = 0;
  let heavyLost = false;
  heavy.once("close", () => {
    heavyLost = running;
  });
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
  for (let i = 0; i < IN_FLIGHT; i++) sendHeavy(heavy);
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
  running = false;
  const elapsed = (performance.now() - started) / 1000;
  heavy.close();
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

const results = [
  await measure("before (no turns, no budget)", { querySliceMs: null, queryBudgetMs: null }),
  await measure("turns (4 ms slices), no budget", { querySliceMs: 4, queryBudgetMs: null }),
  await measure(`turns + budget ${BUDGET_MS} ms`, { querySliceMs: 4, queryBudgetMs: BUDGET_MS }),
];
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  `\ncheap REQ (one event by id) every 10 ms while one connection keeps ${IN_FLIGHT} expensive REQs open; ${PRELOAD} events of ~2 KB; ${SECONDS} s each`,
);
for (const r of results)
  console.log(
    `${r.name.padEnd(34)} cheap REQ→EOSE p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms (${r.samples} samples); expensive REQs answered ${r.heavyPerSecond.toFixed(1)}/s (${r.heavyClosed} closed as too long)${r.cheapClosed ? `; ${r.cheapClosed} cheap REQs closed` : ""}${r.heavyLost ? "; the expensive client was disconnected" : ""}`,
  );
