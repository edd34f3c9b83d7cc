/**
 * NIP-09 deletion requests (kind 5): which events a request asks to delete.
 * https://github.com/nostr-protocol/nips/blob/master/09.md
 *
 * "The deletion request event MUST have the same pubkey as the events being deleted": targets are
 * only meaningful for the request's own author, which callers enforce when they apply them. An `a`
 * tag deletes every version of that address up to the request's `created_at`.
 */
import type { EventId, NostrEvent } from "./event.ts";
import { KIND_DELETION, parseAddress } from "./kinds.ts";

export interface DeletionTargets {
  ids: EventId[];
  /** Addresses by the request's author, with the time up to which versions are deleted. */
  addresses: { kind: number; d: string; until: number }[];
}

export function deletionTargets(request: NostrEvent): DeletionTargets {
  const out: DeletionTargets = { ids: [], addresses: [] };
  if (request.kind !== KIND_DELETION) return out;
  for (const tag of request.tags) {
    const v = tag[1];
    if (v === undefined) continue;
    if (tag[0] === "e" && /^[0-9a-f]{64}$/.test(v)) out.ids.push(v as EventId);
    else if (tag[0] === "a") {
      const addr = parseAddress(v);
      // Another author's address cannot be deleted by this request.
      if (addr && addr.pubkey === request.pubkey)
        out.addresses.push({ kind: addr.kind, d: addr.d, until: request.created_at });
    }
  }
  return out;
}
