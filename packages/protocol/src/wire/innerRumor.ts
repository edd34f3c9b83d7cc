/**
 * Inner messages (Marmot MIP-03 "Application Messages"; docs/PROTOCOL.md "Inner messages"): the
 * payload of every MLS application message is one unsigned Nostr event, UTF-8 JSON of exactly
 * { id, pubkey, created_at, kind, tags, content }, whose id is the NIP-01 hash. It is never signed
 * (a leaked copy cannot be published as the person's event) and carries no `h` tag or other group
 * identifier. Its author is only believed once `checkRumorSender` has matched it with the MLS
 * sender's credential.
 */

import { getEventHash } from "nostr-tools/pure";
import type { PubkeyHex } from "../nostr/event.ts";
import {
  KIND_ANSWER_DECISION,
  KIND_CHAT,
  KIND_DATE_EVENT,
  KIND_DELETION,
  KIND_PLACES,
  KIND_POLL,
  KIND_POLL_RESPONSE,
  KIND_PUBLIC_FACE,
  KIND_PUBLICATION,
  KIND_REACTION,
  KIND_RSVP,
  KIND_SEALED,
  KIND_TIME_EVENT,
} from "../nostr/kinds.ts";
import { isValidPubkey } from "../nostr/sign.ts";
import { nowSeconds } from "../nostr/time.ts";
import { utf8Decode, utf8Encode } from "./bytes.ts";
import { fail } from "./errors.ts";
import { checkRumor, type Rumor } from "./eventShape.ts";

/** An inner message as decoded: an unsigned event with a checked id. */
export type InnerRumor = Rumor;

/**
 * Kinds a group carries: chat, reactions, deletions, NIP-52 events and RSVPs, NIP-88 polls,
 * sealed-for-hosts, hosts' confirmations of places, and the public face's records (1927 and 1929
 * normally travel inside a seal, 1928 in the open; app/publicFace.ts).
 */
export const INNER_KINDS: ReadonlySet<number> = new Set([
  KIND_CHAT,
  KIND_REACTION,
  KIND_DELETION,
  KIND_DATE_EVENT,
  KIND_TIME_EVENT,
  KIND_RSVP,
  KIND_POLL,
  KIND_POLL_RESPONSE,
  KIND_SEALED,
  KIND_PLACES,
  KIND_PUBLIC_FACE,
  KIND_PUBLICATION,
  KIND_ANSWER_DECISION,
]);

/** Largest encoded inner message: 64 KiB (a long chat message with tags is a few KiB). */
export const MAX_INNER_RUMOR_BYTES = 65_536;

const WHAT = "message";

export interface InnerRumorInput {
  pubkey: string;
  kind: number;
  tags?: string[][];
  content?: string;
  now?: number;
}

/** Makes an inner message (computes its id) and checks it as a receiver would. */
export function createInnerRumor(
  input: InnerRumorInput,
  allowedKinds: ReadonlySet<number> = INNER_KINDS,
): InnerRumor {
  if (!isValidPubkey(input.pubkey)) return fail("bad-parameter", "The author's public key is not valid.");
  const body = {
    pubkey: input.pubkey as PubkeyHex,
    created_at: input.now ?? nowSeconds(),
    kind: input.kind,
    tags: (input.tags ?? []).map((t) => [...t]),
    content: input.content ?? "",
  };
  const rumor = { id: getEventHash(body), ...body };
  // Run the receiver's checks now so a bad message fails for its author, not for every member.
  decodeInnerRumor(encodeBytes(rumor), allowedKinds);
  return rumor;
}

function encodeBytes(rumor: InnerRumor): Uint8Array {
  return utf8Encode(
    JSON.stringify({
      id: rumor.id,
      pubkey: rumor.pubkey,
      created_at: rumor.created_at,
      kind: rumor.kind,
      tags: rumor.tags,
      content: rumor.content,
    }),
  );
}

/** Encodes an inner message for `mls.encrypt`, refusing one a receiver would refuse. */
export function encodeInnerRumor(
  rumor: InnerRumor,
  allowedKinds: ReadonlySet<number> = INNER_KINDS,
): Uint8Array {
  const bytes = encodeBytes(rumor);
  decodeInnerRumor(bytes, allowedKinds);
  return bytes;
}

/**
 * Decodes the plaintext of an MLS application message. Refuses: more than 64 KiB, invalid UTF-8
 * or JSON, any shape other than the six fields (a `sig` included), an id that is not the hash,
 * kinds outside `allowedKinds`, and `h` tags.
 */
export function decodeInnerRumor(
  bytes: Uint8Array,
  allowedKinds: ReadonlySet<number> = INNER_KINDS,
): InnerRumor {
  if (!(bytes instanceof Uint8Array)) return fail("bad-parameter", "An inner message must be bytes.");
  if (bytes.length > MAX_INNER_RUMOR_BYTES) {
    return fail("too-large", `A message may be at most ${MAX_INNER_RUMOR_BYTES} bytes.`);
  }
  const text = utf8Decode(bytes, WHAT);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail("bad-encoding", "The message is not JSON.");
  }
  const rumor = checkRumor(value, WHAT);
  if (!allowedKinds.has(rumor.kind)) {
    return fail("kind-not-allowed", `Groups do not carry messages of kind ${rumor.kind}.`);
  }
  if (rumor.tags.some((t) => t[0] === "h")) {
    return fail("bad-tag", "A message inside a group must not carry a group id (h tag).");
  }
  return rumor;
}

/**
 * The rule that makes authorship hold: an inner message's `pubkey` must be the Nostr identity in
 * the MLS credential of the member who sent it. Throws `sender-mismatch` otherwise.
 */
export function checkRumorSender(rumor: InnerRumor, senderPubkey: string): void {
  if (rumor.pubkey !== senderPubkey) {
    fail("sender-mismatch", "This message claims to be from another member than the one who sent it.");
  }
}
