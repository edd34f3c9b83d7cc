/**
 * Typed errors of the identity module. Every message is in plain words a person can act on, and
 * none ever contains a secret key, a passphrase or a recovery word.
 */

import { ProtocolError } from "../errors.ts";

export type IdentityErrorCode =
  /** The recovery words have the wrong count (`detail.count` says how many were given). */
  | "word-count"
  /** One word is not in the BIP-39 English list (`detail.position` is 1-based). */
  | "unknown-word"
  /** Every word is known but the checksum does not match: a word is wrong or out of order. */
  | "bad-checksum"
  /** Not a usable secp256k1 secret key (wrong length, zero, or not below the curve order). */
  | "bad-secret-key"
  /** Not a pubkey: neither 64 hex characters nor an npub/nprofile, or not a point on the curve. */
  | "bad-pubkey"
  /** Not a well-formed NIP-49 `ncryptsec` string. */
  | "bad-ncryptsec"
  /** The passphrase does not open this `ncryptsec`. */
  | "wrong-passphrase"
  /** A parameter was refused (empty passphrase, log_n out of range…). */
  | "bad-parameter"
  /** A NIP-42 AUTH event that does not answer this relay's challenge. */
  | "bad-auth-event";

/** An identity refusal: a `ProtocolError` of layer "identity". */
export class IdentityError extends ProtocolError<IdentityErrorCode> {
  /** Extra facts about the error that are safe to show and log (never secrets). */
  readonly detail: Readonly<Record<string, number | string>>;

  constructor(code: IdentityErrorCode, message: string, detail: Record<string, number | string> = {}) {
    super("identity", code, message);
    this.name = "IdentityError";
    this.detail = detail;
  }
}
