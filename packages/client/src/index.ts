// Store port (adapters: `@rally/client/node` in Node, `@rally/client/browser` in browsers).

// Pure rules and helpers of the protocol that front ends need, passed on so that a UI imports only
// the client: time zones and wall-clock times (the same arithmetic as event times are stored with),
// what to tell a person about a time in a daylight-saving gap or overlap, and the RSVP rule.
// Pure pieces a node's public pages need (`rally serve`): NIP-52 events read as a page shows them,
// .ics feeds, NIP-19 names, and the wrap of an answer from someone without Rally (PROTOCOL.md §20).
export {
  addDays,
  type EventTime,
  eventEndsAt,
  isRsvpStatus,
  isValidTimeZone,
  type LocalDateTime,
  localTimeNoteOf,
  MAX_GUESTS,
  offsetSeconds,
  type ParsedCalendarEvent,
  parseCalendarEvent,
  RSVP_STATUSES,
  zonedParts,
  zonedToUnix,
} from "@rally/protocol/app";
export { calendarToIcs, type IcsEventSource } from "@rally/protocol/ics";
export { generateSecretKey, personFromSecretKey } from "@rally/protocol/identity";
export {
  decodeNaddr,
  decodeNpub,
  type Filter,
  KIND_DATE_EVENT,
  KIND_PROFILE,
  KIND_TIME_EVENT,
  type NostrEvent,
  naddrOf,
  npubOf,
  parseAddress,
  parseEvent,
  signEvent,
  verifyEventSignature,
} from "@rally/protocol/nostr";
export {
  answerWorkProblem,
  MarmotError,
  openPublicReply,
  PUBLIC_ANSWER_POW,
  type PublicAnswerStatus,
  wrapPublicAnswer,
} from "@rally/protocol/wire";
// The client's whole contract (api.ts): `RallyClient`, its views and `RallyError`. A client is made
// on each platform by its own entry point, kept out of this index so a bundle holds only its own
// platform's code: `createNodeClient` (`@rally/client/node`: SQLite, ws, Node's crypto) and
// `createBrowserClient` (`@rally/client/browser`: IndexedDB, Web Locks).
export * from "./api.ts";
// Pure: the disappearing-message timers on offer and their words ("1 day").
export { DISAPPEAR_CHOICES, disappearWords } from "./group/disappearing.ts";
// Pure: the order of what people wrote and of a chat history (messages of one second in the order
// they were sent), for a front end sorting or merging lists.
export { compareEntries, compareWritten, type HistoryLine, type Written } from "./group/historyOrder.ts";
// Pure: "20 minutes ahead" for a device clock the relays disagree with.
export { describeOffset } from "./net/clock.ts";
// The ports a host fills to assemble a client of its own (store, sockets).
export type { WebSocketConstructor, WebSocketLike } from "./net/websocket.ts";
export type * from "./store/store.ts";
