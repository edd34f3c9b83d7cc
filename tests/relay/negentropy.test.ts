/**
 * NIP-77 negentropy sync against the real relay process over real WebSockets, with nostr-tools'
 * Negentropy as the client: a client learns exactly the ids it lacks and the ids the relay lacks
 * (then fetches the missing events with REQ), random sets agree with the true set differences,
 * bad NEG messages get NEG-ERR or NOTICE and the connection goes on, and a sync reads no more
 * than a REQ with the same filter may: nobody lists someone else's gift wraps through it.
 */
import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay.ts";
import { negentropySync } from "./support/negentropySync.ts";
import { authenticate, NostrSocket, newSigner } from "./support/nostrSocket.ts";

let relay: RelayHandle;
let s: NostrSocket;
const T0 = 1_700_000_000;
const sorted = (xs: readonly string[]) => [...xs].sort();
const keyOf = (e: { id: string; created_at: number }) => ({ id: e.id, created_at: e.created_at });

beforeAll(async () => {
  relay = await startRelay();
  s = await NostrSocket.open(relay.url);
});
afterAll(async () => {
  await s?.close();
  await relay?.stop();
});

describe("NIP-77 sync", () => {
  it("is announced in the NIP-11 document", async () => {
    const info = await fetch(relay.url.replace("ws://", "http://"), {
      headers: { Accept: "application/nostr+json" },
    });
    expect(((await info.json()) as { supported_nips: number[] }).supported_nips).toContain(77);
  });

  it("tells a client with part of the set exactly what it lacks and what the relay lacks", async () => {
    const author = newSigner();
    // Few distinct timestamps, so ranges are split by id as well as by time.
    const events = Array.from({ length: 600 }, (_, i) =>
      author.sign({ kind: 1, content: `note ${i}`, created_at: T0 + (i % 7) }),
    );
    for (const e of events) expect((await s.publish(e))[2]).toBe(true);
    // Someone else's notes are outside the filter and must not show up.
    const other = newSigner();
    for (let i = 0; i < 20; i++) await s.publish(other.sign({ kind: 1, content: `x${i}`, created_at: T0 }));

    const missing = events.filter((_, i) => i % 17 === 3);
    const local = events.filter((_, i) => i % 17 !== 3);
    const onlyLocal = Array.from({ length: 5 }, (_, i) =>
      author.sign({ kind: 1, content: `unsent ${i}`, created_at: T0 + i }),
    );
    const r = await negentropySync(s, "sync-1", { authors: [author.pubkey], kinds: [1] }, [
      ...local.map(keyOf),
      ...onlyLocal.map(keyOf),
    ]);
    expect(r.error).toBeUndefined();
    expect(sorted(r.need)).toEqual(sorted(missing.map((e) => e.id)));
    expect(sorted(r.have)).toEqual(sorted(onlyLocal.map((e) => e.id)));

    // The ids learned fetch the missing events; what the relay lacked is sent and then agrees.
    const fetched = await s.req("fetch-1", { ids: r.need });
    expect(sorted(fetched.events.map((e) => e.id as string))).toEqual(sorted(r.need));
    for (const e of onlyLocal) expect((await s.publish(e))[2]).toBe(true);
    const again = await negentropySync(s, "sync-1", { authors: [author.pubkey], kinds: [1] }, [
      ...events.map(keyOf),
      ...onlyLocal.map(keyOf),
    ]);
    expect(again).toEqual({ need: [], have: [], rounds: 1 });
  });

  it("finds the true differences for random sets", async () => {
    for (let round = 0; round < 4; round++) {
      const author = newSigner();
      const n = randomInt(0, 200);
      const events = Array.from({ length: n }, (_, i) =>
        author.sign({ kind: 1, content: `r${round}-${i}`, created_at: T0 + randomInt(0, 5) }),
      );
      const onRelay = events.filter(() => randomInt(0, 10) !== 0);
      const local = events.filter((e) => !onRelay.includes(e) || randomInt(0, 4) !== 0);
      for (const e of onRelay) expect((await s.publish(e))[2]).toBe(true);
      const r = await negentropySync(s, `rand-${round}`, { authors: [author.pubkey] }, local.map(keyOf));
      const localIds = new Set(local.map((e) => e.id));
      const relayIds = new Set(onRelay.map((e) => e.id));
      expect(sorted(r.need)).toEqual(sorted(onRelay.filter((e) => !localIds.has(e.id)).map((e) => e.id)));
      expect(sorted(r.have)).toEqual(sorted(local.filter((e) => !relayIds.has(e.id)).map((e) => e.id)));
    }
  });

  it("honours the filter's since, until and limit as a REQ does", async () => {
    const author = newSigner();
    const events = Array.from({ length: 30 }, (_, i) =>
      author.sign({ kind: 1, content: `t${i}`, created_at: T0 + i }),
    );
    for (const e of events) await s.publish(e);
    const window = { authors: [author.pubkey], since: T0 + 10, until: T0 + 19 };
    const r = await negentropySync(s, "window", window, []);
    expect(sorted(r.need)).toEqual(sorted(events.slice(10, 20).map((e) => e.id)));
    const newest = await negentropySync(s, "newest", { authors: [author.pubkey], limit: 5 }, []);
    const req = await s.req("newest-req", { authors: [author.pubkey], limit: 5 });
    expect(sorted(newest.need)).toEqual(sorted(req.events.map((e) => e.id as string)));
    expect(newest.need.length).toBe(5);
  });

  it("answers malformed NEG messages with NEG-ERR or NOTICE and keeps serving", async () => {
    const c = await NostrSocket.open(relay.url);
    const negErr = (id: string) =>
      c.next((m) => m[0] === "NEG-ERR" && m[1] === id) as Promise<[string, string, string]>;
    const notice = () => c.next((m) => m[0] === "NOTICE") as Promise<[string, string]>;

    c.send(["NEG-OPEN", "bad-filter", { kinds: "one" }, "6100000200"]);
    expect((await negErr("bad-filter"))[2]).toMatch(/^invalid: kinds must be an array/);
    c.send(["NEG-OPEN", "unknown-field", { search: "x" }, "6100000200"]);
    expect((await negErr("unknown-field"))[2]).toMatch(/^invalid: unsupported filter field/);
    c.send(["NEG-OPEN", "not-hex", {}, "hello"]);
    expect((await negErr("not-hex"))[2]).toMatch(/^invalid: .*hex/);
    c.send(["NEG-OPEN", "cut-short", {}, "6101"]);
    expect((await negErr("cut-short"))[2]).toMatch(/^invalid: message ends in the middle of a range/);
    c.send(["NEG-OPEN", "no-message", {}]);
    expect((await negErr("no-message"))[2]).toMatch(/^invalid: NEG-OPEN takes/);
    c.send(["NEG-OPEN", "two-filters", {}, {}, "61"]);
    expect((await negErr("two-filters"))[2]).toMatch(/^invalid: NEG-OPEN takes/);
    c.send(["NEG-OPEN", "x".repeat(65), {}, "61"]);
    expect((await negErr("x".repeat(65)))[2]).toMatch(/^invalid: subscription id longer than 64/);
    c.send(["NEG-MSG", "never-opened", "6100000200"]);
    expect((await negErr("never-opened"))[2]).toMatch(/^closed: no open sync/);
    c.send(["NEG-MSG", "no-payload"]);
    expect((await negErr("no-payload"))[2]).toMatch(/^invalid: NEG-MSG takes/);
    c.send(["NEG-CLOSE", "extra", "stuff"]);
    expect((await negErr("extra"))[2]).toMatch(/^invalid: NEG-CLOSE takes only/);
    c.send(["NEG-OPEN"]);
    expect((await notice())[1]).toMatch(/^invalid: NEG-OPEN needs a non-empty subscription id/);
    c.send(["NEG-OPEN", 7, {}, "61"]);
    expect((await notice())[1]).toMatch(/^invalid: /);
    c.send('["NEG-OPEN", "broken", {}');
    expect((await notice())[1]).toBe("invalid: message is not valid JSON");
    c.send(["NEG-WHAT", "id"]);
    expect((await notice())[1]).toMatch(/^invalid: unknown message type/);
    // A version the relay does not speak: it answers with the one it does (NIP-77 appendix).
    c.send(["NEG-OPEN", "v2", {}, "62"]);
    expect(await c.next((m) => m[1] === "v2")).toEqual(["NEG-MSG", "v2", "61"]);

    // A sync that failed is closed; the same connection still syncs and answers REQs.
    c.send(["NEG-MSG", "cut-short", "61"]);
    expect((await negErr("cut-short"))[2]).toMatch(/^closed: /);
    const r = await negentropySync(c, "after", { ids: ["0".repeat(64)] }, []);
    expect(r).toEqual({ need: [], have: [], rounds: 1 });
    expect((await c.req("still-there", { limit: 1 })).closed).toBeUndefined();
    expect(c.closed).toBeUndefined();
    await c.close();
  });

  it("closes a sync on NEG-CLOSE and replaces one opened again under the same id", async () => {
    const c = await NostrSocket.open(relay.url);
    c.send(["NEG-OPEN", "one", {}, "61"]);
    await c.next((m) => m[0] === "NEG-MSG" && m[1] === "one");
    c.send(["NEG-CLOSE", "one"]);
    c.send(["NEG-MSG", "one", "61"]);
    expect((await c.next((m) => m[0] === "NEG-ERR" && m[1] === "one"))[2]).toMatch(/^closed: /);
    const author = newSigner();
    const e = author.sign({ kind: 1, content: "replace", created_at: T0 });
    await c.publish(e);
    c.send(["NEG-OPEN", "two", { ids: ["f".repeat(64)] }, "61"]);
    await c.next((m) => m[0] === "NEG-MSG" && m[1] === "two");
    // Reopened with another filter: the new set is the one reconciled.
    expect((await negentropySync(c, "two", { authors: [author.pubkey] }, [])).need).toEqual([e.id]);
    await c.close();
  });
});

