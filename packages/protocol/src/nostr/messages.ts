/**
 * NIP-01 messages (frames) in both directions: parsing untrusted JSON text into typed messages with
 * size caps, and serializing. Also NIP-42 `AUTH` and NIP-45 `COUNT`.
 *
 * Spec: https://github.com/nostr-protocol/nips/blob/master/01.md ("Communication between clients
 * and relays"). Client to relay: EVENT, REQ, CLOSE (+ AUTH, COUNT). Relay to client: EVENT, OK,
 * EOSE, CLOSED, NOTICE (+ AUTH, COUNT). Machine-readable reasons start with a standard prefix.
 */
import {
  DEFAULT_EVENT_SHAPE_LIMITS,
  type EventId,
  type EventShapeLimits,
  isEventId,
  type NostrEvent,
  parseEvent,
} from "./event.ts";
import { DEFAULT_FILTER_LIMITS, type Filter, type FilterLimits, parseFilter } from "./filter.ts";
import { err, ok, type Result } from "./result.ts";
import { utf8ByteLength } from "./utf8.ts";

/** NIP-01 / NIP-42 machine-readable prefixes of OK and CLOSED messages. */
export type ReasonPrefix =
  | "duplicate"
  | "pow"
  | "blocked"
  | "rate-limited"
  | "invalid"
  | "restricted"
  | "mute"
  | "error"
  | "auth-required"
  /** strfry's answer to an older replaceable or addressable event when a newer one is stored. */
  | "replaced";

/** `"<prefix>: <text>"`, the form NIP-01 asks for. */
export const reason = (prefix: ReasonPrefix, text: string): string => `${prefix}: ${text}`;

/** The prefix of a reason string, if it has a standard one. */
export function reasonPrefix(message: string): ReasonPrefix | undefined {
  const i = message.indexOf(":");
  if (i < 0) return undefined;
  const p = message.slice(0, i);
  const known: readonly string[] = [
    "duplicate",
    "pow",
    "blocked",
    "rate-limited",
    "invalid",
    "restricted",
    "mute",
    "error",
    "auth-required",
    "replaced",
  ];
  return known.includes(p) ? (p as ReasonPrefix) : undefined;
}

export type ClientMessage =
  | { type: "EVENT"; event: NostrEvent }
  | { type: "REQ"; subId: string; filters: Filter[] }
  | { type: "COUNT"; subId: string; filters: Filter[] }
  | { type: "CLOSE"; subId: string }
  | { type: "AUTH"; event: NostrEvent };

/**
 * Why a client message was refused, with what is known of it so the relay can answer in kind:
 * `OK false` when an event id is known, `CLOSED` when a subscription id is, `NOTICE` otherwise.
 */
export interface ClientMessageError {
  /** A NIP-01 reason with its prefix, e.g. `invalid: kind must be an integer`. */
  reason: string;
  type?: ClientMessage["type"];
  eventId?: EventId;
  subId?: string;
}

export interface ClientMessageLimits {
  /** Largest message in UTF-8 bytes. */
  maxMessageBytes: number;
  /** NIP-01: "an arbitrary, non-empty string of max length 64 chars". */
  maxSubIdLength: number;
  /** Most filters in one REQ or COUNT. */
  maxFilters: number;
  filter: FilterLimits;
  event: EventShapeLimits;
}

export const DEFAULT_CLIENT_MESSAGE_LIMITS: ClientMessageLimits = {
  maxMessageBytes: 256 * 1024,
  maxSubIdLength: 64,
  maxFilters: 20,
  filter: DEFAULT_FILTER_LIMITS,
  event: DEFAULT_EVENT_SHAPE_LIMITS,
};

function contextOf(arr: unknown[]): Omit<ClientMessageError, "reason"> {
  const type = arr[0];
  if (type === "EVENT" || type === "AUTH") {
    const e = arr[1];
    const id = typeof e === "object" && e !== null ? (e as { id?: unknown }).id : undefined;
    return isEventId(id) ? { type, eventId: id } : { type };
  }
  if (type === "REQ" || type === "COUNT" || type === "CLOSE") {
    // Any string id is echoed, over-long ones too: NIP-01 "CLOSED messages MUST be sent in response
    // to a REQ when the relay refuses to fulfill it", and the client knows the id it sent.
    const subId = arr[1];
    return typeof subId === "string" && subId.length > 0 ? { type, subId } : { type };
  }
  return {};
}

