// The relay pool against real `rally relay` processes over real WebSockets: many relays with one
// down, dedup, reconnect after a restart, NIP-42 on demand, and refusals with their reasons.

import type { NostrEvent } from "nostr-tools/core";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ConnectionState, RelayPool, type RelayPoolOptions } from "../../src/net/relayPool.ts";
import { freePort, signed, startRelay, waitFor } from "./helpers.ts";

type Relay = Awaited<ReturnType<typeof startRelay>>;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function relay(opts: Parameters<typeof startRelay>[0] = {}): Promise<Relay> {
  const r = await startRelay(opts);
  cleanups.push(() => r.stop());
  return r;
}

async function relayOn(port: number): Promise<Relay> {
  return relay({ args: ["--port", String(port)] });
}

function pool(opts: Partial<RelayPoolOptions> = {}): RelayPool {
  const p = new RelayPool({
    WebSocket,
    publishTimeoutMs: 5000,
    eoseTimeoutMs: 10_000,
    log: () => {},
    ...opts,
  });
  cleanups.push(() => p.close());
  return p;
}

function collect(p: RelayPool, relays: string[], filters: Parameters<RelayPool["subscribe"]>[1]) {
  const events: { event: NostrEvent; relay: string }[] = [];
  const closed: { relay: string; reason: string }[] = [];
  const sub = p.subscribe(relays, filters, {
    onEvent: (event, relay) => events.push({ event, relay }),
    onClosed: (relay, reason) => closed.push({ relay, reason }),
  });
  cleanups.push(() => sub.close());
  return { sub, events, closed };
}

