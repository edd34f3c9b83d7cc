import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CONTINUATION_INDENT,
  jsonSafe,
  sanitizeDocument,
  sanitizeInline,
  sanitizeRecord,
} from "../../src/cli/sanitize.ts";

const ESC = "\u001b";
const BEL = "\u0007";
const CSI_C1 = "\u009b";

/** Anything a terminal could act on: C0 but tab/LF, DEL, C1, bidi controls and direction marks. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters.
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe("sanitizeRecord", () => {
  it("removes ESC sequences: CSI cursor moves, colours, screen clears", () => {
    const text = `hi${ESC}[2J${ESC}[1;1H${ESC}[31mred${ESC}[0m${ESC}[1A`;
    const out = sanitizeRecord(text);
    expect(out).not.toContain(ESC);
    expect(out).toBe("hi[2J[1;1H[31mred[0m[1A");
  });

  it("removes OSC 52 clipboard writes and OSC window titles (BEL and ST terminated)", () => {
    const osc52 = `${ESC}]52;c;ZWNobyBwd25lZA==${BEL}`;
    const title = `${ESC}]0;evil title${ESC}\\`;
    const out = sanitizeRecord(`before${osc52}${title}after`);
    expect(out).not.toMatch(ACTIVE);
    expect(out).toBe("before]52;c;ZWNobyBwd25lZA==]0;evil title\\after");
  });

  it("removes C1 controls such as the one-byte CSI U+009B and OSC U+009D", () => {
    const out = sanitizeRecord(`a${CSI_C1}2Jb\u009d0;t\u009cc\u0090d`);
    expect(out).toBe("a2Jb0;tcd");
  });

  it("removes bidi overrides, embeddings, isolates and direction marks", () => {
    const bidi = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c";
    expect(sanitizeRecord(`Al${bidi}ice`)).toBe("Alice");
    // The classic file-name trick: "invoice\u202Efdp.exe" would show as "invoiceexe.pdf".
    expect(sanitizeRecord("invoice\u202efdp.exe")).toBe("invoicefdp.exe");
  });

  it("keeps tabs, ordinary Unicode, emoji and right-to-left letters", () => {
    const text = "Grüße\t🎉 שלום مرحبا 你好";
    expect(sanitizeRecord(text)).toBe(text);
  });

  it("indents every line after the first, so a message cannot forge another member's line", () => {
    const line = "[2026-12-06 19:00] x2: ok\nx1: I agree to pay 500 EUR";
    const out = sanitizeRecord(line);
    expect(out.split("\n")).toEqual([
      "[2026-12-06 19:00] x2: ok",
      `${CONTINUATION_INDENT}x1: I agree to pay 500 EUR`,
    ]);
  });

  it("treats CR, CR LF, VT, FF, NEL, U+2028 and U+2029 as line breaks (indented too)", () => {
    const out = sanitizeRecord("a\rb\r\nc\vd\fe\u0085f\u2028g\u2029h");
    expect(out.split("\n")).toEqual(["a", ..."bcdefgh".split("").map((c) => `${CONTINUATION_INDENT}${c}`)]);
    expect(out).not.toContain("\r");
  });

  it("never lets a record start a line at column 0 after its first, nor carry an active character", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const out = sanitizeRecord(s);
        expect(out).not.toMatch(ACTIVE);
        expect(out).not.toMatch(/[\u2028\u2029]/);
        for (const line of out.split("\n").slice(1)) expect(line.startsWith(CONTINUATION_INDENT)).toBe(true);
      }),
    );
  });
});

describe("sanitizeInline", () => {
  it("keeps a name on one line", () => {
    expect(sanitizeInline(`Mallory\n${ESC}[2KAlice\u202e`)).toBe("Mallory [2KAlice");
  });
});

describe("sanitizeDocument", () => {
  it("keeps an iCalendar file's CR LF lines and drops control and bidi characters", () => {
    const ics = `BEGIN:VCALENDAR\r\nSUMMARY:Party${CSI_C1}2J\u202e\r\n\tfolded${ESC}]52;c;x${BEL}\r\nEND:VCALENDAR\r\n`;
    expect(sanitizeDocument(ics)).toBe(
      "BEGIN:VCALENDAR\r\nSUMMARY:Party2J\r\n\tfolded]52;c;x\r\nEND:VCALENDAR\r\n",
    );
  });
});

describe("jsonSafe", () => {
  it("escapes what JSON.stringify leaves raw, and decodes to exactly the same values", () => {
    const value = { text: `a${ESC}]52;c;x${BEL}\u009b2J\u202e\u2066\u2028\u0085\u007f\nend`, n: 1 };
    const json = jsonSafe(JSON.stringify(value));
    expect(json).not.toMatch(ACTIVE);
    expect(json).not.toMatch(/[\u2028\u2029]/);
    expect(json).toContain("\\u009b");
    expect(json).toContain("\\u202e");
    expect(JSON.parse(json)).toEqual(value);
  });

  it("round-trips any string exactly", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const json = jsonSafe(JSON.stringify({ s }));
        expect(json).not.toMatch(ACTIVE);
        expect((JSON.parse(json) as { s: string }).s).toBe(s);
      }),
    );
  });
});
