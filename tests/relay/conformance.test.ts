/**
 * NIP-01 behaviours found missing by a black-box conformance probe of `rally relay`, each kept here
 * as a regression test against the real relay process with its default limits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { authenticate, NostrSocket, newSigner } from "./support/nostrSocket.ts";

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

describe("REQ with several filters", () => {
  it("sends the union newest first, ties by lowest id, whatever the order of the filters", async () => {
    const a = newSigner();
    const b = newSigner();
    const t = now() - 500;
    const oldA = a.sign({ kind: 1, created_at: t, content: "old" });
    const newB = b.sign({ kind: 1, created_at: t + 20, content: "new" });
    const midA = a.sign({ kind: 7, created_at: t + 10, content: "mid" });
    const tieX = b.sign({ kind: 1, created_at: t + 10, content: "tie x" });
    for (const e of [oldA, newB, midA, tieX]) expect((await s.publish(e))[2]).toBe(true);
    const { events } = await s.req(
      "union",
      { ids: [oldA.id] },
      { authors: [b.pubkey] },
      { kinds: [7], authors: [a.pubkey] },
    );
    const mid = [midA, tieX].sort((x, y) => (x.id < y.id ? -1 : 1)).map((e) => e.id);
    expect(events.map((e) => e.id)).toEqual([newB.id, ...mid, oldA.id]);
  });

  it("applies each filter's limit to that filter, and sends an event matching two filters once", async () => {
    const a = newSigner();
    const t = now() - 500;
    const es = Array.from({ length: 5 }, (_, i) => a.sign({ kind: 1, created_at: t + i, content: `${i}` }));
    for (const e of es) await s.publish(e);
    const { events } = await s.req(
      "limits",
      { authors: [a.pubkey], limit: 2 },
      { ids: [es[0]!.id, es[4]!.id], limit: 1 },
    );
    // Filter 1: the two newest (4, 3); filter 2: the newest of its ids (4, already sent).
    expect(events.map((e) => e.id)).toEqual([es[4]!.id, es[3]!.id]);
  });
});

describe("default limits", () => {
  it("take a burst of 1,000 events and 500 requests on one connection without refusing any", async () => {
    const a = newSigner();
    const conn = await NostrSocket.open(relay.url);
    const events = Array.from({ length: 1000 }, (_, i) => a.sign({ kind: 1, content: `burst ${i}` }));
    for (const e of events) conn.send(["EVENT", e]);
    const answers = await Promise.all(events.map((e) => conn.ok(e.id)));
    expect(answers.filter((r) => r[2] !== true)).toEqual([]);

    // COUNT draws on the same request allowance as REQ and leaves no subscription open.
    for (let i = 0; i < 500; i++) conn.send(["COUNT", `c${i}`, { ids: [events[i]!.id] }]);
    const counts = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        conn.next((m) => (m[0] === "COUNT" || m[0] === "CLOSED") && m[1] === `c${i}`),
      ),
    );
    expect(counts.filter((m) => m[0] !== "COUNT" || (m[2] as { count: number }).count !== 1)).toEqual([]);
    await conn.close();
  });
});

describe("NIP-42 challenge", () => {
  it("is sent on connect and again right before an auth-required: answer", async () => {
    const conn = await NostrSocket.open(relay.url);
    const first = await conn.next((m) => m[0] === "AUTH");
    const w = newSigner();
    const wrap = w.sign({ kind: 1059, tags: [["p", w.pubkey]], content: "sealed" });
    expect((await conn.publish(wrap))[2]).toBe(true);
    const order: unknown[][] = [];
    conn.ws.on("message", (data) => order.push(JSON.parse(data.toString()) as unknown[]));
    conn.send(["REQ", "inbox", { kinds: [1059], "#p": [w.pubkey] }]);
    const closed = await conn.next((m) => m[0] === "CLOSED" && m[1] === "inbox");
    expect(closed[2]).toMatch(/^auth-required: /);
    // The same challenge again, just before the refusal, as NIP-42's flow shows.
    expect(order).toEqual([first, closed]);
    await conn.close();
  });

  it("after AUTH, kind 1059 without #p is served: only the asker's own, live too", async () => {
    const me = newSigner();
    const other = newSigner();
    const sender = newSigner();
    const mine = sender.sign({ kind: 1059, tags: [["p", me.pubkey]], content: "for me" });
    const theirs = sender.sign({ kind: 1059, tags: [["p", other.pubkey]], content: "not for me" });
    expect((await s.publish(mine))[2]).toBe(true);
    expect((await s.publish(theirs))[2]).toBe(true);
    const conn = await NostrSocket.open(relay.url);
    expect((await authenticate(conn, relay.url, me))[2]).toBe(true);
    const got = await conn.req("inbox", { kinds: [1059], authors: [sender.pubkey] });
    expect(got.closed).toBeUndefined();
    expect(got.events.map((e) => e.id)).toEqual([mine.id]);
    conn.send(["COUNT", "n", { kinds: [1059], authors: [sender.pubkey] }]);
    expect((await conn.next((m) => m[1] === "n"))[2]).toEqual({ count: 1 });
    const later = sender.sign({ kind: 1059, tags: [["p", other.pubkey]], content: "still not" });
    const laterMine = sender.sign({ kind: 1059, tags: [["p", me.pubkey]], content: "mine too" });
    await s.publish(later);
    await s.publish(laterMine);
    const live = await conn.next((m) => m[0] === "EVENT" && m[1] === "inbox");
    expect((live[2] as { id: string }).id).toBe(laterMine.id);
    expect(conn.messages.filter((m) => m[0] === "EVENT")).toEqual([]);
    await conn.close();
  });

  it("COUNT hides kind 1059 only from the filters that may not see it", async () => {
    const me = newSigner();
    const sender = newSigner();
    await s.publish(sender.sign({ kind: 1059, tags: [["p", me.pubkey]], content: "wrap" }));
    await s.publish(sender.sign({ kind: 1, content: "note" }));
    const conn = await NostrSocket.open(relay.url);
    expect((await authenticate(conn, relay.url, me))[2]).toBe(true);
    // Filter 1 may not see others' wraps, filter 2 asks for my own: the wrap counts once, the note once.
    conn.send(["COUNT", "n", { authors: [sender.pubkey] }, { kinds: [1059], "#p": [me.pubkey] }]);
    expect((await conn.next((m) => m[1] === "n"))[2]).toEqual({ count: 2 });
    s.send(["COUNT", "anon", { authors: [sender.pubkey] }]);
    expect((await s.next((m) => m[1] === "anon"))[2]).toEqual({ count: 1 });
    await conn.close();
  });

  it("is not repeated for other refusals", async () => {
    const conn = await NostrSocket.open(relay.url);
    await conn.next((m) => m[0] === "AUTH");
    const { closed } = await conn.req("bad", { authors: ["not hex"] });
    expect(closed).toMatch(/^invalid: /);
    expect(conn.messages.some((m) => m[0] === "AUTH")).toBe(false);
    await conn.close();
  });
});

describe("memory bound of one REQ", () => {
  it("is one budget its filters share: several filters return no more than one would", async () => {
    // Budget: a quarter of --max-queued-bytes, 50,000 characters of event JSON here.
    const small = await startRelay({ args: ["--max-queued-bytes", "200000"] });
    try {
      const conn = await NostrSocket.open(small.url);
      const a = newSigner();
      const b = newSigner();
      const t = now() - 100;
      const big = "x".repeat(10_000);
      for (let i = 0; i < 10; i++) {
        for (const who of [a, b])
          expect((await conn.publish(who.sign({ kind: 1, created_at: t + i, content: big })))[2]).toBe(true);
      }
      const one = await conn.req("one", { authors: [a.pubkey] });
      const two = await conn.req("two", { authors: [a.pubkey] }, { authors: [b.pubkey] });
      // One filter stops at the event that crosses the budget: 5 of its 10 (10 kB each).
      expect(one.events).toHaveLength(5);
      expect(two.events.length).toBeLessThanOrEqual(one.events.length);
      expect(two.events.length).toBeGreaterThan(0);
      await conn.close();
    } finally {
      await small.stop();
    }
  });
});
