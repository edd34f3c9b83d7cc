/**
 * Text that people type — messages, titles, places, poll questions and options, names — measured
 * in one unit and refused when it shows nothing.
 *
 * The unit is the Unicode code point, which every limit and every error calls a "character". Code
 * points are counted the same way on every device and every Unicode version (grapheme clusters are
 * not: their rules change with the Unicode data a browser ships), so a sender's check and a
 * receiver's reducer agree. It also bounds the wire size: a code point is at most 4 bytes of UTF-8
 * and at most 6 once JSON escapes it. An emoji built of several code points (a family joined by
 * zero-width joiners, a flag, a skin tone) counts as several characters, and the error says so.
 *
 * Blank: text made only of white space (Unicode White_Space, categories Zs/Zl/Zp), controls (Cc),
 * invisible format characters (Cf: zero-width space and joiners, word joiner, byte order mark, bidi
 * marks, embeddings and isolates, tag characters) and other default-ignorable code points (variation
 * selectors, Hangul fillers), plus the blank braille pattern. Such text would show as an empty line.
 */

import { InvalidInputError } from "./errors.ts";

/** A refused text, with a message that is a whole sentence a person can read as it is. */
export class TextInputError extends InvalidInputError {
  constructor(field: string, message: string) {
    super(field, message, "bad-text");
  }
}

/** Number of characters (Unicode code points; a lone surrogate counts as one). */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The first `max` characters of `text`, never cutting a code point in half. */
export function clipChars(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  let n = 0;
  for (const c of text) {
    if (n === max) break;
    end += c.length;
    n++;
  }
  return text.slice(0, end);
}

const utf8 = new TextEncoder();

/** Bytes of the text in UTF-8, as a wire field with a byte cap counts it. */
export function utf8Length(text: string): number {
  return utf8.encode(text).length;
}

/**
 * The longest start of `text` that is at most `maxBytes` of UTF-8, never cutting a code point:
 * for a name shown in a field the wire caps in bytes (an inviter's name, a link's group name).
 */
export function clipUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const c of text) {
    const cp = c.codePointAt(0) ?? 0;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += c.length;
  }
  return text.slice(0, end);
}

const INVISIBLE =
  /^[\p{White_Space}\p{Z}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800\u115f\u1160\u3164\uffa0]*$/u;

/** True when the text would show nothing: empty, or only spaces and invisible characters. */
export function isBlank(text: string): boolean {
  return INVISIBLE.test(text);
}

// Marks that make one visible symbol out of several code points: zero-width joiner, variation
// selectors, combining marks, skin tones, regional indicators (flags) and tag characters.
const MULTI_PART = /[\u200d\p{M}\p{Emoji_Modifier}\p{Regional_Indicator}\u{e0020}-\u{e007f}]/u;

export interface TextRule {
  /** How the error names the text, starting a sentence: "The message", "A poll option". */
  what: string;
  /** Most characters allowed. */
  max: number;
  /** True when the text may be empty (a description); blank text is then allowed too. */
  optional?: boolean;
}

/** Why the text breaks the rule, as a sentence, or null when it is fine. */
export function textProblem(text: string, rule: TextRule): string | null {
  if (!rule.optional && isBlank(text)) {
    return text.length === 0
      ? `${rule.what} is empty.`
      : `${rule.what} is empty: it holds only spaces or invisible characters.`;
  }
  const n = charCount(text);
  if (n <= rule.max) return null;
  const hint = MULTI_PART.test(text)
    ? " Some emoji and accented letters are made of several characters, and each counts."
    : "";
  return `${rule.what} is too long: it has ${n} characters, and the most is ${rule.max}.${hint}`;
}

/** Returns the text when it keeps the rule; throws TextInputError (for `field`) when it does not. */
export function checkText(field: string, text: unknown, rule: TextRule): string {
  if (typeof text !== "string") throw new TextInputError(field, `${rule.what} is not text.`);
  const problem = textProblem(text, rule);
  if (problem) throw new TextInputError(field, problem);
  return text;
}
