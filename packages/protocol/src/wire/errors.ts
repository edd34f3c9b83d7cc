/**
 * Typed errors of Rally's Nostr wire formats. A decoder refuses bad input with one of these codes
 * and a plain-words message; callers branch on `code` (e.g. `wrong-routing-tag` means "try the
 * keys of another epoch", `decrypt-failed` means "not for us or forged").
 */

import { ProtocolError } from "../errors.ts";

export type MarmotErrorCode =
  /** Not the JSON shape of the object expected (missing or mistyped fields, extra fields on a rumor). */
  | "malformed"
  /** An event of another kind was given. */
  | "wrong-kind"
  /** A required tag is missing, repeated, or has the wrong number or form of values. */
  | "bad-tag"
  /** The NIP-01 id or signature does not match. */
  | "bad-signature"
  /** Content or a field is not valid base64 / hex / UTF-8 / JSON as its format requires. */
  | "bad-encoding"
  /** Larger than the format allows; refused before decoding. */
  | "too-large"
  /** A kind 445 event whose routing tag belongs to another group or epoch. */
  | "wrong-routing-tag"
  /** Authenticated decryption failed: wrong key, or the ciphertext was altered. */
  | "decrypt-failed"
  /** The padded plaintext is not in the canonical padded form. */
  | "bad-padding"
  /** A gift wrap addressed to someone else. */
  | "not-for-me"
  /** The author of an inner message differs from who sent it (seal signer, MLS sender). */
  | "sender-mismatch"
  /** An inner message of a kind groups do not carry. */
  | "kind-not-allowed"
  /** A relay URL outside the relay URL profile (ws/wss, host, no credentials or fragment). */
  | "bad-relay-url"
  /** An invite link changed, cut short or extended on its way (its check or its structure says so). */
  | "damaged"
  /** An invite link or join request past its expiry. */
  | "expired"
  /** A join request whose proof of the link secret does not verify. */
  | "bad-proof"
  /** An event without the NIP-13 proof of work its format asks for (an answer's gift wrap). */
  | "too-little-work"
  /** A caller passed an unusable argument. */
  | "bad-parameter";

/** A wire-format refusal: a `ProtocolError` of layer "wire" (the name is the protocol's first one). */
export class MarmotError extends ProtocolError<MarmotErrorCode> {
  constructor(code: MarmotErrorCode, message: string) {
    super("wire", code, message);
    this.name = "MarmotError";
  }
}

/** Throws a `MarmotError`; typed `never` so it can end an expression. */
export function fail(code: MarmotErrorCode, message: string): never {
  throw new MarmotError(code, message);
}
