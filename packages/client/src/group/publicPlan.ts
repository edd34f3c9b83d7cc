/**
 * What to sign and what to delete so that the relays show a group's public face as it should be
 * (docs/PROTOCOL.md §19). Pure: the caller fetched what the group key has on the relays and built
 * the wanted events from the group's state; every admin device that plans from the same facts
 * plans the same, and a relay already showing the wanted content gets nothing new.
 *
 * Runs in: Node and browsers (pure).
 */

import { KIND_DELETION, supersedes } from "@rally/protocol/nostr";
import type { NostrEvent } from "nostr-tools/core";

/** A public event as it should be, without its time. */
export interface WantedEvent {
  kind: number;
  tags: string[][];
  content: string;
}

export interface PublicPlan {
  /** New versions to sign and publish (with the time they must carry). */
  sign: (WantedEvent & { created_at: number })[];
  /** Events of the key that should no longer be shown. */
  remove: NostrEvent[];
}

const dOf = (e: { tags: string[][] }): string => e.tags.find((t) => t[0] === "d")?.[1] ?? "";
const slot = (e: { kind: number; tags: string[][] }): string => `${e.kind}:${dOf(e)}`;

/** The newest version of each replaceable or addressable event, leaving deletions aside. */
export function latestVersions(events: readonly NostrEvent[]): Map<string, NostrEvent> {
  const out = new Map<string, NostrEvent>();
  for (const e of events) {
    if (e.kind === KIND_DELETION) continue;
    const have = out.get(slot(e));
    if (!have || supersedes(e, have)) out.set(slot(e), e);
  }
  return out;
}

function same(a: WantedEvent, b: NostrEvent): boolean {
  return a.content === b.content && JSON.stringify(a.tags) === JSON.stringify(b.tags);
}

/**
 * Each wanted event whose slot (kind, d) shows something else is signed again, later than both the
 * version it replaces and the key's newest deletion (a relay refuses a version of an address
 * deleted at or after its time, NIP-09); each shown event nobody wants is removed, unless `keep`
 * says it stays (an occurrence of a series that is over).
 */
export function planPublic(
  wanted: readonly WantedEvent[],
  onRelay: readonly NostrEvent[],
  now: number,
  keep: (e: NostrEvent) => boolean = () => false,
): PublicPlan {
  const shown = latestVersions(onRelay);
  const floor = Math.max(0, ...onRelay.filter((e) => e.kind === KIND_DELETION).map((e) => e.created_at + 1));
  const sign: PublicPlan["sign"] = [];
  const wantedSlots = new Set<string>();
  for (const w of wanted) {
    const key = slot(w);
    wantedSlots.add(key);
    const have = shown.get(key);
    if (have && same(w, have)) continue;
    sign.push({ ...w, created_at: Math.max(now, floor, have ? have.created_at + 1 : 0) });
  }
  const remove = [...shown.entries()]
    .filter(([key, e]) => !wantedSlots.has(key) && !keep(e))
    .map(([, e]) => e);
  return { sign, remove };
}
