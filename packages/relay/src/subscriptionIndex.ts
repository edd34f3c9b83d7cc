/**
 * Live subscriptions indexed for fan-out (after strfry's "ActiveMonitors"): each filter is filed
 * under one of its most selective conditions — an id, else an author, else a tag value, else a
 * kind, else "everything" — so a new event is tested only against filters that could match it,
 * not against every open filter. Each candidate is then checked in full, tag conditions included.
 */
import type { NostrEvent } from "@rally/protocol/nostr";
import { type CompiledFilter, matchCompiled } from "./compiledFilter.ts";

interface Entry<S> {
  sub: S;
  filter: CompiledFilter;
  keys: string[];
}

export class SubscriptionIndex<S> {
  private readonly byKey = new Map<string, Set<Entry<S>>>();
  private readonly everything = new Set<Entry<S>>();
  private readonly entries = new Map<S, Entry<S>[]>();

  get size(): number {
    return this.entries.size;
  }

  /** Adds (or replaces) a subscriber's filters. */
  add(sub: S, filters: readonly CompiledFilter[]): void {
    this.remove(sub);
    const list: Entry<S>[] = [];
    for (const filter of filters) {
      const entry: Entry<S> = { sub, filter, keys: keysOf(filter) };
      if (entry.keys.length === 0) this.everything.add(entry);
      for (const k of entry.keys) {
        let set = this.byKey.get(k);
        if (!set) {
          set = new Set();
          this.byKey.set(k, set);
        }
        set.add(entry);
      }
      list.push(entry);
    }
    this.entries.set(sub, list);
  }

  remove(sub: S): void {
    const list = this.entries.get(sub);
    if (!list) return;
    for (const entry of list) {
      this.everything.delete(entry);
      for (const k of entry.keys) {
        const set = this.byKey.get(k);
        if (!set) continue;
        set.delete(entry);
        if (set.size === 0) this.byKey.delete(k);
      }
    }
    this.entries.delete(sub);
  }

  /** Every subscriber with at least one filter matching `event`, each once. */
  match(event: NostrEvent): S[] {
    const out: S[] = [];
    const seen = new Set<S>();
    const test = (set: Set<Entry<S>> | undefined) => {
      if (!set) return;
      for (const e of set) {
        if (seen.has(e.sub)) continue;
        if (matchCompiled(e.filter, event)) {
          seen.add(e.sub);
          out.push(e.sub);
        }
      }
    };
    test(this.byKey.get(`i${event.id}`));
    test(this.byKey.get(`a${event.pubkey}`));
    for (const tag of event.tags) {
      const name = tag[0];
      if (name !== undefined && name.length === 1 && tag[1] !== undefined)
        test(this.byKey.get(`t${name}:${tag[1]}`));
    }
    test(this.byKey.get(`k${event.kind}`));
    test(this.everything);
    return out;
  }
}

/** The index keys a filter is filed under: all values of its most selective condition. */
function keysOf(f: CompiledFilter): string[] {
  if (f.ids) return [...f.ids].map((id) => `i${id}`);
  if (f.authors) return [...f.authors].map((a) => `a${a}`);
  if (f.tags.length > 0) {
    let best = f.tags[0]!;
    for (const t of f.tags) if (t[1].size < best[1].size) best = t;
    return [...best[1]].map((v) => `t${best[0]}:${v}`);
  }
  if (f.kinds) return [...f.kinds].map((k) => `k${k}`);
  return [];
}
