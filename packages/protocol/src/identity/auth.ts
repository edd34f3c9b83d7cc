/**
 * NIP-42 client authentication: the kind 22242 event a client signs to answer a relay's
 * `["AUTH", <challenge>]`, with tags `relay` and `challenge` and empty content. Rally clients
 * authenticate with the person's key so a relay will hand over the gift wraps addressed to them
 * (and accept their NIP-70 protected key packages). `checkAuthEvent` is the relay-side check.
 */

import type { EventFields, EventTemplate, NostrEvent, PubkeyHex } from "../nostr/event.ts";
import { KIND_CLIENT_AUTH } from "../nostr/kinds.ts";
import { isValidPubkey, signEvent } from "../nostr/sign.ts";
import { nowSeconds } from "../nostr/time.ts";
import { verifyEventSignature } from "../nostr/verify.ts";
import { IdentityError } from "./errors.ts";

/** NIP-42 client authentication (the nostr layer's `KIND_CLIENT_AUTH`). */
export const KIND_AUTH = KIND_CLIENT_AUTH;
/** NIP-42: "created_at should be within ~10 minutes". */
export const AUTH_MAX_SKEW_SECONDS = 600;

/** The unsigned AUTH event for one relay and challenge. */
export function buildAuthEvent(input: { relayUrl: string; challenge: string; now?: number }): EventTemplate {
  if (typeof input.challenge !== "string" || input.challenge.length === 0 || input.challenge.length > 1024) {
    throw new IdentityError("bad-parameter", "The relay's AUTH challenge must be 1 to 1024 characters.");
  }
  if (typeof input.relayUrl !== "string" || !/^wss?:\/\/[^\s]+$/i.test(input.relayUrl)) {
    throw new IdentityError("bad-parameter", "The relay address must start with ws:// or wss://.");
  }
  return {
    kind: KIND_AUTH,
    created_at: input.now ?? nowSeconds(),
    tags: [
      ["relay", input.relayUrl],
      ["challenge", input.challenge],
    ],
    content: "",
  };
}

/** The signed AUTH event. */
export function signAuthEvent(input: {
  relayUrl: string;
  challenge: string;
  secretKey: Uint8Array;
  now?: number;
}): NostrEvent {
  return signEvent(buildAuthEvent(input), input.secretKey);
}

/**
 * Relay URLs compared as NIP-42 intends: scheme and host case-insensitive, a lone trailing slash
 * ignored, default ports (80 for ws, 443 for wss) dropped.
 */
export function normalizeRelayUrlForAuth(url: string): string {
  const m = /^(wss?):\/\/([^/?#]+)(.*)$/i.exec(url.trim());
  if (!m) return url.trim();
  const scheme = m[1]!.toLowerCase();
  let host = m[2]!.toLowerCase();
  if ((scheme === "ws" && host.endsWith(":80")) || (scheme === "wss" && host.endsWith(":443"))) {
    host = host.slice(0, host.lastIndexOf(":"));
  }
  const rest = m[3] === "/" ? "" : m[3]!;
  return `${scheme}://${host}${rest}`;
}

function singleTag(event: EventFields, name: string): string | undefined {
  const found = event.tags.filter((t) => t[0] === name);
  return found.length === 1 ? found[0]![1] : undefined;
}

/**
 * Checks an AUTH event against the challenge this relay sent and its own URL; returns the
 * authenticated pubkey or throws `bad-auth-event` saying what is wrong.
 */
export function checkAuthEvent(
  event: EventFields,
  expected: { relayUrl: string; challenge: string; now?: number; maxSkewSeconds?: number },
): PubkeyHex {
  const fail = (why: string): never => {
    throw new IdentityError("bad-auth-event", `This AUTH event is not valid: ${why}.`);
  };
  if (typeof event !== "object" || event === null || !Array.isArray(event.tags)) fail("it is not an event");
  if (event.kind !== KIND_AUTH) fail(`its kind is ${String(event.kind)}, not ${KIND_AUTH}`);
  if (!isValidPubkey(event.pubkey)) fail("its pubkey is not a valid key");
  if (!verifyEventSignature(event)) fail("its id or signature does not match");
  const now = expected.now ?? nowSeconds();
  const skew = expected.maxSkewSeconds ?? AUTH_MAX_SKEW_SECONDS;
  if (Math.abs(event.created_at - now) > skew) fail("its time is too far from now");
  if (singleTag(event, "challenge") !== expected.challenge) fail("it answers a different challenge");
  const relay = singleTag(event, "relay");
  if (
    relay === undefined ||
    normalizeRelayUrlForAuth(relay) !== normalizeRelayUrlForAuth(expected.relayUrl)
  ) {
    fail("it names a different relay");
  }
  return event.pubkey as PubkeyHex;
}
