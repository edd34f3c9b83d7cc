/**
 * Welcomes (Marmot MIP-02, Rally profile in docs/PROTOCOL.md "Welcomes"): an unsigned kind 444
 * rumor holding one MLS Welcome, gift-wrapped (NIP-59) to one invitee, published to the invitee's
 * inbox relays only after a relay has acknowledged the commit that added them.
 *
 *   content = base64(MLSMessage bytes of the Welcome)
 *   tags    = ["e", id of the key package event used]
 *             ["relays", group relay, …]          where to read the group's messages
 *             ["ratchet_tree", key, chunk id, …]  only when the tree travels beside the welcome
 *             ["answer", hex]                     only for a join request: `joinAnswer` over its nonce
 *             ["name", inviter's name]            optional: how the inviter calls themselves
 *
 * The seal is signed by the inviter's own key, so the invitee learns who invited them; the rumor
 * author must equal the seal signer. The inviter's name lets an invitee show who invited them
 * without fetching anything from the group's relays (an invitation stays inert until accepted).
 * The answer tag is what binds a welcome to the join request it answers (joinRequest.ts).
 */

import { getEventHash } from "nostr-tools/pure";
import type { NostrEvent, PubkeyHex } from "../nostr/event.ts";
import { nowSeconds } from "../nostr/time.ts";
import { base64Length, decodeBase64, encodeBase64, hasUnsafeChars, isHex64, utf8Encode } from "./bytes.ts";
import { fail } from "./errors.ts";
import { optionalValueTag, type Rumor, singleValueTag, tagsNamed, type VerifyEvent } from "./eventShape.ts";
import { giftWrap, giftWrapFrameBytes, openGiftWrap, RELAY_FRAME_LIMIT } from "./giftWrap.ts";
import { KIND_WELCOME } from "./kinds.ts";
import { parseRatchetTreeTag, type RatchetTreeRef, ratchetTreeTag } from "./ratchetTree.ts";
import { checkRelayList, normalizeRelayList, type RelayUrl } from "./relayUrl.ts";

/** No welcome larger than this can fit in a relay frame once base64-encoded and wrapped twice. */
export const MAX_WELCOME_BYTES = 131_072;
/** Relays a welcome may name. */
export const MAX_WELCOME_RELAYS = 16;
/** An inviter's name in a welcome, as a join request's name. */
export const MAX_INVITER_NAME_BYTES = 100;

export interface WelcomeInput {
  /** Serialised MLSMessage holding the Welcome. */
  welcome: Uint8Array;
  /** Id of the invitee's kind 30443 event whose key package the commit used. */
  keyPackageEventId: string;
  /** The group's relays. */
  relays: readonly string[];
  /** Present when the welcome was made without the ratchet_tree extension. */
  ratchetTree?: RatchetTreeRef;
  /** For a welcome that answers a join request: `joinAnswer(…)` over the request's nonce. */
  answer?: string;
  /** How the inviter calls themselves (shown with the invitation before it is accepted). */
  inviterName?: string;
}

export interface ReceivedWelcome {
  /** Who invited (the seal signer, equal to the rumor author). */
  inviter: PubkeyHex;
  welcome: Uint8Array;
  keyPackageEventId: string;
  relays: RelayUrl[];
  ratchetTree: RatchetTreeRef | null;
  /** The join-request answer, when the welcome carries one (checked by the joiner, not here). */
  answer: string | null;
  inviterName: string | null;
  /** Rumor id and time: stable across re-wraps; use as the invite's id. */
  rumorId: string;
  createdAt: number;
  /** Id of the gift wrap that carried it (what a client marks as seen). */
  wrapId: string;
}

function welcomeTags(input: WelcomeInput): string[][] {
  if (!(input.welcome instanceof Uint8Array) || input.welcome.length === 0) {
    return fail("bad-parameter", "The MLS welcome to send is empty.");
  }
  if (input.welcome.length > MAX_WELCOME_BYTES) {
    return fail(
      "too-large",
      `An MLS welcome may be at most ${MAX_WELCOME_BYTES} bytes; send the tree beside it.`,
    );
  }
  if (!isHex64(input.keyPackageEventId))
    return fail("bad-parameter", "The key package event id must be 64 hex.");
  const relays = normalizeRelayList(input.relays, "group's relay list", 1, MAX_WELCOME_RELAYS);
  const tags = [
    ["e", input.keyPackageEventId],
    ["relays", ...relays],
  ];
  if (input.ratchetTree) tags.push(ratchetTreeTag(input.ratchetTree));
  if (input.answer !== undefined) {
    if (!isHex64(input.answer)) return fail("bad-parameter", "A join answer must be 64 hex characters.");
    tags.push(["answer", input.answer]);
  }
  if (input.inviterName !== undefined) tags.push(["name", checkInviterName(input.inviterName)]);
  return tags;
}

