/**
 * Inner messages ("rumors"): unsigned Nostr events (NIP-01 shape with an `id` but no `sig`).
 *
 * Inside a group, authenticity comes from MLS, not from a Schnorr signature: the rumor's `pubkey`
 * must equal the MLS sender's identity, which the reducer checks. The `id` is still the NIP-01 hash
 * (nostr-tools `getEventHash`), so that replies, reactions, deletions and votes can point at a rumor
 * and so that duplicates collapse. Validation here refuses anything that is not exactly that shape.
 */

import { getEventHash } from "nostr-tools/pure";
import { isLowerHex, isUnixSeconds, type PubkeyHex } from "../nostr/event.ts";
import { err, ok as okResult, type Result } from "../nostr/result.ts";
import { checkRumorShape, type Rumor } from "../nostr/rumor.ts";
import { InvalidInputError } from "./errors.ts";
import { rumorMs } from "./order.ts";

/** The one rumor type (nostr/rumor.ts), the same the wire formats decode. */
export type { Rumor };

/** A rumor as it comes out of the group layer: who sent it (MLS credential) and in which epoch. */
export interface RumorEntry {
  rumor: Rumor;
  /** Hex pubkey of the MLS sender. A rumor whose `pubkey` differs is ignored. */
  sender: string;
  /** MLS epoch of the message that carried it; decides whose admin rights apply (see GroupContext). */
  epoch?: number;
  /**
   * Unix seconds (this device's clock) at which this device read the message. When given, the
   * rumor's time is at most `receivedAt + MAX_CLOCK_SKEW` (see effectiveCreatedAt).
   */
  receivedAt?: number;
  /**
   * Unix seconds (this device's clock) at which the epoch that carried the message began, as this
   * device knows it: the time of the commit that took the group into it, or of joining it. When
   * given, the rumor's time is at least this (see effectiveCreatedAt): whoever can write in an
   * epoch could not have written before it began.
   */
  floor?: number;
  /**
   * The message was carried in an epoch older than the group's epoch when this device read it. A
   * late admin act counts only if its author is still a current member and admin (see context.ts).
   */
  late?: boolean;
}

/** The parsers' result: the one result type (nostr/result.ts) with a plain-words reason. */
export type Parsed<T> = Result<T>;

export const ok = <T>(value: T): Parsed<T> => okResult(value);
export const fail = <T = never>(error: string): Parsed<T> => err(error);

export type { AppErrorCode } from "./errors.ts";
/** The builders' refusal, here for the builders that import it beside the rumor helpers. */
export { InvalidInputError };

/** Size caps: an inner message travels in one MLS application message, so these stay generous. */
export const MAX_CONTENT_LENGTH = 64 * 1024;
export const MAX_TAGS = 1000;
export const MAX_TAG_ITEMS = 16;
export const MAX_TAG_ITEM_LENGTH = 8 * 1024;

/** 64 lowercase hex characters: an event id or a pubkey's shape. */
export const isHex64 = (value: unknown): value is string => isLowerHex(value, 64);

/** The nostr layer's `created_at` check, for the builders that import it beside the rumor helpers. */
export { isUnixSeconds };

/** Builds a rumor from its parts, computing the NIP-01 id. */
export function makeRumor(input: {
  pubkey: string;
  createdAt: number;
  kind: number;
  tags: string[][];
  content: string;
}): Rumor {
  if (!isHex64(input.pubkey))
    throw new InvalidInputError("pubkey", "pubkey must be 64 lowercase hex characters");
  if (!isUnixSeconds(input.createdAt)) {
    throw new InvalidInputError("createdAt", "createdAt must be a non-negative whole number of seconds");
  }
  const unsigned = {
    pubkey: input.pubkey as PubkeyHex,
    created_at: input.createdAt,
    kind: input.kind,
    tags: input.tags.map((t) => [...t]),
    content: input.content,
  };
  const rumor: Rumor = { id: getEventHash(unsigned), ...unsigned };
  const checked = parseRumor(rumor);
  if (!checked.ok) throw new InvalidInputError("rumor", checked.error);
  return rumor;
}

