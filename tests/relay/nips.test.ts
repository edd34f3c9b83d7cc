/**
 * NIP-09 deletion, NIP-11 information document, NIP-40 expiration, NIP-42 authentication with
 * private gift-wrap inboxes, and NIP-70 protected events, against the real relay process.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { authenticate, NostrSocket, newSigner } from "./support/nostrSocket.ts";

let relay: RelayHandle;
let s: NostrSocket;
const now = () => Math.floor(Date.now() / 1000);
const ids = (events: Record<string, unknown>[]) => events.map((e) => e.id);

beforeAll(async () => {
  relay = await startRelay();
  s = await NostrSocket.open(relay.url);
});
afterAll(async () => {
  await s?.close();
  await relay?.stop();
});

describe("NIP-09 deletion requests", () => {
  it("deletes the author's own events by e tag, keeps others' and the request", async () => {
    const a = newSigner();
    const b = newSigner();
    const mine = a.sign({ kind: 1, content: "oops" });
    const theirs = b.sign({ kind: 1, content: "not yours" });
    await s.publish(mine);
    await s.publish(theirs);
    const del = a.sign({
      kind: 5,
      tags: [
        ["e", mine.id],
        ["e", theirs.id],
      ],
    });
    expect((await s.publish(del))[2]).toBe(true);
    expect(ids((await s.req("d1", { ids: [mine.id, theirs.id] })).events)).toEqual([theirs.id]);
    expect(ids((await s.req("d2", { kinds: [5], authors: [a.pubkey] })).events)).toEqual([del.id]);
    const again = await s.publish(mine);
    expect(again[2]).toBe(false);
    expect(again[3]).toMatch(/^blocked: /);
  });

  it("deletes addressable events by a tag up to the request's created_at", async () => {
    const a = newSigner();
    const t = now() - 60;
    const v = a.sign({ kind: 30001, created_at: t, tags: [["d", "list"]] });
    await s.publish(v);
    await s.publish(a.sign({ kind: 5, created_at: t + 10, tags: [["a", `30001:${a.pubkey}:list`]] }));
    expect((await s.req("a1", { authors: [a.pubkey], kinds: [30001] })).events).toEqual([]);
    const newer = a.sign({ kind: 30001, created_at: t + 20, tags: [["d", "list"]] });
    expect((await s.publish(newer))[2]).toBe(true);
    expect(ids((await s.req("a2", { authors: [a.pubkey], kinds: [30001] })).events)).toEqual([newer.id]);
  });
});

describe("NIP-11 relay information", () => {
  it("serves the document to Accept: application/nostr+json with CORS", async () => {
    const res = await fetch(relay.url.replace("ws://", "http://"), {
      headers: { Accept: "application/nostr+json" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/nostr+json");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const doc = (await res.json()) as {
      supported_nips: number[];
      limitation: Record<string, unknown>;
      name: string;
    };
    for (const n of [1, 9, 11, 40, 42, 70]) expect(doc.supported_nips).toContain(n);
    expect(doc.limitation.max_subscriptions).toBe(200);
    expect(doc.limitation.max_message_length).toBe(256 * 1024);
    expect(typeof doc.name).toBe("string");
  });

  it("answers a plain GET with a short page, and an unknown path with 404", async () => {
    const base = relay.url.replace("ws://", "http://");
    const res = await fetch(base);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Rally relay");
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
    const pre = await fetch(base, { method: "OPTIONS" });
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("NIP-40 expiration", () => {
  it("refuses already-expired events and malformed expiration tags", async () => {
    const a = newSigner();
    const r = await s.publish(a.sign({ kind: 1, tags: [["expiration", String(now() - 1)]] }));
    expect(r.slice(2)).toEqual([false, "invalid: event has already expired"]);
    const m = await s.publish(a.sign({ kind: 1, tags: [["expiration", "soon"]] }));
    expect(m[2]).toBe(false);
    expect(m[3]).toMatch(/^invalid: /);
  });

  it("stops serving an event once it expires", async () => {
    const a = newSigner();
    const e = a.sign({ kind: 1, tags: [["expiration", String(now() + 2)]] });
    expect((await s.publish(e))[2]).toBe(true);
    expect(ids((await s.req("x1", { ids: [e.id] })).events)).toEqual([e.id]);
    await new Promise((r) => setTimeout(r, 3200));
    expect((await s.req("x2", { ids: [e.id] })).events).toEqual([]);
    s.send(["COUNT", "x3", { ids: [e.id] }]);
    expect((await s.next((m) => m[0] === "COUNT" && m[1] === "x3"))[2]).toEqual({ count: 0 });
  });
});

describe("NIP-42 authentication and private inboxes", () => {
  it("sends a challenge, refuses wrong answers and accepts a right one", async () => {
    const a = newSigner();
    const c = await NostrSocket.open(relay.url);
    const challenge = await c.challenge();
    expect(challenge).toMatch(/^[0-9a-f]{32}$/);
    const wrong = a.sign({
      kind: 22242,
      tags: [
        ["relay", relay.url],
        ["challenge", "nope"],
      ],
    });
    c.send(["AUTH", wrong]);
    const r1 = await c.ok(wrong.id);
    expect(r1[2]).toBe(false);
    expect(r1[3]).toMatch(/^invalid: .*challenge/);
    const otherRelay = a.sign({
      kind: 22242,
      tags: [
        ["relay", "wss://elsewhere.example"],
        ["challenge", challenge],
      ],
    });
    c.send(["AUTH", otherRelay]);
    expect((await c.ok(otherRelay.id))[2]).toBe(false);
    const stale = a.sign({
      kind: 22242,
      created_at: now() - 3600,
      tags: [
        ["relay", relay.url],
        ["challenge", challenge],
      ],
    });
    c.send(["AUTH", stale]);
    expect((await c.ok(stale.id))[2]).toBe(false);
    expect((await authenticate(c, relay.url, a))[2]).toBe(true);
    await c.close();
  });

  it("does not accept kind 22242 through EVENT", async () => {
    const a = newSigner();
    const r = await s.publish(
      a.sign({
        kind: 22242,
        tags: [
          ["relay", relay.url],
          ["challenge", "x"],
        ],
      }),
    );
    expect(r[2]).toBe(false);
  });

  it("serves gift wraps only to the authenticated recipient", async () => {
    const alice = newSigner();
    const bob = newSigner();
    const oneTime = newSigner();
    const wrap = oneTime.sign({ kind: 1059, tags: [["p", bob.pubkey]], content: "ciphertext" });
    expect((await s.publish(wrap))[2]).toBe(true);

    // Not authenticated: refused with auth-required.
    const anon = await s.req("g1", { kinds: [1059], "#p": [bob.pubkey] });
    expect(anon.closed).toMatch(/^auth-required: /);
    // Asking by id or without kinds does not leak it either.
    expect((await s.req("g2", { ids: [wrap.id] })).events).toEqual([]);
    expect((await s.req("g3", { "#p": [bob.pubkey] })).events).toEqual([]);
    s.send(["COUNT", "g4", { authors: [oneTime.pubkey] }]);
    expect((await s.next((m) => m[0] === "COUNT" && m[1] === "g4"))[2]).toEqual({ count: 0 });

    // Authenticated as someone else: refused with restricted.
    const ac = await NostrSocket.open(relay.url);
    await authenticate(ac, relay.url, alice);
    expect((await ac.req("g5", { kinds: [1059], "#p": [bob.pubkey] })).closed).toMatch(/^restricted: /);
    // Without #p, an authenticated request is narrowed to the asker's own wraps: none of Bob's.
    const narrowed = await ac.req("g6", { kinds: [1059] });
    expect(narrowed.closed).toBeUndefined();
    expect(narrowed.events).toEqual([]);

    // The recipient gets it, stored and live.
    const bc = await NostrSocket.open(relay.url);
    await authenticate(bc, relay.url, bob);
    expect(ids((await bc.req("g7", { kinds: [1059], "#p": [bob.pubkey] })).events)).toEqual([wrap.id]);
    expect(ids((await bc.req("g8", { "#p": [bob.pubkey] })).events)).toEqual([wrap.id]);
    await ac.req("spy", { authors: [oneTime.pubkey] });
    const wrap2 = oneTime.sign({ kind: 1059, tags: [["p", bob.pubkey]], content: "more" });
    await s.publish(wrap2);
    const live = await bc.next((m) => m[0] === "EVENT" && m[1] === "g7");
    expect((live[2] as { id: string }).id).toBe(wrap2.id);
    await ac.req("sync", { ids: [] });
    expect(ac.messages.filter((m) => m[0] === "EVENT" && (m[1] === "spy" || m[1] === "g6"))).toEqual([]);
    await ac.close();
    await bc.close();
  });

  it("serves group messages (445), key packages (30443) and inbox lists (10050) without auth", async () => {
    const a = newSigner();
    const msg = a.sign({ kind: 445, tags: [["h", "routing-tag"]], content: "opaque" });
    const kp = a.sign({ kind: 30443, tags: [["d", "kp1"]], content: "keypackage" });
    const inbox = a.sign({ kind: 10050, tags: [["relay", "ws://127.0.0.1:1"]] });
    for (const e of [msg, kp, inbox]) expect((await s.publish(e))[2]).toBe(true);
    expect(ids((await s.req("p1", { kinds: [445], "#h": ["routing-tag"] })).events)).toContain(msg.id);
    expect(ids((await s.req("p2", { kinds: [30443], authors: [a.pubkey] })).events)).toEqual([kp.id]);
    expect(ids((await s.req("p3", { kinds: [10050], authors: [a.pubkey] })).events)).toEqual([inbox.id]);
  });
});

describe("NIP-70 protected events", () => {
  it("accepts a protected event only from its authenticated author", async () => {
    const a = newSigner();
    const b = newSigner();
    const e = a.sign({ kind: 1, tags: [["-"]], content: "mine only" });
    const c = await NostrSocket.open(relay.url);
    const r1 = await c.publish(e);
    expect(r1[2]).toBe(false);
    expect(r1[3]).toMatch(/^auth-required: /);
    await authenticate(c, relay.url, b);
    const r2 = await c.publish(e);
    expect(r2[2]).toBe(false);
    expect(r2[3]).toMatch(/^restricted: /);
    await authenticate(c, relay.url, a);
    expect(await c.publish(e)).toEqual(["OK", e.id, true, ""]);
    await c.close();
  });
});
