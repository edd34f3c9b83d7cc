// What a relay learns from the pool's subscription ids (review F17): nothing. A real WebSocket
// server records every REQ the way a relay operator could; the ids are 16 random hex characters,
// with no client name, no counter, none repeated across subscriptions, pools or reconnections.
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { RelayPool } from "../../src/net/relayPool.ts";
import { waitFor } from "./helpers.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A relay that answers every REQ with EOSE and remembers each REQ's id, socket by socket. */
async function recordingRelay(): Promise<{
  url: string;
  reqs: { socket: number; id: string }[];
  drop(): void;
}> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const reqs: { socket: number; id: string }[] = [];
  let sockets = 0;
  wss.on("connection", (ws) => {
    const socket = ++sockets;
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as unknown[];
      if (msg[0] !== "REQ") return;
      reqs.push({ socket, id: msg[1] as string });
      ws.send(JSON.stringify(["EOSE", msg[1]]));
    });
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    reqs,
    drop: () => {
      for (const c of wss.clients) c.terminate();
    },
  };
}

function pool(): RelayPool {
  const p = new RelayPool({ WebSocket, reconnect: { initialMs: 50, maxMs: 200, factor: 2, jitter: 0 } });
  cleanups.push(() => p.close());
  return p;
}

describe("subscription ids", () => {
  it("are 16 random hex characters: no client name, no counter, unique across subscriptions and pools", async () => {
    const relay = await recordingRelay();
    const pools = [pool(), pool()];
    for (const p of pools) {
      for (let i = 0; i < 4; i++) {
        const sub = p.subscribe([relay.url], [{ kinds: [445], "#h": [`tag${i}`] }], { onEvent: () => {} });
        await sub.eose;
      }
    }
    expect(relay.reqs).toHaveLength(8);
    for (const { id } of relay.reqs) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(relay.reqs.map((r) => r.id)).size).toBe(8);
  });

  it("a subscription opened after a reconnection carries nothing that counts or links to earlier ones", async () => {
    const relay = await recordingRelay();
    const p = pool();
    const first = p.subscribe([relay.url], [{ kinds: [1059], "#p": ["a".repeat(64)] }], {
      onEvent: () => {},
    });
    await first.eose;
    first.close();
    relay.drop();
    await waitFor(() => p.state() !== "online", "the pool to see the connection drop");
    const second = p.subscribe([relay.url], [{ kinds: [1059], "#p": ["b".repeat(64)] }], {
      onEvent: () => {},
    });
    await second.eose;
    await waitFor(() => relay.reqs.some((r) => r.socket === 2), "a REQ on the second socket");
    const before = relay.reqs.filter((r) => r.socket === 1).map((r) => r.id);
    const after = relay.reqs.filter((r) => r.socket === 2).map((r) => r.id);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(before).not.toContain(after[0]);
  });

  it("an id given by the caller is refused while a subscription with that id is open, and free after", async () => {
    const relay = await recordingRelay();
    const p = pool();
    const sub = p.subscribe([relay.url], [{ kinds: [1] }], { onEvent: () => {} }, { id: "mine" });
    expect(() => p.subscribe([relay.url], [{ kinds: [2] }], { onEvent: () => {} }, { id: "mine" })).toThrow(
      /already open/,
    );
    await sub.eose;
    sub.close();
    const again = p.subscribe([relay.url], [{ kinds: [3] }], { onEvent: () => {} }, { id: "mine" });
    await again.eose;
    expect(relay.reqs.map((r) => r.id)).toEqual(["mine", "mine"]);
  });
});
