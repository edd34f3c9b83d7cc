/**
 * Learning the relays' time: one HTTP GET of each relay's NIP-11 document (`Accept:
 * application/nostr+json` on the relay URL's http(s) form) and the `Date` header of its answer
 * (RFC 9110 §6.6.1; in a browser only when the relay lists `Date` in
 * `Access-Control-Expose-Headers`, as Rally's relay does). The estimate itself is pure
 * (`clock.ts`).
 *
 * Each relay is asked once per process, again after an hour, and again when it refuses an event
 * for its time (evidence the clock is off). Asking never blocks for long (a short timeout) and a
 * failure only means nothing is learned: Rally then stamps with the device's own clock, as before.
 *
 * A sample stays tied to the device clock it was measured against: when the device's clock is
 * changed (set right, or set wrong) the samples taken before no longer say anything, so they are
 * dropped — the device's own time is used until the relays are asked again. The change is seen by
 * comparing the device clock with a monotonic one.
 *
 * Runs in: Node and browsers (`fetch`, the clocks and the timeout are parameters with defaults).
 */
import {
  type ClockEstimate,
  type ClockSample,
  correctionMs,
  estimateClock,
  SAMPLE_FRESH_MS,
  sampleFromDate,
} from "./clock.ts";
import { normalizeRelayUrl } from "./relayUrl.ts";

type FetchLike = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal; cache: "no-store"; credentials: "omit" },
) => Promise<{ headers: { get(name: string): string | null }; body?: { cancel(): Promise<void> } | null }>;

export interface RelayClockOptions {
  /** The device's own clock (ms since the epoch), uncorrected. */
  nowMs: () => number;
  /** A clock that only moves forward at a steady pace (ms); default `performance.now`. */
  monotonicMs?: () => number;
  /** Default: the platform's `fetch`. */
  fetch?: FetchLike;
  /** How long one relay may take to answer (ms); default 2.5 s. */
  timeoutMs?: number;
  /** Called when the estimate changes. */
  onChange?: () => void;
}

/** A device clock that moved this much against the monotonic clock was changed by someone. */
const CLOCK_CHANGED_MS = 5_000;
/** A relay that did not answer in time is asked again after this long, not on every command. */
const RETRY_SLOW_MS = 60_000;
/** A relay that refused an event for its time is asked again, but not more often than this. */
const REASK_AFTER_REFUSAL_MS = 10_000;

interface Measured extends ClockSample {
  /** Monotonic time of the answer. */
  monoMs: number;
  /** Device clock minus monotonic clock when measured: moves only when the device clock is changed. */
  skewMs: number;
}

/** How the last question to a relay ended. */
interface Asked {
  /** Monotonic time it was asked. */
  at: number;
  /**
   * `sample`: it told its time; `silent`: it answered without a usable `Date` (or a page may not
   * read it), which asking again within the hour will not change; `slow`: no answer in time;
   * `down`: could not connect, which fails at once, so it is asked again next time.
   */
  outcome: "sample" | "silent" | "slow" | "down";
}

