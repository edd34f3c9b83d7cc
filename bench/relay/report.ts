/**
 * What `npm run bench:relay` prints: each relay's figures phase by phase, then ratios against Rally
 * with the headline last. Ratios always read "higher is better for Rally": Rally over the other for
 * rates (events/s, queries/s), the other over Rally for costs (latency, CPU, memory, disk).
 */
import { median, percentile } from "./clients.ts";

/** One relay's figures from one run. */
export interface RelayFigures {
  name: string;
  ingestMs: number;
  accepted: number;
  ingestCpuS: number;
  queryMs: Record<string, number[]>;
  queryCount: Record<string, number>;
  qpsMs: number;
  qpsQueries: number;
  fanout: number[];
  rssStartMb: number;
  rssIngestMb: number;
  /** After every phase, once the relay idled `BENCH_SETTLE_S` seconds with no connection open. */
  rssSettledMb: number;
  /** Events it holds at the end: preloaded, ingested and fanned out, as it acknowledged them. */
  storedEvents: number;
  diskLiveBytes: number;
  diskStoppedBytes: number;
  /** It ended on SIGTERM; false when it had to be killed (then "after a clean stop" is not clean). */
  cleanStop: boolean;
}

export interface RunShape {
  events: number;
  preload: number;
  queries: string[];
  fanoutSubs: number;
  fanoutEvents: number;
}

const fmt = (n: number, d = 1) => n.toFixed(d);
const rate = (s: RelayFigures, events: number) => (events / s.ingestMs) * 1000;
const qps = (s: RelayFigures) => (s.qpsQueries / s.qpsMs) * 1000;
const diskPerEvent = (s: RelayFigures, bytes: number) => bytes / s.storedEvents;

export function report(sides: RelayFigures[], shape: RunShape): void {
  const { events: N } = shape;
  const width = Math.max(...sides.map((s) => s.name.length)) + 2;
  const label = (s: RelayFigures) => `  ${s.name.padEnd(width)}`;
  const rally = sides.find((s) => s.name === "rally")!;
  const others = sides.filter((s) => s !== rally);
  // strfry when it ran, else the TypeScript relay as before outside relays were compared
  const reference = others.find((s) => s.name === "strfry") ?? others.find((s) => s.name === "nrelay")!;

  console.log("");
  console.log(
    `ingest (${N} events in rounds of ${Math.ceil(N / 4)} sent at once over 4 connections, signatures verified; relay CPU over the ingest, user + system)`,
  );
  for (const s of sides)
    console.log(
      `${label(s)}${fmt(rate(s, N), 0).padStart(6)} events/s  (${s.accepted} OK true)   CPU ${fmt(s.ingestCpuS, 2)} s (${fmt((s.ingestCpuS / N) * 1e6, 0)} µs/event)`,
    );

  console.log(
    `query latency, REQ → EOSE, ${shape.preload} preloaded events (median / p95 ms, results returned)`,
  );
  for (const name of shape.queries) {
    const cell = (s: RelayFigures) =>
      `${s.name} ${fmt(median(s.queryMs[name]!), 2)} / ${fmt(percentile(s.queryMs[name]!, 95), 2)} (${s.queryCount[name]})`;
    const ratio = median(reference.queryMs[name]!) / median(rally.queryMs[name]!);
    console.log(`  ${name}\n    ${sides.map(cell).join("   ")}   ${reference.name}/rally ${fmt(ratio, 2)}x`);
  }

  console.log(
    `queries/s, 4 connections each with one query in flight, the ${shape.queries.length} filters above in turn`,
  );
  for (const s of sides)
    console.log(`${label(s)}${fmt(qps(s), 0).padStart(6)} queries/s  (${s.qpsQueries} queries)`);

  console.log(
    `fan-out of one event to ${shape.fanoutSubs} live subscriptions (median / p95 ms over ${shape.fanoutEvents} events)`,
  );
  for (const s of sides)
    console.log(`${label(s)}${fmt(median(s.fanout), 2)} / ${fmt(percentile(s.fanout, 95), 2)}`);

  console.log(
    "memory, RSS of the relay's process tree (MB): at start over the preloaded store / after the ingest / settled, after idling with no connection",
  );
  for (const s of sides)
    console.log(`${label(s)}${fmt(s.rssStartMb)} / ${fmt(s.rssIngestMb)} / ${fmt(s.rssSettledMb)}`);

  console.log(
    "disk per stored event, du of the data directory (bytes): live at the end / after a clean stop",
  );
  for (const s of sides)
    console.log(
      `${label(s)}${fmt(diskPerEvent(s, s.diskLiveBytes), 0)} / ${fmt(diskPerEvent(s, s.diskStoppedBytes), 0)}  (${s.storedEvents} events${s.cleanStop ? "" : "; did not stop on SIGTERM, killed"})`,
    );

  const ratios = (o: RelayFigures) =>
    [
      `ingest ${fmt(rate(rally, N) / rate(o, N), 2)}x`,
      `queries/s ${fmt(qps(rally) / qps(o), 2)}x`,
      `fan-out ${fmt(median(o.fanout) / median(rally.fanout), 2)}x`,
      `ingest CPU ${fmt(o.ingestCpuS / rally.ingestCpuS, 2)}x`,
      `RSS after ingest ${fmt(o.rssIngestMb / rally.rssIngestMb, 2)}x`,
      `RSS settled ${fmt(o.rssSettledMb / rally.rssSettledMb, 2)}x`,
      `disk/event live ${fmt(o.diskLiveBytes / o.storedEvents / (rally.diskLiveBytes / rally.storedEvents), 2)}x`,
      `stopped ${fmt(o.diskStoppedBytes / o.storedEvents / (rally.diskStoppedBytes / rally.storedEvents), 2)}x`,
    ].join(", ");
  console.log("");
  console.log(
    "ratios, higher is better for rally (rally/other for events/s and queries/s; other/rally for fan-out latency, CPU, RSS and disk):",
  );
  for (const o of others.filter((s) => s !== reference)) console.log(`  vs ${o.name}: ${ratios(o)}`);
  console.log(`headline, rally vs ${reference.name}: ${ratios(reference)}`);
}
