/**
 * How far this device's clock is from the relays' clocks, estimated from samples of the relays'
 * time (the HTTP `Date` header of each relay's NIP-11 document, RFC 9110 §6.6.1). Relays refuse
 * events dated too far ahead of their own clock (Rally's relay: more than 15 minutes), and every
 * reader files a message by the time its sender's device stamped on it, so a device whose clock is
 * wrong either loses what it sends or files it in the wrong place. Rally stamps with the relays'
 * time instead once it knows how far off the device is (`Device.nowMs`).
 *
 * The estimate is the median over relays of each relay's latest sample, so one relay with a wrong
 * clock does not move it. A `Date` header has one-second resolution and the request takes a round
 * trip, so offsets under `CLOCK_NOISE_MS` are noise: the device's clock counts as right.
 *
 * Runs in: Node and browsers (pure; times are parameters).
 */

/** One reading of a relay's clock, in this device's raw (uncorrected) milliseconds. */
export interface ClockSample {
  relay: string;
  /** Device time when the request went out. */
  sentMs: number;
  /** Device time when the answer came back. */
  receivedMs: number;
  /** The relay's time as it said it (for a `Date` header: the start of that second). */
  relayMs: number;
  /** The relay's time has one-second resolution (an HTTP `Date`): its middle is the best guess. */
  wholeSecond?: boolean;
}

/** The device's clock against the relays' clocks. */
export interface ClockEstimate {
  /** Device time minus relay time: positive when the device is ahead. 0 when within the noise. */
  aheadMs: number;
  /** How many relays' samples the estimate rests on. */
  relays: number;
}

/** Offsets smaller than this are the measurement's own noise: the clock counts as right. */
export const CLOCK_NOISE_MS = 30_000;
/**
 * From this far off, Rally stamps with the relays' time: well inside a relay's window (Rally's relay
 * takes up to 15 minutes ahead), and far enough above the noise that a correct clock is never
 * "corrected" by a slow answer.
 */
export const CORRECT_ABOVE_MS = 60_000;
/** A sample whose round trip took longer than this says too little about when the relay answered. */
export const MAX_ROUND_TRIP_MS = 10_000;
/** How long a relay's sample stays good before the relay is asked again. */
export const SAMPLE_FRESH_MS = 60 * 60_000;

/** How far ahead of the relay the device was when this sample was taken (ms; negative: behind). */
export function sampleAheadMs(sample: ClockSample): number {
  // The relay read its clock somewhere during the round trip: assume halfway.
  const local = sample.sentMs + (sample.receivedMs - sample.sentMs) / 2;
  const remote = sample.relayMs + (sample.wholeSecond ? 500 : 0);
  return local - remote;
}

/** A sample from an HTTP `Date` header, or null when the header is missing or not a date. */
export function sampleFromDate(
  relay: string,
  sentMs: number,
  receivedMs: number,
  date: string | null | undefined,
): ClockSample | null {
  if (typeof date !== "string" || date.trim() === "") return null;
  const relayMs = Date.parse(date);
  if (!Number.isFinite(relayMs)) return null;
  return { relay, sentMs, receivedMs, relayMs, wholeSecond: true };
}

function usable(s: ClockSample): boolean {
  const rtt = s.receivedMs - s.sentMs;
  return (
    Number.isFinite(s.sentMs) &&
    Number.isFinite(s.receivedMs) &&
    Number.isFinite(s.relayMs) &&
    rtt >= 0 &&
    rtt <= MAX_ROUND_TRIP_MS
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The estimate from `samples` (any order, several per relay allowed: each relay's latest counts),
 * or null when no usable sample is left. Never mutates its input.
 */
export function estimateClock(samples: readonly ClockSample[]): ClockEstimate | null {
  const latest = new Map<string, ClockSample>();
  for (const s of samples) {
    if (!usable(s)) continue;
    const prev = latest.get(s.relay);
    if (!prev || s.receivedMs > prev.receivedMs) latest.set(s.relay, s);
  }
  if (latest.size === 0) return null;
  const ahead = median([...latest.values()].map(sampleAheadMs));
  return { aheadMs: Math.abs(ahead) < CLOCK_NOISE_MS ? 0 : Math.round(ahead), relays: latest.size };
}

/** What to add to the device's clock to stamp with the relays' time (0 while the clock is close enough). */
export function correctionMs(estimate: ClockEstimate | null): number {
  if (!estimate || Math.abs(estimate.aheadMs) <= CORRECT_ABOVE_MS) return 0;
  return -estimate.aheadMs;
}

/**
 * "20 minutes ahead", "2 hours behind": how far off the device is, rounded for people (seconds
 * under two minutes, minutes under two hours, then hours, then days).
 */
export function describeOffset(aheadSeconds: number): string {
  const s = Math.abs(aheadSeconds);
  const way = aheadSeconds >= 0 ? "ahead" : "behind";
  const [n, unit] =
    s < 120
      ? [Math.round(s), "second"]
      : s < 2 * 3600
        ? [Math.round(s / 60), "minute"]
        : s < 2 * 86_400
          ? [Math.round(s / 3600), "hour"]
          : [Math.round(s / 86_400), "day"];
  return `${n} ${unit}${n === 1 ? "" : "s"} ${way}`;
}
