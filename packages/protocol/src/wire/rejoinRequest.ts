/**
 * Rejoin requests (docs/PROTOCOL.md "Account backup"): after a person lost every device and
 * recovered their key on a new one, that device asks each group of the backup to let it back in.
 * The person seals a kind 1451 rumor with their own key and gift-wraps it (NIP-59) to each admin of
 * the group, and to themselves, on the recipient's inbox relays — where their devices already read
 * welcomes. The relay sees a gift wrap to a person, like any welcome.
 *
 *   content = JSON { "v": 1, "group": hex MLS group id, "keyPackage": <signed kind 30443 event>,
 *                    "inbox": [relay…], "nonce": hex(32 random bytes) }
 *   tags    = []
 *
 * An admin's device (or another device of the same person) that is in the group adds the key
 * package only when seal signer, rumor author, key package author and the key package's MLS
 * credential all name one person who already has a leaf in the group: a request can only bring
 * back a person the group has, never anyone new. The welcome answers with `rejoinAnswer` over the
 * nonce, so the new device joins it without asking (nobody else can make that answer).
 */

import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, hexToBytes } from "@noble/hashes/utils.js";
import { getPublicKey } from "nostr-tools/pure";
import type { EventFields, NostrEvent, PubkeyHex } from "../nostr/event.ts";
import { nowSeconds } from "../nostr/time.ts";
import { isHex64, utf8Encode } from "./bytes.ts";
import { fail, MarmotError } from "./errors.ts";
import type { VerifyEvent } from "./eventShape.ts";
import { giftWrap, openGiftWrap } from "./giftWrap.ts";
import { keyPackageOwner } from "./joinRequest.ts";
import { parseKeyPackageEvent, type ReceivedKeyPackage } from "./keyPackageEvent.ts";
import { KIND_REJOIN_REQUEST } from "./kinds.ts";
import { checkRelayList, normalizeRelayList, type RelayUrl } from "./relayUrl.ts";

export const REJOIN_REQUEST_VERSION = 1;
const MAX_INBOX = 8;
const ANSWER_LABEL = utf8Encode("rally/v1 rejoin-answer");
const WHAT = "rejoin request";
const GROUP_ID = /^[0-9a-f]{32,128}$/;

/** What the welcome carries to answer this request; only a reader of the request knows the nonce. */
export function rejoinAnswer(
  nonce: string,
  group: string,
  person: string,
  keyPackageEventId: string,
): string {
  if (!isHex64(nonce) || !GROUP_ID.test(group) || !isHex64(person) || !isHex64(keyPackageEventId))
    return fail(
      "bad-parameter",
      "A rejoin answer needs a nonce, a group id, a person and an event id in hex.",
    );
  const message = concatBytes(
    ANSWER_LABEL,
    hexToBytes(group),
    hexToBytes(person),
    hexToBytes(keyPackageEventId),
  );
  return bytesToHex(hmac(sha256, hexToBytes(nonce), message));
}

/** Seals and gift-wraps one rejoin request to `recipientPubkey`. */
export function wrapRejoinRequest(input: {
  group: string;
  personSecretKey: Uint8Array;
  keyPackageEvent: EventFields;
  inboxRelays: readonly string[];
  nonce: string;
  recipientPubkey: string;
  now?: number;
}): NostrEvent {
  let person: string;
  try {
    person = getPublicKey(input.personSecretKey);
  } catch {
    return fail("bad-parameter", "The person's secret key is not valid.");
  }
  if (!GROUP_ID.test(input.group)) fail("bad-parameter", "The group id must be hex.");
  if (!isHex64(input.nonce)) fail("bad-parameter", "The request's nonce must be 64 hex characters.");
  const kp = parseKeyPackageEvent(input.keyPackageEvent);
  if (kp.author !== person) fail("sender-mismatch", "The key package belongs to someone else.");
  return giftWrap({
    kind: KIND_REJOIN_REQUEST,
    content: JSON.stringify({
      v: REJOIN_REQUEST_VERSION,
      group: input.group,
      keyPackage: input.keyPackageEvent,
      inbox: normalizeRelayList(input.inboxRelays, "inbox relay list", 1, MAX_INBOX),
      nonce: input.nonce,
    }),
    tags: [],
    now: input.now ?? nowSeconds(),
    senderSecretKey: input.personSecretKey,
    recipientPubkey: input.recipientPubkey,
    what: WHAT,
  });
}

export interface RejoinRequest {
  /** The person asking (seal signer = rumor author = key package author = credential). */
  person: PubkeyHex;
  group: string;
  keyPackage: ReceivedKeyPackage;
  keyPackageEvent: NostrEvent;
  inboxRelays: RelayUrl[];
  nonce: string;
  requestedAt: number;
  /** Rumor id: the same request wrapped to several recipients keeps it. */
  requestId: string;
}

/** True when a gift wrap's rumor is a rejoin request (cheap test before `openRejoinRequest`). */
export function isRejoinKind(kind: number): boolean {
  return kind === KIND_REJOIN_REQUEST;
}

/** Opens and checks a rejoin request addressed to `recipientSecretKey`. */
export function openRejoinRequest(
  wrap: unknown,
  recipientSecretKey: Uint8Array,
  options: { verify?: VerifyEvent } = {},
): RejoinRequest {
  const { rumor } = openGiftWrap(wrap, recipientSecretKey, WHAT, options.verify);
  if (rumor.kind !== KIND_REJOIN_REQUEST)
    fail("wrong-kind", `Expected a rejoin request, got kind ${rumor.kind}.`);
  if (rumor.tags.length !== 0) fail("bad-tag", "A rejoin request carries no tags.");
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(rumor.content) as Record<string, unknown>;
  } catch {
    return fail("bad-encoding", "The rejoin request is not JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    fail("malformed", "The rejoin request is not an object.");
  if (Object.keys(body).sort().join(",") !== "group,inbox,keyPackage,nonce,v")
    fail("malformed", "The rejoin request has missing or unknown fields.");
  if (body.v !== REJOIN_REQUEST_VERSION)
    fail("malformed", "The rejoin request comes from an unknown version of Rally.");
  if (typeof body.group !== "string" || !GROUP_ID.test(body.group))
    fail("malformed", "The rejoin request names no valid group.");
  if (typeof body.nonce !== "string" || !isHex64(body.nonce))
    fail("malformed", "The rejoin request has no valid nonce.");
  const inboxRelays = checkRelayList(body.inbox, "inbox relay list", 1, MAX_INBOX);
  let keyPackage: ReceivedKeyPackage;
  try {
    keyPackage = parseKeyPackageEvent(body.keyPackage, { verify: options.verify });
  } catch (e) {
    if (e instanceof MarmotError) fail(e.code, `The rejoin request's key package is not valid: ${e.message}`);
    throw e;
  }
  if (keyPackage.author !== rumor.pubkey)
    fail("sender-mismatch", "The rejoin request carries someone else's key package.");
  if (keyPackageOwner(keyPackage.keyPackage) !== rumor.pubkey)
    fail("sender-mismatch", "The rejoin request's key package names someone else.");
  return {
    person: rumor.pubkey,
    group: body.group as string,
    keyPackage,
    keyPackageEvent: body.keyPackage as NostrEvent,
    inboxRelays,
    nonce: body.nonce as string,
    requestedAt: rumor.created_at,
    requestId: rumor.id,
  };
}
