/**
 * iCalendar (RFC 5545) for Rally events: export of one event or a group's calendar with time zones,
 * and import of .ics files from calendar apps.
 */

export { IcsError, type IcsErrorCode } from "./errors.ts";
export {
  calendarToIcs,
  eventToIcs,
  eventUid,
  type IcsEventSource,
  type IcsOptions,
  PRODID,
} from "./export.ts";
export {
  type IcsImport,
  type ImportedEvent,
  icsToEvents,
  MAX_ICS_LENGTH,
  MAX_IMPORTED_EVENTS,
} from "./import.ts";
export { CRLF, contentLine, escapeText, foldLine, MAX_LINE_OCTETS } from "./lines.ts";
export { transitions, vtimezoneLines } from "./vtimezone.ts";
