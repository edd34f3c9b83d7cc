/**
 * NIP-70 protected events: an event tagged `["-"]` is accepted only from its author, authenticated
 * with NIP-42. Not authenticated: `auth-required:` (the client can AUTH and retry); authenticated as
 * someone else: `restricted:`.
 */
import { isProtected, reason } from "@rally/protocol/nostr";
import type { RelayPolicy } from "./types.ts";

export function protectedEvents(): RelayPolicy {
  return {
    name: "nip70-protected",
    rejectEvent(e, ctx) {
      if (!isProtected(e)) return undefined;
      if (ctx.authed.size === 0)
        return reason("auth-required", "this event may only be published by its author");
      if (!ctx.authed.has(e.pubkey))
        return reason("restricted", "this event may only be published by its author");
      return undefined;
    },
  };
}
