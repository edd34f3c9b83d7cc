/**
 * The pure estimate of this device's clock against the relays' (`clock.ts`): samples from
 * HTTP `Date` headers, one per relay, a median, noise ignored, and the correction Rally stamps with.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CLOCK_NOISE_MS,
  type ClockSample,
  CORRECT_ABOVE_MS,
  correctionMs,
  describeOffset,
  estimateClock,
  MAX_ROUND_TRIP_MS,
  sampleAheadMs,
  sampleFromDate,
} from "../../src/net/clock.ts";

const T = Date.UTC(2030, 0, 1, 12, 0, 0);
const MIN = 60_000;

/** A relay whose clock reads `relayMs` when the device (`aheadMs` ahead) sends; `rtt` ms round trip. */
function sample(relay: string, aheadMs: number, rtt = 40, at = T): ClockSample {
  return { relay, sentMs: at + aheadMs - rtt / 2, receivedMs: at + aheadMs + rtt / 2, relayMs: at };
}

describe("sampleFromDate", () => {
  it("reads an HTTP date and counts its second from the middle", () => {
    const s = sampleFromDate("wss://r/", T + 20 * MIN, T + 20 * MIN + 100, new Date(T).toUTCString());
    expect(s).toEqual({
      relay: "wss://r/",
      sentMs: T + 20 * MIN,
      receivedMs: T + 20 * MIN + 100,
      relayMs: T,
      wholeSecond: true,
    });
    // Device midpoint T+20min+50 ms; relay somewhere in [T, T+1 s): T+500 ms.
    expect(sampleAheadMs(s as ClockSample)).toBe(20 * MIN + 50 - 500);
  });

  it("gives nothing for a missing or unreadable header", () => {
    expect(sampleFromDate("wss://r/", T, T, null)).toBeNull();
    expect(sampleFromDate("wss://r/", T, T, undefined)).toBeNull();
    expect(sampleFromDate("wss://r/", T, T, "")).toBeNull();
    expect(sampleFromDate("wss://r/", T, T, "not a date")).toBeNull();
  });
});

describe("estimateClock", () => {
  it("is null without samples", () => {
    expect(estimateClock([])).toBeNull();
  });

  it("finds a clock 20 minutes fast and one 2 hours slow", () => {
    expect(estimateClock([sample("a", 20 * MIN)])).toEqual({ aheadMs: 20 * MIN, relays: 1 });
    expect(estimateClock([sample("a", -120 * MIN)])).toEqual({ aheadMs: -120 * MIN, relays: 1 });
  });

  it("counts a clock within the noise as right", () => {
    expect(estimateClock([sample("a", CLOCK_NOISE_MS - 1)])).toEqual({ aheadMs: 0, relays: 1 });
    expect(estimateClock([sample("a", -(CLOCK_NOISE_MS - 1))])).toEqual({ aheadMs: 0, relays: 1 });
    expect(estimateClock([sample("a", CLOCK_NOISE_MS)])?.aheadMs).toBe(CLOCK_NOISE_MS);
  });

  it("takes the median over relays, so one relay with a wrong clock does not move it", () => {
    const e = estimateClock([sample("a", 20 * MIN), sample("b", 20 * MIN + 2_000), sample("c", -300 * MIN)]);
    expect(e).toEqual({ aheadMs: 20 * MIN, relays: 3 });
    // An even count: the middle two.
    expect(estimateClock([sample("a", 10 * MIN), sample("b", 12 * MIN)])?.aheadMs).toBe(11 * MIN);
  });

  it("uses each relay's latest sample", () => {
    const old = sample("a", 20 * MIN, 40, T);
    const fresh = sample("a", 0, 40, T + 60 * MIN);
    expect(estimateClock([fresh, old])).toEqual({ aheadMs: 0, relays: 1 });
    expect(estimateClock([old, fresh])).toEqual({ aheadMs: 0, relays: 1 });
  });

  it("leaves out samples whose round trip says too little, or that are not numbers", () => {
    expect(estimateClock([sample("a", 20 * MIN, MAX_ROUND_TRIP_MS + 2)])).toBeNull();
    expect(estimateClock([{ relay: "a", sentMs: T + 10, receivedMs: T, relayMs: T }])).toBeNull();
    expect(estimateClock([{ relay: "a", sentMs: T, receivedMs: T, relayMs: Number.NaN }])).toBeNull();
    expect(estimateClock([sample("a", 20 * MIN, MAX_ROUND_TRIP_MS)])?.aheadMs).toBe(20 * MIN);
  });

  it("is within half a round trip (and half a second) of the truth, whatever the order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 999 })), {
          minLength: 1,
          maxLength: 7,
        }),
        (ahead, relays) => {
          // Each relay answers at some point of the round trip; its Date header drops the milliseconds.
          const samples = relays.map(([rtt, ms], i) => {
            const sentMs = T + ahead;
            const answeredRelayMs = T + Math.floor((rtt * ms) / 1000);
            return sampleFromDate(
              `r${i}`,
              sentMs,
              sentMs + rtt,
              new Date(answeredRelayMs).toUTCString(),
            ) as ClockSample;
          });
          const e = estimateClock(samples);
          expect(estimateClock([...samples].reverse())).toEqual(e);
          const worst = Math.max(...relays.map(([rtt]) => rtt)) / 2 + 1_000;
          if (Math.abs(ahead) >= CLOCK_NOISE_MS + worst)
            expect(Math.abs((e?.aheadMs ?? 0) - ahead)).toBeLessThanOrEqual(worst);
          if (Math.abs(ahead) < CLOCK_NOISE_MS - worst) expect(e?.aheadMs).toBe(0);
          expect(e?.relays).toBe(relays.length);
        },
      ),
    );
  });
});

describe("correctionMs", () => {
  it("corrects only from a minute off, by the opposite of how far ahead the device is", () => {
    expect(correctionMs(null)).toBe(0);
    expect(correctionMs({ aheadMs: 0, relays: 1 })).toBe(0);
    expect(correctionMs({ aheadMs: CORRECT_ABOVE_MS, relays: 1 })).toBe(0);
    expect(correctionMs({ aheadMs: CORRECT_ABOVE_MS + 1, relays: 1 })).toBe(-(CORRECT_ABOVE_MS + 1));
    expect(correctionMs({ aheadMs: 20 * MIN, relays: 2 })).toBe(-20 * MIN);
    expect(correctionMs({ aheadMs: -120 * MIN, relays: 2 })).toBe(120 * MIN);
  });
});

describe("describeOffset", () => {
  it("rounds for people, ahead or behind", () => {
    expect(describeOffset(1_200)).toBe("20 minutes ahead");
    expect(describeOffset(1_190)).toBe("20 minutes ahead");
    expect(describeOffset(-7_200)).toBe("2 hours behind");
    expect(describeOffset(-7_000)).toBe("117 minutes behind");
    expect(describeOffset(90)).toBe("90 seconds ahead");
    expect(describeOffset(3 * 86_400)).toBe("3 days ahead");
    expect(describeOffset(-60 * 60 * 5)).toBe("5 hours behind");
    expect(describeOffset(61)).toBe("61 seconds ahead");
  });
});