function checkInviterName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === "" || hasUnsafeChars(trimmed) || utf8Encode(trimmed).length > MAX_INVITER_NAME_BYTES) {
    return fail("bad-tag", "The inviter's name must be plain text of at most 100 bytes.");
  }
  return trimmed;
}

/** The unsigned kind 444 rumor (with its id) that `wrapWelcome` seals; exposed for tests and sizing. */
export function buildWelcomeRumor(input: WelcomeInput & { inviterPubkey: string; now?: number }): Rumor {
  const rumor = {
    created_at: input.now ?? nowSeconds(),
    content: encodeBase64(input.welcome),
    tags: welcomeTags(input),
    kind: KIND_WELCOME,
    pubkey: input.inviterPubkey as PubkeyHex,
  };
  return { ...rumor, id: getEventHash(rumor) };
}

/**
 * Exact wire size of the gift wrap `wrapWelcome` would make (no cryptography is done). A caller
 * compares it with `RELAY_FRAME_LIMIT` to choose between an inline tree and `sealRatchetTree`.
 */
export function welcomeWrapBytes(input: WelcomeInput): number {
  const tags = welcomeTags(input);
  const rumorJson = JSON.stringify({
    created_at: 1e9,
    content: "",
    tags,
    kind: KIND_WELCOME,
    pubkey: "0".repeat(64),
    id: "0".repeat(64),
  });
  return giftWrapFrameBytes(utf8Encode(rumorJson).length + base64Length(input.welcome.length));
}

/**
 * Seals a welcome for one invitee. Throws `too-large` when the gift wrap would not fit in a relay
 * frame; then make the welcome without the ratchet tree and pass `ratchetTree` instead.
 */
export function wrapWelcome(
  input: WelcomeInput & { inviterSecretKey: Uint8Array; inviteePubkey: string; now?: number },
): NostrEvent {
  const size = welcomeWrapBytes(input);
  if (size > RELAY_FRAME_LIMIT) {
    return fail(
      "too-large",
      `This welcome would be ${size} bytes on the wire (relays take ${RELAY_FRAME_LIMIT}); send the tree beside it.`,
    );
  }
  return giftWrap({
    kind: KIND_WELCOME,
    content: encodeBase64(input.welcome),
    tags: welcomeTags(input),
    now: input.now,
    senderSecretKey: input.inviterSecretKey,
    recipientPubkey: input.inviteePubkey,
    what: "welcome",
  });
}

/** Reads the fields of a checked kind 444 rumor. */
export function parseWelcomeRumor(rumor: Rumor): Omit<ReceivedWelcome, "wrapId" | "inviter"> {
  if (rumor.kind !== KIND_WELCOME)
    fail("wrong-kind", `Expected a welcome (kind ${KIND_WELCOME}), got kind ${rumor.kind}.`);
  const keyPackageEventId = singleValueTag(rumor.tags, "e", "welcome");
  if (!isHex64(keyPackageEventId)) fail("bad-tag", "The welcome's key package id is not 64 hex characters.");
  const relayTags = tagsNamed(rumor.tags, "relays");
  if (relayTags.length !== 1) fail("bad-tag", 'The welcome must have exactly one "relays" tag.');
  const relays = checkRelayList(relayTags[0]!.slice(1), "welcome's relay list", 1, MAX_WELCOME_RELAYS);
  const encoding = optionalValueTag(rumor.tags, "encoding", "welcome");
  if (encoding !== undefined && encoding !== "base64")
    fail("bad-encoding", "The welcome uses an unknown encoding.");
  const treeTags = tagsNamed(rumor.tags, "ratchet_tree");
  if (treeTags.length > 1) fail("bad-tag", "The welcome has more than one ratchet_tree tag.");
  const welcome = decodeBase64(rumor.content, MAX_WELCOME_BYTES, "welcome");
  if (welcome.length === 0) fail("malformed", "The welcome is empty.");
  const answer = optionalValueTag(rumor.tags, "answer", "welcome") ?? null;
  if (answer !== null && !isHex64(answer)) fail("bad-tag", "The welcome's answer is not 64 hex characters.");
  const name = optionalValueTag(rumor.tags, "name", "welcome");
  return {
    welcome,
    keyPackageEventId,
    relays,
    ratchetTree: treeTags.length === 1 ? parseRatchetTreeTag(treeTags[0]!) : null,
    answer,
    inviterName: name === undefined ? null : checkInviterName(name),
    rumorId: rumor.id,
    createdAt: rumor.created_at,
  };
}

/** Opens a gift-wrapped welcome addressed to `recipientSecretKey`. */
export function unwrapWelcome(
  wrap: unknown,
  recipientSecretKey: Uint8Array,
  options: { verify?: VerifyEvent } = {},
): ReceivedWelcome {
  const { rumor, wrap: checked } = openGiftWrap(wrap, recipientSecretKey, "welcome", options.verify);
  const fields = parseWelcomeRumor(rumor);
  return { ...fields, inviter: rumor.pubkey, wrapId: checked.id };
}
