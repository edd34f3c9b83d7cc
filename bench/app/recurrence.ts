/**
 * How long does listing a repeating event take? `expandOccurrences` works on wall-clock dates in
 * the event's zone, so each occurrence costs a zone conversion. Times the next 10 occurrences of
 * series that began long ago (what `rally event list` shows), and a full expansion of 1,000
 * occurrences (an export or a public window), in Europe/Berlin. Medians of 20 runs.
 *
 * Run: npx tsx bench/app/recurrence.ts
 */
import { performance } from "node:perf_hooks";
import { expandOccurrences, type SeriesInput } from "../../packages/protocol/src/app/recurrence.ts";

const now = Date.parse("2026-12-07T12:00:00Z") / 1000;
const since = (iso: string): SeriesInput["time"] => ({
  allDay: false,
  start: Date.parse(iso) / 1000,
  end: Date.parse(iso) / 1000 + 7200,
  tz: "Europe/Berlin",
});

function median(run: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[10] ?? Number.NaN;
}

const cases: [string, SeriesInput, { from: number; limit: number }][] = [
  [
    "next 10, daily since 2000",
    { time: since("2000-01-01T18:00:00Z"), rule: "FREQ=DAILY" },
    { from: now, limit: 10 },
  ],
  [
    "next 10, weekly since 2000",
    { time: since("2000-01-04T18:00:00Z"), rule: "FREQ=WEEKLY;BYDAY=TU" },
    { from: now, limit: 10 },
  ],
  [
    "next 10, monthly last Friday since 2000",
    { time: since("2000-01-28T18:00:00Z"), rule: "FREQ=MONTHLY;BYDAY=-1FR" },
    { from: now, limit: 10 },
  ],
  [
    "1,000 daily from the start",
    { time: since("2026-01-01T18:00:00Z"), rule: "FREQ=DAILY" },
    { from: 0, limit: 1000 },
  ],
];
for (const [name, series, window] of cases) {
  const ms = median(() => expandOccurrences(series, window));
  console.log(`${name}: ${ms.toFixed(2)} ms`);
}
