/**
 * NIP-01 over real WebSockets against the real `rally relay` process: publishing, OK answers,
 * every filter field, limit, kind classes, live subscriptions, CLOSE and EOSE.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { NostrSocket, newSigner } from "./support/nostrSocket.ts";

let relay: RelayHandle;
let s: NostrSocket;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  relay = await startRelay();
  s = await NostrSocket.open(relay.url);
});
afterAll(async () => {
  await s?.close();
  await relay?.stop();
});

describe("publishing", () => {
  it("answers OK true once stored, and duplicate: for a second copy", async () => {
    const a = newSigner();
    const e = a.sign({ kind: 1, content: "hi" });
    expect(await s.publish(e)).toEqual(["OK", e.id, true, ""]);
    const again = await s.publish(e);
    expect(again[2]).toBe(true);
    expect(again[3]).toMatch(/^duplicate: /);
  });

  it("refuses a tampered event with OK false invalid:", async () => {
    const a = newSigner();
    const e = a.sign({ kind: 1, content: "original" });
    const tampered = { ...e, content: "changed" };
    const r = await s.publish(tampered);
    expect(r[2]).toBe(false);
    expect(r[3]).toMatch(/^invalid: /);
    const badSig = { ...e, sig: `${e.sig.slice(0, -2)}${e.sig.endsWith("00") ? "11" : "00"}` };
    const r2 = await s.publish(badSig);
    expect(r2.slice(2)).toEqual([false, "invalid: bad signature"]);
  });
});

describe("filters", () => {
  const a = newSigner();
  const b = newSigner();
  const t = now() - 1000;
  const e1 = a.sign({
    kind: 1,
    created_at: t,
    tags: [
      ["t", "rally"],
      ["p", b.pubkey],
    ],
  });
  const e2 = a.sign({ kind: 7, created_at: t + 1, tags: [["e", "f".repeat(64)]] });
  const e3 = b.sign({
    kind: 1,
    created_at: t + 2,
    tags: [
      ["t", "other"],
      ["T", "Upper"],
    ],
  });
  const e4 = b.sign({ kind: 1, created_at: t + 3, tags: [["t", "rally"]] });
  const idsOf = (events: Record<string, unknown>[]) => events.map((e) => e.id);

  beforeAll(async () => {
    for (const e of [e1, e2, e3, e4]) expect((await s.publish(e))[2]).toBe(true);
  });

  it("selects by ids, authors, kinds, since and until", async () => {
    const authors = [a.pubkey, b.pubkey];
    expect(idsOf((await s.req("f1", { ids: [e1.id, e3.id] })).events)).toEqual([e3.id, e1.id]);
    expect(idsOf((await s.req("f2", { authors: [a.pubkey] })).events)).toEqual([e2.id, e1.id]);
    expect(idsOf((await s.req("f3", { authors, kinds: [7] })).events)).toEqual([e2.id]);
    expect(idsOf((await s.req("f4", { authors, since: t + 2 })).events)).toEqual([e4.id, e3.id]);
    expect(idsOf((await s.req("f5", { authors, until: t + 1 })).events)).toEqual([e2.id, e1.id]);
    expect(idsOf((await s.req("f6", { authors, since: t + 1, until: t + 2 })).events)).toEqual([
      e3.id,
      e2.id,
    ]);
  });

  it("selects by single-letter tags, including uppercase, and ANDs conditions", async () => {
    const authors = [a.pubkey, b.pubkey];
    expect(idsOf((await s.req("t1", { authors, "#t": ["rally"] })).events)).toEqual([e4.id, e1.id]);
    expect(idsOf((await s.req("t2", { "#p": [b.pubkey] })).events)).toEqual([e1.id]);
    expect(idsOf((await s.req("t3", { "#e": ["f".repeat(64)], authors })).events)).toEqual([e2.id]);
    expect(idsOf((await s.req("t4", { "#T": ["Upper"] })).events)).toEqual([e3.id]);
    expect(idsOf((await s.req("t5", { "#t": ["rally"], authors: [b.pubkey] })).events)).toEqual([e4.id]);
  });

  it("returns the newest `limit` events first, and unions several filters", async () => {
    const authors = [a.pubkey, b.pubkey];
    expect(idsOf((await s.req("l1", { authors, limit: 2 })).events)).toEqual([e4.id, e3.id]);
    expect(idsOf((await s.req("l2", { authors, limit: 0 })).events)).toEqual([]);
    const both = idsOf((await s.req("l3", { ids: [e1.id] }, { ids: [e1.id, e2.id] })).events);
    expect(new Set(both)).toEqual(new Set([e1.id, e2.id]));
    expect(both.length).toBe(2);
  });

  it("answers an empty list with EOSE and nothing", async () => {
    expect((await s.req("empty", { ids: [] })).events).toEqual([]);
  });
});

describe("kind classes", () => {
  it("keeps only the latest replaceable event", async () => {
    const a = newSigner();
    const t = now() - 100;
    const old = a.sign({ kind: 0, created_at: t, content: '{"name":"old"}' });
    const cur = a.sign({ kind: 0, created_at: t + 1, content: '{"name":"new"}' });
    expect((await s.publish(old))[2]).toBe(true);
    expect((await s.publish(cur))[2]).toBe(true);
    const late = await s.publish(old);
    expect([late[2], late[3]]).toEqual([false, "replaced: have newer event"]);
    const { events } = await s.req("r0", { authors: [a.pubkey], kinds: [0] });
    expect(events.map((e) => e.id)).toEqual([cur.id]);
    const l1 = a.sign({ kind: 10050, created_at: t, tags: [["relay", "wss://x"]] });
    const l2 = a.sign({ kind: 10050, created_at: t + 5, tags: [["relay", "wss://y"]] });
    await s.publish(l1);
    await s.publish(l2);
    expect((await s.req("r1", { authors: [a.pubkey], kinds: [10050] })).events.map((e) => e.id)).toEqual([
      l2.id,
    ]);
  });

  it("keeps the latest addressable event per d tag", async () => {
    const a = newSigner();
    const t = now() - 100;
    const x1 = a.sign({ kind: 30443, created_at: t, tags: [["d", "x"]] });
    const x2 = a.sign({ kind: 30443, created_at: t + 1, tags: [["d", "x"]] });
    const y = a.sign({ kind: 30443, created_at: t, tags: [["d", "y"]] });
    for (const e of [x1, x2, y]) await s.publish(e);
    const { events } = await s.req("a1", { authors: [a.pubkey], kinds: [30443] });
    expect(new Set(events.map((e) => e.id))).toEqual(new Set([x2.id, y.id]));
  });

  it("forwards ephemeral events to live subscribers without storing them", async () => {
    const a = newSigner();
    const listener = await NostrSocket.open(relay.url);
    await listener.req("eph", { authors: [a.pubkey] });
    const e = a.sign({ kind: 20001, content: "ping" });
    expect(await s.publish(e)).toEqual(["OK", e.id, true, ""]);
    const got = await listener.next((m) => m[0] === "EVENT" && m[1] === "eph");
    expect((got[2] as { id: string }).id).toBe(e.id);
    expect((await s.req("eph2", { ids: [e.id] })).events).toEqual([]);
    await listener.close();
  });
});

describe("live subscriptions", () => {
  it("delivers new matching events after EOSE, tag filters included, and stops after CLOSE", async () => {
    const a = newSigner();
    const listener = await NostrSocket.open(relay.url);
    const tag = `room-${Math.random()}`;
    await listener.req("live", { kinds: [445], "#h": [tag] });
    const other = a.sign({ kind: 445, tags: [["h", "not-this-one"]] });
    const match = a.sign({ kind: 445, tags: [["h", tag]] });
    await s.publish(other);
    await s.publish(match);
    const got = await listener.next((m) => m[0] === "EVENT" && m[1] === "live");
    expect((got[2] as { id: string }).id).toBe(match.id);
    listener.send(["CLOSE", "live"]);
    // A round trip on the same socket makes sure the CLOSE was processed before publishing.
    await listener.req("sync", { ids: [] });
    await s.publish(a.sign({ kind: 445, tags: [["h", tag]], content: "after close" }));
    await listener.req("sync2", { ids: [] });
    expect(listener.messages.filter((m) => m[0] === "EVENT" && m[1] === "live")).toEqual([]);
    expect(
      listener.messages.filter((m) => m[0] === "EVENT" && (m[2] as { id: string }).id === other.id),
    ).toEqual([]);
    await listener.close();
  });

  it("replaces a subscription that reuses an id", async () => {
    const a = newSigner();
    const listener = await NostrSocket.open(relay.url);
    await listener.req("same", { authors: [a.pubkey], kinds: [1] });
    await listener.req("same", { authors: [a.pubkey], kinds: [7] });
    await s.publish(a.sign({ kind: 1 }));
    const seven = a.sign({ kind: 7 });
    await s.publish(seven);
    const got = await listener.next((m) => m[0] === "EVENT" && m[1] === "same");
    expect((got[2] as { id: string }).id).toBe(seven.id);
    await listener.req("sync", { ids: [] });
    expect(listener.messages.filter((m) => m[0] === "EVENT")).toEqual([]);
    await listener.close();
  });
});

describe("NIP-45 COUNT", () => {
  it("counts matching events", async () => {
    const a = newSigner();
    for (let i = 0; i < 3; i++) await s.publish(a.sign({ kind: 1, content: String(i) }));
    s.send(["COUNT", "c", { authors: [a.pubkey] }]);
    const m = await s.next((x) => x[0] === "COUNT" && x[1] === "c");
    expect(m[2]).toEqual({ count: 3 });
  });
});
