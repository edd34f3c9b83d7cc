/**
 * `rally relay`'s memory and start-up time, from the built command (apps/cli/dist) and from the
 * TypeScript sources (RALLY_FROM_SOURCES=1) in the same run: RSS of the relay's process tree (VmRSS)
 * once it listens and after 20,000 pre-signed events sent over 4 connections with 500 in flight
 * each, the time from spawn to listening, the time of `rally --help`, and the median REQ→EOSE time of
 * 300 serial queries afterwards (with the RSS after them).
 *
 *   npx tsx bench/relay/memory.ts [--events 20000] [--runs 3] [--modes built,sources] [--before DIR]
 *
 * `--relay-args "…"` adds arguments to `rally relay` (e.g. "--verify-workers 0"; not for "before" runs).
 * `--before DIR` adds runs of another checkout's command (mode "before"), e.g. an older commit with its
 * own `npm install`, for a before/after comparison in the same run.
 *
 * Prints one JSON line per run and the medians per mode. The "built" runs build apps/cli/dist first
 * (scripts/build-cli.mjs), so they run the build even when a source changed since `npm install`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { finalizeEvent, setNostrWasm } from "nostr-tools/wasm";
import { initNostrWasm } from "nostr-wasm";
import WebSocket from "ws";

setNostrWasm(await initNostrWasm());

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(root, "apps/cli/bin/rally.js");
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const N = Number(arg("events", "20000"));
const RUNS = Number(arg("runs", "3"));
const BEFORE = arg("before", "");
const RELAY_ARGS = arg("relay-args", "").split(" ").filter(Boolean);
const MODES = [...arg("modes", "built,sources").split(","), ...(BEFORE ? ["before"] : [])];
const binOf = (mode: string) =>
  mode === "before" ? path.join(path.resolve(BEFORE), "apps/cli/bin/rally.js") : bin;
const CONNS = 4;
const PER_CONN = 500;

const now = Math.floor(Date.now() / 1000);
const authors = Array.from({ length: 100 }, () => generateSecretKey());
const authorPks = authors.map((sk) => getPublicKey(sk));
const events = Array.from({ length: N }, (_, i) => {
  const kind = i % 2 === 0 ? 1 : 445;
  const tags =
    kind === 1
      ? [
          ["t", `topic${(i >> 1) % 20}`],
          ["p", authorPks[(i + 7) % 100]!],
        ]
      : [["h", `room-${(i >> 1) % 100}`]];
  return finalizeEvent(
    { kind, created_at: now - 86000 + i * 4, tags, content: `bench ${i} ${"x".repeat(200)}` },
    authors[i % 100]!,
  );
});

function treePids(pid: number): number[] {
  const out = [pid];
  try {
    const kids = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    for (const k of kids) out.push(...treePids(Number(k)));
  } catch {}
  return out;
}

function rssMB(pid: number): number {
  let kb = 0;
  for (const p of treePids(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch {}
  }
  return Math.round((kb / 1024) * 10) / 10;
}

function env(mode: string): NodeJS.ProcessEnv {
  return mode === "sources" ? { ...process.env, RALLY_FROM_SOURCES: "1" } : { ...process.env };
}

async function startRelay(
  mode: string,
  dir: string,
): Promise<{ child: ChildProcess; url: string; ms: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      binOf(mode),
      "relay",
      ...["--port", "0", "--host", "127.0.0.1", "--data", dir, "--events-per-second", "10000000"],
      // The 4 connections come from one address: lift that limit too.
      ...["--address-events-per-second", "10000000"],
      ...(mode === "before" ? [] : RELAY_ARGS),
    ],
    { env: env(mode), stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not listen:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (ws:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`relay exited (${code}):\n${out}`)));
  });
  return { child, url, ms: performance.now() - started };
}

let refused = 0;

async function ingest(url: string): Promise<void> {
  const per = Math.ceil(N / CONNS);
  await Promise.all(
    Array.from({ length: CONNS }, async (_, c) => {
      const mine = events.slice(c * per, (c + 1) * per);
      const ws = new WebSocket(url);
      await new Promise((r, j) => {
        ws.once("open", r);
        ws.once("error", j);
      });
      for (let i = 0; i < mine.length; i += PER_CONN) {
        const batch = mine.slice(i, i + PER_CONN);
        const waiting = new Set(batch.map((e) => e.id));
        await new Promise<void>((resolve) => {
          const onMsg = (data: WebSocket.RawData) => {
            const msg = JSON.parse(data.toString()) as unknown[];
            if (msg[0] === "OK" && msg[2] !== true) refused++;
            if (msg[0] === "OK" && waiting.delete(msg[1] as string) && waiting.size === 0) {
              ws.off("message", onMsg);
              resolve();
            }
          };
          ws.on("message", onMsg);
          for (const e of batch) ws.send(JSON.stringify(["EVENT", e]));
        });
      }
      ws.close();
    }),
  );
}

/** Median milliseconds from REQ to EOSE over serial queries on one connection (a check that less memory
 * did not cost reading speed). */
