/**
 * A group's public face (docs/PROTOCOL.md §19): the group's own Nostr key — never an organiser's —
 * signs a public profile (kind 0), a NIP-52 calendar (kind 31924, `d` = "rally") and one NIP-52
 * event (31922/31923) per event its admins publish. This module holds the pure builders of those
 * signed events and of the three inner messages that manage them inside the group:
 *
 *   1927 public face   (sealed to the admins) content {"v":1,"secret","name","about","picture","website","off"}
 *   1928 publication   (in the open)          ["rally_event", id] ["d", public d] ["rally_status", published|unpublished]
 *   1929 answer decision (sealed to admins and hosts) ["e", answer] ["rally_event", id] ["rally_status", approved|refused]
 *   1931 answer share  (sealed to admins and hosts) ["e", answer] ["rally_event", id], content = the answer (JSON)
 *
 * What may go public is decided here and only here: a public event is built from a whitelist of a
 * private event's fields (title, time, summary, image, place unless approval is required, hashtags,
 * links, description). Hosts, the owner, capacity, answers and every other member fact stay inside.
 */

import { bytesToHex, randomBytes } from "@noble/hashes/utils.js";
import { naddrEncode, npubEncode } from "nostr-tools/nip19";
import type { NostrEvent } from "../nostr/event.ts";
import {
  KIND_ANSWER_DECISION,
  KIND_ANSWER_SHARE,
  KIND_CALENDAR,
  KIND_DATE_EVENT,
  KIND_DELETION,
  KIND_PROFILE,
  KIND_PUBLIC_FACE,
  KIND_PUBLICATION,
  KIND_TIME_EVENT,
} from "../nostr/kinds.ts";
import { signEvent } from "../nostr/sign.ts";
import { checkPublicAnswerInput, type PublicAnswer } from "../wire/publicAnswer.ts";

export { KIND_CALENDAR };

import { type EventTime, type ParsedCalendarEvent, timeTags } from "./calendar.ts";
import { TAG_APPROVAL, TAG_STATUS } from "./kinds.ts";
import { expandOccurrences, occurrenceUnix } from "./recurrence.ts";
import {
  fail,
  InvalidInputError,
  isHex64,
  makeRumor,
  ok,
  type Parsed,
  type Rumor,
  tagValue,
} from "./rumor.ts";
import { checkText, isBlank } from "./text.ts";

/** The `d` of a group's one public calendar. */
export const PUBLIC_CALENDAR_D = "rally";
/** `["rally_event", <private event id>]` on 1928 and 1929. */
export const TAG_EVENT = "rally_event";
/** `["rally_series", <public d>]` on each public occurrence of a recurring event. */
export const TAG_SERIES = "rally_series";
/** How far ahead occurrences of a recurring event are published, and at most how many. */
export const SERIES_WINDOW_SECONDS = 90 * 86_400;
export const SERIES_MAX_OCCURRENCES = 60;
/** How far ahead a series' first upcoming date is looked for (ten years). */
const SERIES_LOOKAHEAD_SECONDS = 10 * 365 * 86_400;

export const MAX_PUBLIC_NAME_LENGTH = 100;
export const MAX_PUBLIC_ABOUT_LENGTH = 2000;
export const MAX_PUBLIC_URL_LENGTH = 1000;

/** Kinds the group key ever signs in public. */
export const PUBLIC_KINDS: readonly number[] = [
  KIND_PROFILE,
  KIND_DATE_EVENT,
  KIND_TIME_EVENT,
  KIND_CALENDAR,
];

export interface PublicProfile {
  name: string;
  about: string | null;
  picture: string | null;
  website: string | null;
}

