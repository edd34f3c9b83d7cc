import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { contentLine, escapeText, foldLine, MAX_LINE_OCTETS } from "../../src/ics/index.ts";

const octets = (s: string) => new TextEncoder().encode(s).length;
const unfold = (s: string) => s.replace(/\r\n[ \t]/g, "");

describe("RFC 5545 content lines", () => {
  test("TEXT escaping (§3.3.11)", () => {
    expect(escapeText("a,b;c\\d\ne\r\nf\rg")).toBe("a\\,b\\;c\\\\d\\ne\\nf\\ng");
    expect(escapeText("tab\tkept, bell\u0007 dropped")).toBe("tab\tkept\\, bell dropped");
  });

  test("parameters are quoted when they hold separators", () => {
    expect(contentLine("ORGANIZER", "mailto:a@b", { CN: "Doe, Jane" })).toBe(
      'ORGANIZER;CN="Doe, Jane":mailto:a@b',
    );
    expect(contentLine("ORGANIZER", "mailto:a@b", { CN: 'Say "hi"' })).toBe("ORGANIZER;CN=Say hi:mailto:a@b");
  });

  test("folding: at most 75 octets per line, never inside a character, lossless", () => {
    const sample = `SUMMARY:${"✊🏽 Ünïcödé ".repeat(12)}`;
    const folded = foldLine(sample);
    for (const line of folded.split("\r\n")) expect(octets(line)).toBeLessThanOrEqual(MAX_LINE_OCTETS);
    expect(unfold(folded)).toBe(sample);
    expect(folded).not.toContain("\uFFFD");
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (value) => {
        const line = `DESCRIPTION:${escapeText(value)}`;
        const out = foldLine(line);
        const physical = out.split("\r\n");
        physical.forEach((l, i) => {
          expect(octets(l)).toBeLessThanOrEqual(MAX_LINE_OCTETS);
          if (i > 0) expect(l.startsWith(" ")).toBe(true);
        });
        expect(unfold(out)).toBe(line);
      }),
      { numRuns: 150 },
    );
  });

  test("boundary: 75 octets stay on one line, 76 fold", () => {
    const at75 = `X:${"a".repeat(73)}`;
    expect(foldLine(at75)).toBe(at75);
    const at76 = `X:${"a".repeat(74)}`;
    expect(foldLine(at76).split("\r\n")).toEqual([at76.slice(0, 75), ` ${at76.slice(75)}`]);
  });
});
