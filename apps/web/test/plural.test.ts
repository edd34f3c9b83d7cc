import { describe, expect, it } from "vitest";
import { count, pluralWord } from "../src/lib/plural.ts";

describe("counting words", () => {
  it("uses the singular for exactly one and the plural otherwise", () => {
    expect(count(1, "place")).toBe("1 place");
    expect(count(0, "place")).toBe("0 places");
    expect(count(2, "place")).toBe("2 places");
    expect(count(1, "person", "people")).toBe("1 person");
    expect(count(3, "person", "people")).toBe("3 people");
    expect(pluralWord(1, "other")).toBe("other");
    expect(pluralWord(7, "other")).toBe("others");
  });
});
