/**
 * Makes text that other people wrote safe to print on a terminal. Chat messages, names, group
 * names, event titles, places, poll questions and relay answers all come from people or relays
 * we do not trust, and a terminal obeys what it prints: ESC and C1 sequences move the cursor,
 * rewrite earlier lines, set the window title or write the clipboard (OSC 52), a carriage return
 * overwrites the start of a line, and bidirectional overrides show text in another order than it
 * is stored (a name that reads "Alice" but is not). So, for human output:
 *
 * - C0 controls (U+0000–U+001F) but tab and line breaks, DEL and C1 controls (U+0080–U+009F) are
 *   removed;
 * - bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the invisible
 *   direction marks (U+200E, U+200F, U+061C) are removed;
 * - every kind of line break (CR LF, CR, LF, VT, FF, NEL, U+2028, U+2029) becomes one newline,
 *   and each line after the first of one record is indented, so text cannot forge a line that
 *   looks like another member's (`x1: I agree to pay 500 EUR`) or like the CLI's own words.
 *
 * JSON output keeps the exact strings: `jsonSafe` only writes the same characters as `\uXXXX`
 * escapes, which JSON.parse reads back unchanged.
 */

/** How continuation lines of one printed record are indented. */
export const CONTINUATION_INDENT = "    ";

/** Line breaks a terminal (or a program reading lines) may honour. */
const LINE_BREAKS = /\r\n|[\r\n\v\f\u0085\u2028\u2029]/g;

/**
 * Everything else that is removed: C0 but tab and LF (line breaks are already LF by then), DEL,
 * C1, bidi embeddings/overrides/isolates and direction marks.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Removes control and bidi characters from text meant to stay on one line (a name, a title). */
export function sanitizeInline(text: string): string {
  return text.replace(LINE_BREAKS, " ").replace(UNSAFE, "");
}

/**
 * Makes one printed record safe: unsafe characters removed, line breaks normalised to `\n`, and
 * every line after the first indented by `indent`.
 */
export function sanitizeRecord(text: string, indent: string = CONTINUATION_INDENT): string {
  return text.replace(LINE_BREAKS, "\n").replace(UNSAFE, "").replace(/\n/g, `\n${indent}`);
}

/**
 * A document for other programs (an iCalendar file, whose lines end in CR LF) with control and
 * bidi characters removed and its line structure kept as it is.
 */
export function sanitizeDocument(text: string): string {
  return text.replace(UNSAFE, (c) => (c === "\r" ? c : ""));
}

/** Characters JSON.stringify leaves raw that a terminal may still act on, as JSON escapes. */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text whose strings decode to exactly the same values, with DEL, C1, bidi and the Unicode
 * line separators written as `\uXXXX` (JSON.stringify already escapes C0). These characters can
 * only occur inside JSON strings, where an escape is always valid.
 */
export function jsonSafe(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
