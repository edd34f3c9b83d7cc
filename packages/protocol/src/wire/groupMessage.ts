/**
 * Group messages: kind 445 events that carry one MLS message (commit, proposal or application
 * message) between members (docs/PROTOCOL.md, "Group messages"; Marmot's group message delivery
 * with Rally's differences).
 *
 *   key         = HKDF-SHA256(ikm = epoch exporter secret, salt = "rally/v1", info = "rally/v1 group-message key", 32)
 *   routing tag = hex(HKDF-SHA256(same ikm and salt, info = "rally/v1 routing tag", 32))
 *   content     = base64(nonce[12] ‖ ChaCha20-Poly1305(key, nonce, pad(mls), aad = "rally/v1 445" ‖ pubkey[32]))
 *   tags        = [["h", routing tag]] or [["h", routing tag], ["expiration", unix seconds]]
 *   pubkey/sig  = a fresh one-time secp256k1 key per event
 *
 * The routing tag changes with every epoch, so no stable group id reaches a relay. The one-time
 * pubkey is bound into the AEAD associated data, so the ciphertext cannot be re-signed under
 * another key: a copied payload only ever appears under its original event id.
 *
 * In a group with disappearing messages, application messages carry a NIP-40 `expiration` tag
 * (created_at + the group's timer) so relays drop them too; commits, proposals and welcomes never
 * do, since a member who is behind needs them to catch up.
 */

import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, hexToBytes, randomBytes } from "@noble/hashes/utils.js";
import { getPublicKey } from "nostr-tools/pure";
import { generateSecretKey } from "../identity/keys.ts";
import type { EventTemplate, NostrEvent } from "../nostr/event.ts";
import { signEvent } from "../nostr/sign.ts";
import { nowSeconds } from "../nostr/time.ts";
import { base64Length, decodeBase64, encodeBase64, isHex64, utf8Encode } from "./bytes.ts";
import { fail, MarmotError } from "./errors.ts";
import { checkSignedEvent, defaultVerify, type VerifyEvent } from "./eventShape.ts";
import { KIND_GROUP_MESSAGE } from "./kinds.ts";
import { pad, paddedSize, unpad } from "./padding.ts";

/** Largest padded plaintext: 128 KiB, so the whole event stays well under a 256 KiB relay frame. */
export const MAX_GROUP_MESSAGE_PADDED = 131_072;
/** Largest MLS message a kind 445 event can carry (the padded size less the 4-byte length prefix). */
export const MAX_GROUP_MESSAGE_BYTES = MAX_GROUP_MESSAGE_PADDED - 4;

const NONCE = 12;
const TAG = 16;
const SALT = utf8Encode("rally/v1");
const INFO_KEY = utf8Encode("rally/v1 group-message key");
const INFO_ROUTING = utf8Encode("rally/v1 routing tag");
const AAD_PREFIX = utf8Encode("rally/v1 445");
const WHAT = "group message";

/** The per-epoch values derived from the MLS exporter secret. */
export interface GroupMessageKeys {
  /** ChaCha20-Poly1305 key. */
  key: Uint8Array;
  /** 64 lowercase hex characters: the `h` tag of this epoch's messages. */
  routingTag: string;
}

/** A signing function, so callers can use a faster backend (e.g. nostr-tools/wasm). */
export type SignEvent = (template: EventTemplate, secretKey: Uint8Array) => NostrEvent;

function checkSecret(exporterSecret: Uint8Array): void {
  if (!(exporterSecret instanceof Uint8Array) || exporterSecret.length < 32 || exporterSecret.length > 64) {
    fail("bad-parameter", "The epoch's exporter secret must be 32 to 64 bytes.");
  }
}

/** Derives this epoch's message key and routing tag from its exporter secret. */
export function deriveGroupMessageKeys(exporterSecret: Uint8Array): GroupMessageKeys {
  checkSecret(exporterSecret);
  return {
    key: hkdf(sha256, exporterSecret, SALT, INFO_KEY, 32),
    routingTag: bytesToHex(hkdf(sha256, exporterSecret, SALT, INFO_ROUTING, 32)),
  };
}

