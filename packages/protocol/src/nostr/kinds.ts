/**
 * NIP-01 kind classes ("Kinds"): how a relay stores an event of a given kind.
 *
 * - regular: 1000 <= n < 10000 || 4 <= n < 45 || n == 1 || n == 2, and any kind not listed below
 * - replaceable: 10000 <= n < 20000 || n == 0 || n == 3 — only the latest per (pubkey, kind) is kept
 * - ephemeral: 20000 <= n < 30000 — not stored, only forwarded to live subscriptions
 * - addressable: 30000 <= n < 40000 — only the latest per (pubkey, kind, `d` tag) is kept
 */
import { firstTagValue, type NostrEvent, type PubkeyHex } from "./event.ts";

export type KindClass = "regular" | "replaceable" | "ephemeral" | "addressable";

export function kindClass(kind: number): KindClass {
  if (kind === 0 || kind === 3 || (kind >= 10000 && kind < 20000)) return "replaceable";
  if (kind >= 20000 && kind < 30000) return "ephemeral";
  if (kind >= 30000 && kind < 40000) return "addressable";
  return "regular";
}

export const isReplaceableKind = (kind: number): boolean => kindClass(kind) === "replaceable";
export const isEphemeralKind = (kind: number): boolean => kindClass(kind) === "ephemeral";
export const isAddressableKind = (kind: number): boolean => kindClass(kind) === "addressable";

/*
 * Every kind Rally speaks, in one table: the layers above (wire/, app/, identity/) import these and
 * name no kind number of their own (docs/PROTOCOL.md, "Kinds").
 */

// Standard NIPs.
/** NIP-01 metadata; inside a group, a person's display name (docs/PROTOCOL.md "Names"), never published. */
export const KIND_PROFILE = 0;
/** NIP-09 deletion request. */
export const KIND_DELETION = 5;
/** NIP-25 reaction. */
export const KIND_REACTION = 7;
/** NIP-C7 chat message. */
export const KIND_CHAT = 9;
/** NIP-59 seal. */
export const KIND_SEAL = 13;
/** NIP-88 poll response. */
export const KIND_POLL_RESPONSE = 1018;
/** NIP-59 gift wrap. */
export const KIND_GIFT_WRAP = 1059;
/** NIP-88 poll. */
export const KIND_POLL = 1068;
/** NIP-17 inbox relays: where gift wraps for a person go. */
export const KIND_INBOX_RELAYS = 10050;
/** NIP-42 client authentication. */
export const KIND_CLIENT_AUTH = 22242;
/** NIP-52 date-based calendar event. */
export const KIND_DATE_EVENT = 31922;
/** NIP-52 time-based calendar event. */
export const KIND_TIME_EVENT = 31923;
/** NIP-52 calendar: a list of calendar events (a group's public calendar, app/publicFace.ts). */
export const KIND_CALENDAR = 31924;
/** NIP-52 calendar event RSVP. */
export const KIND_RSVP = 31925;

// Group transport, after Marmot (docs/PROTOCOL.md §14 says where Rally departs from it).
/** Marmot welcome rumor: never signed, only travels inside a gift wrap. */
export const KIND_WELCOME = 444;
/** Marmot group message: ciphertext signed by a one-time key. */
export const KIND_GROUP_MESSAGE = 445;
/** Marmot key package, addressable: one `d` slot per device. */
export const KIND_KEY_PACKAGE = 30443;