/** Size caps of an inner message as the application reads it (one MLS application message). */
const APP_RUMOR_LIMITS = {
  maxContentLength: MAX_CONTENT_LENGTH,
  maxTags: MAX_TAGS,
  maxTagItems: MAX_TAG_ITEMS,
  maxTagItemLength: MAX_TAG_ITEM_LENGTH,
};

/**
 * Checks that an unknown value is a well-formed rumor whose id is its NIP-01 hash, within the
 * application's size caps: the one rumor checker (nostr/rumor.ts). Returns a copy holding only the
 * six rumor fields (a stray `sig` or other field is dropped, never trusted). `checkId: false` skips
 * the hash for rumors whose id the caller has just checked itself.
 */
export function parseRumor(value: unknown, checkId = true): Parsed<Rumor> {
  const checked = checkRumorShape(value, { limits: APP_RUMOR_LIMITS, checkId });
  return checked.ok ? checked : fail(checked.error.message);
}

/** First tag with this name, or undefined. */
export function findTag(rumor: Rumor, name: string): string[] | undefined {
  return rumor.tags.find((t) => t[0] === name);
}

/** Value (second item) of the first tag with this name. */
export function tagValue(rumor: Rumor, name: string): string | undefined {
  return findTag(rumor, name)?.[1];
}

export function tagsNamed(rumor: Rumor, name: string): string[][] {
  return rumor.tags.filter((t) => t[0] === name);
}

/**
 * How far ahead of the reading device's clock an inner message's `created_at` may be, in seconds
 * (issue 8 item 4). `created_at` is chosen by its author and nothing else bounds it: without a cap a
 * message dated next year would sit at the bottom of the chat for a year, an event version dated in
 * the future could never be superseded, and a name dated in the future would win "newest" forever.
 * Two minutes covers honest clocks that run a little fast; a message dated further ahead counts as
 * written at its receipt time plus this skew.
 */
export const MAX_CLOCK_SKEW = 120;

/**
 * The time a rule uses for a rumor (its *filed* time): its `created_at`, but never before `floor`,
 * the start of the epoch that carried it (a slow or lying clock cannot bury a message in the past),
 * and never more than `MAX_CLOCK_SKEW` after `receivedAt` (a date in the future cannot stay at the
 * bottom of the chat or win every "newest"). Either bound is left out when absent or not a valid
 * time. The floor is known before the message is read, so it is not after the ceiling — unless the
 * reading device's clock was set back in between; then the ceiling wins: nothing is filed later
 * than it was read.
 */
export function effectiveCreatedAt(
  createdAt: number,
  receivedAt: number | undefined,
  floor?: number | undefined,
): number {
  const raised = isUnixSeconds(floor) ? Math.max(floor, createdAt) : createdAt;
  return isUnixSeconds(receivedAt) ? Math.min(raised, receivedAt + MAX_CLOCK_SKEW) : raised;
}

/** Total order used everywhere a tie must be broken the same way on every device. */
export function compareByTimeThenId(
  a: { created_at: number; id: string },
  b: { created_at: number; id: string },
): number {
  if (a.created_at !== b.created_at) return a.created_at - b.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * "Newest wins, ties by lowest id": true when `a` should replace `b`. Within one second the
 * author's milliseconds (the `ms` tag, `order.ts`) decide first, so an answer changed twice in one
 * second keeps the second choice; lowest id on what is still equal follows NIP-01's rule for
 * replaceable events. Records without tags count as millisecond 0.
 */
export function isNewer(
  a: { created_at: number; id: string; tags?: string[][] },
  b: { created_at: number; id: string; tags?: string[][] },
): boolean {
  if (a.created_at !== b.created_at) return a.created_at > b.created_at;
  const [am, bm] = [a.tags ? rumorMs({ tags: a.tags }) : 0, b.tags ? rumorMs({ tags: b.tags }) : 0];
  if (am !== bm) return am > bm;
  return a.id < b.id;
}
