/**
 * One error type for everything the client tells a person: `RallyError` (api.ts), with a plain-words
 * message and a short code. Errors from the layers below (identity, wire formats, MLS engine, app
 * rumors, store) already carry plain words; `asRallyError` keeps their message and gives them a code,
 * so a caller never has to know which layer refused.
 *
 * Runs in: Node and browsers.
 */
import { RallyError } from "./api.ts";

export { RallyError };

/** Codes callers branch on (the CLI and web app show the message; tests check the code). */
export type RallyErrorCode =
  | "no-account"
  | "account-exists"
  | "locked"
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
  | "forbidden"
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

/** Known error classes of the layers below, by name (no import of each layer needed). */
function codeOf(e: Error): RallyErrorCode | undefined {
  switch (e.name) {
    case "IdentityError":
    case "InvalidInputError":
    case "MarmotError":
    case "IcsError":
      return "bad-input";
    case "MlsEngineError": {
      const code = (e as Error & { code?: string }).code;
      if (code === "not-admin" || code === "forbidden") return "not-admin";
      if (code === "not-member") return "not-member";
      return "internal";
    }
    default:
      return undefined;
  }
}
