/**
 * NIP-70 protected events: an event carrying the tag `["-"]` may only be published to a relay by
 * its author, authenticated with NIP-42. https://github.com/nostr-protocol/nips/blob/master/70.md
 */
import type { NostrEvent } from "./event.ts";

export function isProtected(event: Pick<NostrEvent, "tags">): boolean {
  for (const tag of event.tags) if (tag.length === 1 && tag[0] === "-") return true;
  return false;
}