describe("NIP-77 sync reads what a REQ may read", () => {
  it("does not let anyone but the recipient list gift wraps", async () => {
    const alice = newSigner();
    const bob = newSigner();
    const oneTime = newSigner();
    const wrap = oneTime.sign({
      kind: 1059,
      tags: [["p", bob.pubkey]],
      content: "ciphertext",
      created_at: T0,
    });
    const note = oneTime.sign({ kind: 1, tags: [["p", bob.pubkey]], content: "public", created_at: T0 });
    expect((await s.publish(wrap))[2]).toBe(true);
    expect((await s.publish(note))[2]).toBe(true);

    // A stranger who has not authenticated: asking for kind 1059 is refused as REQ is.
    const stranger = await NostrSocket.open(relay.url);
    const asked = await negentropySync(stranger, "g1", { kinds: [1059], "#p": [bob.pubkey] }, []);
    expect(asked.error).toMatch(/^auth-required: /);
    expect((await stranger.req("g1-req", { kinds: [1059], "#p": [bob.pubkey] })).closed).toMatch(
      /^auth-required: /,
    );
    // Without kinds, by recipient, by author or by id: the wrap is hidden, the note is not.
    for (const filter of [
      { "#p": [bob.pubkey] },
      { authors: [oneTime.pubkey] },
      { ids: [wrap.id, note.id] },
      {},
    ]) {
      const r = await negentropySync(stranger, "g2", filter, []);
      expect(r.error).toBeUndefined();
      expect(r.need).toContain(note.id);
      expect(r.need).not.toContain(wrap.id);
    }
    // Nor can it tell by a sync where it claims to hold the wrap: the relay does not have it for them.
    const claim = await negentropySync(stranger, "g3", { ids: [wrap.id] }, [keyOf(wrap)]);
    expect(claim).toEqual({ need: [], have: [wrap.id], rounds: 1 });

    // Authenticated as someone else: refused with restricted, or narrowed to their own wraps.
    const ac = await NostrSocket.open(relay.url);
    await authenticate(ac, relay.url, alice);
    expect((await negentropySync(ac, "g4", { kinds: [1059], "#p": [bob.pubkey] }, [])).error).toMatch(
      /^restricted: /,
    );
    const narrowed = await negentropySync(ac, "g5", { kinds: [1059] }, []);
    expect(narrowed.error).toBeUndefined();
    expect(narrowed.need).toEqual([]);

    // The recipient learns of it.
    const bc = await NostrSocket.open(relay.url);
    await authenticate(bc, relay.url, bob);
    expect((await negentropySync(bc, "g6", { kinds: [1059], "#p": [bob.pubkey] }, [])).need).toEqual([
      wrap.id,
    ]);
    expect(sorted((await negentropySync(bc, "g7", { "#p": [bob.pubkey] }, [])).need)).toEqual(
      sorted([wrap.id, note.id]),
    );
    await Promise.all([stranger.close(), ac.close(), bc.close()]);
  });
});
