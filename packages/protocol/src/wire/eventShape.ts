/**
 * The wire formats' checks of received events: a signed event (id, pubkey, created_at, kind, tags,
 * content, sig) with its id and signature verified, or an unsigned rumor (NIP-59) checked by the one
 * rumor checker (nostr/rumor.ts) plus the wire's own rules; and the tag lookups with exact
 * cardinality that Marmot's transport rules require ("a receiver MUST NOT read only the first
 * matching tag").
 */

import type { EventFields, EventId, NostrEvent, PubkeyHex, SigHex } from "../nostr/event.ts";
import { checkRumorShape, NO_RUMOR_LIMITS, type Rumor } from "../nostr/rumor.ts";
import { isValidPubkey } from "../nostr/sign.ts";
import { verifyEventSignature } from "../nostr/verify.ts";
import { isHex64 } from "./bytes.ts";
import { fail } from "./errors.ts";

export type { Rumor };

/** Verifies an event's id and signature; the default for every `verify` option. */
export type VerifyEvent = (event: EventFields) => boolean;
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
    id: value.id as EventId,
    pubkey: value.pubkey as PubkeyHex,
    created_at: value.created_at as number,
    kind: value.kind as number,
    tags: (value.tags as string[][]).map((t) => [...t]),
    content: value.content as string,
    sig: value.sig as SigHex,
  };
  if (!verify(event)) fail("bad-signature", `The ${what}'s id or signature does not match its content.`);
  return event;
}

/** The wire's caps on a rumor: tags as for a signed event; sizes are bounded by each format's bytes. */
const WIRE_RUMOR_LIMITS = { ...NO_RUMOR_LIMITS, maxTags: MAX_TAGS };

/**
 * Checks an unsigned rumor: the one rumor checker (nostr/rumor.ts), plus the wire's rules: exactly
 * the six NIP-01 fields (a `sig` or any other member is refused, so a rumor can never be published
 * as a signed event) and an author that is a point on the curve (answers are encrypted to it).
 */
export function checkRumor(value: unknown, what: string): Rumor {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    if ("sig" in value) fail("malformed", `The ${what} is signed; it must travel unsigned.`);
    if (Object.keys(value).length !== 6)
      fail("malformed", `The ${what} has fields other than the six of an unsigned event.`);
  }
  const checked = checkRumorShape(value, { limits: WIRE_RUMOR_LIMITS, what });
  if (!checked.ok) {
    const message = `${checked.error.message[0]!.toUpperCase()}${checked.error.message.slice(1)}.`;
    return fail(checked.error.problem === "id" ? "bad-signature" : "malformed", message);
  }
  if (!isValidPubkey(checked.value.pubkey))
    fail("malformed", `The ${what}'s author is not a valid public key.`);
  return checked.value;
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
