/**
 * What the public pages read from the relay, as values: a group's public profile (kind 0), its
 * calendar (kind 31924) and its public calendar events (NIP-52 kinds 31922/31923). Nothing else
 * from the relay is ever turned into a page. An event's owner is always its signer (a public event
 * cannot speak for another key), and its place is dropped whenever hosts approve answers.
 *
 * Runs in: Node (`rally serve`); pure.
 */
import {
  eventEndsAt,
  KIND_DATE_EVENT,
  KIND_PROFILE,
  KIND_TIME_EVENT,
  type NostrEvent,
  naddrOf,
  npubOf,
  type ParsedCalendarEvent,
  parseCalendarEvent,
} from "@rally/client";

/** The kinds pages read (NIP-01 profile, NIP-52 date/time events and calendar). */
export const KIND_CALENDAR = 31924;
export const PAGE_KINDS: readonly number[] = [KIND_PROFILE, KIND_DATE_EVENT, KIND_TIME_EVENT, KIND_CALENDAR];
export const EVENT_KINDS: readonly number[] = [KIND_DATE_EVENT, KIND_TIME_EVENT];

export interface PublicEvent extends ParsedCalendarEvent {
  kind: number;
  /** The signer: the group's public key. */
  pubkey: string;
  /** `<kind>:<pubkey>:<d>`, what an answer names. */
  address: string;
  naddr: string;
  npub: string;
  /** Hosts approve answers: the place is never shown. */
  approval: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface PublicProfile {
  name: string;
  about: string;
  picture: string | null;
  website: string | null;
}

/** A public calendar event, or undefined when the event is not one a page can show. */
export function readPublicEvent(event: NostrEvent, relays: string[] = []): PublicEvent | undefined {
  if (!EVENT_KINDS.includes(event.kind)) return undefined;
  const parsed = parseCalendarEvent(event);
  if (!parsed.ok) return undefined;
  const approval = parsed.value.approval === true;
  return {
    ...parsed.value,
    owner: event.pubkey,
    location: approval ? null : parsed.value.location,
    approval,
    kind: event.kind,
    pubkey: event.pubkey,
    address: `${event.kind}:${event.pubkey}:${parsed.value.d}`,
    naddr: naddrOf({ kind: event.kind, pubkey: event.pubkey, identifier: parsed.value.d, relays }),
    npub: npubOf(event.pubkey),
    createdAt: event.created_at,
    updatedAt: event.created_at,
  };
}

const text = (value: unknown, max: number): string =>
  typeof value === "string" ? [...value.trim()].slice(0, max).join("") : "";

/** A kind 0 profile's public fields (name, about, picture, website); undefined when it names nothing. */
export function readProfile(event: NostrEvent | undefined): PublicProfile | undefined {
  if (!event || event.kind !== KIND_PROFILE) return undefined;
  let json: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(event.content);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    json = value as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const name = text(json.name, 200) || text(json.display_name, 200);
  const about = text(json.about, 5000);
  if (!name && !about) return undefined;
  return {
    name,
    about,
    picture: text(json.picture, 2000) || null,
    website: text(json.website, 2000) || null,
  };
}

/** The title of a kind 31924 calendar, if any. */
export function calendarTitle(event: NostrEvent | undefined): string | undefined {
  if (!event || event.kind !== KIND_CALENDAR) return undefined;
  return text(event.tags.find((t) => t[0] === "title")?.[1], 200) || undefined;
}

/** Unix seconds when the event starts (an all-day event at its first day's midnight, UTC). */
export function startsAt(e: PublicEvent): number {
  return e.time.allDay ? Date.parse(`${e.time.start}T00:00:00Z`) / 1000 : e.time.start;
}

export function isUpcoming(e: PublicEvent, now: number): boolean {
  return eventEndsAt(e.time) > now;
}

export function byStart(a: PublicEvent, b: PublicEvent): number {
  return startsAt(a) - startsAt(b) || (a.address < b.address ? -1 : 1);
}

export interface DirectoryFilter {
  tag: string;
  place: string;
  /** YYYY-MM-DD or "". */
  from: string;
  to: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A real calendar day (Date.parse would take 2031-02-30 as 2 March). */
const validDate = (d: string) => {
  if (!DATE.test(d)) return false;
  const t = Date.parse(`${d}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
};

/** Reads the directory's GET form; a bad date is reported and ignored. */
export function readDirectoryFilter(params: URLSearchParams): {
  filter: DirectoryFilter;
  problems: string[];
} {
  const problems: string[] = [];
  const field = (name: string) => text(params.get(name) ?? "", 200);
  const filter: DirectoryFilter = {
    tag: field("tag").replace(/^#/, ""),
    place: field("place"),
    from: field("from"),
    to: field("to"),
  };
  for (const key of ["from", "to"] as const) {
    if (filter[key] && !validDate(filter[key])) {
      problems.push(`"${filter[key]}" is not a date: write it as YYYY-MM-DD.`);
      filter[key] = "";
    }
  }
  if (filter.from && filter.to && filter.to < filter.from)
    problems.push("The end date is before the start date.");
  return { filter, problems };
}

/**
 * Whether an event passes the directory's filter: a hashtag (any case), words of the place (an event
 * whose place is hidden never matches), and days it overlaps (in UTC).
 */
export function matchesFilter(e: PublicEvent, f: DirectoryFilter): boolean {
  if (f.tag && !e.hashtags.some((t) => t.toLowerCase() === f.tag.toLowerCase())) return false;
  if (f.place && !(e.location ?? "").toLowerCase().includes(f.place.toLowerCase())) return false;
  if (f.from && eventEndsAt(e.time) <= Date.parse(`${f.from}T00:00:00Z`) / 1000) return false;
  if (f.to && startsAt(e) >= Date.parse(`${f.to}T00:00:00Z`) / 1000 + 86_400) return false;
  return true;
}
