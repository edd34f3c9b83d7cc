/**
 * NIP-01 signing: the id is the sha256 of the canonical serialisation and the signature is BIP-340
 * Schnorr over it, by the secp256k1 key whose x-only public key is `pubkey`. Also the key checks
 * that signing and reading need: a usable secret key, and a public key that is a point on the curve.
 * Built on `nostr-tools/pure` and `@noble/curves`.
 */

import { secp256k1 } from "@noble/curves/secp256k1.js";
import { finalizeEvent } from "nostr-tools/pure";
import { ProtocolError } from "../errors.ts";
import { type EventTemplate, eventFields, isPubkeyHex, type NostrEvent, type PubkeyHex } from "./event.ts";

/** True when `key` is 32 bytes with 0 < key < n. */
export function isSecretKey(key: unknown): key is Uint8Array {
  return key instanceof Uint8Array && key.length === 32 && secp256k1.utils.isValidSecretKey(key);
}

/**
 * True when `text` is lowercase 64-hex (`isPubkeyHex`, the shape) and a valid x-only point:
 * BIP-340 `lift_x(x)` exists, i.e. the even-y point 02‖x is on the curve. A relay checks only the
 * shape (the signature check settles the rest); a key someone will encrypt to is checked here.
 */
export function isValidPubkey(text: unknown): text is PubkeyHex {
  if (!isPubkeyHex(text)) return false;
  try {
    secp256k1.Point.fromHex(`02${text}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Signs an event template. The template is copied, never mutated. A secret key that is not usable
 * is refused with a `ProtocolError` (layer "nostr", code "bad-secret-key") before anything is signed.
 */
export function signEvent(template: EventTemplate, secretKey: Uint8Array): NostrEvent {
  if (!isSecretKey(secretKey)) {
    throw new ProtocolError(
      "nostr",
      "bad-secret-key",
      "This is not a usable secret key: it must be 32 bytes on secp256k1.",
    );
  }
  const signed = finalizeEvent(
    {
      kind: template.kind,
      created_at: template.created_at,
      tags: template.tags.map((t) => [...t]),
      content: template.content,
    },
    secretKey,
  );
  return eventFields(signed) as NostrEvent;
}
