/**
 * RFC 5545 §3.1 content lines: `name *(";" param) ":" value`, TEXT escaping (§3.3.11), parameter
 * quoting (§3.2) and folding so that no physical line is longer than 75 octets excluding CRLF, a
 * continuation line starting with one space. Folding counts UTF-8 octets and never splits a
 * character. (ical.js, used for reading, folds its output at 75 octets *plus* the leading space,
 * one octet over; writing our own few lines keeps the limit exact.)
 */

import { utf8ToBytes } from "@noble/hashes/utils.js";

export const CRLF = "\r\n";
export const MAX_LINE_OCTETS = 75;

/** Drops control characters (RFC 5545 CONTROL) except those listed in `keep`. */
function dropControls(value: string, keep: string): string {
  let out = "";
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if ((c < 0x20 || c === 0x7f) && !keep.includes(ch)) continue;
    out += ch;
  }
  return out;
}

/** TEXT value escaping: backslash, semicolon, comma and line breaks; other control characters dropped. */
export function escapeText(value: string): string {
  return dropControls(value.replace(/\r\n|\r/g, "\n"), "\t\n")
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\n/g, "\\n");
}

/** A parameter value, quoted when it holds `:`, `;` or `,`; DQUOTE and control characters cannot appear. */
export function paramValue(value: string): string {
  const clean = dropControls(value, "").replaceAll('"', "");
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

function octets(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/** Folds one logical line into physical lines of at most 75 octets each, joined by CRLF + space. */
export function foldLine(line: string): string {
  if (utf8ToBytes(line).length <= MAX_LINE_OCTETS) return line;
  const out: string[] = [];
  let current = "";
  let size = 0;
  for (const ch of line) {
    const n = octets(ch.codePointAt(0)!);
    // A continuation line's leading space counts towards its 75 octets.
    const limit = out.length === 0 ? MAX_LINE_OCTETS : MAX_LINE_OCTETS - 1;
    if (size + n > limit) {
      out.push(current);
      current = "";
      size = 0;
    }
    current += ch;
    size += n;
  }
  out.push(current);
  return out.join(`${CRLF} `);
}

/** One content line, folded. `value` must already be in its value type's syntax (escape TEXT first). */
export function contentLine(name: string, value: string, params: Record<string, string> = {}): string {
  let line = name;
  for (const [k, v] of Object.entries(params)) line += `;${k}=${paramValue(v)}`;
  return foldLine(`${line}:${value}`);
}

/** Joins content lines into an iCalendar stream: CRLF after every line, including the last. */
export function joinLines(lines: string[]): string {
  return lines.map((l) => l + CRLF).join("");
}