/** The `h` tag value to subscribe to for an epoch (`{ kinds: [445], "#h": [routingTag(secret)] }`). */
export function routingTag(exporterSecret: Uint8Array): string {
  checkSecret(exporterSecret);
  return bytesToHex(hkdf(sha256, exporterSecret, SALT, INFO_ROUTING, 32));
}

function keysOf(secretOrKeys: Uint8Array | GroupMessageKeys): GroupMessageKeys {
  if (secretOrKeys instanceof Uint8Array) return deriveGroupMessageKeys(secretOrKeys);
  if (
    !(secretOrKeys?.key instanceof Uint8Array) ||
    secretOrKeys.key.length !== 32 ||
    !isHex64(secretOrKeys.routingTag)
  ) {
    return fail("bad-parameter", "Group message keys must hold a 32-byte key and a 64-hex routing tag.");
  }
  return secretOrKeys;
}

function aad(pubkeyHex: string): Uint8Array {
  return concatBytes(AAD_PREFIX, hexToBytes(pubkeyHex));
}

export interface WrapGroupMessageInput {
  /** This epoch's exporter secret, or keys already derived from it. */
  exporterSecret: Uint8Array | GroupMessageKeys;
  /** The serialised MLSMessage. */
  mlsMessage: Uint8Array;
  /** Unix seconds for `created_at`; Rally uses the real time (see PROTOCOL.md on timestamps). */
  now?: number;
  /**
   * NIP-40 expiration (unix seconds) for an application message in a group with disappearing
   * messages; absent for commits and proposals, which must outlive the messages.
   */
  expiration?: number;
  /** The one-time signing key; fresh by default. Never pass a key used before. */
  oneTimeKey?: Uint8Array;
  /** Randomness for the nonce (tests only). */
  random?: (n: number) => Uint8Array;
  sign?: SignEvent;
}

/** Encrypts and signs one MLS message as a kind 445 event. */
export function wrapGroupMessage(input: WrapGroupMessageInput): NostrEvent {
  const { key, routingTag: tag } = keysOf(input.exporterSecret);
  if (!(input.mlsMessage instanceof Uint8Array) || input.mlsMessage.length === 0) {
    return fail("bad-parameter", "The MLS message to send is empty.");
  }
  if (input.expiration !== undefined && !(Number.isSafeInteger(input.expiration) && input.expiration > 0)) {
    return fail("bad-parameter", "A group message's expiration must be a unix time in seconds.");
  }
  const padded = pad(input.mlsMessage, MAX_GROUP_MESSAGE_PADDED, "MLS message");
  const random = input.random ?? randomBytes;
  const generated = input.oneTimeKey === undefined;
  const oneTimeKey = input.oneTimeKey ?? generateSecretKey(random);
  const sign = input.sign ?? signEvent;
  try {
    // The pubkey must be known before encrypting, because it is part of the associated data.
    const pubkey = getPublicKey(oneTimeKey);
    const nonce = random(NONCE);
    const ciphertext = chacha20poly1305(key, nonce, aad(pubkey)).encrypt(padded);
    const event = sign(
      {
        kind: KIND_GROUP_MESSAGE,
        created_at: input.now ?? nowSeconds(),
        tags:
          input.expiration === undefined
            ? [["h", tag]]
            : [
                ["h", tag],
                ["expiration", String(input.expiration)],
              ],
        content: encodeBase64(concatBytes(nonce, ciphertext)),
      },
      oneTimeKey,
    );
    return event;
  } finally {
    if (generated) oneTimeKey.fill(0);
  }
}

export interface UnwrapGroupMessageOptions {
  verify?: VerifyEvent;
}

