/**
 * The device's relay transport (net/transport.ts) over a real relay process: group traffic goes over
 * the anonymous pool, which never authenticates; what only the person may do (publish a NIP-70
 * protected event, read gift wraps addressed to them) goes over the identity pool, which
 * authenticates (NIP-42) with the person's key, and only when the relay asks; an invite link's pool
 * authenticates as the link's key; a locked account cannot authenticate at all; welcomes and tree
 * chunks leave on fresh connections of their own.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Transport } from "../../src/net/transport.ts";
import type { WebSocketConstructor } from "../../src/net/websocket.ts";
import { openSqliteStore } from "../../src/platform/node/sqliteStore.ts";
import { startWireTap } from "../sync/wireTap.ts";
import { signed, startRelay, waitFor } from "./helpers.ts";

type Relay = Awaited<ReturnType<typeof startRelay>>;
let relay: Relay;
let root: string;
const open: Transport[] = [];

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "rally-transport-"));
  relay = await startRelay();
}, 120_000);

afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

afterAll(async () => {
  await relay?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

let stores = 0;
/** A transport over a fresh store, for the person holding `secretKey` (null: a locked account). */
function transport(secretKey: Uint8Array | null): Transport {
  const t = new Transport({
    store: openSqliteStore(path.join(root, `store-${++stores}.db`)),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    secretKey: () => secretKey,
    eoseTimeoutMs: 8_000,
    publishTimeoutMs: 5_000,
  });
  open.push(t);
  return t;
}

/** A NIP-70 protected event (`["-"]`): a relay takes it only from its authenticated author. */
function protectedEvent(sk: Uint8Array) {
  return finalizeEvent(
    {
      kind: 30443,
      created_at: Math.floor(Date.now() / 1000),
      tags: [["d", "kp"], ["-"]],
      content: "key package",
    },
    sk,
  );
}

