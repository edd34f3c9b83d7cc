// Store port (adapters: `@rally/client/store/sqlite.ts` in Node, `@rally/client/store/indexeddb.ts` in browsers).

// Network: relay pool and durable outbox.
export * from "./net/backoff.ts";
export * from "./net/outbox.ts";
export * from "./net/outboxSchedule.ts";
export * from "./net/relayPool.ts";
export type { WebSocketConstructor, WebSocketLike } from "./net/websocket.ts";
export * from "./store/keys.ts";
export * from "./store/store.ts";
