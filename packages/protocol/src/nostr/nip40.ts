/**
 * NIP-40 expiration: `["expiration", "<unix seconds>"]`. Relays "SHOULD NOT send expired events to
 * clients", "SHOULD drop any events that are published to them if they are expired", and may delete
 * them. https://github.com/nostr-protocol/nips/blob/master/40.md
 */
import type { NostrEvent } from "./event.ts";
import { err, ok, type Result } from "./result.ts";

/**
 * The expiration time of an event, `undefined` when it has none, or an error when the tag's value
 * is not a unix timestamp (a decimal integer).
 */
export function readExpiration(event: Pick<NostrEvent, "tags">): Result<number | undefined> {
  for (const tag of event.tags) {
    if (tag[0] !== "expiration") continue;
    const v = tag[1];
    if (v === undefined || !/^\d{1,15}$/.test(v)) return err("expiration tag must hold a unix timestamp");
    return ok(Number(v));
  }
  return ok(undefined);
}

/** True when the event carries an expiration at or before `now` (unix seconds). */
export function isExpired(event: Pick<NostrEvent, "tags">, now: number): boolean {
  const r = readExpiration(event);
  return r.ok && r.value !== undefined && r.value <= now;
}
