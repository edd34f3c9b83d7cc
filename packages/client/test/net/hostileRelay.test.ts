// The pool against a hostile relay (a real WebSocket server that sends malformed and forged
// frames — the real `rally relay` never does, so this one is written to misbehave on purpose):
// every bad frame is dropped with a logged reason, nothing throws, the good events still arrive.
import { type AddressInfo, createServer, type Socket } from "node:net";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { type LogEntry, RelayPool } from "../../src/net/relayPool.ts";
import { signed, waitFor } from "./helpers.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function hostile(onMessage: (ws: WebSocket, msg: unknown[]) => void): Promise<string> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  wss.on("connection", (ws) => {
    ws.on("message", (data) => onMessage(ws, JSON.parse(String(data)) as unknown[]));
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

function pool(logs: LogEntry[], extra: Partial<ConstructorParameters<typeof RelayPool>[0]> = {}) {
  const p = new RelayPool({
    WebSocket,
    log: (e) => logs.push(e),
    maxFrameChars: 10_000,
    publishTimeoutMs: 1500,
    reconnect: { initialMs: 50, maxMs: 200, factor: 2, jitter: 0 },
    ...extra,
  });
  cleanups.push(() => p.close());
  return p;
}

describe("RelayPool with a hostile relay", () => {
  it("drops malformed, forged and off-filter events with a reason and delivers the good one once", async () => {
    const good = signed(1, "the real one");
    const offFilter = signed(2, "kind 2 was not asked for");
    const forged = { ...signed(1, "forged"), content: "rewritten" };
    const otherKey = finalizeEvent({ kind: 1, created_at: 1, tags: [], content: "x" }, generateSecretKey());
    const url = await hostile((ws, msg) => {
      if (msg[0] !== "REQ") return;
      const sub = msg[1] as string;
      ws.send(Buffer.from([1, 2, 3]), { binary: true });
      ws.send("this is not json");
      ws.send('{"not":"an array"}');
      ws.send('["EVENT"]');
      ws.send(JSON.stringify(["EVENT", sub, { id: "x", kind: "one" }]));
      ws.send(JSON.stringify(["EVENT", sub, forged]));
      ws.send(JSON.stringify(["EVENT", sub, { ...otherKey, sig: good.sig }]));
      ws.send(JSON.stringify(["EVENT", sub, offFilter]));
      ws.send(JSON.stringify(["EVENT", "someone-elses-sub", good]));
      ws.send(JSON.stringify(["NOTICE", "x".repeat(20_000)]));
      ws.send(JSON.stringify(["OK", good.id, true, ""]));
      ws.send(JSON.stringify(["EOSE", "unknown"]));
      ws.send(JSON.stringify(["WHATEVER", 1]));
      ws.send(JSON.stringify(["EVENT", sub, good]));
      ws.send(JSON.stringify(["EVENT", sub, good]));
      ws.send(JSON.stringify(["EOSE", sub]));
    });
    const logs: LogEntry[] = [];
    const p = pool(logs);
    const got: string[] = [];
    const sub = p.subscribe([url], [{ kinds: [1] }], { onEvent: (e) => got.push(e.id) });
    const report = await sub.eose;
    expect(report.relays[0]?.state).toBe("eose");
    expect(got).toEqual([good.id]);
    const reasons = logs.filter((l) => l.level === "warn").map((l) => l.message);
    for (const expected of [
      /binary frame/,
      /not JSON/,
      /not an array/,
      /EVENT message must have 3 elements/,
      /id must be 64 lowercase hex/,
      new RegExp(`event ${forged.id} has a bad id or signature`),
      /has a bad id or signature/,
      new RegExp(`event ${offFilter.id} does not match subscription`),
      /over the 10000 limit/,
      /unknown relay message type/,
    ]) {
      expect(
        reasons.some((r) => expected.test(r)),
        `a log line matching ${expected}:\n${reasons.join("\n")}`,
      ).toBe(true);
    }
    expect(p.state()).toBe("online");
  });

  it("treats a garbled OK as no answer, and a dropped connection as unreachable, then recovers", async () => {
    let connections = 0;
    const url = await hostile((ws, msg) => {
      if (msg[0] !== "EVENT") return;
      const ev = msg[1] as { id: string; content: string };
      if (ev.content === "garble") ws.send(`["OK","${ev.id}",maybe,""]`);
      else if (ev.content === "hang up") ws.terminate();
      else ws.send(JSON.stringify(["OK", ev.id, true, ""]));
    });
    const logs: LogEntry[] = [];
    const p = pool(logs);
    p.onStatus((s) => {
      if (s.state === "online") connections++;
    });
    const [garbled] = await p.publish(signed(1, "garble"), [url]);
    expect(garbled).toMatchObject({ ok: false, status: "timeout" });
    const [hungUp] = await p.publish(signed(1, "hang up"), [url]);
    expect(hungUp).toMatchObject({ ok: false, status: "unreachable" });
    expect(hungUp?.message).toMatch(/^error: connection closed/);
    const [fine] = await p.publish(signed(1, "fine"), [url]);
    expect(fine).toMatchObject({ ok: true, status: "ok" });
    expect(connections).toBe(2);
    expect(logs.some((l) => /not JSON/.test(l.message))).toBe(true);
  });

  it("starts a fresh connection when an open one goes silent", async () => {
    let silent = true;
    const url = await hostile((ws, msg) => {
      if (msg[0] !== "EVENT" || silent) return;
      ws.send(JSON.stringify(["OK", (msg[1] as { id: string }).id, true, ""]));
    });
    const p = pool([]);
    let onlines = 0;
    const errors: string[] = [];
    p.onStatus((s) => {
      if (s.state === "online") onlines++;
      if (s.error) errors.push(s.error);
    });
    const [first] = await p.publish(signed(1, "into the void"), [url]);
    expect(first).toMatchObject({ ok: false, status: "timeout" });
    await waitFor(() => onlines === 2, "a second connection");
    expect(new Set(errors)).toEqual(new Set(["connection stalled: the relay stopped answering"]));
    silent = false;
    const [second] = await p.publish(signed(1, "heard"), [url]);
    expect(second).toMatchObject({ ok: true });
  });

  it("gives up on a relay that accepts TCP but never completes the handshake", async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket); // accept and say nothing
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    );
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const p = pool([], { connectTimeoutMs: 300, publishTimeoutMs: 5000 });
    const [res] = await p.publish(signed(1, "nobody home"), [url]);
    expect(res).toMatchObject({
      ok: false,
      status: "unreachable",
      message: "error: could not connect: timed out",
    });
    // Still alive and still trying, with backoff.
    await new Promise((r) => setTimeout(r, 500));
    expect(["connecting", "offline"]).toContain(p.state());
  });

  it("waits for a challenge when a relay wants AUTH but sends none, then gives up with a reason", async () => {
    const url = await hostile((ws, msg) => {
      if (msg[0] === "REQ") ws.send(JSON.stringify(["CLOSED", msg[1], "auth-required: who are you"]));
    });
    const logs: LogEntry[] = [];
    const p = pool(logs, {
      signAuth: async (t) => finalizeEvent(t, generateSecretKey()),
      authTimeoutMs: 300,
    });
    const closed: string[] = [];
    const sub = p.subscribe([url], [{ kinds: [1] }], {
      onEvent: () => {},
      onClosed: (_r, why) => closed.push(why),
    });
    const report = await sub.eose;
    expect(report.relays[0]).toMatchObject({
      state: "closed",
      message: "auth-required: the relay sent no challenge",
    });
    expect(closed).toEqual(["auth-required: the relay sent no challenge"]);
  });
});
