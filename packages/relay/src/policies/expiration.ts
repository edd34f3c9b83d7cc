/**
 * NIP-40: "Relays SHOULD drop any events that are published to them if they are expired"; a
 * malformed expiration tag is refused rather than guessed at.
 */
import { readExpiration, reason } from "@rally/protocol/nostr";
import type { RelayPolicy } from "./types.ts";

export function refuseExpired(): RelayPolicy {
  return {
    name: "nip40-expiration",
    rejectEvent(e, ctx) {
      const exp = readExpiration(e);
      if (!exp.ok) return reason("invalid", exp.error);
      if (exp.value !== undefined && exp.value <= ctx.now)
        return reason("invalid", "event has already expired");
      return undefined;
    },
  };
}
