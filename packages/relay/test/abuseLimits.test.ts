import { describe, expect, it } from "vitest";
import { AddressRates } from "../src/addressRates.ts";
import { addressKey, clientAddress } from "../src/clientAddress.ts";
import { ConnectionCaps } from "../src/connectionCaps.ts";
import { QueryQueue } from "../src/queryQueue.ts";
import { parseRetention } from "../src/retention.ts";

describe("addressKey", () => {
  it("keeps IPv4, unmaps IPv4-mapped IPv6, and counts IPv6 per /64", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressKey(undefined)).toBe("");
  });
});

describe("clientAddress", () => {
  it("takes the proxy's X-Forwarded-For entry only when told to trust it", () => {
    expect(clientAddress("127.0.0.1", "6.6.6.6, 203.0.113.9", true)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.1", "6.6.6.6, 203.0.113.9", false)).toBe("127.0.0.1");
    expect(clientAddress("127.0.0.1", undefined, true)).toBe("127.0.0.1");
    expect(clientAddress("127.0.0.1", ["1.1.1.1", "2001:db8::1"], true)).toBe("2001:db8::1");
  });
});

describe("ConnectionCaps", () => {
  it("caps per address and in total, and counts closed connections out", () => {
    const caps = new ConnectionCaps(3, 2);
    expect(caps.admit("a").ok).toBe(true);
    expect(caps.admit("a").ok).toBe(true);
    expect(caps.admit("a")).toEqual({ ok: false, why: "too many connections from your address" });
    expect(caps.admit("b").ok).toBe(true);
    expect(caps.admit("c")).toEqual({ ok: false, why: "the relay is at its connection limit" });
    caps.release("a");
    expect(caps.open).toBe(2);
    expect(caps.admit("c").ok).toBe(true);
    caps.release("nobody");
    expect(caps.open).toBe(3);
  });
});

describe("AddressRates", () => {
  it("shares one bucket between the connections of an address, and keeps it across a reconnect", () => {
    let t = 0;
    const rates = new AddressRates(1, 3, () => t);
    const a1 = rates.attach("a");
    const a2 = rates.attach("a");
    const b = rates.attach("b");
    expect([a1.take(), a2.take(), a1.take(), a2.take()]).toEqual([true, true, true, false]);
    expect(b.take()).toBe(true);
    rates.detach("a");
    rates.detach("a");
    expect(rates.attach("a").take()).toBe(false); // no fresh burst from reconnecting
    rates.detach("a");
    t += 60_000;
    rates.attach("z"); // sweeps idle, refilled entries
    expect(rates.size).toBe(2);
  });
});

describe("parseRetention", () => {
  it("reads KIND=AGE with s/m/h/d and refuses anything else in plain words", () => {
    expect(parseRetention("445=90d")).toEqual({ kind: 445, seconds: 90 * 86_400 });
    expect(parseRetention("1059=12h")).toEqual({ kind: 1059, seconds: 12 * 3600 });
    expect(parseRetention("1=30m")).toEqual({ kind: 1, seconds: 1800 });
    expect(parseRetention("1=5s")).toEqual({ kind: 1, seconds: 5 });
    expect(() => parseRetention("445=90")).toThrow(/KIND=AGE/);
    expect(() => parseRetention("445=0d")).toThrow(/more than zero/);
    expect(() => parseRetention("70000=1d")).toThrow(/65535/);
  });
});

describe("QueryQueue", () => {
  it("runs a read at once when free, then takes waiting reads round robin by address", async () => {
    const queue = new QueryQueue(0); // every read after the first in a turn waits
    const order: string[] = [];
    const read = (name: string) => async () => {
      order.push(name);
      return name;
    };
    const all = [
      queue.run("a", read("a1")),
      queue.run("a", read("a2")),
      queue.run("a", read("a3")),
      queue.run("a", read("a4")),
      queue.run("b", read("b1")),
    ];
    expect(order).toEqual(["a1"]);
    expect(queue.queued).toBe(4);
    expect(await Promise.all(all)).toEqual(["a1", "a2", "a3", "a4", "b1"]);
    // b waited for at most one more of a's reads, not for all of them.
    expect(order.indexOf("b1")).toBeLessThanOrEqual(2);
  });

  it("passes a failed read's error to its caller and goes on", async () => {
    const queue = new QueryQueue(0);
    const first = queue.run("a", async () => 1);
    const failing = queue.run("a", async () => {
      throw new Error("disk on fire");
    });
    const after = queue.run("b", async () => 3);
    await expect(failing).rejects.toThrow("disk on fire");
    expect(await Promise.all([first, after])).toEqual([1, 3]);
  });
});
