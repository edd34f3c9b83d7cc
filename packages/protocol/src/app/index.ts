/**
 * Group application state: the inner messages of a group (chat, calendar events, RSVPs, polls),
 * their builders and parsers, sealed hosts-only answers, the order-independent reducer and the views
 * the client shows. Pure: no I/O, no clock (time is always a parameter).
 */

export * from "./calendar.ts";
export * from "./chat.ts";
export * from "./context.ts";
export * from "./kinds.ts";
export * from "./names.ts";
export * from "./order.ts";
export * from "./places.ts";
export * from "./poll.ts";
export * from "./publicFace.ts";
export * from "./recurrence.ts";
export { type ReduceOptions, reduceGroup } from "./reducer.ts";
export * from "./rsvp.ts";
export * from "./rumor.ts";
export * from "./seal.ts";
export type * from "./state.ts";
export * from "./text.ts";
export * from "./time.ts";
export * from "./views.ts";
export * from "./waitlist.ts";
