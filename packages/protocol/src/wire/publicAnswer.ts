/**
 * Answers from people without Rally (docs/PROTOCOL.md §20). Someone reading a group's public event
 * page answers it (going / maybe / can't go); the answer travels as a NIP-59 gift wrap to the
 * group's *public key*, so only the group's admins can read the name and contact in it, and the
 * relay sees a gift wrap to a key that already signs public events, nothing more.
 *
 *   answer rumor (kind 31925, NIP-52 RSVP, sealed by a throwaway key the answerer keeps):
 *     tags    = ["a", <event address>], ["d", <event address>], ["status", accepted|tentative|declined],
 *               ["rally_guests", "<n>"], ["rally_name", name], ["rally_contact", contact]?
 *     content = note
 *   reply rumor (kind 1930, sealed by the group's public key, wrapped to the throwaway key):
 *     tags    = ["a", <event address>], ["e", <answer id>], ["rally_status", approved|refused],
 *               ["location", place]? (only when approved)
 *     content = message
 *
 * The throwaway key is the answerer's only handle: whoever holds its secret can open the group's
 * reply. Every field is checked on both sides with the same rules, so a wrap made by any client is
 * refused in plain words if it breaks them.
 *
 * The answer's wrap carries NIP-13 proof of work (`PUBLIC_ANSWER_POW`): anyone can publish gift
 * wraps to a group's public key straight to a relay, and each one costs an admin device two
 * decryptions and two signature checks to open. A wrap without the work is dropped on sight of its
 * id, before any of that.
 */

import { getPublicKey } from "nostr-tools/pure";
import { isLowerHex, type NostrEvent } from "../nostr/event.ts";
import {
  KIND_DATE_EVENT,
  KIND_PUBLIC_REPLY,
  KIND_RSVP,
  KIND_TIME_EVENT,
  parseAddress,
} from "../nostr/kinds.ts";
import { committedTarget, leadingZeroBits, type Pause } from "../nostr/proofOfWork.ts";
import { fail } from "./errors.ts";
import { optionalValueTag, singleValueTag } from "./eventShape.ts";
import { giftWrap, giftWrapWithWork, openGiftWrap } from "./giftWrap.ts";

export type PublicAnswerStatus = "going" | "maybe" | "declined";

export interface PublicAnswerInput {
  /** `<31922|31923>:<group public key hex>:<d>` of the public event (one occurrence for a series). */
  event: string;
  /** 1..100 characters. */
  name: string;
  /** 0..200 characters (email, phone, anything), or null. */
  contact: string | null;
  status: PublicAnswerStatus;
  /** 0..20, only with going. */
  guests: number;
  /** 0..1000 characters. */
  note: string;
}

export interface PublicAnswer extends PublicAnswerInput {
  /** The answer rumor's id. */
  id: string;
  /** The throwaway public key the reply goes to. */
  replyTo: string;
  /** When it was answered (unix seconds, the rumor's time). */
  at: number;
}

export interface PublicReply {
  /** The answer's id. */
  answer: string;
  /** The public event's address. */
  event: string;
  status: "approved" | "refused";
  /** The place, only when approved (null when refused or when the event has none). */
  place: string | null;
  /** A few words from the hosts, 0..1000 characters. */
  message: string;
}

export const MAX_ANSWER_NAME = 100;
export const MAX_ANSWER_CONTACT = 200;
export const MAX_ANSWER_NOTE = 1000;
export const MAX_ANSWER_GUESTS = 20;
export const MAX_REPLY_PLACE = 1000;
export const MAX_REPLY_MESSAGE = 1000;
/**
 * Leading zero bits (NIP-13) an answer's wrap id must have. 15 bits is 32,768 hashes on average:
 * for a typical answer (a 2.6 KB wrap) mined with @noble/hashes, about 0.8 s in Node and 1.4 s in
 * headless Chromium on a busy 2-core 2026 server; about four times that for a note at its longest
 * (every try hashes the whole wrap).
 * It is the price of each junk wrap a stranger sends straight to a relay, and it lets an admin
 * device drop any wrap without it by looking at its id (docs/PROTOCOL.md §20).
 */
