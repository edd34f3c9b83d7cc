/**
 * Learning the relays' time over real HTTP (`net/relayClock.ts`): the NIP-11 request a relay
 * sees, a relay clock 20 minutes behind the device's, a relay that gives no `Date` (asked once an
 * hour, not on every command), one that does not answer in time, a relay down, and the device
 * clock being changed after learning (the old samples no longer count).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { nip11Url, RelayClock } from "../../src/net/relayClock.ts";
import { freePort } from "./helpers.ts";

const MIN = 60_000;
const servers: http.Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

interface FakeRelay {
  url: string;
  requests: { accept: string | undefined; method: string | undefined }[];
}

/** A real HTTP server on a free port answering like a relay's NIP-11 with `date` (or none). */
async function relayAnswering(date: () => string | null, delayMs = 0): Promise<FakeRelay> {
  const requests: FakeRelay["requests"] = [];
  const server = http.createServer((req, res) => {
    requests.push({ accept: req.headers.accept, method: req.method });
    const answer = () => {
      const d = date();
      if (d === null) res.sendDate = false;
      res.writeHead(200, { "Content-Type": "application/nostr+json", ...(d ? { Date: d } : {}) });
      res.end("{}");
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** A device clock a test can set, and a monotonic one that runs on. */
function deviceClock(offsetMs: number) {
  const clock = { offsetMs };
  return { clock, nowMs: () => Date.now() + clock.offsetMs, monotonicMs: () => performance.now() };
}

describe("nip11Url", () => {
  it("is the relay URL's http(s) form", () => {
    expect(nip11Url("wss://relay.example.org")).toBe("https://relay.example.org/");
    expect(nip11Url("ws://127.0.0.1:7447")).toBe("http://127.0.0.1:7447/");
    expect(nip11Url("wss://relay.example.org/path")).toBe("https://relay.example.org/path");
  });
});

describe("RelayClock", () => {
  it("asks for the NIP-11 document and learns a device 20 minutes ahead", async () => {
    const relay = await relayAnswering(() => new Date().toUTCString());
    const device = deviceClock(20 * MIN);
    let changes = 0;
    const clock = new RelayClock({ nowMs: device.nowMs, onChange: () => changes++ });
    expect(clock.estimate()).toBeNull();
    expect(clock.correctionMs()).toBe(0);
    await clock.learn([relay.url]);
    expect(relay.requests).toEqual([{ accept: "application/nostr+json", method: "GET" }]);
    const e = clock.estimate();
    expect(e?.relays).toBe(1);
    expect(Math.abs((e?.aheadMs ?? 0) - 20 * MIN)).toBeLessThan(2_000);
    expect(Math.abs(clock.correctionMs() + 20 * MIN)).toBeLessThan(2_000);
    expect(changes).toBe(1);
    // Known now: the next command does not ask again.
    await clock.learn([relay.url, `${relay.url}/`]);
    expect(relay.requests).toHaveLength(1);
  });

  it("drops what it learned when the device clock is changed, and learns again", async () => {
    const relay = await relayAnswering(() => new Date().toUTCString());
    const device = deviceClock(20 * MIN);
    const clock = new RelayClock({ nowMs: device.nowMs, monotonicMs: device.monotonicMs });
    await clock.learn([relay.url]);
    expect(clock.correctionMs()).not.toBe(0);
    // Someone sets the clock right: the old offset would now stamp 20 minutes back.
    device.clock.offsetMs = 0;
    expect(clock.estimate()).toBeNull();
    expect(clock.correctionMs()).toBe(0);
    await clock.learn([relay.url]);
    expect(relay.requests).toHaveLength(2);
    expect(clock.estimate()).toEqual({ aheadMs: 0, relays: 1 });
  });

  it("learns nothing from a relay without a Date, and asks it again only after an hour", async () => {
    const relay = await relayAnswering(() => null);
    const clock = new RelayClock({ nowMs: deviceClock(20 * MIN).nowMs });
    await clock.learn([relay.url]);
    await clock.learn([relay.url]);
    expect(relay.requests).toHaveLength(1);
    expect(clock.estimate()).toBeNull();
    expect(clock.correctionMs()).toBe(0);
  });

  it("gives up on a slow relay after the timeout, and on a relay that is down at once", async () => {
    const slow = await relayAnswering(() => new Date().toUTCString(), 5_000);
    const down = `ws://127.0.0.1:${await freePort()}`;
    const clock = new RelayClock({ nowMs: deviceClock(20 * MIN).nowMs, timeoutMs: 300 });
    await clock.learn([slow.url, down]);
    expect(clock.estimate()).toBeNull();
    // The slow one is not asked again at once; the one that was down is (it fails fast).
    await clock.learn([slow.url]);
    expect(slow.requests).toHaveLength(1);
  });

  it("is asked again when a relay refuses an event for its time, but not in a loop", async () => {
    const relay = await relayAnswering(() => new Date().toUTCString());
    const clock = new RelayClock({ nowMs: deviceClock(20 * MIN).nowMs });
    await clock.refused(relay.url);
    expect(relay.requests).toHaveLength(1);
    expect(clock.correctionMs()).not.toBe(0);
    await clock.refused(relay.url);
    expect(relay.requests).toHaveLength(1);
  });

  it("takes the median of several relays", async () => {
    const right = [
      await relayAnswering(() => new Date().toUTCString()),
      await relayAnswering(() => new Date().toUTCString()),
    ];
    const liar = await relayAnswering(() => new Date(Date.now() + 86_400_000).toUTCString());
    const clock = new RelayClock({ nowMs: deviceClock(20 * MIN).nowMs });
    await clock.learn([...right, liar].map((r) => r.url));
    const e = clock.estimate();
    expect(e?.relays).toBe(3);
    expect(Math.abs((e?.aheadMs ?? 0) - 20 * MIN)).toBeLessThan(2_000);
  });
});
