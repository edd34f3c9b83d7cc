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

/** NIP-09 deletion request. */
export const KIND_DELETION = 5;
/** NIP-42 client authentication. */
export const KIND_CLIENT_AUTH = 22242;
/** NIP-59 gift wrap. */
export const KIND_GIFT_WRAP = 1059;

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
