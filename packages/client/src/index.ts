// Store port (adapters: `@rally/client/store/sqlite.ts` in Node, `@rally/client/store/indexeddb.ts` in browsers).

// Pure: what to tell a person about a wall-clock time in a daylight-saving gap or overlap.
export { localTimeNoteOf } from "@rally/protocol/app/time.ts";
// The client's public face (api.ts) and its implementation. Node: `@rally/client/core/nodeClient.ts`
// (`createNodeClient`, SQLite + ws), kept out of this index so browser bundles stay free of Node code.
export {
  type AccountInfo,
  type ChangeListener,
  type ChatMessage,
  type EventInput,
  type EventView,
  type GroupRef,
  type GroupSummary,
  type InviteLinkInfo,
  type InviteLinkOptions,
  type JoinState,
  type Member,
  type Npub,
  type PendingInvite,
  type PendingJoin,
  type PollView,
  type RallyClient,
  RallyError,
  type RsvpStatus,
  type SendState,
  type SyncReport,
} from "./api.ts";
// Network: relay pool and durable outbox.
export * from "./net/backoff.ts";
export * from "./net/outbox.ts";
export * from "./net/outboxSchedule.ts";
export * from "./net/relayPool.ts";
export type { WebSocketConstructor, WebSocketLike } from "./net/websocket.ts";
export {
  createBrowserClient,
  createRallyClient,
  type DeliveryReport,
  Rally,
  type RallyOptions,
} from "./rallyClient.ts";
export * from "./store/keys.ts";
export * from "./store/store.ts";