const URL_RE = /^https?:\/\/[^\s<>"]+$/i;

function checkUrl(field: string, what: string, value: string | null): string | null {
  if (value === null || value === "") return null;
  if (value.length > MAX_PUBLIC_URL_LENGTH || !URL_RE.test(value)) {
    throw new InvalidInputError(field, `${what} must be a web address starting with http:// or https://`);
  }
  return value;
}

/** The profile as given, checked: a name of 1–100 characters, an about text, http(s) addresses. */
export function checkPublicProfile(p: PublicProfile): PublicProfile {
  const name = checkText("name", (p.name ?? "").trim(), {
    what: "The public name",
    max: MAX_PUBLIC_NAME_LENGTH,
  });
  const about =
    p.about === null || p.about === ""
      ? null
      : checkText("about", p.about, { what: "The about text", max: MAX_PUBLIC_ABOUT_LENGTH, optional: true });
  return {
    name,
    about,
    picture: checkUrl("picture", "The picture", p.picture),
    website: checkUrl("website", "The website", p.website),
  };
}

/** A fresh group secret key (32 random bytes); `random` is for tests. */
export function newPublicKeySecret(random: Uint8Array = randomBytes(32)): Uint8Array {
  if (random.length !== 32) throw new InvalidInputError("random", "need 32 random bytes");
  return random;
}

/** A fresh public `d` for an event's first publication (16 random bytes, hex). */
export function newPublicD(random: Uint8Array = randomBytes(16)): string {
  return bytesToHex(random);
}

// --- the public events, signed by the group key ---

/** kind 0 with `{name, about, picture, website}` and nothing else; empty fields are left out. */
export function publicProfileTemplate(profile: PublicProfile | null, createdAt: number) {
  const body: Record<string, string> = {};
  if (profile) {
    body.name = profile.name;
    if (profile.about) body.about = profile.about;
    if (profile.picture) body.picture = profile.picture;
    if (profile.website) body.website = profile.website;
  }
  return { kind: KIND_PROFILE, created_at: createdAt, tags: [] as string[][], content: JSON.stringify(body) };
}

/** The group's signed profile; `null` makes the empty profile published before deleting it (`--off`). */
export function buildPublicProfile(
  profile: PublicProfile | null,
  groupSecret: Uint8Array,
  createdAt: number,
): NostrEvent {
  return signEvent(publicProfileTemplate(profile, createdAt), groupSecret);
}

/** `<kind>:<pubkey>:<d>` */
export function publicAddress(kind: number, groupPubkey: string, d: string): string {
  return `${kind}:${groupPubkey}:${d}`;
}

export interface PublicEventInput {
  /** The private event as parsed inside the group. */
  event: ParsedCalendarEvent;
  /** The public `d` (for an occurrence of a series: `<public d>:<occurrence start unix>`). */
  d: string;
  groupPubkey: string;
  /** An occurrence's own time, for a recurring event. */
  time?: EventTime;
  /** The series' public `d`, for an occurrence. */
  series?: string;
}

/**
 * The unsigned public NIP-52 event: only the whitelisted fields of the private one (see the module
 * header). `location` is left out when hosts approve answers: approved people receive it privately.
 */
export function publicEventTemplate(input: PublicEventInput, createdAt: number) {
  const e = input.event;
  const t = input.time ?? e.time;
  if (input.d.length === 0 || input.d.length > 256) throw new InvalidInputError("d", "bad public d");
  if (!isHex64(input.groupPubkey)) throw new InvalidInputError("groupPubkey", "not a pubkey");
  const tags: string[][] = [
    ["d", input.d],
    ["title", e.title],
  ];
  tags.push(...timeTags(t));
  if (e.summary) tags.push(["summary", e.summary]);
  if (e.image) tags.push(["image", e.image]);
  if (e.location && !e.approval) tags.push(["location", e.location]);
  for (const tag of e.hashtags) tags.push(["t", tag]);
  for (const link of e.links) tags.push(["r", link]);
  if (e.approval) tags.push([TAG_APPROVAL, "required"]);
  if (e.cancelled) tags.push([TAG_STATUS, "cancelled"]);
  if (input.series !== undefined) tags.push([TAG_SERIES, input.series]);
  tags.push(["a", publicAddress(KIND_CALENDAR, input.groupPubkey, PUBLIC_CALENDAR_D)]);
  return {
    kind: t.allDay ? KIND_DATE_EVENT : KIND_TIME_EVENT,
    created_at: createdAt,
    tags,
    content: e.description,
  };
}

export function buildPublicEvent(
  input: PublicEventInput,
  groupSecret: Uint8Array,
  createdAt: number,
): NostrEvent {
  return signEvent(publicEventTemplate(input, createdAt), groupSecret);
}

/** One public event of a published event: its `d` and, for an occurrence of a series, its time. */
export interface PublicInstance {
  d: string;
  time: EventTime;
  series?: string;
}

/**
 * The public events of one published event: itself, or for a repeating event one per occurrence
 * that is not over by `now` and starts within 90 days (at most 60), each with `d` =
 * `<public d>:<original start unix>` (kept when the occurrence moves; its moved time is in its tags).
 * Cancelled occurrences are left out (and so deleted if they were out).
 */
export function publicInstances(event: ParsedCalendarEvent, publicD: string, now: number): PublicInstance[] {
  const repeat = event.repeat;
  if (!repeat) return [{ d: publicD, time: event.time }];
  const t = event.time;
  const series = {
    time: t.allDay ? t : ({ allDay: false, start: t.start, end: t.end, tz: t.tz } as const),
    rule: repeat.rule,
    exdates: repeat.exdates,
    moved: repeat.moved,
  };
  // The window opens at the series' first upcoming date, not at today: a series that starts in
  // half a year is published from its start, so its page exists from the moment it is published.
  const [first] = expandOccurrences(series, { from: now, to: now + SERIES_LOOKAHEAD_SECONDS, limit: 1 });
  if (!first) return [];
  const opens = Math.max(now, occurrenceUnix(first.start));
  const occurrences = expandOccurrences(series, {
    from: now,
    to: opens + SERIES_WINDOW_SECONDS,
    limit: SERIES_MAX_OCCURRENCES,
  });
  return occurrences.map((o) => ({
    d: `${publicD}:${occurrenceUnix(o.original)}`,
    series: publicD,
    time: t.allDay
      ? { allDay: true, start: String(o.start), end: o.end === null ? null : String(o.end) }
      : {
          allDay: false,
          start: Number(o.start),
          end: o.end === null ? null : Number(o.end),
          tz: t.tz,
          endTz: t.endTz,
        },
  }));
}

/** The NIP-52 calendar: title = public name, content = about, one `a` per public event (sorted). */
export function publicCalendarTemplate(
  profile: PublicProfile,
  addresses: readonly string[],
  createdAt: number,
) {
  const tags: string[][] = [
    ["d", PUBLIC_CALENDAR_D],
    ["title", profile.name],
  ];
  for (const a of [...new Set(addresses)].sort()) tags.push(["a", a]);
  return { kind: KIND_CALENDAR, created_at: createdAt, tags, content: profile.about ?? "" };
}

export function buildPublicCalendar(
  profile: PublicProfile,
  addresses: readonly string[],
  groupSecret: Uint8Array,
  createdAt: number,
): NostrEvent {
  return signEvent(publicCalendarTemplate(profile, addresses, createdAt), groupSecret);
}

/**
 * NIP-09 deletion of public events of the group key: `e` for each id, `a` for each addressable
 * one and the profile (so every version up to now is gone), `k` for each kind.
 */
export function buildPublicDeletion(
  targets: readonly { id: string; kind: number; pubkey: string; tags: string[][] }[],
  groupSecret: Uint8Array,
  createdAt: number,
): NostrEvent {
  if (targets.length === 0) throw new InvalidInputError("targets", "nothing to delete");
  const tags: string[][] = [];
  const kinds = new Set<number>();
  for (const t of targets) {
    tags.push(["e", t.id]);
    if (t.kind === KIND_PROFILE || (t.kind >= 30000 && t.kind < 40000)) {
      tags.push(["a", publicAddress(t.kind, t.pubkey, t.tags.find((x) => x[0] === "d")?.[1] ?? "")]);
    }
    kinds.add(t.kind);
  }
  for (const k of [...kinds].sort((a, b) => a - b)) tags.push(["k", String(k)]);
  return signEvent({ kind: KIND_DELETION, created_at: createdAt, tags, content: "" }, groupSecret);
}

/** `ws://h:p` → `http://h:p`, `wss://…` → `https://…`, as the spec's public URLs are made. */
export function httpOrigin(relay: string): string {
  const m = /^(wss?):\/\/([^/?#]+)/i.exec(relay);
  if (!m) throw new InvalidInputError("relay", "the group's relay is not a ws:// or wss:// address");
  return `${(m[1] as string).toLowerCase() === "wss" ? "https" : "http"}://${m[2]}`;
}

/** The public page of the group: `<origin>/g/<npub>`. */
export function publicGroupUrl(relay: string, groupPubkey: string): { npub: string; url: string } {
  const npub = npubEncode(groupPubkey);
  return { npub, url: `${httpOrigin(relay)}/g/${npub}` };
}

/** The public page of an event: `<origin>/e/<naddr>` with the naddr naming that relay. */
export function publicEventUrl(
  relay: string,
  kind: number,
  groupPubkey: string,
  d: string,
): { naddr: string; url: string } {
  const naddr = naddrEncode({ kind, pubkey: groupPubkey, identifier: d, relays: [relay] });
  return { naddr, url: `${httpOrigin(relay)}/e/${naddr}` };
}

// --- inner messages ---

/** At most this many publications ride along with a 1927 (it stays far below the 64 KiB inner cap). */
export const MAX_SHARED_PUBLICATIONS = 500;

export interface PublicFaceShare {
  /** The group secret key, hex. */
  secret: string;
  name: string;
  about: string | null;
  picture: string | null;
  website: string | null;
  off: boolean;
  /**
   * What is published (a Rally addition to the spec's fields): an admin added later learns it with
   * the key, since messages sent before they joined are not readable to them.
   */
  publications?: Publication[];
}

/** 1927: the group key and profile (to be sealed to the admins). */
export function buildPublicFace(share: PublicFaceShare, by: { pubkey: string; createdAt: number }): Rumor {
  if (!isHex64(share.secret)) throw new InvalidInputError("secret", "the group secret is not 32 bytes hex");
  return makeRumor({
    pubkey: by.pubkey,
    createdAt: by.createdAt,
    kind: KIND_PUBLIC_FACE,
    tags: [],
    content: JSON.stringify({
      v: 1,
      secret: share.secret,
      name: share.name,
      about: share.about,
      picture: share.picture,
      website: share.website,
      off: share.off,
      ...(share.publications
        ? {
            events: share.publications.slice(0, MAX_SHARED_PUBLICATIONS).map((p) => [p.event, p.d, p.status]),
          }
        : {}),
    }),
  });
}

export function parsePublicFace(rumor: Rumor): Parsed<PublicFaceShare> {
  if (rumor.kind !== KIND_PUBLIC_FACE) return fail(`expected kind ${KIND_PUBLIC_FACE}`);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(rumor.content) as Record<string, unknown>;
  } catch {
    return fail("public face content is not JSON");
  }
  if (typeof v !== "object" || v === null || v.v !== 1) return fail("public face has no version 1");
  if (!isHex64(v.secret)) return fail("public face secret is not 32 bytes hex");
  const str = (x: unknown): string | null => (typeof x === "string" && x !== "" ? x : null);
  const off = v.off === true;
  const name = str(v.name);
  if (!off && (name === null || isBlank(name))) return fail("public face has no name");
  const publications: Publication[] = [];
  if (Array.isArray(v.events)) {
    for (const item of v.events.slice(0, MAX_SHARED_PUBLICATIONS)) {
      if (!Array.isArray(item)) continue;
      const [event, d, status] = item as unknown[];
      if (
        isHex64(event) &&
        typeof d === "string" &&
        PUBLIC_D_RE.test(d) &&
        (status === "published" || status === "unpublished")
      ) {
        publications.push({ event, d, status });
      }
    }
  }
  return ok({
    secret: v.secret,
    name: name ?? "",
    about: str(v.about),
    picture: str(v.picture),
    website: str(v.website),
    off,
    publications,
  });
}

export interface Publication {
  /** The private event's id (calendarEventId). */
  event: string;
  /** The public `d`. */
  d: string;
  status: "published" | "unpublished";
}

const PUBLIC_D_RE = /^[0-9a-f]{32}$/;

/** 1928: an admin published or withdrew an event (not sealed: members may know what is public). */
export function buildPublication(p: Publication, by: { pubkey: string; createdAt: number }): Rumor {
  if (!isHex64(p.event)) throw new InvalidInputError("event", "not an event id");
  if (!PUBLIC_D_RE.test(p.d)) throw new InvalidInputError("d", "a public d is 16 bytes hex");
  return makeRumor({
    pubkey: by.pubkey,
    createdAt: by.createdAt,
    kind: KIND_PUBLICATION,
    tags: [
      [TAG_EVENT, p.event],
      ["d", p.d],
      [TAG_STATUS, p.status],
    ],
    content: "",
  });
}

export function parsePublication(rumor: Rumor): Parsed<Publication> {
  if (rumor.kind !== KIND_PUBLICATION) return fail(`expected kind ${KIND_PUBLICATION}`);
  const event = tagValue(rumor, TAG_EVENT);
  const d = tagValue(rumor, "d");
  const status = tagValue(rumor, TAG_STATUS);
  if (!isHex64(event)) return fail("publication has no event id");
  if (d === undefined || !PUBLIC_D_RE.test(d)) return fail("publication has no public d");
  if (status !== "published" && status !== "unpublished") return fail("publication status is unknown");
  return ok({ event, d, status });
}

export interface AnswerDecision {
  /** The web answer's id. */
  answer: string;
  /** The private event's id. */
  event: string;
  status: "approved" | "refused";
}

/** 1929: a decision on a web answer (to be sealed to the admins and the event's hosts). */
export function buildAnswerDecision(p: AnswerDecision, by: { pubkey: string; createdAt: number }): Rumor {
  if (!isHex64(p.answer) || !isHex64(p.event)) throw new InvalidInputError("answer", "not an id");
  return makeRumor({
    pubkey: by.pubkey,
    createdAt: by.createdAt,
    kind: KIND_ANSWER_DECISION,
    tags: [
      ["e", p.answer],
      [TAG_EVENT, p.event],
      [TAG_STATUS, p.status],
    ],
    content: "",
  });
}

export function parseAnswerDecision(rumor: Rumor): Parsed<AnswerDecision> {
  if (rumor.kind !== KIND_ANSWER_DECISION) return fail(`expected kind ${KIND_ANSWER_DECISION}`);
  const answer = tagValue(rumor, "e");
  const event = tagValue(rumor, TAG_EVENT);
  const status = tagValue(rumor, TAG_STATUS);
  if (!isHex64(answer) || !isHex64(event)) return fail("decision has no answer or event id");
  if (status !== "approved" && status !== "refused") return fail("decision status is unknown");
  return ok({ answer, event, status });
}

export interface AnswerShare {
  /** The private event's id. */
  event: string;
  answer: PublicAnswer;
}

/**
 * 1931: an answer from the web as an admin's device opened it, passed on (sealed) to the admins and
 * the event's hosts: hosts hold no group key, so they learn of web answers only this way.
 */
export function buildAnswerShare(p: AnswerShare, by: { pubkey: string; createdAt: number }): Rumor {
  if (!isHex64(p.event)) throw new InvalidInputError("event", "not an event id");
  const a = p.answer;
  return makeRumor({
    pubkey: by.pubkey,
    createdAt: by.createdAt,
    kind: KIND_ANSWER_SHARE,
    tags: [
      ["e", a.id],
      [TAG_EVENT, p.event],
    ],
    content: JSON.stringify({
      event: a.event,
      name: a.name,
      contact: a.contact,
      status: a.status,
      guests: a.guests,
      note: a.note,
      replyTo: a.replyTo,
      at: a.at,
    }),
  });
}

export function parseAnswerShare(rumor: Rumor): Parsed<AnswerShare> {
  if (rumor.kind !== KIND_ANSWER_SHARE) return fail(`expected kind ${KIND_ANSWER_SHARE}`);
  const id = tagValue(rumor, "e");
  const event = tagValue(rumor, TAG_EVENT);
  if (!isHex64(id) || !isHex64(event)) return fail("answer share has no answer or event id");
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(rumor.content) as Record<string, unknown>;
  } catch {
    return fail("answer share content is not JSON");
  }
  if (typeof v !== "object" || v === null) return fail("answer share content is not an object");
  if (!isHex64(v.replyTo) || !Number.isSafeInteger(v.at))
    return fail("answer share has no reply key or time");
  try {
    const input = checkPublicAnswerInput({
      event: v.event as string,
      name: v.name as string,
      contact: (v.contact ?? null) as string | null,
      status: v.status as PublicAnswer["status"],
      guests: v.guests as number,
      note: (v.note ?? "") as string,
    });
    return ok({ event, answer: { ...input, id, replyTo: v.replyTo, at: v.at as number } });
  } catch (e) {
    return fail(`answer share: ${(e as Error).message}`);
  }
}