export const PUBLIC_ANSWER_POW = 15;

/** A public `d` is 32 hex, an occurrence's `<d>:<unix>`; anything far longer is not Rally's. */
const MAX_D = 200;

const ANSWER = "answer";
const REPLY = "reply to an answer";

/** NIP-52 RSVP `status` values for each answer. */
const NIP52_STATUS: Record<PublicAnswerStatus, string> = {
  going: "accepted",
  maybe: "tentative",
  declined: "declined",
};
const FROM_NIP52: Record<string, PublicAnswerStatus> = {
  accepted: "going",
  tentative: "maybe",
  declined: "declined",
};

/** Length in characters as a person counts them (code points, so an emoji is one). */
const chars = (text: string): number => [...text].length;

/** Control characters and bidirectional overrides; `multiline` lets a note keep its line breaks and tabs. */
function hasUnsafe(text: string, multiline: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (multiline && (c === 0x0a || c === 0x09 || c === 0x0d)) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
      return true;
  }
  return false;
}

function checkText(
  value: unknown,
  field: string,
  max: number,
  opts: { min?: number; multiline?: boolean },
): string {
  if (typeof value !== "string") return fail("malformed", `The ${field} must be text.`);
  const text = opts.multiline ? value : value.trim();
  const n = chars(text);
  if (n < (opts.min ?? 0)) return fail("malformed", `The ${field} is missing.`);
  if (n > max) return fail("too-large", `The ${field} may be at most ${max} characters (it has ${n}).`);
  if (hasUnsafe(text, opts.multiline ?? false))
    return fail("malformed", `The ${field} holds control characters; use plain text.`);
  return text;
}

/** Checks a public event's address: a NIP-52 date or time event of a valid key with a `d`. */
export function checkPublicEventAddress(value: unknown): { kind: number; pubkey: string; d: string } {
  const parsed = typeof value === "string" ? parseAddress(value) : undefined;
  if (!parsed || (parsed.kind !== KIND_DATE_EVENT && parsed.kind !== KIND_TIME_EVENT))
    return fail(
      "malformed",
      `The event must be the address of a public calendar event ("31922:<key>:<d>" or "31923:<key>:<d>").`,
    );
  if (parsed.d === "" || parsed.d.length > MAX_D || hasUnsafe(parsed.d, false))
    return fail("malformed", "The event's address has no usable identifier.");
  return parsed;
}

/** Checks every field of an answer and returns it trimmed (an empty contact becomes null). */
export function checkPublicAnswerInput(input: PublicAnswerInput): PublicAnswerInput {
  checkPublicEventAddress(input.event);
  const name = checkText(input.name, "name", MAX_ANSWER_NAME, { min: 1 });
  const contactText =
    input.contact === null ? "" : checkText(input.contact, "contact", MAX_ANSWER_CONTACT, {});
  const note = checkText(input.note, "note", MAX_ANSWER_NOTE, { multiline: true });
  if (input.status !== "going" && input.status !== "maybe" && input.status !== "declined")
    fail("malformed", `The answer must be "going", "maybe" or "declined".`);
  const guests = input.guests;
  if (typeof guests !== "number" || !Number.isInteger(guests) || guests < 0 || guests > MAX_ANSWER_GUESTS)
    fail("malformed", `Guests must be a whole number from 0 to ${MAX_ANSWER_GUESTS}.`);
  if (guests > 0 && input.status !== "going")
    fail("malformed", "Guests can come only with someone who is going.");
  return {
    event: input.event,
    name,
    contact: contactText === "" ? null : contactText,
    status: input.status,
    guests,
    note,
  };
}

