/**
 * Rumors (NIP-59): unsigned events, the six NIP-01 fields with an `id` that is the NIP-01 hash and
 * no `sig`. Every inner message of a group, every welcome and every join request is one. This is the
 * one rumor type and the one checker: the wire formats (`wire/`) and the application layer (`app/`)
 * both call `checkRumorShape`, each with its own size limits, and add only their own rules on top
 * (the wire: exactly six fields and an author that is a point on the curve, since a rumor on the
 * wire must never be publishable and is answered by encrypting to its author).
 */

import { getEventHash } from "nostr-tools/pure";
import { isLowerHex, isPubkeyHex, isUnixSeconds, MAX_KIND, type PubkeyHex } from "./event.ts";
import { err, ok, type Result } from "./result.ts";

/** An unsigned Nostr event with its NIP-01 id (NIP-59 "rumor"). */
export type Rumor = {
  id: string;
  pubkey: PubkeyHex;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
};

/** Size caps a layer puts on the rumors it reads (`Infinity` for none). */
export interface RumorLimits {
  /** Most characters (UTF-16 code units) in `content`. */
  maxContentLength: number;
  /** Most tags. */
  maxTags: number;
  /** Most items in one tag, its name included. */
  maxTagItems: number;
  /** Most characters in one tag item. */
  maxTagItemLength: number;
}

export const NO_RUMOR_LIMITS: RumorLimits = {
  maxContentLength: Number.POSITIVE_INFINITY,
  maxTags: Number.POSITIVE_INFINITY,
  maxTagItems: Number.POSITIVE_INFINITY,
  maxTagItemLength: Number.POSITIVE_INFINITY,
};

/** Why a rumor was refused: its shape, or an id that is not the hash of its content. */
export interface RumorRefusal {
  problem: "shape" | "id";
  /** Plain words, starting with `what` (e.g. "rumor id must be 64 lowercase hex characters"). */
  message: string;
}

export interface CheckRumorOptions {
  limits?: RumorLimits;
  /** False skips the hash, for rumors whose id the caller has just checked itself. */
  checkId?: boolean;
  /** How messages name the rumor ("rumor", "message", "welcome"…). */
  what?: string;
}

/**
 * Checks that an unknown value is a well-formed rumor whose id is its NIP-01 hash, within `limits`.
 * Returns a fresh copy holding only the six rumor fields; members beyond the six (a `sig`
 * included) are not read, and a caller that must refuse them does so itself. Never throws.
 */
export function checkRumorShape(
  value: unknown,
  options: CheckRumorOptions = {},
): Result<Rumor, RumorRefusal> {
  const what = options.what ?? "rumor";
  const limits = options.limits ?? NO_RUMOR_LIMITS;
  const shape = (message: string) => err<RumorRefusal>({ problem: "shape", message: `${what} ${message}` });
  if (typeof value !== "object" || value === null || Array.isArray(value)) return shape("is not an object");
  const v = value as Record<string, unknown>;
  if (!isLowerHex(v.id, 64)) return shape("id must be 64 lowercase hex characters");
  if (!isPubkeyHex(v.pubkey)) return shape("pubkey must be 64 lowercase hex characters");
  if (!isUnixSeconds(v.created_at)) return shape("created_at must be a non-negative integer");
  if (typeof v.kind !== "number" || !Number.isInteger(v.kind) || v.kind < 0 || v.kind > MAX_KIND)
    return shape(`kind must be an integer between 0 and ${MAX_KIND}`);
  if (typeof v.content !== "string") return shape("content must be a string");
  if (v.content.length > limits.maxContentLength)
    return shape(`content is longer than ${limits.maxContentLength}`);
  if (!Array.isArray(v.tags)) return shape("tags must be an array");
  if (v.tags.length > limits.maxTags) return shape(`has more than ${limits.maxTags} tags`);
  const tags: string[][] = [];
  for (const tag of v.tags) {
    if (!Array.isArray(tag) || tag.length === 0 || tag.length > limits.maxTagItems) {
      const most = Number.isFinite(limits.maxTagItems) ? `1 to ${limits.maxTagItems}` : "one or more";
      return shape(`each tag must be an array of ${most} strings`);
    }
    for (const item of tag) {
      if (typeof item !== "string") return shape("tag items must be strings");
      if (item.length > limits.maxTagItemLength)
        return shape(`has a tag item longer than ${limits.maxTagItemLength}`);
    }
    tags.push([...(tag as string[])]);
  }
  const rumor: Rumor = {
    id: v.id,
    pubkey: v.pubkey,
    created_at: v.created_at,
    kind: v.kind,
    tags,
    content: v.content,
  };
  if (options.checkId !== false && getEventHash(rumor) !== rumor.id)
    return err({ problem: "id", message: `${what} id does not match its contents` });
  return ok(rumor);
}
