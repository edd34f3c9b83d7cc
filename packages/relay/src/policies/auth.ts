/** NIP-42 policies: optionally require authentication for everything; keep AUTH events out of EVENT. */
import { KIND_CLIENT_AUTH, reason } from "@rally/protocol/nostr";
import type { RelayPolicy } from "./types.ts";

/** Every EVENT, REQ and COUNT needs an authenticated connection. */
export function requireAuth(): RelayPolicy {
  const why = reason("auth-required", "this relay serves only authenticated clients");
  return {
    name: "require-auth",
    rejectEvent: (_e, ctx) => (ctx.authed.size === 0 ? why : undefined),
    checkFilter: (_f, ctx) => (ctx.authed.size === 0 ? { reject: why } : undefined),
  };
}

/** NIP-42: "relays MUST exclude kind 22242 events from being broadcasted to any client". */
export function refuseAuthEvents(): RelayPolicy {
  return {
    name: "no-auth-events",
    rejectEvent: (e) =>
      e.kind === KIND_CLIENT_AUTH ? reason("invalid", "kind 22242 is sent with AUTH, not EVENT") : undefined,
  };
}
