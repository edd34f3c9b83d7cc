/**
 * Errors of the iCalendar reader and writer, with messages meant for the person importing a file.
 * An `IcsError` is a `ProtocolError` of layer "ics".
 */

import { ProtocolError } from "../errors.ts";

export type IcsErrorCode =
  /** Not text, or a default time zone the runtime does not know. */
  | "bad-parameter"
  /** Larger than an import allows (the file, or its number of events). */
  | "too-large"
  /** Not an iCalendar file at all. */
  | "not-a-calendar"
  /** An iCalendar file that cannot be read. */
  | "malformed"
  /** A calendar with no event that could be imported. */
  | "no-events";

export class IcsError extends ProtocolError<IcsErrorCode> {
  constructor(message: string, code: IcsErrorCode = "malformed") {
    super("ics", code, message);
    this.name = "IcsError";
  }
}
