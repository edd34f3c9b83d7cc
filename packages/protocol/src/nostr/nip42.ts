/**
 * NIP-42 client authentication: the relay sends `["AUTH", <challenge>]`, the client answers with a
 * signed kind-22242 event carrying `["relay", <url>]` and `["challenge", <challenge>]`.
 * https://github.com/nostr-protocol/nips/blob/master/42.md
 *
 * This module checks everything but the signature (see `verify.ts`): kind, challenge, relay URL and
 * that `created_at` is close to now ("the signed event created_at should be within ~10 minutes").
 */
import type { NostrEvent, UnsignedEvent } from "./event.ts";
import { firstTagValue } from "./event.ts";
import { KIND_CLIENT_AUTH } from "./kinds.ts";
import { err, ok, type Result } from "./result.ts";

export const AUTH_WINDOW_SECONDS = 600;

/**
 * `host[:port]` of a ws/wss/http/https URL, lowercased, default ports dropped, or undefined.
 * Written without `URL` (this package has no DOM or Node types).
 */
export function relayHost(url: string): string | undefined {
  const m = /^(wss?|https?):\/\/([^/?#]+)/i.exec(url.trim());
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  let host = m[2]!.toLowerCase();
  const hostPart = host.replace(/^[^@]*@/, "");
  host = hostPart;
  const secure = scheme === "wss" || scheme === "https";
  if (secure && host.endsWith(":443")) host = host.slice(0, -4);
  if (!secure && host.endsWith(":80")) host = host.slice(0, -3);
  return host;
}

export interface AuthCheck {
  challenge: string;
  /** Hosts (`host[:port]`) under which this relay is reached. */
  relayHosts: readonly string[];
  /** Unix seconds. */
  now: number;
  windowSeconds?: number;
}

/** Checks a NIP-42 auth event (signature excluded). */
export function checkAuthEvent(event: NostrEvent, check: AuthCheck): Result<NostrEvent> {
  if (event.kind !== KIND_CLIENT_AUTH) return err(`auth event must be kind ${KIND_CLIENT_AUTH}`);
  const window = check.windowSeconds ?? AUTH_WINDOW_SECONDS;
  if (Math.abs(event.created_at - check.now) > window) return err("auth event created_at is not recent");
  if (firstTagValue(event, "challenge") !== check.challenge)
    return err("auth event challenge does not match");
  const relay = firstTagValue(event, "relay");
  const host = relay === undefined ? undefined : relayHost(relay);
  if (host === undefined || !check.relayHosts.includes(host))
    return err("auth event relay tag does not name this relay");
  return ok(event);
}

/** The unsigned kind-22242 event a client signs to answer `challenge` from `relayUrl`. */
export function makeAuthEvent(
  pubkey: UnsignedEvent["pubkey"],
  relayUrl: string,
  challenge: string,
  now: number,
): UnsignedEvent {
  return {
    pubkey,
    kind: KIND_CLIENT_AUTH,
    created_at: now,
    tags: [
      ["relay", relayUrl],
      ["challenge", challenge],
    ],
    content: "",
  };
}
