/**
 * The ratchet tree sent beside a welcome rather than inside it (docs/PROTOCOL.md, "Large groups").
 * An MLS welcome that carries the ratchet_tree extension grows by a few hundred bytes per member
 * and stops fitting in a relay frame past a few hundred members; then the inviter sends the
 * welcome without the tree and publishes the tree once, encrypted, to the group's relays:
 *
 *   key         = 32 random bytes (travels only inside the gift-wrapped welcome rumor)
 *   blob        = nonce[12] ‖ ChaCha20-Poly1305(key, nonce, pad(tree), aad = "rally/v1 ratchet tree")
 *   chunks      = blob split into 32 KiB pieces, each a kind 1447 event signed by a one-time key,
 *                 content = base64(piece), tags = [["expiration", t]] (NIP-40)
 *   welcome tag = ["ratchet_tree", hex(key), id of chunk 1, id of chunk 2, …]
 *
 * The plaintext is padded to the same buckets as group messages so a relay learns the group's
 * size only to within a bucket. Pieces stay under 64 KiB events, the smallest common relay limit.
 */

import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { bytesToHex, concatBytes, hexToBytes, randomBytes } from "@noble/hashes/utils.js";
import { generateSecretKey } from "../identity/keys.ts";
import type { NostrEvent } from "../nostr/event.ts";
import { signEvent } from "../nostr/sign.ts";
import { nowSeconds } from "../nostr/time.ts";
import { decodeBase64, encodeBase64, isHex64, utf8Encode } from "./bytes.ts";
import { fail } from "./errors.ts";
import { checkSignedEvent, defaultVerify, type VerifyEvent } from "./eventShape.ts";
import type { SignEvent } from "./groupMessage.ts";
import { KIND_RATCHET_TREE_CHUNK } from "./kinds.ts";
import { pad, unpad } from "./padding.ts";

/** Bytes of ciphertext per chunk event. */
export const RATCHET_TREE_CHUNK_BYTES = 32_768;
/** Largest padded tree: 4 MiB, enough for well over 5,000 members. */
export const MAX_RATCHET_TREE_PADDED = 4 * 1024 * 1024;
/** Chunks of the largest tree. */
export const MAX_RATCHET_TREE_CHUNKS = Math.ceil((MAX_RATCHET_TREE_PADDED + 28) / RATCHET_TREE_CHUNK_BYTES);
/** How long relays keep the chunks by default: the invitee may be offline for a while. */
export const RATCHET_TREE_TTL_SECONDS = 30 * 24 * 3600;

const AAD = utf8Encode("rally/v1 ratchet tree");
const NONCE = 12;

/** Where a welcome's ratchet tree is and how to open it. */
export interface RatchetTreeRef {
  /** 32-byte ChaCha20-Poly1305 key. Secret: only inside the gift-wrapped welcome. */
  key: Uint8Array;
  /** Ids of the chunk events, in order. */
  events: string[];
}

export interface SealedRatchetTree {
  ref: RatchetTreeRef;
  /** Signed chunk events to publish to the group's relays before sending the welcome. */
  events: NostrEvent[];
}

/** Encrypts a serialised ratchet tree into chunk events. */
export function sealRatchetTree(input: {
  tree: Uint8Array;
  now?: number;
  /** NIP-40 expiration; default now + 30 days. */
  expiresAt?: number;
  random?: (n: number) => Uint8Array;
  sign?: SignEvent;
}): SealedRatchetTree {
  if (!(input.tree instanceof Uint8Array) || input.tree.length === 0) {
    return fail("bad-parameter", "The ratchet tree to send is empty.");
  }
  const random = input.random ?? randomBytes;
  const sign = input.sign ?? signEvent;
  const now = input.now ?? nowSeconds();
  const expiresAt = input.expiresAt ?? now + RATCHET_TREE_TTL_SECONDS;
  const key = random(32);
  const nonce = random(NONCE);
  const padded = pad(input.tree, MAX_RATCHET_TREE_PADDED, "ratchet tree");
  const blob = concatBytes(nonce, chacha20poly1305(key, nonce, AAD).encrypt(padded));
  const events: NostrEvent[] = [];
  for (let offset = 0; offset < blob.length; offset += RATCHET_TREE_CHUNK_BYTES) {
    const oneTimeKey = generateSecretKey(random);
    events.push(
      sign(
        {
          kind: KIND_RATCHET_TREE_CHUNK,
          created_at: now,
          tags: [["expiration", String(expiresAt)]],
          content: encodeBase64(blob.subarray(offset, offset + RATCHET_TREE_CHUNK_BYTES)),
        },
        oneTimeKey,
      ),
    );
    oneTimeKey.fill(0);
  }
  return { ref: { key, events: events.map((e) => e.id) }, events };
}

