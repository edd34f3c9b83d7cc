/**
 * NIP-01 event: the type, branded ids, shape validation of untrusted JSON, id computation and the
 * canonical JSON form.
 *
 * Spec: https://github.com/nostr-protocol/nips/blob/master/01.md ("Events and signatures").
 * Validation here is about shape only; `verify.ts` checks the id hash and the signature.
 */
import { getEventHash } from "nostr-tools/pure";
import { err, ok, type Result } from "./result.ts";

/** 32-byte lowercase hex sha256 of the serialized event. */
export type EventId = string & { readonly __brand: "EventId" };
/** 32-byte lowercase hex x-only secp256k1 public key. */
export type PubkeyHex = string & { readonly __brand: "PubkeyHex" };
/** 64-byte lowercase hex Schnorr signature. */
export type SigHex = string & { readonly __brand: "SigHex" };

/** A signed NIP-01 event with branded fields (a type literal, so it also reads as a plain record). */
export type NostrEvent = {
  id: EventId;
  pubkey: PubkeyHex;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
  sig: SigHex;
};

export type UnsignedEvent = Omit<NostrEvent, "id" | "sig">;

/** What a signer is given: the fields the author chooses (NIP-01). */
export type EventTemplate = Pick<NostrEvent, "kind" | "created_at" | "tags" | "content">;

/**
 * An event as a caller may hold it before any check: the seven NIP-01 fields as plain strings and
 * numbers (a `NostrEvent` is one; so is an event typed by another library).
 */
export type EventFields = {
  id: string;
  pubkey: string;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
  sig: string;
};

/** The largest kind NIP-01 allows ("kind: integer between 0 and 65535"). */
export const MAX_KIND = 65535;

export interface EventShapeLimits {
  /** Most tags an event may carry. */
  maxTags: number;
  /** Most elements in one tag. */
  maxTagElements: number;
}

export const DEFAULT_EVENT_SHAPE_LIMITS: EventShapeLimits = { maxTags: 2500, maxTagElements: 100 };

const HEX_LOWER = /^[0-9a-f]+$/;

/** True when `s` is lowercase hex of exactly `chars` characters. */
export function isLowerHex(s: unknown, chars: number): s is string {
  return typeof s === "string" && s.length === chars && HEX_LOWER.test(s);
}

/** A NIP-01 `created_at`: unix seconds, a non-negative safe integer. */
export function isUnixSeconds(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

export function isEventId(s: unknown): s is EventId {
  return isLowerHex(s, 64);
}

export function isPubkeyHex(s: unknown): s is PubkeyHex {
  return isLowerHex(s, 64);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks that an untrusted value has the shape of a signed NIP-01 event and returns a fresh object
 * holding only the NIP-01 fields (unknown fields are dropped, never stored or relayed).
 */
export function parseEvent(
  value: unknown,
  limits: EventShapeLimits = DEFAULT_EVENT_SHAPE_LIMITS,
): Result<NostrEvent> {
  if (!isRecord(value)) return err("event must be a JSON object");
  const { id, pubkey, created_at, kind, tags, content, sig } = value;
  if (!isEventId(id)) return err("id must be 64 lowercase hex characters");
  if (!isPubkeyHex(pubkey)) return err("pubkey must be 64 lowercase hex characters");
  if (!isLowerHex(sig, 128)) return err("sig must be 128 lowercase hex characters");
  if (!isUnixSeconds(created_at)) return err("created_at must be a non-negative integer (unix seconds)");
  if (typeof kind !== "number" || !Number.isInteger(kind) || kind < 0 || kind > MAX_KIND)
    return err(`kind must be an integer between 0 and ${MAX_KIND}`);
  if (typeof content !== "string") return err("content must be a string");
  if (!Array.isArray(tags)) return err("tags must be an array");
  if (tags.length > limits.maxTags) return err(`too many tags (${tags.length}; limit ${limits.maxTags})`);
  for (const tag of tags) {
    if (!Array.isArray(tag)) return err("each tag must be an array of strings");
    if (tag.length > limits.maxTagElements)
      return err(`a tag has too many elements (limit ${limits.maxTagElements})`);
    for (const item of tag) if (typeof item !== "string") return err("each tag must be an array of strings");
  }
  return ok({
    id,
    pubkey,
    created_at,
    kind,
    tags: tags as string[][],
    content,
    sig: sig as SigHex,
  });
}

/** NIP-01 id: sha256 of `[0, pubkey, created_at, kind, tags, content]` serialized as JSON. */
export function computeEventId(event: UnsignedEvent): EventId {
  return getEventHash(event) as EventId;
}

/**
 * A fresh object holding only the seven NIP-01 fields, in their fixed order (no cached marks, no
 * stray members): what is serialized, stored, sent and verified.
 */
export function eventFields<E extends EventFields>(event: E): Pick<E, keyof EventFields> {
  return {
    id: event.id,
    pubkey: event.pubkey,
    created_at: event.created_at,
    kind: event.kind,
    tags: event.tags,
    content: event.content,
    sig: event.sig,
  };
}

/** The event as JSON with the fields in a fixed order: what a relay stores and sends. */
export function eventToJson(event: NostrEvent): string {
  return JSON.stringify(eventFields(event));
}

/** Value of the first tag named `name` (its second element), if any. */
export function firstTagValue(event: Pick<NostrEvent, "tags">, name: string): string | undefined {
  for (const tag of event.tags) if (tag[0] === name && tag.length > 1) return tag[1];
  return undefined;
}

/** Values of every tag named `name` (their second elements). */
export function tagValues(event: Pick<NostrEvent, "tags">, name: string): string[] {
  const out: string[] = [];
  for (const tag of event.tags) if (tag[0] === name && tag[1] !== undefined) out.push(tag[1]);
  return out;
}
