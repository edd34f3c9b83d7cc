/**
 * Reading the relay's store for pages. Every query goes through `query`, which keeps only the kinds
 * pages may show (0, 31922, 31923, 31924), whatever a caller asks; events are read with this node's
 * relay in their naddr, so links name where they were found.
 *
 * Runs in: Node (`rally serve`).
 */
import { decodeNaddr, type Filter, type NostrEvent, npubOf } from "@rally/client";
import type { LocalRelay } from "@rally/relay";
import {
  calendarTitle,
  EVENT_KINDS,
  KIND_CALENDAR,
  PAGE_KINDS,
  type PublicEvent,
  readProfile,
  readPublicEvent,
} from "./model.ts";
import type { Organiser } from "./pages.ts";

/** Most events a list reads (newest versions first) and most bytes one read may hold. */
export const MAX_LISTED = 1000;
const MAX_READ_BYTES = 8 * 1024 * 1024;

export class PageReader {
  constructor(
    readonly relay: LocalRelay,
    /** `ws(s)://host[:port]` of this node, put in naddr links. */
    readonly wsOrigin: string,
  ) {}

  async query(filter: Filter): Promise<NostrEvent[]> {
    const kinds = (filter.kinds ?? []).filter((k) => PAGE_KINDS.includes(k));
    if (kinds.length === 0) return [];
    return this.relay.query({ ...filter, kinds }, { maxBytes: MAX_READ_BYTES });
  }

  /** Events of the given filter (kinds 31922/31923 only) as pages show them. */
  async events(filter: Omit<Filter, "kinds">): Promise<PublicEvent[]> {
    const stored = await this.query({ ...filter, kinds: [...EVENT_KINDS] });
    return stored
      .map((e) => readPublicEvent(e, [this.wsOrigin]))
      .filter((e): e is PublicEvent => e !== undefined);
  }

  async byAddress(kind: number, pubkey: string, d: string): Promise<PublicEvent | undefined> {
    if (!EVENT_KINDS.includes(kind)) return undefined;
    const [found] = await this.query({ kinds: [kind], authors: [pubkey], "#d": [d], limit: 1 });
    return found ? readPublicEvent(found, [this.wsOrigin]) : undefined;
  }

  async byNaddr(naddr: string): Promise<PublicEvent | undefined> {
    const pointer = decodeNaddr(naddr);
    return pointer ? this.byAddress(pointer.kind, pointer.pubkey, pointer.identifier) : undefined;
  }

  /** Groups by their public name (kind 0), else their calendar's title, else a short npub. */
  async organisers(pubkeys: readonly string[]): Promise<Map<string, Organiser>> {
    const unique = [...new Set(pubkeys)];
    const out = new Map<string, Organiser>();
    if (unique.length === 0) return out;
    const [profiles, calendars] = await Promise.all([
      this.query({ kinds: [0], authors: unique }),
      this.query({ kinds: [KIND_CALENDAR], authors: unique, "#d": ["rally"] }),
    ]);
    for (const pubkey of unique) {
      const npub = npubOf(pubkey);
      const name =
        readProfile(profiles.find((e) => e.pubkey === pubkey))?.name ||
        calendarTitle(calendars.find((e) => e.pubkey === pubkey)) ||
        `${npub.slice(0, 12)}…${npub.slice(-6)}`;
      out.set(pubkey, { npub, name });
    }
    return out;
  }

  async organiser(pubkey: string): Promise<Organiser> {
    return (await this.organisers([pubkey])).get(pubkey)!;
  }
}
