/**
 * Inbox relays (NIP-17 kind 10050, reused by Marmot and Rally): a replaceable event listing, in
 * `["relay", url]` tags, where gift wraps for its author should be sent — welcomes and invite
 * replies. The parser is lenient with other people's lists (unknown tags and unusable URLs are
 * skipped and counted) but refuses a list with no usable relay, since a welcome sent nowhere is lost.
 */

import type { EventTemplate, NostrEvent, PubkeyHex } from "../nostr/event.ts";
import { nowSeconds } from "../nostr/time.ts";
import { fail, MarmotError } from "./errors.ts";
import { checkSignedEvent, defaultVerify, type VerifyEvent } from "./eventShape.ts";
import { KIND_INBOX_RELAYS } from "./kinds.ts";
import { checkRelayUrl, normalizeRelayList, type RelayUrl } from "./relayUrl.ts";

/** NIP-17 asks for a short list; more than this is trimmed on reading. */
export const MAX_INBOX_RELAYS = 16;
const WHAT = "inbox relay list";

/** The unsigned kind 10050 event; sign it with the person's key. */
export function buildInboxRelaysEvent(input: { relays: readonly string[]; now?: number }): EventTemplate {
  const relays = normalizeRelayList(input.relays, WHAT, 1, MAX_INBOX_RELAYS);
  return {
    kind: KIND_INBOX_RELAYS,
    created_at: input.now ?? nowSeconds(),
    tags: relays.map((r) => ["relay", r]),
    content: "",
  };
}

export interface ReceivedInboxRelays {
  eventId: string;
  author: PubkeyHex;
  relays: RelayUrl[];
  createdAt: number;
  /** `relay` tags skipped because their URL is unusable, repeated, or past the limit. */
  skipped: number;
}

/** Checks a received kind 10050 event and reads its relays. */
export function parseInboxRelaysEvent(
  event: unknown,
  options: { verify?: VerifyEvent } = {},
): ReceivedInboxRelays {
  const e: NostrEvent = checkSignedEvent(event, KIND_INBOX_RELAYS, WHAT, options.verify ?? defaultVerify);
  const relays: RelayUrl[] = [];
  let skipped = 0;
  for (const tag of e.tags) {
    if (tag[0] !== "relay") continue;
    try {
      const url = checkRelayUrl(tag[1]);
      if (relays.includes(url) || relays.length >= MAX_INBOX_RELAYS) skipped++;
      else relays.push(url);
    } catch (err) {
      if (!(err instanceof MarmotError)) throw err;
      skipped++;
    }
  }
  if (relays.length === 0) fail("bad-tag", "This inbox relay list names no usable relay.");
  return { eventId: e.id, author: e.pubkey as PubkeyHex, relays, createdAt: e.created_at, skipped };
}

/** The relay filter that finds people's inbox relay lists. */
export function inboxRelaysFilter(authors: readonly string[]): { kinds: number[]; authors: string[] } {
  return { kinds: [KIND_INBOX_RELAYS], authors: [...authors] };
}