function checkReply(reply: PublicReply): PublicReply {
  checkPublicEventAddress(reply.event);
  if (!isLowerHex(reply.answer, 64)) fail("malformed", "The reply must name the answer's id (64 hex).");
  if (reply.status !== "approved" && reply.status !== "refused")
    fail("malformed", `A reply's status must be "approved" or "refused".`);
  const place = reply.place === null ? "" : checkText(reply.place, "place", MAX_REPLY_PLACE, {});
  if (place !== "" && reply.status !== "approved")
    fail("malformed", "A refused answer is never told the place.");
  const message = checkText(reply.message, "message", MAX_REPLY_MESSAGE, { multiline: true });
  return {
    answer: reply.answer,
    event: reply.event,
    status: reply.status,
    place: place === "" ? null : place,
    message,
  };
}

function publicKeyOf(secret: Uint8Array, whose: string): string {
  try {
    return getPublicKey(secret);
  } catch {
    return fail("bad-parameter", `The ${whose} secret key is not valid.`);
  }
}

export interface AnswerWorkOptions {
  /** Leading zero bits to mine; default `PUBLIC_ANSWER_POW` (less only to make a wrap that is refused). */
  difficulty?: number;
  /** Given between slices of mining (default: the next turn of the event loop). */
  pause?: Pause;
}

/**
 * What is wrong with the proof of work of an answer's wrap, or undefined when it has enough: its
 * id has `PUBLIC_ANSWER_POW` leading zero bits and its one `nonce` tag commits to at least that.
 * Looks at the id and tags only; the id is not checked against the event here (opening does that).
 */
export function answerWorkProblem(wrap: {
  id: unknown;
  tags: readonly (readonly string[])[];
}): string | undefined {
  const bits = leadingZeroBits(wrap.id);
  if (bits < PUBLIC_ANSWER_POW)
    return `The answer's proof of work is too small: its id has ${bits} leading zero bits, an answer needs ${PUBLIC_ANSWER_POW} (NIP-13).`;
  const target = committedTarget(wrap.tags);
  if (target === undefined)
    return `The answer's proof of work has no target: it needs one "nonce" tag naming ${PUBLIC_ANSWER_POW} or more (NIP-13).`;
  if (target < PUBLIC_ANSWER_POW)
    return `The answer's proof of work is too small: its nonce tag aims at ${target} bits, an answer needs ${PUBLIC_ANSWER_POW} (NIP-13).`;
  return undefined;
}

/**
 * Seals an answer with the throwaway key and gift-wraps it (kind 1059) to the group's public key,
 * with the proof of work mined on the wrap (about a second in a browser; the platform keeps
 * running between slices).
 */
export async function wrapPublicAnswer(
  input: PublicAnswerInput,
  throwawaySecret: Uint8Array,
  groupPubkey: string,
  now?: number,
  options: AnswerWorkOptions = {},
): Promise<NostrEvent> {
  const answer = checkPublicAnswerInput(input);
  publicKeyOf(throwawaySecret, "answer's");
  if (checkPublicEventAddress(answer.event).pubkey !== groupPubkey)
    fail("bad-parameter", "An answer goes to the group whose event it answers; the keys differ.");
  const tags = [
    ["a", answer.event],
    ["d", answer.event],
    ["status", NIP52_STATUS[answer.status]],
    ["rally_guests", String(answer.guests)],
    ["rally_name", answer.name],
  ];
  if (answer.contact !== null) tags.push(["rally_contact", answer.contact]);
  return giftWrapWithWork(
    {
      kind: KIND_RSVP,
      content: answer.note,
      tags,
      ...(now === undefined ? {} : { now }),
      senderSecretKey: throwawaySecret,
      recipientPubkey: groupPubkey,
      what: ANSWER,
    },
    options.difficulty ?? PUBLIC_ANSWER_POW,
    options.pause ? { pause: options.pause } : {},
  );
}