// Rally's own, in ranges no published NIP uses.
/** Rally: one chunk of an encrypted ratchet tree, referenced from a welcome. */
export const KIND_RATCHET_TREE_CHUNK = 1447;
/** Rally: join request rumor sent through an invite link (only inside a gift wrap). */
export const KIND_JOIN_REQUEST = 1448;
/** Rally: one step of linking a device of the same person (only inside a gift wrap). */
export const KIND_DEVICE_LINK = 1450;
/** Rally: a request to be let back into a group after recovering the account (only inside a gift wrap). */
export const KIND_REJOIN_REQUEST = 1451;
/** Rally: the person's encrypted list of groups, addressable with `d` = "rally-backup" (wire/accountBackup.ts). */
export const KIND_ACCOUNT_BACKUP = 30447;
/** Rally: an inner message encrypted (NIP-44) to a few members of the group, e.g. hosts-only RSVPs. */
export const KIND_SEALED = 1925;
/** Rally: the MLS device binding, signed but never published; ephemeral, so relays would not store it. */
export const KIND_DEVICE_BINDING = 24443;
/** Rally: a host's confirmation of who has a place at an event, in line order (app/places.ts). */
export const KIND_PLACES = 1926;
/** Rally: a group's public key and profile, sealed to its admins (inner, only inside a seal; app/publicFace.ts). */
export const KIND_PUBLIC_FACE = 1927;
/** Rally: an admin's record that a group event is published under the group's public key (inner). */
export const KIND_PUBLICATION = 1928;
/** Rally: an admin's or host's decision on an answer from the web, sealed to admins and hosts (inner). */
export const KIND_ANSWER_DECISION = 1929;
/** Rally: an answer from the web, passed on by an admin to the admins and the event's hosts (inner, sealed). */
export const KIND_ANSWER_SHARE = 1931;
/** Rally: a group's answer to someone who answered its public event from the web (only inside a gift wrap). */
export const KIND_PUBLIC_REPLY = 1930;

/**
 * The `d` tag value that identifies an addressable event; an event without one is addressed by ""
 * (NIP-01: "the first d tag value", missing treated as empty).
 */
export function dTag(event: Pick<NostrEvent, "tags">): string {
  return firstTagValue(event, "d") ?? "";
}

/**
 * The key under which a replaceable or addressable event replaces older ones, or undefined for
 * regular and ephemeral kinds. Replaceable kinds use an empty `d`.
 */
export function replacementKey(
  event: Pick<NostrEvent, "kind" | "tags">,
): { kind: number; d: string } | undefined {
  const cls = kindClass(event.kind);
  if (cls === "replaceable") return { kind: event.kind, d: "" };
  if (cls === "addressable") return { kind: event.kind, d: dTag(event) };
  return undefined;
}

/** NIP-01 `a` tag address of an addressable or replaceable event: `<kind>:<pubkey>:<d>`. */
export function eventAddress(event: Pick<NostrEvent, "kind" | "pubkey" | "tags">): string {
  return `${event.kind}:${event.pubkey}:${isAddressableKind(event.kind) ? dTag(event) : ""}`;
}

/**
 * NIP-01 tie-break between two versions of a replaceable event: the newer `created_at` wins;
 * "in case of replaceable events with the same timestamp, the event with the lowest id (first in
 * lexical order) should be retained". True when `a` should replace `b`.
 */
export function supersedes(
  a: { created_at: number; id: string },
  b: { created_at: number; id: string },
): boolean {
  if (a.created_at !== b.created_at) return a.created_at > b.created_at;
  return a.id < b.id;
}

/** Parses an `a`-tag address `<kind>:<pubkey>:<d>`; undefined when malformed. */
export function parseAddress(value: string): { kind: number; pubkey: PubkeyHex; d: string } | undefined {
  const first = value.indexOf(":");
  const second = first < 0 ? -1 : value.indexOf(":", first + 1);
  if (first < 0 || second < 0) return undefined;
  const kindText = value.slice(0, first);
  const pubkey = value.slice(first + 1, second);
  if (!/^\d{1,5}$/.test(kindText) || !/^[0-9a-f]{64}$/.test(pubkey)) return undefined;
  const kind = Number(kindText);
  if (kind > 65535) return undefined;
  return { kind, pubkey: pubkey as PubkeyHex, d: value.slice(second + 1) };
}
