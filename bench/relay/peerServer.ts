/**
 * The benchmark's peer: the TypeScript relay `@nostr-relay/core` with
 * `@nostr-relay/event-repository-sqlite`, wired to a `ws` server the way its README suggests
 * (JSON-parse each frame, hand it to `handleMessage`). Its core verifies signatures with
 * @noble/curves. Usage: `tsx bench/relay/peerServer.ts <sqlite file>`; prints `ws://127.0.0.1:PORT`.
 */
import { NostrRelay } from "@nostr-relay/core";
import { EventRepositorySqlite } from "@nostr-relay/event-repository-sqlite";
import { WebSocketServer } from "ws";

const file = process.argv[2];
if (!file) throw new Error("usage: peerServer.ts <sqlite file>");
const repo = new EventRepositorySqlite(file);
await repo.init();
const relay = new NostrRelay(repo, {
  maxSubscriptionsPerClient: 1000,
  // Its filter-result cache would answer repeated benchmark queries from memory; measure the store.
  filterResultCacheTtl: 0,
  logLevel: 3,
});
const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
wss.on("connection", (ws) => {
  relay.handleConnection(ws);
  ws.on("message", (data) => {
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (Array.isArray(msg)) void relay.handleMessage(ws, msg as never);
  });
  ws.on("close", () => relay.handleDisconnect(ws));
  ws.on("error", () => {});
});
wss.on("listening", () => {
  const addr = wss.address();
  if (addr && typeof addr === "object") console.log(`peer relay listening on ws://127.0.0.1:${addr.port}`);
});
const stop = async () => {
  wss.close();
  await relay.destroy();
  await repo.destroy();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