/** The http(s) address at which a relay serves its NIP-11 document. */
export function nip11Url(relay: string): string {
  const url = normalizeRelayUrl(relay);
  return url.replace(/^ws(s?):\/\//, "http$1://");
}

export class RelayClock {
  private readonly opts: RelayClockOptions;
  private readonly samples = new Map<string, Measured>();
  private readonly asked = new Map<string, Asked>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private lastAhead: number | null = null;

  constructor(opts: RelayClockOptions) {
    this.opts = opts;
  }

  private mono(): number {
    return (this.opts.monotonicMs ?? (() => globalThis.performance.now()))();
  }

  /** Samples measured against the device clock as it is set now. */
  private current(): Measured[] {
    const skew = this.opts.nowMs() - this.mono();
    return [...this.samples.values()].filter((s) => Math.abs(s.skewMs - skew) <= CLOCK_CHANGED_MS);
  }

  /** The device's clock against the relays' (null: nothing learned, or the device clock was changed since). */
  estimate(): ClockEstimate | null {
    return estimateClock(this.current());
  }

  /** What to add to the device clock to get the relays' time (0 while it is close enough). */
  correctionMs(): number {
    return correctionMs(this.estimate());
  }

  /**
   * Asks each of `relays` whose time is not known (no sample, one older than an hour, or one taken
   * before the device clock was changed), unless it answered without a time within the hour or
   * was too slow within the minute; resolves when all have answered or timed out. Never rejects.
   */
  async learn(relays: Iterable<string>): Promise<void> {
    const skew = this.opts.nowMs() - this.mono();
    const now = this.mono();
    const work: Promise<void>[] = [];
    for (const raw of new Set(relays)) {
      let relay: string;
      try {
        relay = normalizeRelayUrl(raw);
      } catch {
        continue;
      }
      const running = this.inFlight.get(relay);
      if (running) {
        work.push(running);
        continue;
      }
      const s = this.samples.get(relay);
      const valid = s !== undefined && Math.abs(s.skewMs - skew) <= CLOCK_CHANGED_MS;
      if (valid && now - s.monoMs < SAMPLE_FRESH_MS) continue;
      const last = this.asked.get(relay);
      if (last?.outcome === "silent" && now - last.at < SAMPLE_FRESH_MS) continue;
      if (last?.outcome === "slow" && now - last.at < RETRY_SLOW_MS) continue;
      work.push(this.ask(relay));
    }
    await Promise.all(work);
    this.changed();
  }

  /**
   * A relay refused an event for its time: ask it again (unless it was asked a moment ago), so the
   * next try of that event can be stamped with its time. Never rejects.
   */
  async refused(relay: string): Promise<void> {
    let url: string;
    try {
      url = normalizeRelayUrl(relay);
    } catch {
      return;
    }
    const last = this.asked.get(url);
    if (this.inFlight.has(url) || (last !== undefined && this.mono() - last.at < REASK_AFTER_REFUSAL_MS)) {
      await this.inFlight.get(url);
      return;
    }
    await this.ask(url);
    this.changed();
  }

  private ask(relay: string): Promise<void> {
    const run = this.measure(relay).finally(() => this.inFlight.delete(relay));
    this.inFlight.set(relay, run);
    return run;
  }

  private async measure(relay: string): Promise<void> {
    const asked: Asked = { at: this.mono(), outcome: "down" };
    this.asked.set(relay, asked);
    const doFetch = this.opts.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
    if (!doFetch) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      asked.outcome = "slow";
      controller.abort();
    }, this.opts.timeoutMs ?? 2_500);
    try {
      const sentMs = this.opts.nowMs();
      const res = await doFetch(nip11Url(relay), {
        headers: { Accept: "application/nostr+json" },
        signal: controller.signal,
        // A cached answer would carry the time it was first given.
        cache: "no-store",
        credentials: "omit",
      });
      const receivedMs = this.opts.nowMs();
      const monoMs = this.mono();
      void res.body?.cancel().catch(() => undefined);
      const sample = sampleFromDate(relay, sentMs, receivedMs, res.headers.get("date"));
      asked.outcome = sample ? "sample" : "silent";
      if (sample) this.samples.set(relay, { ...sample, monoMs, skewMs: receivedMs - monoMs });
    } catch {
      // Unreachable, refused, too slow, or a page that may not read the header: nothing learned.
    } finally {
      clearTimeout(timer);
    }
  }

  private changed(): void {
    const ahead = this.estimate()?.aheadMs ?? null;
    // Whole seconds: a new sample of the same offset is no news.
    const rounded = ahead === null ? null : Math.round(ahead / 1000);
    if (rounded === this.lastAhead) return;
    this.lastAhead = rounded;
    try {
      this.opts.onChange?.();
    } catch {
      // A listener's failure must not stop the engine.
    }
  }
}