/**
 * Checks and decrypts a kind 445 event with one epoch's secret (or derived keys). Returns the MLS
 * message bytes. Errors, in the order they are checked: `malformed`/`wrong-kind`/`bad-tag`
 * (shape), `wrong-routing-tag` (another epoch or group: try other keys), `too-large`/
 * `bad-encoding`/`bad-padding` (content), `bad-signature`, `decrypt-failed`, `bad-padding`.
 */
export function unwrapGroupMessage(
  event: unknown,
  exporterSecret: Uint8Array | GroupMessageKeys,
  options: UnwrapGroupMessageOptions = {},
): Uint8Array {
  const keys = keysOf(exporterSecret);
  // Cheap checks first, signature last before decryption: an event for another epoch is common
  // (late or early messages) and should cost no Schnorr verification.
  const raw = (typeof event === "object" && event !== null ? event : {}) as Record<string, unknown>;
  if (Array.isArray(raw.tags) && raw.kind === KIND_GROUP_MESSAGE) {
    const tags = raw.tags as unknown[];
    const only = tags[0];
    const expiration = tags[1];
    if (
      tags.length < 1 ||
      tags.length > 2 ||
      !Array.isArray(only) ||
      only.length !== 2 ||
      only[0] !== "h" ||
      !isHex64(only[1]) ||
      (tags.length === 2 && !isExpirationTag(expiration))
    ) {
      fail(
        "bad-tag",
        "A group message must carry one routing tag of 64 hex characters, optionally followed by one NIP-40 expiration tag.",
      );
    }
    if (only[1] !== keys.routingTag)
      fail("wrong-routing-tag", "This group message belongs to another epoch or group.");
    if (typeof raw.content === "string") checkContentLength(raw.content);
  }
  const checked = checkSignedEvent(event, KIND_GROUP_MESSAGE, WHAT, options.verify ?? defaultVerify);
  const data = decodeBase64(checked.content, NONCE + MAX_GROUP_MESSAGE_PADDED + TAG, `${WHAT} content`);
  let padded: Uint8Array;
  try {
    padded = chacha20poly1305(keys.key, data.subarray(0, NONCE), aad(checked.pubkey)).decrypt(
      data.subarray(NONCE),
    );
  } catch (e) {
    if (e instanceof MarmotError) throw e;
    return fail(
      "decrypt-failed",
      "This group message does not decrypt with this epoch's key: forged or damaged.",
    );
  }
  return unpad(padded, WHAT);
}

/** `["expiration", "<unix seconds>"]` in NIP-40's decimal form. */
function isExpirationTag(tag: unknown): boolean {
  return (
    Array.isArray(tag) &&
    tag.length === 2 &&
    tag[0] === "expiration" &&
    typeof tag[1] === "string" &&
    /^[1-9]\d{0,14}$/.test(tag[1])
  );
}

/** Refuses content whose length cannot be nonce ‖ padded bucket ‖ tag, before decoding it. */
function checkContentLength(content: string): void {
  if (content.length > base64Length(NONCE + MAX_GROUP_MESSAGE_PADDED + TAG)) {
    fail("too-large", `A group message may carry at most ${MAX_GROUP_MESSAGE_PADDED} padded bytes.`);
  }
  // Every valid payload is base64 of 12 + bucket + 16 bytes; anything else is not Rally's.
  const bytes = (content.length / 4) * 3 - (content.endsWith("==") ? 2 : content.endsWith("=") ? 1 : 0);
  const inner = bytes - NONCE - TAG;
  if (!Number.isInteger(bytes) || inner < 4 || paddedSize(inner - 4) !== inner) {
    fail("bad-padding", "A group message's content is not a padded size.");
  }
}

/** The relay filter for the group messages of some epochs (their routing tags). */
export function groupMessageFilter(
  routingTags: readonly string[],
  since?: number,
): { kinds: number[]; "#h": string[]; since?: number } {
  const filter: { kinds: number[]; "#h": string[]; since?: number } = {
    kinds: [KIND_GROUP_MESSAGE],
    "#h": [...routingTags],
  };
  if (since !== undefined) filter.since = since;
  return filter;
}