function fail(arr: unknown[] | undefined, text: string): { ok: false; error: ClientMessageError } {
  return err({ reason: reason("invalid", text), ...(arr ? contextOf(arr) : {}) });
}

/**
 * Parses one client-to-relay message. `byteLength` is the frame size when the caller knows it (a
 * socket does); otherwise it is computed. An oversized message is still parsed, to answer it with
 * its event or subscription id, so callers must bound what they pass (a socket's payload cap).
 */
export function parseClientMessage(
  text: string,
  limits: ClientMessageLimits = DEFAULT_CLIENT_MESSAGE_LIMITS,
  byteLength: number = utf8ByteLength(text),
): Result<ClientMessage, ClientMessageError> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(undefined, "message is not valid JSON");
  }
  if (!Array.isArray(json) || json.length === 0 || typeof json[0] !== "string")
    return fail(undefined, 'message must be a JSON array starting with a type such as "EVENT" or "REQ"');
  const arr: unknown[] = json;
  if (byteLength > limits.maxMessageBytes)
    return fail(arr, `message too large (${byteLength} bytes; limit ${limits.maxMessageBytes})`);
  const type = arr[0];
  switch (type) {
    case "EVENT":
    case "AUTH": {
      if (arr.length !== 2) return fail(arr, `${type} takes exactly one event`);
      const ev = parseEvent(arr[1], limits.event);
      if (!ev.ok) return fail(arr, ev.error);
      return ok({ type, event: ev.value });
    }
    case "REQ":
    case "COUNT": {
      const subId = arr[1];
      const bad = checkSubId(subId, limits);
      if (bad) return fail(arr, bad);
      const raw = arr.slice(2);
      if (raw.length > limits.maxFilters)
        return fail(arr, `too many filters (${raw.length}; limit ${limits.maxFilters})`);
      const filters: Filter[] = [];
      for (const f of raw) {
        const r = parseFilter(f, limits.filter);
        if (!r.ok) return fail(arr, r.error);
        filters.push(r.value);
      }
      return ok({ type, subId: subId as string, filters });
    }
    case "CLOSE": {
      const bad = checkSubId(arr[1], limits);
      if (bad) return fail(arr, bad);
      if (arr.length !== 2) return fail(arr, "CLOSE takes exactly one subscription id");
      return ok({ type, subId: arr[1] as string });
    }
    default:
      return fail(undefined, `unknown message type ${JSON.stringify(String(type).slice(0, 16))}`);
  }
}

function checkSubId(subId: unknown, limits: ClientMessageLimits): string | undefined {
  if (typeof subId !== "string" || subId.length === 0) return "subscription id must be a non-empty string";
  if (subId.length > limits.maxSubIdLength)
    return `subscription id longer than ${limits.maxSubIdLength} characters`;
  return undefined;
}

export type RelayMessage =
  | { type: "EVENT"; subId: string; event: NostrEvent }
  | { type: "OK"; eventId: EventId; ok: boolean; message: string }
  | { type: "EOSE"; subId: string }
  | { type: "CLOSED"; subId: string; message: string }
  | { type: "NOTICE"; message: string }
  | { type: "AUTH"; challenge: string }
  | { type: "COUNT"; subId: string; count: number; approximate?: boolean };

/** NIP-01: a subscription id is "an arbitrary, non-empty string of max length 64 chars". */
const MAX_SUB_ID_LENGTH = DEFAULT_CLIENT_MESSAGE_LIMITS.maxSubIdLength;

function isSubId(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_SUB_ID_LENGTH;
}

/**
 * Parses one relay-to-client message (what a client receives). A relay is untrusted, so anything
 * that is not exactly one of the NIP-01 shapes is refused with a reason, never thrown: the element
 * counts, subscription ids and field types are checked as the spec writes them.
 */
