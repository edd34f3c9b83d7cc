/**
 * A NIP-01 filter compiled for fast repeated matching (live subscriptions): lists become sets.
 * Same semantics as `matchFilter` in `@rally/protocol` (fuzz-tested against it), plus the kinds a
 * read policy hides from this subscriber.
 */
import { type Filter, type NostrEvent, tagConditions } from "@rally/protocol/nostr";

export interface CompiledFilter {
  ids: Set<string> | undefined;
  authors: Set<string> | undefined;
  kinds: Set<number> | undefined;
  since: number | undefined;
  until: number | undefined;
  tags: [string, Set<string>][];
  hideKinds: Set<number> | undefined;
}

export function compileFilter(filter: Filter, hideKinds: readonly number[] = []): CompiledFilter {
  return {
    ids: filter.ids ? new Set(filter.ids) : undefined,
    authors: filter.authors ? new Set(filter.authors) : undefined,
    kinds: filter.kinds ? new Set(filter.kinds) : undefined,
    since: filter.since,
    until: filter.until,
    tags: tagConditions(filter).map(([letter, values]) => [letter, new Set(values)]),
    hideKinds: hideKinds.length ? new Set(hideKinds) : undefined,
  };
}

export function matchCompiled(f: CompiledFilter, event: NostrEvent): boolean {
  if (f.ids && !f.ids.has(event.id)) return false;
  if (f.authors && !f.authors.has(event.pubkey)) return false;
  if (f.kinds && !f.kinds.has(event.kind)) return false;
  if (f.hideKinds?.has(event.kind)) return false;
  if (f.since !== undefined && event.created_at < f.since) return false;
  if (f.until !== undefined && event.created_at > f.until) return false;
  for (const [letter, values] of f.tags) {
    let found = false;
    for (const tag of event.tags) {
      if (tag[0] === letter && tag[1] !== undefined && values.has(tag[1])) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}
