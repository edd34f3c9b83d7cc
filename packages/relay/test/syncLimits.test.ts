/**
 * NIP-77 limits of `startRelayServer`, in process over real sockets with small limits: a set above
 * `maxSyncRecords` is refused `blocked:`, at most `maxSyncSessions` syncs are open per connection,
 * and a sync left idle is closed with `NEG-ERR` `closed:`.
 */
import { nip77 } from "nostr-tools";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { silentLog } from "../src/log.ts";
import { type RelayServer, startRelayServer } from "../src/server.ts";

let server: RelayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A socket that queues every relay message and hands them out by predicate. */
async function open(url: string) {
  const ws = new WebSocket(url);
  const got: unknown[][] = [];
  const waiters: { pred: (m: unknown[]) => boolean; resolve: (m: unknown[]) => void }[] = [];
  ws.on("message", (d) => {
    const m = JSON.parse(d.toString()) as unknown[];
    const w = waiters.find((x) => x.pred(m));
    if (w) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    } else got.push(m);
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return {
    send: (m: unknown[]) => ws.send(JSON.stringify(m)),
    next: (pred: (m: unknown[]) => boolean) =>
      new Promise<unknown[]>((resolve) => {
        const i = got.findIndex(pred);
        if (i >= 0) resolve(got.splice(i, 1)[0]!);
        else waiters.push({ pred, resolve });
      }),
    close: () => ws.close(),
  };
}

const emptyClientMessage = () => {
  const storage = new nip77.NegentropyStorageVector();
  storage.seal();
  return new nip77.Negentropy(storage).initiate();
};

describe("NIP-77 limits", () => {
  it("refuses a set larger than maxSyncRecords, serves one that fits", async () => {
    server = await startRelayServer({ port: 0, log: silentLog, limits: { maxSyncRecords: 10 } });
    const c = await open(server.url);
    const sk = generateSecretKey();
    const events = Array.from({ length: 11 }, (_, i) =>
      finalizeEvent({ kind: 1, content: String(i), tags: [], created_at: 1_700_000_000 + i }, sk),
    );
    for (const e of events) {
      c.send(["EVENT", e]);
      expect((await c.next((m) => m[0] === "OK" && m[1] === e.id))[2]).toBe(true);
    }
    c.send(["NEG-OPEN", "all", { kinds: [1] }, emptyClientMessage()]);
    const refused = await c.next((m) => m[1] === "all");
    expect(refused[0]).toBe("NEG-ERR");
    expect(refused[2]).toMatch(/^blocked: too many records to sync \(limit 10\)/);
    c.send(["NEG-OPEN", "ten", { kinds: [1], since: 1_700_000_001 }, emptyClientMessage()]);
    expect((await c.next((m) => m[1] === "ten"))[0]).toBe("NEG-MSG");
    c.send(["NEG-OPEN", "limited", { kinds: [1], limit: 10 }, emptyClientMessage()]);
    expect((await c.next((m) => m[1] === "limited"))[0]).toBe("NEG-MSG");
    c.close();
  });

  it("holds at most maxSyncSessions open syncs per connection", async () => {
    server = await startRelayServer({ port: 0, log: silentLog, limits: { maxSyncSessions: 2 } });
    const c = await open(server.url);
    for (const id of ["a", "b"]) {
      c.send(["NEG-OPEN", id, {}, emptyClientMessage()]);
      expect((await c.next((m) => m[1] === id))[0]).toBe("NEG-MSG");
    }
    c.send(["NEG-OPEN", "c", {}, emptyClientMessage()]);
    expect((await c.next((m) => m[1] === "c"))[2]).toMatch(/^blocked: too many open syncs \(limit 2\)/);
    // Reopening an open id replaces it rather than counting twice; closing one frees a place.
    c.send(["NEG-OPEN", "a", {}, emptyClientMessage()]);
    expect((await c.next((m) => m[1] === "a"))[0]).toBe("NEG-MSG");
    c.send(["NEG-CLOSE", "b"]);
    c.send(["NEG-OPEN", "c", {}, emptyClientMessage()]);
    expect((await c.next((m) => m[1] === "c"))[0]).toBe("NEG-MSG");
    c.close();
  });

  it("closes a sync left idle for syncIdleSeconds", async () => {
    server = await startRelayServer({ port: 0, log: silentLog, limits: { syncIdleSeconds: 1 } });
    const c = await open(server.url);
    c.send(["NEG-OPEN", "idle", {}, emptyClientMessage()]);
    expect((await c.next((m) => m[1] === "idle"))[0]).toBe("NEG-MSG");
    const closed = await c.next((m) => m[0] === "NEG-ERR" && m[1] === "idle");
    expect(closed[2]).toMatch(/^closed: no message for 1 seconds/);
    c.send(["NEG-MSG", "idle", "61"]);
    expect((await c.next((m) => m[0] === "NEG-ERR" && m[1] === "idle"))[2]).toMatch(/^closed: no open sync/);
    c.close();
  });
});
