import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8ByteLength } from "../../src/nostr/utf8.ts";

describe("utf8ByteLength", () => {
  it("agrees with Buffer.byteLength on any string, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(utf8ByteLength(s)).toBe(Buffer.byteLength(s, "utf8"));
      }),
      { numRuns: 1000 },
    );
    for (const s of ["", "a", "é", "€", "😀", "\ud800", "\udc00x", "a\ud83d"])
      expect(utf8ByteLength(s)).toBe(Buffer.byteLength(s));
  });
});
