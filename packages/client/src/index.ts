// Store port (adapters: `@rally/client/node` in Node, `@rally/client/browser` in browsers).

// Pure rules and helpers of the protocol that front ends need, passed on so that a UI imports only
// the client: time zones and wall-clock times (the same arithmetic as event times are stored with),
// what to tell a person about a time in a daylight-saving gap or overlap, and the RSVP rule.
export {
  isRsvpStatus,
  isValidTimeZone,
  type LocalDateTime,
  localTimeNoteOf,
  MAX_GUESTS,
  offsetSeconds,
  RSVP_STATUSES,
  zonedParts,
  zonedToUnix,
} from "@rally/protocol/app";
// The client's public face (api.ts) and its implementation. Node: `@rally/client/node`
// (`createNodeClient`, SQLite + ws), kept out of this index so browser bundles stay free of Node code.
export * from "./api.ts";
// Network: relay pool and durable outbox.
export * from "./net/backoff.ts";
// Pure: "20 minutes ahead" for a device clock the relays disagree with.
export { describeOffset } from "./net/clock.ts";
export * from "./net/outbox.ts";
export * from "./net/outboxSchedule.ts";
export * from "./net/relayPool.ts";
export type { WebSocketConstructor, WebSocketLike } from "./net/websocket.ts";
export {
  createRallyClient,
  type DeliveryReport,
  Rally,
  type RallyOptions,
} from "./rallyClient.ts";
export * from "./store/keys.ts";
export * from "./store/store.ts";
