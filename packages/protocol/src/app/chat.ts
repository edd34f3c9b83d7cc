/**
 * Chat inner messages: kind 9 messages (NIP-C7 shape; a reply names its parent with an `e` tag
 * marked "reply", as NIP-10 marks replies), kind 7 reactions (NIP-25) and kind 5 deletion requests
 * (NIP-09). Builders return rumors; parsers turn a rumor into typed fields or a reason it is invalid.
 */

import { KIND_CHAT, KIND_DELETION, KIND_REACTION } from "./kinds.ts";
import {
  fail,
  InvalidInputError,
  isHex64,
  makeRumor,
  ok,
  type Parsed,
  type Rumor,
  tagsNamed,
} from "./rumor.ts";
import { charCount, checkText, isBlank } from "./text.ts";

/**
 * Most characters (code points, text.ts) in a message. At most 6 bytes each once JSON-escaped,
 * plus the rumor's fields and a reply's tags, this fits the 64 KiB inner-message cap
 * (MAX_INNER_RUMOR_BYTES) for any text — emoji and all — so no message within it is refused for size.
 */
export const MAX_CHAT_LENGTH = 10_000;
export const MAX_REACTION_LENGTH = 64;

export interface ChatMessageFields {
  text: string;
  /** Id of the message this one answers, if any. */
  replyTo: string | null;
}

export function buildChatMessage(input: {
  pubkey: string;
  createdAt: number;
  text: string;
  replyTo?: { id: string; pubkey?: string } | null;
}): Rumor {
  const text = checkText("text", input.text, { what: "The message", max: MAX_CHAT_LENGTH });
  const tags: string[][] = [];
  if (input.replyTo) {
    if (!isHex64(input.replyTo.id))
      throw new InvalidInputError("replyTo", "reply target is not a message id");
    tags.push(["e", input.replyTo.id, "", "reply"]);
    if (input.replyTo.pubkey !== undefined) {
      if (!isHex64(input.replyTo.pubkey))
        throw new InvalidInputError("replyTo", "reply author is not a pubkey");
      tags.push(["p", input.replyTo.pubkey]);
    }
  }
  return makeRumor({
    pubkey: input.pubkey,
    createdAt: input.createdAt,
    kind: KIND_CHAT,
    tags,
    content: text,
  });
}

export function parseChatMessage(rumor: Rumor): Parsed<ChatMessageFields> {
  if (rumor.kind !== KIND_CHAT) return fail(`expected kind ${KIND_CHAT}, got ${rumor.kind}`);
  // A hostile member's blank-looking message is dropped like any invalid one, never shown as blank.
  if (isBlank(rumor.content)) return fail("chat message is empty");
  if (charCount(rumor.content) > MAX_CHAT_LENGTH) return fail("chat message is too long");
  const es = tagsNamed(rumor, "e");
  // A marked "reply" tag wins; an unmarked single `e` tag (older clients) is read as the parent too.
  const marked = es.find((t) => t[3] === "reply");
  const parent = marked ?? (es.length === 1 ? es[0] : undefined) ?? tagsNamed(rumor, "q")[0];
  if (parent !== undefined && !isHex64(parent[1])) return fail("reply target is not an event id");
  return ok({ text: rumor.content, replyTo: parent?.[1] ?? null });
}

export interface ReactionFields {
  target: string;
  /** The reaction content: an emoji, or "+" / "-" as NIP-25 allows. Empty content reads as "+". */
  emoji: string;
}

export function buildReaction(input: {
  pubkey: string;
  createdAt: number;
  target: { id: string; pubkey: string; kind?: number };
  emoji: string;
}): Rumor {
  if (!isHex64(input.target.id)) throw new InvalidInputError("target", "reaction target is not a message id");
  if (!isHex64(input.target.pubkey))
    throw new InvalidInputError("target", "reaction target author is not a pubkey");
  const emoji = input.emoji.trim();
  if (isBlank(emoji) || charCount(emoji) > MAX_REACTION_LENGTH || /\s/.test(emoji)) {
    throw new InvalidInputError("emoji", "a reaction is one emoji or short word without spaces");
  }
  return makeRumor({
    pubkey: input.pubkey,
    createdAt: input.createdAt,
    kind: KIND_REACTION,
    tags: [
      ["e", input.target.id],
      ["p", input.target.pubkey],
      ["k", String(input.target.kind ?? KIND_CHAT)],
    ],
    content: emoji,
  });
}

export function parseReaction(rumor: Rumor): Parsed<ReactionFields> {
  if (rumor.kind !== KIND_REACTION) return fail(`expected kind ${KIND_REACTION}, got ${rumor.kind}`);
  // NIP-25: the target is the last `e` tag.
  const target = tagsNamed(rumor, "e").at(-1)?.[1];
  if (!isHex64(target)) return fail("reaction has no valid `e` tag");
  const emoji = rumor.content.trim() === "" ? "+" : rumor.content.trim();
  if (charCount(emoji) > MAX_REACTION_LENGTH) return fail("reaction is too long");
  return ok({ target, emoji });
}

export interface DeletionFields {
  targets: string[];
  reason: string;
}

export function buildDeletion(input: {
  pubkey: string;
  createdAt: number;
  targets: { id: string; kind?: number }[];
  reason?: string;
}): Rumor {
  if (input.targets.length === 0) throw new InvalidInputError("targets", "nothing to delete");
  const tags: string[][] = [];
  const kinds = new Set<number>();
  for (const t of input.targets) {
    if (!isHex64(t.id)) throw new InvalidInputError("targets", "deletion target is not an event id");
    tags.push(["e", t.id]);
    if (t.kind !== undefined) kinds.add(t.kind);
  }
  for (const k of kinds) tags.push(["k", String(k)]);
  return makeRumor({
    pubkey: input.pubkey,
    createdAt: input.createdAt,
    kind: KIND_DELETION,
    tags,
    content: input.reason ?? "",
  });
}

export function parseDeletion(rumor: Rumor): Parsed<DeletionFields> {
  if (rumor.kind !== KIND_DELETION) return fail(`expected kind ${KIND_DELETION}, got ${rumor.kind}`);
  const targets = [...new Set(tagsNamed(rumor, "e").map((t) => t[1]))];
  if (targets.length === 0) return fail("deletion names no event");
  if (!targets.every(isHex64)) return fail("deletion target is not an event id");
  return ok({ targets: targets as string[], reason: rumor.content });
}
