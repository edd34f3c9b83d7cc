/**
 * NIP-01 relay-to-client frames, parsed defensively: a relay is untrusted, so anything that is not
 * exactly one of the frames below comes back as a reason to drop it, never as an exception.
 * Also NIP-01's machine-readable prefixes of `OK`/`CLOSED` messages, and NIP-42's `AUTH`.
 *
 * Runs in: Node and browsers (pure).
 */
import type { NostrEvent } from "nostr-tools/core";

export type RelayFrame =
  | { type: "EVENT"; subId: string; event: NostrEvent }
  | { type: "OK"; eventId: string; ok: boolean; message: string }
  | { type: "EOSE"; subId: string }
  | { type: "CLOSED"; subId: string; message: string }
  | { type: "NOTICE"; message: string }
  | { type: "AUTH"; challenge: string }
  | { type: "COUNT"; subId: string; count: number };

export type ParsedFrame = { ok: true; frame: RelayFrame } | { ok: false; reason: string };

/** Default cap on one incoming frame; larger ones are dropped unparsed (memory safety). */
export const MAX_FRAME_CHARS = 4 * 1024 * 1024;

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
/** NIP-01 leaves sub ids free-form up to 64 characters. */
const MAX_SUB_ID = 64;
/** Messages and challenges are shown or signed, never trusted: keep them short. */
const MAX_MESSAGE = 2048;

function fail(reason: string): ParsedFrame {
  return { ok: false, reason };
}

function isSubId(x: unknown): x is string {
  return typeof x === "string" && x.length > 0 && x.length <= MAX_SUB_ID;
}

/** The event's shape per NIP-01 (not its id or signature: see `verifyEvent`), or why not. */
export function checkEventShape(x: unknown): { ok: true; event: NostrEvent } | { ok: false; reason: string } {
  if (typeof x !== "object" || x === null || Array.isArray(x))
    return { ok: false, reason: "event is not an object" };
  const e = x as Record<string, unknown>;
  if (typeof e.id !== "string" || !HEX64.test(e.id)) return { ok: false, reason: "event id is not 64 hex" };
  if (typeof e.pubkey !== "string" || !HEX64.test(e.pubkey))
    return { ok: false, reason: "event pubkey is not 64 hex" };
  if (typeof e.sig !== "string" || !HEX128.test(e.sig))
    return { ok: false, reason: "event sig is not 128 hex" };
  if (typeof e.kind !== "number" || !Number.isInteger(e.kind) || e.kind < 0 || e.kind > 65535) {
    return { ok: false, reason: "event kind is not an integer 0..65535" };
  }
  if (typeof e.created_at !== "number" || !Number.isSafeInteger(e.created_at) || e.created_at < 0) {
    return { ok: false, reason: "event created_at is not a non-negative integer" };
  }
  if (typeof e.content !== "string") return { ok: false, reason: "event content is not a string" };
  if (!Array.isArray(e.tags)) return { ok: false, reason: "event tags is not an array" };
  for (const tag of e.tags) {
    if (!Array.isArray(tag) || !tag.every((v) => typeof v === "string")) {
      return { ok: false, reason: "event tag is not an array of strings" };
    }
  }
  const event: NostrEvent = {
    id: e.id,
    pubkey: e.pubkey,
    sig: e.sig,
    kind: e.kind,
    created_at: e.created_at,
    content: e.content,
    tags: e.tags as string[][],
  };
  return { ok: true, event };
}

/** Parses one text frame from a relay. */
export function parseRelayFrame(data: unknown, maxChars: number = MAX_FRAME_CHARS): ParsedFrame {
  if (typeof data !== "string") return fail("binary frame");
  if (data.length > maxChars) return fail(`frame of ${data.length} characters is over the ${maxChars} limit`);
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return fail("frame is not JSON");
  }
  if (!Array.isArray(msg) || msg.length === 0 || typeof msg[0] !== "string") {
    return fail("frame is not an array starting with a type");
  }
  const [type, a, b, c] = msg as unknown[];
  switch (type) {
    case "EVENT": {
      if (msg.length !== 3) return fail("EVENT frame must have 3 elements");
      if (!isSubId(a)) return fail("EVENT frame has a bad subscription id");
      const shape = checkEventShape(b);
      if (!shape.ok) return fail(`EVENT frame: ${shape.reason}`);
      return { ok: true, frame: { type, subId: a, event: shape.event } };
    }
    case "OK": {
      if (msg.length !== 4) return fail("OK frame must have 4 elements");
      if (typeof a !== "string" || !HEX64.test(a)) return fail("OK frame has a bad event id");
      if (typeof b !== "boolean") return fail("OK frame status is not a boolean");
      if (typeof c !== "string") return fail("OK frame message is not a string");
      return { ok: true, frame: { type, eventId: a, ok: b, message: c.slice(0, MAX_MESSAGE) } };
    }
    case "EOSE": {
      if (msg.length !== 2 || !isSubId(a)) return fail("EOSE frame is malformed");
      return { ok: true, frame: { type, subId: a } };
    }
    case "CLOSED": {
      // The message is required by NIP-01 but some relays omit it; an empty one loses nothing.
      if (msg.length < 2 || msg.length > 3 || !isSubId(a)) return fail("CLOSED frame is malformed");
      if (b !== undefined && typeof b !== "string") return fail("CLOSED frame message is not a string");
      return { ok: true, frame: { type, subId: a, message: (b ?? "").slice(0, MAX_MESSAGE) } };
    }
    case "NOTICE": {
      if (msg.length !== 2 || typeof a !== "string") return fail("NOTICE frame is malformed");
      return { ok: true, frame: { type, message: a.slice(0, MAX_MESSAGE) } };
    }
    case "AUTH": {
      if (msg.length !== 2 || typeof a !== "string" || a.length === 0 || a.length > MAX_MESSAGE) {
        return fail("AUTH frame is malformed");
      }
      return { ok: true, frame: { type, challenge: a } };
    }
    case "COUNT": {
      if (msg.length !== 3 || !isSubId(a)) return fail("COUNT frame is malformed");
      const count = (b as { count?: unknown } | null)?.count;
      if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0)
        return fail("COUNT frame is malformed");
      return { ok: true, frame: { type, subId: a, count } };
    }
    default:
      return fail(`unknown frame type ${JSON.stringify(type).slice(0, 40)}`);
  }
}

/** NIP-01 machine-readable prefixes of OK and CLOSED messages. */
export type MessagePrefix =
  | "duplicate"
  | "pow"
  | "blocked"
  | "rate-limited"
  | "invalid"
  | "restricted"
  | "mute"
  | "auth-required"
  | "error"
  | "";

const PREFIXES: readonly MessagePrefix[] = [
  "duplicate",
  "pow",
  "blocked",
  "rate-limited",
  "invalid",
  "restricted",
  "mute",
  "auth-required",
  "error",
];

export function messagePrefix(message: string): MessagePrefix {
  const i = message.indexOf(":");
  if (i <= 0) return "";
  const p = message.slice(0, i) as MessagePrefix;
  return PREFIXES.includes(p) ? p : "";
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