async function queryP50(url: string): Promise<number> {
  const ws = new WebSocket(url);
  await new Promise((r, j) => {
    ws.once("open", r);
    ws.once("error", j);
  });
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const filter =
      i % 2 === 0
        ? { kinds: [445], "#h": [`room-${i % 100}`], limit: 100 }
        : { authors: [authorPks[i % 100]!], kinds: [1], limit: 50 };
    const t = performance.now();
    await new Promise<void>((resolve) => {
      const onMsg = (data: WebSocket.RawData) => {
        const msg = JSON.parse(data.toString()) as unknown[];
        if (msg[0] === "EOSE" && msg[1] === `q${i}`) {
          ws.off("message", onMsg);
          resolve();
        }
      };
      ws.on("message", onMsg);
      ws.send(JSON.stringify(["REQ", `q${i}`, filter]));
    });
    times.push(performance.now() - t);
    ws.send(JSON.stringify(["CLOSE", `q${i}`]));
  }
  ws.close();
  return Math.round(median(times) * 100) / 100;
}

function helpMs(mode: string): number {
  const t = performance.now();
  execFileSync(process.execPath, [binOf(mode), "--help"], { env: env(mode), stdio: "ignore" });
  return performance.now() - t;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: Record<string, number | string>[] = [];
for (let run = 0; run < RUNS; run++) {
  for (const mode of MODES) {
    // Others may edit the sources meanwhile: build right before, so "built" runs the build.
    if (mode === "built")
      execFileSync(process.execPath, [path.join(root, "scripts/build-cli.mjs")], { stdio: "ignore" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rally-mem-"));
    const help = helpMs(mode);
    const { child, url, ms } = await startRelay(mode, dir);
    await sleep(500);
    const rssStart = rssMB(child.pid!);
    const t = performance.now();
    await ingest(url);
    const ingestS = (performance.now() - t) / 1000;
    await sleep(500);
    const rssAfter = rssMB(child.pid!);
    const reqP50 = await queryP50(url);
    const rssAfterQueries = rssMB(child.pid!);
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    fs.rmSync(dir, { recursive: true, force: true });
    const row = {
      mode,
      run,
      help_ms: Math.round(help),
      listen_ms: Math.round(ms),
      rss_start_mb: rssStart,
      rss_after_mb: rssAfter,
      events_per_s: Math.round(N / ingestS),
      refused,
      req_p50_ms: reqP50,
      rss_after_queries_mb: rssAfterQueries,
    };
    refused = 0;
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
for (const mode of MODES) {
  const mine = rows.filter((r) => r.mode === mode);
  const keys = [
    "help_ms",
    "listen_ms",
    "rss_start_mb",
    "rss_after_mb",
    "events_per_s",
    "req_p50_ms",
    "rss_after_queries_mb",
  ];
  console.log(
    `${mode} (median of ${mine.length}): ${keys.map((k) => `${k} ${median(mine.map((r) => r[k] as number))}`).join(", ")}`,
  );
}