/** Opens an answer wrapped to the group's public key; throws a `MarmotError` saying what is wrong. */
export function openPublicAnswer(wrap: NostrEvent, groupSecret: Uint8Array): PublicAnswer {
  const group = publicKeyOf(groupSecret, "group's");
  const work = answerWorkProblem(wrap);
  if (work !== undefined) fail("too-little-work", work);
  const { rumor } = openGiftWrap(wrap, groupSecret, ANSWER);
  if (rumor.kind !== KIND_RSVP) fail("wrong-kind", `This gift wrap holds kind ${rumor.kind}, not an answer.`);
  const event = singleValueTag(rumor.tags, "a", ANSWER);
  if (singleValueTag(rumor.tags, "d", ANSWER) !== event)
    fail("bad-tag", `The ${ANSWER}'s "d" must be the event's address.`);
  const status = FROM_NIP52[singleValueTag(rumor.tags, "status", ANSWER)];
  if (!status) return fail("bad-tag", `The ${ANSWER}'s status must be accepted, tentative or declined.`);
  const guestsText = singleValueTag(rumor.tags, "rally_guests", ANSWER);
  if (!/^\d{1,2}$/.test(guestsText)) fail("bad-tag", `The ${ANSWER}'s guests must be a whole number.`);
  const checked = checkPublicAnswerInput({
    event,
    name: singleValueTag(rumor.tags, "rally_name", ANSWER),
    contact: optionalValueTag(rumor.tags, "rally_contact", ANSWER) ?? null,
    status,
    guests: Number(guestsText),
    note: rumor.content,
  });
  if (checkPublicEventAddress(event).pubkey !== group)
    fail("not-for-me", "This answer is for another group's event.");
  return { ...checked, id: rumor.id, replyTo: rumor.pubkey, at: rumor.created_at };
}

/** Seals the group's reply with its public key and gift-wraps it to the answer's throwaway key. */
export function wrapPublicReply(
  reply: PublicReply,
  groupSecret: Uint8Array,
  to: string,
  now?: number,
): NostrEvent {
  const checked = checkReply(reply);
  if (checkPublicEventAddress(checked.event).pubkey !== publicKeyOf(groupSecret, "group's"))
    fail("bad-parameter", "A reply is signed by the group whose event was answered; the keys differ.");
  const tags = [
    ["a", checked.event],
    ["e", checked.answer],
    ["rally_status", checked.status],
  ];
  if (checked.place !== null) tags.push(["location", checked.place]);
  return giftWrap({
    kind: KIND_PUBLIC_REPLY,
    content: checked.message,
    tags,
    ...(now === undefined ? {} : { now }),
    senderSecretKey: groupSecret,
    recipientPubkey: to,
    what: REPLY,
  });
}

/**
 * Opens the group's reply with the throwaway secret; `from` is the key that sealed it, and it must
 * be the key whose event was answered (anyone may wrap to the throwaway key, only the group can seal
 * as the group); `at` is when the group wrote it (the newest reply is the group's last word).
 */
export function openPublicReply(
  wrap: NostrEvent,
  throwawaySecret: Uint8Array,
): PublicReply & { from: string; at: number } {
  publicKeyOf(throwawaySecret, "answer's");
  const { rumor } = openGiftWrap(wrap, throwawaySecret, REPLY);
  if (rumor.kind !== KIND_PUBLIC_REPLY)
    fail("wrong-kind", `This gift wrap holds kind ${rumor.kind}, not a reply to an answer.`);
  const status = singleValueTag(rumor.tags, "rally_status", REPLY);
  const reply = checkReply({
    answer: singleValueTag(rumor.tags, "e", REPLY),
    event: singleValueTag(rumor.tags, "a", REPLY),
    status: status as PublicReply["status"],
    place: optionalValueTag(rumor.tags, "location", REPLY) ?? null,
    message: rumor.content,
  });
  if (checkPublicEventAddress(reply.event).pubkey !== rumor.pubkey)
    fail("sender-mismatch", "This reply was not sealed by the group whose event was answered.");
  return { ...reply, from: rumor.pubkey, at: rumor.created_at };
}