describe("Transport", { timeout: 60_000 }, () => {
  it("sends group traffic over the anonymous pool, which never authenticates", async () => {
    const t = transport(generateSecretKey());
    const message = signed(445, "group message", [["h", "routing-tag"]], generateSecretKey());
    const [res] = await t.publishNow(message, [relay.url]);
    expect(res).toMatchObject({ ok: true });
    expect(t.anonymous.status()[0]).toMatchObject({ state: "online", authenticated: false });
    // The identity pool was never even connected for it.
    expect(t.identity.status()).toEqual([]);

    const { events, report } = await t.fetch(t.anonymous, [relay.url], [{ ids: [message.id] }]);
    expect(report.any).toBe(true);
    expect(events.map((e) => e.id)).toEqual([message.id]);
    expect(t.anonymous.status()[0]?.authenticated).toBe(false);
  });

  it("publishes a protected event over the identity pool, authenticated (NIP-42) as the person", async () => {
    const sk = generateSecretKey();
    const t = transport(sk);
    const event = protectedEvent(sk);
    const [res] = await t.publishNow(event, [relay.url]);
    expect(res).toMatchObject({ ok: true });
    expect(t.identity.status()[0]).toMatchObject({ state: "online", authenticated: true });
    expect(t.anonymous.status()).toEqual([]);
    // Which is why it must go that way: the relay refuses it from a connection that is not its author.
    const [refused] = await t.anonymous.publish(protectedEvent(sk), [relay.url]);
    expect(refused?.ok).toBe(false);
    expect(refused?.message).toMatch(/^auth-required:/);
  });

  it("routes the outbox's entries the same way: protected by identity, the rest anonymously", async () => {
    const sk = generateSecretKey();
    const t = transport(sk);
    const mine = protectedEvent(sk);
    const group = signed(445, "queued group message", [["h", "another-tag"]], generateSecretKey());
    await t.outbox.enqueue(mine, [relay.url]);
    await t.outbox.enqueue(group, [relay.url]);
    const report = await t.outbox.flush({ timeoutMs: 8_000 });
    expect(report.pending).toBe(0);
    expect(t.identity.status()[0]?.authenticated).toBe(true);
    expect(t.anonymous.status()[0]?.authenticated).toBe(false);
    // Both reached the relay.
    const { events } = await t.fetch(t.anonymous, [relay.url], [{ ids: [mine.id, group.id] }]);
    expect(events.map((e) => e.id).sort()).toEqual([mine.id, group.id].sort());
  });

  it("sends welcomes and tree chunks on a fresh connection after a short wait, never on the group's", async () => {
    const tap = await startWireTap(relay.url);
    try {
      const t = transport(generateSecretKey());
      const group = signed(445, "a commit", [["h", "tag-of-a-group"]], generateSecretKey());
      const wrap = signed(1059, "a welcome", [["p", getPublicKey(generateSecretKey())]], generateSecretKey());
      const chunk = signed(1447, "a tree chunk", [], generateSecretKey());
      for (const e of [group, wrap, chunk]) await t.outbox.enqueue(e, [tap.url]);
      const report = await t.outbox.flush({ timeoutMs: 8_000 });
      expect(report.pending).toBe(0);
      const connOf = (id: string) =>
        tap.frames.find((f) => f.msg[0] === "EVENT" && (f.msg[1] as { id?: string }).id === id)?.conn;
      const [g, w, c] = [connOf(group.id), connOf(wrap.id), connOf(chunk.id)];
      expect(g).toBeDefined();
      expect(w).toBeDefined();
      expect(w).not.toBe(g);
      expect(c).not.toBe(g);
      expect(t.fresh.opened).toBeGreaterThanOrEqual(1);
      // Closed once answered; the group's connection stays.
      await waitFor(() => tap.ended.has(w ?? 0) && tap.ended.has(c ?? 0), "the fresh connections to close");
      expect(tap.ended.has(g ?? 0)).toBe(false);
    } finally {
      await tap.close();
    }
  });

  it("reads gift wraps addressed to the person only over the identity pool", async () => {
    const sk = generateSecretKey();
    const me = getPublicKey(sk);
    const t = transport(sk);
    const wrap = signed(1059, "sealed", [["p", me]], generateSecretKey());
    expect((await t.publishNow(wrap, [relay.url]))[0]).toMatchObject({ ok: true });

    const filter = [{ kinds: [1059], "#p": [me] }];
    const anonymous = await t.fetch(t.anonymous, [relay.url], filter);
    expect(anonymous.events).toEqual([]);
    expect(anonymous.report.relays[0]?.state).toBe("closed");

    const identity = await t.fetch(t.identity, [relay.url], filter);
    expect(identity.events.map((e) => e.id)).toEqual([wrap.id]);
    expect(t.identity.status()[0]?.authenticated).toBe(true);
  });

  it("reads an invite link's join requests through a pool authenticated as the link's key", async () => {
    const linkKey = generateSecretKey();
    const linkPubkey = getPublicKey(linkKey);
    const t = transport(generateSecretKey());
    const request = signed(1059, "join request", [["p", linkPubkey]], generateSecretKey());
    expect((await t.publishNow(request, [relay.url]))[0]).toMatchObject({ ok: true });

    const pool = t.linkPool(linkKey, linkPubkey);
    expect(t.linkPool(linkKey, linkPubkey)).toBe(pool);
    const { events } = await t.fetch(pool, [relay.url], [{ kinds: [1059], "#p": [linkPubkey] }]);
    expect(events.map((e) => e.id)).toEqual([request.id]);
    // The person's own identity was not used for it.
    expect(t.identity.status()).toEqual([]);
  });

  it("cannot authenticate while the account is locked: the protected event is not taken", async () => {
    const sk = generateSecretKey();
    const t = transport(null);
    const [res] = await t.publishNow(protectedEvent(sk), [relay.url]);
    expect(res?.ok).toBe(false);
    expect(t.identity.status()[0]?.authenticated ?? false).toBe(false);
  });
});
