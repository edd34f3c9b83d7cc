/**
 * One error type for everything the client tells a person: `RallyError` (api.ts), with a plain-words
 * message and a short code. Errors from the layers below (identity, wire formats, MLS engine, app
 * rumors, store) already carry plain words; `asRallyError` keeps their message and gives them a code
 * (protocol errors by their `layer` and `code`), so a caller never has to know which layer refused.
 *
 * Runs in: Node and browsers.
 */
import { isProtocolError } from "@rally/protocol";
import { RallyError } from "./api.ts";
import { StoreError } from "./store/store.ts";

export { RallyError };

/** Codes callers branch on (the CLI and web app show the message; tests check the code). */
export type RallyErrorCode =
  | "no-account"
  | "account-exists"
  | "locked"
  | "wrong-passphrase"
  | "bad-input"
  | "unknown-group"
  | "ambiguous-group"
  | "not-admin"
  | "not-member"
  | "unknown-person"
  | "no-key-package"
  | "unreachable"
  | "unknown-invite"
  | "unknown-event"
  | "unknown-poll"
  | "unknown-message"
  | "unknown-link"
  | "link-expired"
  | "link-damaged"
  | "link-seen"
  | "forbidden"
  | "no-public-face"
  | "not-published"
  | "unknown-answer"
  | "internal";

export function rallyError(code: RallyErrorCode, message: string): RallyError {
  return new RallyError(message, code);
}

/** Wraps any thrown value as a RallyError, keeping a plain-words message where there is one. */
export function asRallyError(e: unknown, fallbackCode: RallyErrorCode = "internal"): RallyError {
  if (e instanceof RallyError) return e;
  if (e instanceof Error) {
    const code = codeOf(e) ?? fallbackCode;
    const err = new RallyError(e.message, code);
    (err as { cause?: unknown }).cause = e;
    return err;
  }
  return new RallyError(String(e), fallbackCode);
}

/**
 * The code for a refusal of a layer below. Every protocol layer throws a `ProtocolError` with a
 * `layer` and a `code`: bad identity, wire, app, iCalendar or Nostr input is the caller's bad input;
 * the MLS engine's codes say whether the person lacks a right, is no longer in the group, or the
 * engine failed.
 */
function codeOf(e: Error): RallyErrorCode | undefined {
  if (e instanceof StoreError && (e.code === "locked" || e.code === "wrong-passphrase")) return e.code;
  if (!isProtocolError(e)) return undefined;
  switch (e.layer) {
    case "identity":
    case "app":
    case "wire":
    case "ics":
    case "nostr":
      return "bad-input";
    case "mls":
      if (e.code === "not-admin" || e.code === "forbidden") return "not-admin";
      if (e.code === "not-member") return "not-member";
      return "internal";
  }
}