describe("RelayPool over real relays", { timeout: 120_000 }, () => {
  it("publishes to every relay, reports each answer, and loses nothing with one relay down", async () => {
    const up = await relay();
    const down = `ws://127.0.0.1:${await freePort()}`;
    const p = pool();
    const ev = signed(1, "one relay down");
    const results = await p.publish(ev, [up.url, down]);
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ relay: `${up.url}/`, ok: true, status: "ok" });
    expect(results[1]).toMatchObject({ relay: `${down}/`, ok: false, status: "unreachable" });
    expect(results[1]?.message).toMatch(/^error: could not connect/);

    const reader = pool();
    const { sub, events } = collect(reader, [down, up.url], [{ ids: [ev.id] }]);
    const report = await sub.eose;
    expect(events.map((e) => e.event.id)).toEqual([ev.id]);
    expect(report.any).toBe(true);
    expect(report.relays).toEqual([
      expect.objectContaining({ relay: `${down}/`, state: "unreachable" }),
      { relay: `${up.url}/`, state: "eose" },
    ]);
  });

  it("delivers an event held by two relays once, and EOSE from each", async () => {
    const [a, b] = await Promise.all([relay(), relay()]);
    const p = pool();
    const evs = [signed(1, "x", [["t", "dedup"]]), signed(1, "y", [["t", "dedup"]])];
    for (const ev of evs) {
      expect((await p.publish(ev, [a.url, b.url])).every((r) => r.ok)).toBe(true);
    }
    const only = signed(1, "only on b", [["t", "dedup"]]);
    await p.publish(only, [b.url]);
    const { sub, events } = collect(pool(), [a.url, b.url], [{ kinds: [1], "#t": ["dedup"] }]);
    const report = await sub.eose;
    expect(report.relays.map((r) => r.state)).toEqual(["eose", "eose"]);
    expect(events.map((e) => e.event.id).sort()).toEqual([...evs, only].map((e) => e.id).sort());
  });

  it("reconnects after its relay restarts, resubscribes, and tells the UI", async () => {
    const port = await freePort();
    const first = await startRelay({ args: ["--port", String(port)], keepData: true });
    const dataDir = first.dataDir;
    cleanups.push(async () => {
      await first.stop();
    });
    const url = `ws://127.0.0.1:${port}`;
    expect(first.url).toBe(url);

    const states: ConnectionState[] = [];
    const p = pool({ reconnect: { initialMs: 100, maxMs: 500, factor: 2, jitter: 0.5 } });
    p.onStatus((_s, overall) => {
      if (states[states.length - 1] !== overall) states.push(overall);
    });
    const before = signed(1, "before restart", [["t", "restart"]]);
    await p.publish(before, [url]);
    const { sub, events } = collect(p, [url], [{ kinds: [1], "#t": ["restart"] }]);
    await sub.eose;
    expect(events.map((e) => e.event.id)).toEqual([before.id]);
    expect(p.state()).toBe("online");

    await first.stop();
    await waitFor(() => p.state() !== "online", "the pool to notice the relay went away");
    const second = await startRelay({ args: ["--port", String(port)], dataDir, ownData: true });
    cleanups.push(() => second.stop());
    await waitFor(() => p.state() === "online", "the pool to reconnect");
    p.retryNow(); // harmless when already connected
    expect(p.status().map((s) => s.state)).toEqual(["online"]);

    const after = signed(1, "after restart", [["t", "restart"]]);
    const other = pool();
    expect((await other.publish(after, [url]))[0]?.ok).toBe(true);
    await waitFor(() => events.length === 2, "the live subscription to deliver the new event");
    // The resubscription sees `before` again on the relay, but it is delivered only once.
    expect(events.map((e) => e.event.id)).toEqual([before.id, after.id]);
    // The indicator went online, then away while the relay was down, then online again.
    const firstOnline = states.indexOf("online");
    expect(firstOnline).toBeGreaterThanOrEqual(0);
    expect(states.slice(firstOnline + 1)).toContain("offline");
    expect(states[states.length - 1]).toBe("online");
  });

  it("retryNow skips the backoff wait when the network comes back", async () => {
    const port = await freePort();
    const url = `ws://127.0.0.1:${port}`;
    // A backoff long enough (≥ 30 s) that only retryNow can explain a quick reconnect.
    const p = pool({ reconnect: { initialMs: 60_000, maxMs: 60_000, factor: 2, jitter: 0.5 } });
    const { sub } = collect(p, [url], [{ kinds: [1] }]);
    expect((await sub.eose).relays[0]?.state).toBe("unreachable");
    expect(p.state()).toBe("offline");
    const r = await relayOn(port);
    p.retryNow();
    await waitFor(() => p.state() === "online", "the reconnect", 15_000);
    const ev = signed(1, "after retryNow");
    expect((await p.publish(ev, [r.url]))[0]?.ok).toBe(true);
  });

  it("authenticates (NIP-42) when a relay requires it, and only then", async () => {
    const r = await relay({ args: ["--auth-required"] });
    const sk = generateSecretKey();
    const signAuth = async (t: Parameters<NonNullable<RelayPoolOptions["signAuth"]>>[0]) =>
      finalizeEvent(t, sk);

    const anonymous = pool();
    const ev = signed(1, "needs auth");
    const refused = await anonymous.publish(ev, [r.url]);
    expect(refused[0]).toMatchObject({ ok: false, status: "rejected" });
    expect(refused[0]?.message).toMatch(/^auth-required:/);
    const { sub: anonSub, closed } = collect(anonymous, [r.url], [{ kinds: [1] }]);
    expect((await anonSub.eose).relays[0]).toMatchObject({ state: "closed" });
    expect(closed[0]?.reason).toMatch(/^auth-required:/);

    const authed = pool({ signAuth });
    expect(authed.status()).toEqual([]);
    const ok = await authed.publish(ev, [r.url]);
    expect(ok[0]).toMatchObject({ ok: true });
    expect(authed.status()[0]).toMatchObject({ state: "online", authenticated: true });
    const { sub, events } = collect(authed, [r.url], [{ ids: [ev.id] }]);
    expect((await sub.eose).relays[0]?.state).toBe("eose");
    expect(events.map((e) => e.event.id)).toEqual([ev.id]);
  });

  it("reads gift wraps addressed to the person after authenticating as them", async () => {
    const r = await relay();
    const sk = generateSecretKey();
    const me = getPublicKey(sk);
    const wrap = signed(1059, "sealed", [["p", me]], generateSecretKey());
    const writer = pool();
    expect((await writer.publish(wrap, [r.url]))[0]?.ok).toBe(true);

    // A plain connection reading group traffic does not authenticate.
    const plain = pool();
    const { sub: plainSub } = collect(plain, [r.url], [{ kinds: [1] }]);
    await plainSub.eose;
    expect(plain.status()[0]?.authenticated).toBe(false);

    const noSigner = collect(pool(), [r.url], [{ kinds: [1059], "#p": [me] }]);
    expect((await noSigner.sub.eose).relays[0]?.state).toBe("closed");
    expect(noSigner.events).toEqual([]);

    const mine = pool({ signAuth: async (t) => finalizeEvent(t, sk) });
    const { sub, events } = collect(mine, [r.url], [{ kinds: [1059], "#p": [me] }]);
    expect((await sub.eose).relays[0]?.state).toBe("eose");
    expect(events.map((e) => e.event.id)).toEqual([wrap.id]);
    expect(mine.status()[0]?.authenticated).toBe(true);
  });

  it("reports a refusal with the relay's reason", async () => {
    const r = await relay();
    const ev = signed(1, "tampered");
    const bad = { ...ev, content: "changed after signing" };
    const [res] = await pool().publish(bad, [r.url]);
    expect(res).toMatchObject({ ok: false, status: "rejected" });
    expect(res?.message).toMatch(/^invalid:/);
  });

  it("survives a subscriber that throws, and logs it", async () => {
    const r = await relay();
    const logs: string[] = [];
    const p = pool({ log: (e) => logs.push(e.message) });
    const evs = [signed(1, "first", [["t", "throw"]]), signed(1, "second", [["t", "throw"]])];
    for (const ev of evs) await p.publish(ev, [r.url]);
    const seen: string[] = [];
    const sub = p.subscribe([r.url], [{ kinds: [1], "#t": ["throw"] }], {
      onEvent: (e) => {
        seen.push(e.id);
        throw new Error("subscriber bug");
      },
    });
    expect((await sub.eose).relays[0]?.state).toBe("eose");
    sub.close();
    expect(seen.sort()).toEqual(evs.map((e) => e.id).sort());
    expect(logs.filter((l) => l === "a subscriber failed: subscriber bug")).toHaveLength(2);
    expect((await p.publish(signed(), [r.url]))[0]?.ok).toBe(true);
  });

  it("resolves publishes to a closed pool and bad addresses without throwing", async () => {
    const p = pool();
    const ev = signed();
    const res = await p.publish(ev, ["not a relay", "ws://127.0.0.1:1", "ws://127.0.0.1:1/"]);
    expect(res.map((r) => r.status)).toEqual(["unreachable", "unreachable"]);
    expect(res[0]?.message).toMatch(/not a relay address/);
    expect(() =>
      p.subscribe(["ws://127.0.0.1:1"], [{}], { onEvent: () => {} }, { id: "x".repeat(65) }),
    ).toThrow(/1 to 64 characters/);
    p.close();
    expect((await p.publish(ev, ["ws://127.0.0.1:1"]))[0]?.message).toMatch(/closed/);
    const sub = p.subscribe(["ws://127.0.0.1:1"], [{ kinds: [1] }], { onEvent: () => {} });
    expect((await sub.eose).relays[0]?.state).toBe("closed");
  });
});
