import { describe, expect, it } from "vitest";
import {
  type BackoffPolicy,
  backoffDelay,
  OUTBOX_BACKOFF,
  RECONNECT_BACKOFF,
} from "../../src/net/backoff.ts";

const p: BackoffPolicy = { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0.5 };

describe("backoffDelay", () => {
  it("doubles from the initial delay up to the cap (random at its top)", () => {
    const top = () => 1;
    expect([0, 1, 2, 3, 6, 7, 8, 50].map((a) => backoffDelay(a, p, top))).toEqual([
      100, 200, 400, 800, 6400, 10_000, 10_000, 10_000,
    ]);
  });

  it("keeps the jittered delay within [d·(1−jitter), d]", () => {
    expect(backoffDelay(3, p, () => 0)).toBe(400);
    expect(backoffDelay(3, p, () => 0.5)).toBe(600);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(4, p);
      expect(d).toBeGreaterThanOrEqual(800);
      expect(d).toBeLessThanOrEqual(1600);
    }
  });

  it("stays finite for huge or odd attempts and odd random values", () => {
    expect(backoffDelay(10_000, p, () => 1)).toBe(10_000);
    expect(backoffDelay(-3, p, () => 1)).toBe(100);
    expect(backoffDelay(1.7, p, () => 1)).toBe(200);
    expect(backoffDelay(2, p, () => 5)).toBe(400);
    expect(backoffDelay(2, p, () => -1)).toBe(200);
    expect(backoffDelay(2, { ...p, jitter: 3 }, () => 0)).toBe(0);
  });

  it("has sane defaults", () => {
    expect(backoffDelay(0, RECONNECT_BACKOFF, () => 1)).toBe(500);
    expect(backoffDelay(100, RECONNECT_BACKOFF, () => 1)).toBe(60_000);
    expect(backoffDelay(100, OUTBOX_BACKOFF, () => 1)).toBe(300_000);
  });
});