/** The welcome rumor tag that carries a reference. */
export function ratchetTreeTag(ref: RatchetTreeRef): string[] {
  checkRef(ref);
  return ["ratchet_tree", bytesToHex(ref.key), ...ref.events];
}

function checkRef(ref: RatchetTreeRef): void {
  if (!(ref?.key instanceof Uint8Array) || ref.key.length !== 32)
    fail("bad-parameter", "A tree key must be 32 bytes.");
  if (!Array.isArray(ref.events) || ref.events.length < 1 || ref.events.length > MAX_RATCHET_TREE_CHUNKS) {
    fail("bad-parameter", `A tree reference names 1 to ${MAX_RATCHET_TREE_CHUNKS} chunks.`);
  }
  if (!ref.events.every(isHex64)) fail("bad-parameter", "Tree chunk ids must be 64 hex characters.");
}

/** Reads a `["ratchet_tree", key, id…]` tag. */
export function parseRatchetTreeTag(tag: string[]): RatchetTreeRef {
  const [name, keyHex, ...ids] = tag;
  if (name !== "ratchet_tree" || !isHex64(keyHex))
    fail("bad-tag", "The ratchet_tree tag needs a 64-hex key.");
  if (ids.length < 1 || ids.length > MAX_RATCHET_TREE_CHUNKS || !ids.every(isHex64)) {
    fail("bad-tag", `The ratchet_tree tag must list 1 to ${MAX_RATCHET_TREE_CHUNKS} chunk event ids.`);
  }
  if (new Set(ids).size !== ids.length) fail("bad-tag", "The ratchet_tree tag lists a chunk twice.");
  return { key: hexToBytes(keyHex), events: ids };
}

/**
 * Reassembles and decrypts a ratchet tree from fetched events (any order, extra events ignored).
 * Throws `malformed` naming how many chunks are missing, or `decrypt-failed`/`bad-padding`.
 */
export function openRatchetTree(
  ref: RatchetTreeRef,
  events: readonly unknown[],
  options: { verify?: VerifyEvent } = {},
): Uint8Array {
  checkRef(ref);
  const byId = new Map<string, unknown>();
  for (const e of events) {
    const id = (e as { id?: unknown })?.id;
    if (typeof id === "string") byId.set(id, e);
  }
  const missing = ref.events.filter((id) => !byId.has(id)).length;
  if (missing > 0)
    fail("malformed", `${missing} of ${ref.events.length} pieces of the group's tree are missing.`);
  const pieces = ref.events.map((id, i) => {
    const event = checkSignedEvent(
      byId.get(id),
      KIND_RATCHET_TREE_CHUNK,
      "tree chunk",
      options.verify ?? defaultVerify,
    );
    const piece = decodeBase64(event.content, RATCHET_TREE_CHUNK_BYTES, "tree chunk");
    // Every piece but the last is full, so a truncated piece cannot shift the others.
    if (i < ref.events.length - 1 && piece.length !== RATCHET_TREE_CHUNK_BYTES) {
      fail("malformed", "A piece of the group's tree is short.");
    }
    return piece;
  });
  const blob = concatBytes(...pieces);
  if (blob.length < NONCE + 16 + 4) return fail("malformed", "The group's tree is too short.");
  let padded: Uint8Array;
  try {
    padded = chacha20poly1305(ref.key, blob.subarray(0, NONCE), AAD).decrypt(blob.subarray(NONCE));
  } catch {
    return fail("decrypt-failed", "The group's tree does not decrypt with the key in the welcome.");
  }
  return unpad(padded, "ratchet tree");
}
