/**
 * NIP-01 filters: the wire type, validation of untrusted filters, and the reference matcher.
 *
 * Spec: https://github.com/nostr-protocol/nips/blob/master/01.md ("From client to relay").
 * "All conditions of a filter that are specified must match for an event for it to pass the filter";
 * lists match when the event's value is in the list; `since <= created_at <= until`; `#<letter>`
 * matches an event with a tag of that single-letter name whose first value is in the list.
 * `matchFilter` is the specification that the relay's indexes are fuzz-tested against.
 */
import { isLowerHex, MAX_KIND, type NostrEvent } from "./event.ts";
import { err, ok, type Result } from "./result.ts";

export type TagFilterKey = `#${string}`;

export interface Filter {
  ids?: string[];
  authors?: string[];
  kinds?: number[];
  since?: number;
  until?: number;
  limit?: number;
  [tag: TagFilterKey]: string[] | undefined;
}

export interface FilterLimits {
  /** Most values in any one list (`ids`, `authors`, `kinds`, each `#x`). */
  maxValues: number;
  /** Longest tag value accepted in a `#x` list. */
  maxTagValueLength: number;
}

export const DEFAULT_FILTER_LIMITS: FilterLimits = { maxValues: 1000, maxTagValueLength: 1024 };

const TAG_KEY = /^#[a-zA-Z]$/;

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Validates an untrusted filter object. Unknown fields are refused (a relay that silently ignored
 * e.g. `search` would answer with more than the client asked for).
 */
export function parseFilter(value: unknown, limits: FilterLimits = DEFAULT_FILTER_LIMITS): Result<Filter> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return err("a filter must be an object");
  const out: Filter = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    switch (key) {
      case "ids":
      case "authors": {
        if (!Array.isArray(v)) return err(`${key} must be an array`);
        if (v.length > limits.maxValues) return err(`${key} has more than ${limits.maxValues} values`);
        for (const x of v)
          if (!isLowerHex(x, 64)) return err(`${key} must hold 64-character lowercase hex strings`);
        out[key] = v as string[];
        break;
      }
      case "kinds": {
        if (!Array.isArray(v)) return err("kinds must be an array");
        if (v.length > limits.maxValues) return err(`kinds has more than ${limits.maxValues} values`);
        for (const x of v)
          if (!isNonNegativeInt(x) || x > MAX_KIND)
            return err(`kinds must hold integers between 0 and ${MAX_KIND}`);
        out.kinds = v as number[];
        break;
      }
      case "since":
      case "until":
      case "limit": {
        if (!isNonNegativeInt(v)) return err(`${key} must be a non-negative integer`);
        out[key] = v;
        break;
      }
      default: {
        if (!TAG_KEY.test(key)) return err(`unsupported filter field ${JSON.stringify(key.slice(0, 32))}`);
        if (!Array.isArray(v)) return err(`${key} must be an array`);
        if (v.length > limits.maxValues) return err(`${key} has more than ${limits.maxValues} values`);
        for (const x of v) {
          if (typeof x !== "string") return err(`${key} must hold strings`);
          if (x.length > limits.maxTagValueLength) return err(`a ${key} value is too long`);
        }
        out[key as TagFilterKey] = v as string[];
      }
    }
  }
  return ok(out);
}

/** The tag conditions of a filter as `[letter, values]` pairs. */
export function tagConditions(filter: Filter): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const key of Object.keys(filter)) {
    if (key.length === 2 && key[0] === "#") {
      const values = filter[key as TagFilterKey];
      if (values) out.push([key.slice(1), values]);
    }
  }
  return out;
}

/** The reference matcher: does `event` pass `filter`? (`limit` is not a matching condition.) */
export function matchFilter(filter: Filter, event: NostrEvent): boolean {
  if (filter.ids && !filter.ids.includes(event.id)) return false;
  if (filter.authors && !filter.authors.includes(event.pubkey)) return false;
  if (filter.kinds && !filter.kinds.includes(event.kind)) return false;
  if (filter.since !== undefined && event.created_at < filter.since) return false;
  if (filter.until !== undefined && event.created_at > filter.until) return false;
  for (const [letter, values] of tagConditions(filter)) {
    let found = false;
    for (const tag of event.tags) {
      if (tag[0] === letter && tag[1] !== undefined && values.includes(tag[1])) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

/** NIP-01: an event passes a list of filters when it passes any one of them. */
export function matchFilters(filters: readonly Filter[], event: NostrEvent): boolean {
  for (const f of filters) if (matchFilter(f, event)) return true;
  return false;
}

/**
 * NIP-01 order of a REQ's stored events: "Newer events should appear first, and in the case of ties
 * the event with the lowest id (first in lexical order) should be first". A comparator for `sort`.
 */
export function compareNewestFirst(
  a: { created_at: number; id: string },
  b: { created_at: number; id: string },
): number {
  if (a.created_at !== b.created_at) return b.created_at - a.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * True when no event can pass the filter: an empty list, or `since` after `until`. A relay can
 * answer such a filter without touching storage.
 */
export function isEmptyFilter(filter: Filter): boolean {
  if (filter.ids?.length === 0 || filter.authors?.length === 0 || filter.kinds?.length === 0) return true;
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) return true;
  for (const [, values] of tagConditions(filter)) if (values.length === 0) return true;
  return false;
}
