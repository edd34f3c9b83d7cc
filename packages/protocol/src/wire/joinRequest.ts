/**
 * Join requests through an invite link (docs/PROTOCOL.md "Invite links"). The joiner seals a
 * kind 1448 rumor with their own key and gift-wraps it (NIP-59: outer layer signed by a one-time
 * key) to the link's pubkey, on the link's relays. Only admins hold the link's secret key, so only
 * they can open it; the relay sees a gift wrap to a key that names no person and no group.
 *
 *   content = JSON { "v": 1, "name": "…", "keyPackage": <signed kind 30443 event>,
 *                    "inbox": [relay…], "nonce": hex(32 random bytes),
 *                    "proof": hex(HMAC-SHA256(link secret, "rally/v1 join-request" ‖ link pubkey ‖
 *                                 joiner pubkey ‖ key package event id ‖ nonce)) }
 *   tags    = []
 *
 * The proof shows the joiner had the whole link (the link pubkey alone is visible to relays as the
 * wrap's recipient) and binds it to this joiner and this key package, so it cannot be replayed
 * for someone else. The key package inside must name the joiner in its MLS credential too: the
 * admin adds whoever the credential names, so a link holder must not be able to add someone else.
 *
 * The admin's welcome answers the request with `joinAnswer` (an HMAC under the link secret over
 * the request's nonce) in a tag of the welcome rumor. The joiner accepts a welcome without asking
 * only when that answer matches: the key package in a request is the joiner's *published* one, so
 * anyone could otherwise send a look-alike welcome for it.
 */

import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, hexToBytes } from "@noble/hashes/utils.js";
import { getPublicKey } from "nostr-tools/pure";
import { decodeCredentialData, verifyDeviceBinding } from "../mls/credential.ts";
import { decodeKeyPackage } from "../mls/keyPackage.ts";
import type { EventFields, NostrEvent, PubkeyHex } from "../nostr/event.ts";
import { nowSeconds } from "../nostr/time.ts";
import { equalBytes, hasUnsafeChars, isHex64, utf8Encode } from "./bytes.ts";
import { fail, MarmotError } from "./errors.ts";
import type { VerifyEvent } from "./eventShape.ts";
import { giftWrap, openGiftWrap } from "./giftWrap.ts";
import { type InviteLink, isInviteLinkExpired } from "./inviteLink.ts";
import { parseKeyPackageEvent, type ReceivedKeyPackage } from "./keyPackageEvent.ts";
import { KIND_GIFT_WRAP, KIND_JOIN_REQUEST } from "./kinds.ts";
import { checkRelayList, normalizeRelayList, type RelayUrl } from "./relayUrl.ts";

export const JOIN_REQUEST_VERSION = 1;
/**
 * How long after expiry an admin device still admits a request made before it. Only clock skew:
 * the request's time is chosen by the joiner, so a longer grace would let anyone who finds an
 * expired link backdate their way in.
 */
export const JOIN_REQUEST_GRACE_SECONDS = 600;
/** How far in the future a request's time may be (clock skew). */
export const JOIN_REQUEST_MAX_SKEW_SECONDS = 600;
export const MAX_JOINER_NAME_BYTES = 100;
const MAX_INBOX = 8;
const PROOF_LABEL = utf8Encode("rally/v1 join-request");
const ANSWER_LABEL = utf8Encode("rally/v1 join-answer");
export const JOIN_NONCE_BYTES = 32;
const WHAT = "join request";

/** HMAC proof that the joiner holds the link secret, bound to the joiner and the key package. */
export function joinProof(
  linkSecret: Uint8Array,
  linkPubkey: string,
  joinerPubkey: string,
  keyPackageEventId: string,
  nonce: string,
) {
  return linkMac(PROOF_LABEL, linkSecret, linkPubkey, joinerPubkey, keyPackageEventId, nonce);
}

/**
 * What an admin's welcome carries to show it answers this very request: only someone who holds
 * the link secret and opened the request (its nonce travels only inside it) can make it.
 */
export function joinAnswer(
  linkSecret: Uint8Array,
  linkPubkey: string,
  joinerPubkey: string,
  keyPackageEventId: string,
  nonce: string,
): string {
  return bytesToHex(linkMac(ANSWER_LABEL, linkSecret, linkPubkey, joinerPubkey, keyPackageEventId, nonce));
}

