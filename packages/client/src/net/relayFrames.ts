/**
 * NIP-01 relay-to-client frames, parsed defensively: a relay is untrusted, so anything that is not
 * exactly one of the frames below comes back as a reason to drop it, never as an exception.
 * The parsing itself is the protocol's (`parseRelayMessage`, `parseEvent`); this module adds the
 * client's own policy on top: a character cap checked before any parsing, no tag-count caps on
 * events (other relays may carry events Rally's relay would refuse), and short messages.
 * Also NIP-01's machine-readable prefixes of `OK`/`CLOSED` messages, and NIP-42's `AUTH`.
 *
 * Runs in: Node and browsers (pure).
 */
import {
  type EventShapeLimits,
  parseEvent,
  parseRelayMessage,
  type ReasonPrefix,
  type RelayMessage,
  reasonPrefix,
} from "@rally/protocol/nostr";
import type { NostrEvent } from "nostr-tools/core";

export type RelayFrame = RelayMessage;

export type ParsedFrame = { ok: true; frame: RelayFrame } | { ok: false; reason: string };

/** Default cap on one incoming frame; larger ones are dropped unparsed (memory safety). */
export const MAX_FRAME_CHARS = 4 * 1024 * 1024;

/** Messages and challenges are shown or signed, never trusted: keep them short. */
const MAX_MESSAGE = 2048;

/** The frame cap already bounds an event's size; the client refuses none for its tag count. */
const UNCAPPED_TAGS: EventShapeLimits = {
  maxTags: Number.POSITIVE_INFINITY,
  maxTagElements: Number.POSITIVE_INFINITY,
};

function fail(reason: string): ParsedFrame {
  return { ok: false, reason };
}

/** The event's shape per NIP-01 (not its id or signature: see `verifyEvent`), or why not. */
export function checkEventShape(x: unknown): { ok: true; event: NostrEvent } | { ok: false; reason: string } {
  const r = parseEvent(x, UNCAPPED_TAGS);
  return r.ok ? { ok: true, event: r.value } : { ok: false, reason: `event ${r.error}` };
}

/** Parses one text frame from a relay. */
export function parseRelayFrame(data: unknown, maxChars: number = MAX_FRAME_CHARS): ParsedFrame {
  if (typeof data !== "string") return fail("binary frame");
  if (data.length > maxChars) return fail(`frame of ${data.length} characters is over the ${maxChars} limit`);
  // The character cap above already bounds the frame, so no second (byte) cap.
  const r = parseRelayMessage(data, Number.POSITIVE_INFINITY, UNCAPPED_TAGS);
  if (!r.ok) return fail(r.error);
  const frame = r.value;
  switch (frame.type) {
    case "OK":
    case "CLOSED":
    case "NOTICE":
      return { ok: true, frame: { ...frame, message: frame.message.slice(0, MAX_MESSAGE) } };
    case "AUTH":
      return frame.challenge.length > MAX_MESSAGE ? fail("AUTH frame is malformed") : { ok: true, frame };
    default:
      return { ok: true, frame };
  }
}

/** NIP-01 machine-readable prefixes of OK and CLOSED messages; `""` when there is none. */
export type MessagePrefix = ReasonPrefix | "";

export function messagePrefix(message: string): MessagePrefix {
  return reasonPrefix(message) ?? "";
}

export function reqFrame(subId: string, filters: readonly object[]): string {
  return JSON.stringify(["REQ", subId, ...filters]);
}
export function closeFrame(subId: string): string {
  return JSON.stringify(["CLOSE", subId]);
}
export function eventFrame(event: NostrEvent): string {
  return JSON.stringify(["EVENT", event]);
}
export function authFrame(event: NostrEvent): string {
  return JSON.stringify(["AUTH", event]);
}