export function parseRelayMessage(
  text: string,
  maxBytes: number = 4 * 1024 * 1024,
  eventLimits: EventShapeLimits = DEFAULT_EVENT_SHAPE_LIMITS,
): Result<RelayMessage> {
  // A UTF-16 length above the cap is surely too many bytes; below a third of it surely not.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && utf8ByteLength(text) > maxBytes))
    return err(`relay message too large (limit ${maxBytes} bytes)`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return err("relay message is not JSON");
  }
  if (!Array.isArray(json) || typeof json[0] !== "string")
    return err("relay message is not an array starting with a type");
  const [type, a, b, c] = json as unknown[];
  const n = json.length;
  switch (type) {
    case "EVENT": {
      if (n !== 3) return err("EVENT message must have 3 elements");
      if (!isSubId(a)) return err("EVENT message has a bad subscription id");
      const ev = parseEvent(b, eventLimits);
      return ev.ok ? ok({ type, subId: a, event: ev.value }) : err(`EVENT message: ${ev.error}`);
    }
    case "OK":
      if (n !== 4) return err("OK message must have 4 elements");
      if (!isEventId(a)) return err("OK message has a bad event id");
      if (typeof b !== "boolean") return err("OK message status is not a boolean");
      if (typeof c !== "string") return err("OK message text is not a string");
      return ok({ type, eventId: a, ok: b, message: c });
    case "EOSE":
      return n === 2 && isSubId(a) ? ok({ type, subId: a }) : err("EOSE message is malformed");
    case "CLOSED":
      // The text is required by NIP-01 but some relays omit it; an empty one loses nothing.
      if (n > 3 || !isSubId(a)) return err("CLOSED message is malformed");
      if (b !== undefined && typeof b !== "string") return err("CLOSED message text is not a string");
      return ok({ type, subId: a, message: b ?? "" });
    case "NOTICE":
      return n === 2 && typeof a === "string" ? ok({ type, message: a }) : err("NOTICE message is malformed");
    case "AUTH":
      return n === 2 && typeof a === "string" && a.length > 0
        ? ok({ type, challenge: a })
        : err("AUTH message is malformed");
    case "COUNT": {
      const body = b as { count?: unknown; approximate?: unknown } | null;
      if (n !== 3 || !isSubId(a) || typeof body !== "object" || body === null)
        return err("COUNT message is malformed");
      const { count, approximate } = body;
      if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0)
        return err("COUNT message is malformed");
      return ok({ type, subId: a, count, ...(typeof approximate === "boolean" ? { approximate } : {}) });
    }
    default:
      return err(`unknown relay message type ${JSON.stringify(String(type).slice(0, 16))}`);
  }
}

/** Serializes a client-to-relay message. */
export function serializeClientMessage(m: ClientMessage): string {
  switch (m.type) {
    case "EVENT":
    case "AUTH":
      return JSON.stringify([m.type, m.event]);
    case "REQ":
    case "COUNT":
      return JSON.stringify([m.type, m.subId, ...m.filters]);
    case "CLOSE":
      return JSON.stringify([m.type, m.subId]);
  }
}

/** Serializes a relay-to-client message. */
export function serializeRelayMessage(m: RelayMessage): string {
  switch (m.type) {
    case "EVENT":
      return JSON.stringify([m.type, m.subId, m.event]);
    case "OK":
      return JSON.stringify([m.type, m.eventId, m.ok, m.message]);
    case "EOSE":
      return JSON.stringify([m.type, m.subId]);
    case "CLOSED":
      return JSON.stringify([m.type, m.subId, m.message]);
    case "NOTICE":
      return JSON.stringify([m.type, m.message]);
    case "AUTH":
      return JSON.stringify([m.type, m.challenge]);
    case "COUNT":
      return JSON.stringify([
        m.type,
        m.subId,
        m.approximate === undefined ? { count: m.count } : { count: m.count, approximate: m.approximate },
      ]);
  }
}

/**
 * `["EVENT", subId, <event>]` from an event already serialized as JSON: a relay sends stored or
 * fanned-out events without parsing and re-serializing them.
 */
export function eventMessageFromJson(subId: string, eventJson: string): string {
  return `["EVENT",${JSON.stringify(subId)},${eventJson}]`;
}