function linkMac(
  label: Uint8Array,
  linkSecret: Uint8Array,
  linkPubkey: string,
  joinerPubkey: string,
  keyPackageEventId: string,
  nonce: string,
): Uint8Array {
  if (!isHex64(linkPubkey) || !isHex64(joinerPubkey) || !isHex64(keyPackageEventId) || !isHex64(nonce)) {
    return fail("bad-parameter", "The proof needs two 64-hex keys, a 64-hex event id and a 64-hex nonce.");
  }
  const message = concatBytes(
    label,
    hexToBytes(linkPubkey),
    hexToBytes(joinerPubkey),
    hexToBytes(keyPackageEventId),
    hexToBytes(nonce),
  );
  return hmac(sha256, linkSecret, message);
}

/**
 * The Nostr key the MLS key package inside a kind 30443 event is bound to (its credential's
 * device binding, verified). The engine adds whoever this names, whoever signed the event.
 */
export function keyPackageOwner(keyPackage: Uint8Array): string {
  try {
    const leaf = decodeKeyPackage(keyPackage).leafNode;
    if (!("data" in leaf.credential)) throw new Error("not a Rally credential");
    const binding = decodeCredentialData(leaf.credential.data);
    if (!verifyDeviceBinding(binding, leaf.signaturePublicKey)) throw new Error("binding does not verify");
    return binding.pubkey;
  } catch {
    return fail("sender-mismatch", "The join request's key package has no valid Rally device credential.");
  }
}

function checkJoinerName(name: unknown): string {
  if (typeof name !== "string" || name.trim() === "" || hasUnsafeChars(name)) {
    return fail("malformed", "A join request needs a name in plain text.");
  }
  if (utf8Encode(name).length > MAX_JOINER_NAME_BYTES) {
    return fail("too-large", `A name may be at most ${MAX_JOINER_NAME_BYTES} bytes.`);
  }
  return name.trim();
}

/** Seals and gift-wraps a join request to the link's key. */
export function wrapJoinRequest(input: {
  link: InviteLink;
  joinerSecretKey: Uint8Array;
  /** The joiner's signed kind 30443 event (the admin adds this key package). */
  keyPackageEvent: EventFields;
  name: string;
  /** Where the welcome should go (the joiner's inbox relays). */
  inboxRelays: readonly string[];
  /** 32 random bytes as hex: the admin's welcome must answer it (`joinAnswer`). */
  nonce: string;
  now?: number;
}): NostrEvent {
  const now = input.now ?? nowSeconds();
  if (isInviteLinkExpired(input.link, now))
    fail("expired", "This invite link has expired. Ask the group for a new one.");
  let joiner: string;
  try {
    joiner = getPublicKey(input.joinerSecretKey);
  } catch {
    return fail("bad-parameter", "The joiner's secret key is not valid.");
  }
  const keyPackage = parseKeyPackageEvent(input.keyPackageEvent);
  if (keyPackage.author !== joiner) fail("sender-mismatch", "The key package belongs to someone else.");
  if (!isHex64(input.nonce)) fail("bad-parameter", "The request's nonce must be 64 hex characters.");
  const content = JSON.stringify({
    v: JOIN_REQUEST_VERSION,
    name: checkJoinerName(input.name),
    keyPackage: input.keyPackageEvent,
    inbox: normalizeRelayList(input.inboxRelays, "inbox relay list", 1, MAX_INBOX),
    nonce: input.nonce,
    proof: bytesToHex(
      joinProof(input.link.linkSecret, input.link.linkPubkey, joiner, keyPackage.eventId, input.nonce),
    ),
  });
  return giftWrap({
    kind: KIND_JOIN_REQUEST,
    content,
    tags: [],
    now,
    senderSecretKey: input.joinerSecretKey,
    recipientPubkey: input.link.linkPubkey,
    what: WHAT,
  });
}

