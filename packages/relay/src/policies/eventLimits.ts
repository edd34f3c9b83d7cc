/** Size and clock policies for incoming events. */
import { reason } from "@rally/protocol/nostr";
import type { RelayPolicy } from "./types.ts";

/** Refuses events whose JSON is larger than `maxBytes`. */
export function maxEventSize(maxBytes: number): RelayPolicy {
  return {
    name: "max-event-size",
    rejectEvent: (_e, ctx) =>
      ctx.bytes > maxBytes
        ? reason("invalid", `event too large (${ctx.bytes} bytes; limit ${maxBytes})`)
        : undefined,
  };
}

/**
 * Refuses events dated more than `seconds` ahead of the relay's clock: allows for clock skew while
 * stopping events that would sort as "newest" for days (and win every replaceable tie-break).
 */
export function maxFutureCreatedAt(seconds: number): RelayPolicy {
  return {
    name: "max-future-created-at",
    rejectEvent: (e, ctx) =>
      e.created_at > ctx.now + seconds
        ? reason("invalid", `created_at is more than ${seconds} seconds in the future; check your clock`)
        : undefined,
  };
}
