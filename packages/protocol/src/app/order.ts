/**
 * The order of a group's records: by time in seconds, then by the millisecond within that second
 * its author's clock gave it (the `ms` tag), then by id. `created_at` counts whole seconds, and
 * messages sent within one second (an organiser posting "1. … 2. … 3. …") would otherwise come back
 * ordered by their ids — shuffled. The author's own clock decides, as in every mature messenger;
 * the id only breaks the ties left, the same way on every device.
 *
 * The tag is `["ms", "<0..999>"]`: the milliseconds within `created_at`'s second. It is read
 * strictly (`rumorMs`): anything but a whole number from 0 to 999 written plainly counts as 0, and
 * a rumor without it (every rumor written before it existed) counts as 0, so the tag can never
 * move a record out of its second, and a bad one never throws.
 *
 * A device stamps its rumors with milliseconds that only go up (`nextStamp`): two sends within one
 * millisecond, in a tight loop, still keep the order they were sent in.
 *
 * Runs anywhere (pure).
 */

import { getEventHash } from "nostr-tools/pure";
import type { Rumor } from "../nostr/rumor.ts";

/** The tag's name. */
export const MS_TAG = "ms";

/** Milliseconds within a second: 0 to 999. */
export const MAX_MS = 999;

/** "0" to "999", without a sign, a leading zero, a fraction or spaces. */
const MS_TEXT = /^(0|[1-9][0-9]{0,2})$/;

/** Reads a tag value as milliseconds: a whole number 0 to 999, anything else 0. Never throws. */
export function parseMs(value: unknown): number {
  if (typeof value !== "string" || !MS_TEXT.test(value)) return 0;
  return Number(value);
}

/** The milliseconds a rumor's first `ms` tag gives (0 without one, or with a bad one). */
export function rumorMs(rumor: Pick<Rumor, "tags">): number {
  const tags: unknown = rumor?.tags;
  if (!Array.isArray(tags)) return 0;
  const tag: unknown = tags.find((t) => Array.isArray(t) && t[0] === MS_TAG);
  return Array.isArray(tag) ? parseMs(tag[1]) : 0;
}

/** Whether a rumor carries an `ms` tag at all (a good one or not). */
export function hasMsTag(rumor: Pick<Rumor, "tags">): boolean {
  return Array.isArray(rumor?.tags) && rumor.tags.some((t) => Array.isArray(t) && t[0] === MS_TAG);
}

/** Where a record sits in a group's order. `ms` absent counts as 0. */
export interface OrderKey {
  /** Unix seconds (a rumor's filed time, `effectiveCreatedAt`). */
  created_at: number;
  /** Milliseconds within that second, 0 to 999. */
  ms?: number;
  id: string;
}

/**
 * The one comparison of a group's records, oldest first: `created_at`, then `ms`, then id (code-unit
 * order). Chat pages, the stores' queries and cursors, and every list a front end shows use it.
 */
export function compareOrder(a: OrderKey, b: OrderKey): number {
  if (a.created_at !== b.created_at) return a.created_at - b.created_at;
  const am = a.ms ?? 0;
  const bm = b.ms ?? 0;
  if (am !== bm) return am - bm;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The order key of a rumor: its `created_at`, the milliseconds of its `ms` tag, its id. */
export function orderKeyOf(rumor: Pick<Rumor, "created_at" | "tags" | "id">): OrderKey {
  return { created_at: rumor.created_at, ms: rumorMs(rumor), id: rumor.id };
}

/** A device's last stamp: the `created_at` and `ms` of the last rumor it wrote. */
export interface Stamp {
  created_at: number;
  ms: number;
}

/**
 * The milliseconds to stamp a rumor dated `createdAt` with, written at `nowMs` (unix ms) by a device
 * whose last stamp was `last`: the clock's milliseconds when the rumor is dated in the clock's own
 * second (0 when a builder dated it otherwise, e.g. a second after an edit it supersedes), raised
 * to one more than the last stamp's when that would not come after it. Never above 999: a
 * device writing more than a thousand rumors in one second leaves the rest to the id.
 */
export function nextStamp(createdAt: number, nowMs: number, last: Stamp | null): Stamp {
  let ms = Math.floor(nowMs / 1000) === createdAt ? ((Math.floor(nowMs) % 1000) + 1000) % 1000 : 0;
  if (last !== null && last.created_at === createdAt && ms <= last.ms) ms = Math.min(MAX_MS, last.ms + 1);
  return { created_at: createdAt, ms };
}

/**
 * The rumor with `["ms", "<ms>"]` as its last tag (any `ms` tag it had dropped) and its id computed
 * again. `ms` outside 0..999 is refused by clamping it into the second.
 */
export function withMs(rumor: Rumor, ms: number): Rumor {
  const clamped = Number.isFinite(ms) ? Math.min(MAX_MS, Math.max(0, Math.floor(ms))) : 0;
  const unsigned = {
    pubkey: rumor.pubkey,
    created_at: rumor.created_at,
    kind: rumor.kind,
    tags: [...rumor.tags.filter((t) => t[0] !== MS_TAG).map((t) => [...t]), [MS_TAG, String(clamped)]],
    content: rumor.content,
  };
  return { id: getEventHash(unsigned), ...unsigned };
}