export interface JoinRequest {
  /** The person asking to join (seal signer = rumor author = key package author). */
  joiner: PubkeyHex;
  name: string;
  keyPackage: ReceivedKeyPackage;
  keyPackageEvent: NostrEvent;
  inboxRelays: RelayUrl[];
  /** The joiner's claimed time of the request. */
  requestedAt: number;
  /** The request's nonce (hex): the welcome answers it with `joinAnswer`. */
  nonce: string;
  /** Rumor id: the same request re-wrapped keeps it; use it to de-duplicate. */
  requestId: string;
  wrapId: string;
}

/**
 * Opens and checks a join request with the link's secret key and secret: NIP-59 layers, rumor
 * shape, the proof (constant-time), the key package (event signature and author = joiner; MLS
 * credential bound to the joiner), and the time (made before the link expired, and handled no
 * later than the clock-skew grace after it).
 */
export function openJoinRequest(
  wrap: unknown,
  link: { linkSecretKey: Uint8Array; linkSecret: Uint8Array; expiresAt: number | null },
  options: { now?: number; verify?: VerifyEvent } = {},
): JoinRequest {
  const { rumor, wrap: checked } = openGiftWrap(wrap, link.linkSecretKey, WHAT, options.verify);
  if (rumor.kind !== KIND_JOIN_REQUEST)
    fail("wrong-kind", `Expected a join request, got kind ${rumor.kind}.`);
  if (rumor.tags.length !== 0) fail("bad-tag", "A join request carries no tags.");
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(rumor.content);
  } catch {
    return fail("bad-encoding", "The join request is not JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    fail("malformed", "The join request is not an object.");
  const keys = Object.keys(body).sort().join(",");
  if (keys !== "inbox,keyPackage,name,nonce,proof,v")
    fail("malformed", "The join request has missing or unknown fields.");
  if (body.v !== JOIN_REQUEST_VERSION)
    fail("malformed", "The join request comes from an unknown version of Rally.");
  const name = checkJoinerName(body.name);
  const inboxRelays = checkRelayList(body.inbox, "inbox relay list", 1, MAX_INBOX);
  let keyPackage: ReceivedKeyPackage;
  try {
    keyPackage = parseKeyPackageEvent(body.keyPackage, { verify: options.verify });
  } catch (e) {
    if (e instanceof MarmotError) fail(e.code, `The join request's key package is not valid: ${e.message}`);
    throw e;
  }
  if (keyPackage.author !== rumor.pubkey)
    fail("sender-mismatch", "The join request carries someone else's key package.");
  if (typeof body.nonce !== "string" || !isHex64(body.nonce))
    fail("malformed", "The join request has no valid nonce.");
  const nonce = body.nonce as string;
  if (typeof body.proof !== "string" || !isHex64(body.proof))
    fail("bad-proof", "The join request has no valid proof.");
  const linkPubkey = getPublicKey(link.linkSecretKey);
  const expected = joinProof(link.linkSecret, linkPubkey, rumor.pubkey, keyPackage.eventId, nonce);
  if (!equalBytes(expected, hexToBytes(body.proof as string))) {
    fail("bad-proof", "The join request does not prove knowledge of this link.");
  }
  const now = options.now ?? nowSeconds();
  if (rumor.created_at > now + JOIN_REQUEST_MAX_SKEW_SECONDS)
    fail("malformed", "The join request is dated in the future.");
  if (link.expiresAt !== null) {
    if (rumor.created_at > link.expiresAt || now > link.expiresAt + JOIN_REQUEST_GRACE_SECONDS) {
      fail("expired", "This join request came after the invite link expired.");
    }
  }
  // Only now the MLS decoding (the costly part), for requests that proved the link: the engine adds
  // whoever the credential names, so it must name the person who asked (F11).
  if (keyPackageOwner(keyPackage.keyPackage) !== rumor.pubkey) {
    fail("sender-mismatch", "The join request's key package names someone else.");
  }
  return {
    joiner: rumor.pubkey,
    name,
    keyPackage,
    keyPackageEvent: body.keyPackage as NostrEvent,
    inboxRelays,
    requestedAt: rumor.created_at,
    nonce,
    requestId: rumor.id,
    wrapId: checked.id,
  };
}

/** The relay filter an admin uses to read a link's requests. */
export function joinRequestFilter(linkPubkeys: readonly string[]): { kinds: number[]; "#p": string[] } {
  return { kinds: [KIND_GIFT_WRAP], "#p": [...linkPubkeys] };
}
