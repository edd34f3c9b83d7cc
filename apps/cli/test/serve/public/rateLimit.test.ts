/** Answers per address: a burst, then a steady refill; the address key groups IPv6 by /64. */
import { describe, expect, it } from "vitest";
import { AnswerRateLimit, addressKey } from "../../../src/serve/public/rateLimit.ts";

describe("answer rate limit", () => {
  it("allows a burst of 5, then one more each 2 minutes, with a Retry-After", () => {
    let now = 1000;
    const limit = new AnswerRateLimit({ now: () => now });
    for (let i = 0; i < 5; i++) expect(limit.take("a")).toEqual({ ok: true });
    expect(limit.take("a")).toEqual({ ok: false, retryAfter: 120 });
    // Another address is not slowed down by the first.
    expect(limit.take("b")).toEqual({ ok: true });
    now += 119;
    expect(limit.take("a").ok).toBe(false);
    now += 2;
    expect(limit.take("a")).toEqual({ ok: true });
    expect(limit.take("a").ok).toBe(false);
    now += 600;
    for (let i = 0; i < 5; i++) expect(limit.take("a").ok).toBe(true);
    expect(limit.take("a").ok).toBe(false);
  });

  it("holds at most maxAddresses, forgetting full buckets first", () => {
    let now = 0;
    const limit = new AnswerRateLimit({ now: () => now, maxAddresses: 3 });
    for (let i = 0; i < 5; i++) limit.take("busy");
    now = 10;
    for (const a of ["x", "y", "z", "w"]) limit.take(a);
    // "busy" is still empty, so it was kept while others were forgotten.
    expect(limit.take("busy").ok).toBe(false);
  });

  it("counts IPv4 as is and IPv6 by its /64", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });
});
