/**
 * Typed errors of the MLS engine. Every refusal is an `MlsEngineError` with a `code` the caller can
 * branch on and a message in plain words; secrets never appear in messages. Errors thrown by
 * ts-mls are wrapped (`cause` keeps the original) so callers see one error type.
 */

import { ProtocolError } from "../errors.ts";

export type MlsErrorCode =
  /** Bytes are not the MLS structure expected (bad TLS encoding, wrong wire format, oversized). */
  | "malformed"
  /** The message was processed before (same generation, or a commit for an epoch already left). */
  | "already-processed"
  /** The message belongs to an epoch older than the retained window. */
  | "old-epoch"
  /** The message belongs to a later epoch: apply the missing commits first, then retry. */
  | "future-epoch"
  /** The message belongs to another group. */
  | "wrong-group"
  /** A credential's Nostr binding signature does not verify, or the credential is not Rally's. */
  | "bad-credential"
  /** Decryption or a signature check failed: forged, altered, or not for us. */
  | "decrypt-failed"
  /** A member tried something our group rules forbid (a non-admin adding, removing, renaming). */
  | "forbidden"
  /**
   * A late message of an earlier epoch from someone no longer in the group: removal ends the right
   * to write, so it is not shown.
   */
  | "sender-removed"
  /**
   * A commit names a proposal this device has not received (yet): keep the commit and try again
   * once more messages arrived; it is not proof that the commit is bad.
   */
  | "missing-proposal"
  /** The local person is not an admin, so the engine refuses to build the commit. */
  | "not-admin"
  /** Proposals are waiting to be committed; MLS forbids application messages until they are. */
  | "pending-proposals"
  /** A message of an epoch so far ahead, or one too many waiting, that it is not kept. */
  | "too-far-ahead"
  /** This device is no longer in the group (it was removed or left). */
  | "not-member"
  /** A pubkey, key package or other argument cannot be used. */
  | "bad-parameter"
  /** The two saved parts of a state do not belong together. */
  | "state-mismatch"
  /** The group data extension is missing or invalid. */
  | "bad-group-data"
  /** The message breaks an MLS rule (e.g. a commit naming a proposal this device never saw). */
  | "invalid"
  /** Something the engine did not expect went wrong inside ts-mls. */
  | "internal";

/** An engine refusal: a `ProtocolError` of layer "mls". */
export class MlsEngineError extends ProtocolError<MlsErrorCode> {
  constructor(code: MlsErrorCode, message: string, options?: { cause?: unknown }) {
    super("mls", code, message, options);
    this.name = "MlsEngineError";
  }
}

export function fail(code: MlsErrorCode, message: string, cause?: unknown): never {
  throw new MlsEngineError(code, message, cause === undefined ? undefined : { cause });
}

/** True when `e` is an engine error, optionally of the given code. */
export function isMlsEngineError(e: unknown, code?: MlsErrorCode): e is MlsEngineError {
  return e instanceof MlsEngineError && (code === undefined || e.code === code);
}

/** Maps an error thrown by ts-mls to an engine error (engine errors pass through unchanged). */
export function fromMlsLibraryError(e: unknown, doing: string): MlsEngineError {
  if (e instanceof MlsEngineError) return e;
  const name = e instanceof Error ? e.name : "";
  const text = e instanceof Error ? e.message : String(e);
  if (/Could not find proposal with supplied reference/.test(text)) {
    return new MlsEngineError(
      "missing-proposal",
      "This change refers to a proposal not received yet; it will be tried again when it arrives.",
      { cause: e },
    );
  }
  if (/Desired gen in the past/.test(text)) {
    return new MlsEngineError("already-processed", "This message was already processed.", { cause: e });
  }
  if (/former epoch|epoch too old/.test(text)) {
    return new MlsEngineError("old-epoch", "This message belongs to an earlier state of the group.", {
      cause: e,
    });
  }
  if (/Could not validate credential|Could not validate external credential/.test(text)) {
    return new MlsEngineError("bad-credential", "A member's identity could not be verified.", { cause: e });
  }
  if (/Current time not within Lifetime/.test(text)) {
    return new MlsEngineError("bad-parameter", "This key package has expired or is not valid yet.", {
      cause: e,
    });
  }
  if (/signature keys not unique|hpke keys not unique|already in the group/.test(text)) {
    return new MlsEngineError("bad-parameter", "This device is already in the group.", { cause: e });
  }
  if (/with unapplied proposals/.test(text)) {
    return new MlsEngineError("pending-proposals", "Pending changes must be committed before sending.", {
      cause: e,
    });
  }
  if (/removed from group|removedFromGroup|Cannot send messages/i.test(text)) {
    return new MlsEngineError("not-member", "This device is no longer in the group.", { cause: e });
  }
  switch (name) {
    case "CodecError":
      return new MlsEngineError("malformed", `The data could not be read while ${doing}.`, { cause: e });
    case "CryptoError":
    case "CryptoVerificationError":
      return new MlsEngineError("decrypt-failed", `A decryption or signature check failed while ${doing}.`, {
        cause: e,
      });
    case "ValidationError":
      return new MlsEngineError("invalid", `The message breaks the group's MLS rules (${doing}): ${text}`, {
        cause: e,
      });
    case "UsageError":
      return new MlsEngineError("bad-parameter", `The engine was used wrongly while ${doing}: ${text}`, {
        cause: e,
      });
    default:
      return new MlsEngineError("internal", `Unexpected failure while ${doing}.`, { cause: e });
  }
}
