// Device names are shown beside a link's code: nothing in one may move or hide the code, while the
// names people really use (Persian words, emoji sequences) pass.
import { describe, expect, it } from "vitest";
import { checkDeviceName } from "../../src/sync/deviceLinks.ts";

describe("a device name", () => {
  it("takes plain names, Persian words with a non-joiner and emoji sequences with a joiner", () => {
    for (const name of ["Laptop", "  Phone  ", "لپ\u200cتاپ", "👩\u200d💻 work", "🏳️\u200d🌈"])
      expect(checkDeviceName(name)).toBe(name.trim());
  });

  it("refuses control characters, separators, bidi controls and zero-width spaces", () => {
    for (const name of [
      "Phone\u001b[2K",
      "a\u0085b",
      "a\u2028b",
      "Laptop\u202e",
      "x\u2066y",
      "a\u200bb",
      "Pho\ufeffne",
    ])
      expect(() => checkDeviceName(name)).toThrow(/control or invisible formatting/);
    expect(() => checkDeviceName("x".repeat(61))).toThrow(/at most 60/);
    expect(() => checkDeviceName("   ")).toThrow(/Give this device a name/);
  });
});
