/**
 * Interoperability: a client library that is not Rally's own code — `nostr-tools`' `Relay` and
 * `SimplePool` — publishes, queries, subscribes, counts and authenticates against `rally relay`.
 */

import { SimplePool, useWebSocketImplementation as usePoolWebSocket } from "nostr-tools/pool";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { Relay, useWebSocketImplementation } from "nostr-tools/relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";

useWebSocketImplementation(WebSocket);
usePoolWebSocket(WebSocket);

let relay: RelayHandle;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => relay?.stop());

const sk = generateSecretKey();
const pk = getPublicKey(sk);
const sign = (kind: number, content: string, tags: string[][] = []) =>
  finalizeEvent({ kind, content, tags, created_at: Math.floor(Date.now() / 1000) }, sk);

describe("nostr-tools Relay", () => {
  it("publishes, queries to EOSE, receives live events and counts", async () => {
    const r = await Relay.connect(relay.url);
    const first = sign(1, "first", [["t", "interop"]]);
    await r.publish(first); // resolves on OK true, rejects on OK false

    const stored = await new Promise<string[]>((resolve) => {
      const got: string[] = [];
      const sub = r.subscribe([{ authors: [pk], "#t": ["interop"] }], {
        onevent: (e) => got.push(e.id),
        oneose: () => {
          sub.close();
          resolve(got);
        },
      });
    });
    expect(stored).toEqual([first.id]);

    const live = new Promise<string>((resolve) => {
      r.subscribe([{ authors: [pk], kinds: [445] }], { onevent: (e) => resolve(e.id) });
    });
    const msg = sign(445, "opaque", [["h", "tag"]]);
    await r.publish(msg);
    expect(await live).toBe(msg.id);

    expect(await r.count([{ authors: [pk] }], {})).toBe(2);
    r.close();
  });

  it("surfaces the relay's refusal as a rejected publish", async () => {
    const r = await Relay.connect(relay.url);
    const bad = { ...sign(1, "x"), content: "tampered" };
    await expect(r.publish(bad)).rejects.toThrow(/invalid/);
    r.close();
  });

  it("authenticates with NIP-42 and then reads its gift wraps", async () => {
    const r = await Relay.connect(relay.url);
    const wrapKey = generateSecretKey();
    const wrap = finalizeEvent(
      { kind: 1059, content: "sealed", tags: [["p", pk]], created_at: Math.floor(Date.now() / 1000) },
      wrapKey,
    );
    await r.publish(wrap);
    // Give the relay's AUTH challenge time to arrive before answering it.
    await new Promise((res) => setTimeout(res, 100));
    await r.auth(async (t) => finalizeEvent(t, sk));
    const got = await new Promise<string[]>((resolve, reject) => {
      const ids: string[] = [];
      r.subscribe([{ kinds: [1059], "#p": [pk] }], {
        onevent: (e) => ids.push(e.id),
        oneose: () => resolve(ids),
        onclose: (why) => reject(new Error(why)),
      });
    });
    expect(got).toEqual([wrap.id]);
    r.close();
  });
});

describe("nostr-tools SimplePool", () => {
  it("publishes and queries through the pool", async () => {
    const pool = new SimplePool();
    const e = sign(1, "pooled", [["t", "pool"]]);
    const results = await Promise.all(pool.publish([relay.url], e));
    expect(results.length).toBe(1);
    const found = await pool.querySync([relay.url], { authors: [pk], "#t": ["pool"] });
    expect(found.map((x) => x.id)).toEqual([e.id]);
    const one = await pool.get([relay.url], { ids: [e.id] });
    expect(one?.content).toBe("pooled");
    pool.destroy();
  });
});
