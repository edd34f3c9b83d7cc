/**
 * NIP-01 shape checks shared by the wire formats: a signed event (id, pubkey, created_at, kind,
 * tags, content, sig) or an unsigned rumor (the same without sig, NIP-59), every field of the
 * right type and form, and the tag lookups with exact cardinality that Marmot's transport rules
 * require ("a receiver MUST NOT read only the first matching tag").
 */

import { getEventHash, type NostrEvent } from "nostr-tools/pure";
import type { PubkeyHex } from "../nostr/event.ts";
import { isValidPubkey } from "../nostr/sign.ts";
import { verifyEventSignature } from "../nostr/verify.ts";
import { isHex64 } from "./bytes.ts";
import { fail } from "./errors.ts";

/** An unsigned Nostr event with its NIP-01 id (NIP-59 "rumor"). */
export interface Rumor {
  id: string;
  pubkey: PubkeyHex;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
}

/** Verifies an event's id and signature; the default for every `verify` option. */
export type VerifyEvent = (event: NostrEvent) => boolean;
export const defaultVerify: VerifyEvent = verifyEventSignature;

const SIG = /^[0-9a-f]{128}$/;
const MAX_TIMESTAMP = 2 ** 53 - 1;
const MAX_TAGS = 2000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkCommon(o: Record<string, unknown>, what: string): void {
  if (typeof o.pubkey !== "string" || !isValidPubkey(o.pubkey))
    fail("malformed", `The ${what} has no valid pubkey.`);
  if (!isHex64(o.id)) fail("malformed", `The ${what} has no valid id.`);
  const t = o.created_at;
  if (typeof t !== "number" || !Number.isInteger(t) || t < 0 || t > MAX_TIMESTAMP) {
    fail("malformed", `The ${what} has no valid created_at.`);
  }
  if (typeof o.kind !== "number" || !Number.isInteger(o.kind) || o.kind < 0 || o.kind > 65535) {
    fail("malformed", `The ${what} has no valid kind.`);
  }
  if (typeof o.content !== "string") fail("malformed", `The ${what} has no text content.`);
  if (!Array.isArray(o.tags) || o.tags.length > MAX_TAGS) fail("malformed", `The ${what} has no valid tags.`);
  for (const tag of o.tags as unknown[]) {
    if (!Array.isArray(tag) || tag.length === 0 || !tag.every((v) => typeof v === "string")) {
      fail("malformed", `The ${what} has a tag that is not a list of strings.`);
    }
  }
}

/**
 * Checks the shape of a signed event of `kind`, then its id and signature. Returns a clean copy
 * holding only the NIP-01 fields.
 */
export function checkSignedEvent(
  value: unknown,
  kind: number,
  what: string,
  verify: VerifyEvent = defaultVerify,
): NostrEvent {
  if (!isRecord(value)) return fail("malformed", `The ${what} is not a Nostr event.`);
  checkCommon(value, what);
  if (typeof value.sig !== "string" || !SIG.test(value.sig))
    fail("malformed", `The ${what} has no valid signature.`);
  if (value.kind !== kind)
    fail("wrong-kind", `Expected a kind ${kind} ${what}, got kind ${String(value.kind)}.`);
  const event: NostrEvent = {
    id: value.id as string,
    pubkey: value.pubkey as string,
    created_at: value.created_at as number,
    kind: value.kind as number,
    tags: (value.tags as string[][]).map((t) => [...t]),
    content: value.content as string,
    sig: value.sig as string,
  };
  if (!verify(event)) fail("bad-signature", `The ${what}'s id or signature does not match its content.`);
  return event;
}

/**
 * Checks an unsigned rumor: exactly the six NIP-01 fields (a `sig` or any other member is refused,
 * so a rumor can never be published as a signed event) and an id that is the NIP-01 hash.
 */
export function checkRumor(value: unknown, what: string): Rumor {
  if (!isRecord(value)) return fail("malformed", `The ${what} is not a Nostr event.`);
  const keys = Object.keys(value);
  if ("sig" in value) fail("malformed", `The ${what} is signed; it must travel unsigned.`);
  if (keys.length !== 6) fail("malformed", `The ${what} has fields other than the six of an unsigned event.`);
  checkCommon(value, what);
  const rumor: Rumor = {
    id: value.id as string,
    pubkey: value.pubkey as PubkeyHex,
    created_at: value.created_at as number,
    kind: value.kind as number,
    tags: (value.tags as string[][]).map((t) => [...t]),
    content: value.content as string,
  };
  if (getEventHash(rumor) !== rumor.id)
    fail("bad-signature", `The ${what}'s id is not the hash of its content.`);
  return rumor;
}

/** All tags named `name`. */
export function tagsNamed(tags: string[][], name: string): string[][] {
  return tags.filter((t) => t[0] === name);
}

/** The one tag named `name` with exactly one value; throws `bad-tag` if absent, repeated or wider. */
export function singleValueTag(tags: string[][], name: string, what: string): string {
  const found = tagsNamed(tags, name);
  if (found.length !== 1) fail("bad-tag", `The ${what} must have exactly one "${name}" tag.`);
  const tag = found[0]!;
  if (tag.length !== 2) fail("bad-tag", `The ${what}'s "${name}" tag must have exactly one value.`);
  return tag[1]!;
}

/** Like `singleValueTag`, but absent is allowed (returns undefined). */
export function optionalValueTag(tags: string[][], name: string, what: string): string | undefined {
  return tagsNamed(tags, name).length === 0 ? undefined : singleValueTag(tags, name, what);
}

/** The values of the one tag named `name` (a list tag); throws `bad-tag` if absent or repeated. */
export function listTag(tags: string[][], name: string, what: string, min = 1): string[] {
  const found = tagsNamed(tags, name);
  if (found.length !== 1) fail("bad-tag", `The ${what} must have exactly one "${name}" tag.`);
  const values = found[0]!.slice(1);
  if (values.length < min) fail("bad-tag", `The ${what}'s "${name}" tag must have at least ${min} value(s).`);
  if (new Set(values).size !== values.length) fail("bad-tag", `The ${what}'s "${name}" tag repeats a value.`);
  return values;
}
