import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isRightWord, normaliseTypedWords, splitWords, wordQuestions } from "../src/lib/recoveryCheck.ts";

const words = "abandon ability able about above absent absorb abstract absurd abuse access accident".split(
  " ",
);

describe("recovery word check", () => {
  it("asks about distinct positions, each with the right word among distinct choices", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (seed) => {
        let s = seed;
        const random = () => {
          s = (s * 16807) % 2147483647;
          return s / 2147483647;
        };
        const questions = wordQuestions(words, 2, 6, random);
        expect(questions).toHaveLength(2);
        expect(questions[0]!.index).toBeLessThan(questions[1]!.index);
        for (const q of questions) {
          expect(q.choices).toHaveLength(6);
          expect(new Set(q.choices).size).toBe(6);
          expect(q.choices).toContain(words[q.index]);
          expect(q.choices.every((c) => words.includes(c))).toBe(true);
          expect(isRightWord(words, q, words[q.index]!)).toBe(true);
          const wrong = q.choices.find((c) => c !== words[q.index])!;
          expect(isRightWord(words, q, wrong)).toBe(false);
        }
      }),
    );
  });

  it("copes with a repeated word", () => {
    const repeated = [...words.slice(0, 11), "abandon"];
    for (const q of wordQuestions(repeated)) expect(new Set(q.choices).size).toBe(q.choices.length);
  });

  it("normalises typed words", () => {
    expect(normaliseTypedWords("  Abandon,ability\n able  ")).toBe("abandon ability able");
    expect(splitWords("a  b ")).toEqual(["a", "b"]);
  });
});
