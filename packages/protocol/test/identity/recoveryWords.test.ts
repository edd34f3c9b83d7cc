import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkRecoveryWords,
  createPerson,
  generateRecoveryWords,
  IdentityError,
  isValidRecoveryWords,
  nsecEncode,
  personFromRecoveryWords,
  secretKeyFromRecoveryWords,
} from "../../src/identity/index.ts";
import vectors from "./vectors.json" with { type: "json" };

function errorOf(fn: () => unknown): IdentityError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IdentityError) return e;
    throw e;
  }
  throw new Error("expected an IdentityError");
}

const TWELVE = vectors.nip06[0]!.mnemonic;

describe("NIP-06 vectors", () => {
  for (const v of vectors.nip06) {
    it(`derives ${v.npub.slice(0, 16)}…`, () => {
      const person = personFromRecoveryWords(v.mnemonic);
      expect(bytesToHex(person.secretKey)).toBe(v.privateKey);
      expect(person.pubkey).toBe(v.publicKey);
      expect(person.npub).toBe(v.npub);
      expect(nsecEncode(person.secretKey)).toBe(v.nsec);
      expect(person.words).toBe(v.mnemonic);
    });
  }

  it("uses account 0 by default and other accounts on request", () => {
    const a0 = secretKeyFromRecoveryWords(TWELVE);
    const a1 = secretKeyFromRecoveryWords(TWELVE, { account: 1 });
    expect(bytesToHex(a0)).toBe(vectors.nip06[0]!.privateKey);
    expect(bytesToHex(a1)).not.toBe(bytesToHex(a0));
    expect(() => secretKeyFromRecoveryWords(TWELVE, { account: -1 })).toThrow(IdentityError);
  });
});

describe("typed words", () => {
  it("accepts any case, commas and extra whitespace", () => {
    const messy = `  ${TWELVE.toUpperCase().split(" ").join(" ,\n\t ")}  `;
    expect(checkRecoveryWords(messy)).toBe(TWELVE);
    expect(personFromRecoveryWords(messy).pubkey).toBe(vectors.nip06[0]!.publicKey);
  });

  it("counts words: 11 and 13 are refused with the count, 12 and 24 accepted", () => {
    const words = TWELVE.split(" ");
    const eleven = errorOf(() => checkRecoveryWords(words.slice(0, 11).join(" ")));
    expect(eleven.code).toBe("word-count");
    expect(eleven.detail.count).toBe(11);
    expect(eleven.message).toBe("There should be 12 recovery words, but 11 words were given.");
    expect(errorOf(() => checkRecoveryWords([...words, "abandon"].join(" "))).detail.count).toBe(13);
    expect(errorOf(() => checkRecoveryWords("")).detail.count).toBe(0);
    expect(errorOf(() => checkRecoveryWords("leader")).message).toContain("1 word was given");
    expect(checkRecoveryWords(vectors.nip06[1]!.mnemonic).split(" ")).toHaveLength(24);
  });

  it("names the position of a word that is not in the list, without repeating it", () => {
    const words = TWELVE.split(" ");
    words[6] = "beforex";
    const e = errorOf(() => checkRecoveryWords(words.join(" ")));
    expect(e.code).toBe("unknown-word");
    expect(e.detail.position).toBe(7);
    expect(e.message).toBe("Word 7 is not a recovery word. Check its spelling.");
    expect(e.message).not.toContain("beforex");
    const first = TWELVE.split(" ");
    first[0] = "zzz";
    expect(errorOf(() => checkRecoveryWords(first.join(" "))).detail.position).toBe(1);
  });

  it("reports a wrong checksum when two words are swapped", () => {
    const words = TWELVE.split(" ");
    [words[0], words[1]] = [words[1]!, words[0]!];
    const e = errorOf(() => checkRecoveryWords(words.join(" ")));
    expect(e.code).toBe("bad-checksum");
    expect(e.message).toMatch(/do not fit together/);
    for (const w of TWELVE.split(" ")) expect(e.message).not.toContain(w);
    expect(isValidRecoveryWords(words.join(" "))).toBe(false);
    expect(isValidRecoveryWords(TWELVE)).toBe(true);
  });

  it("refuses non-text input with a typed error", () => {
    expect(errorOf(() => checkRecoveryWords(42 as unknown as string)).code).toBe("word-count");
  });
});

describe("new accounts", () => {
  it("makes twelve words from 16 bytes of entropy, deterministically", () => {
    const entropy = new Uint8Array(16).fill(7);
    const words = generateRecoveryWords(entropy);
    expect(words.split(" ")).toHaveLength(12);
    expect(generateRecoveryWords(entropy)).toBe(words);
    expect(createPerson({ entropy }).words).toBe(words);
    expect(() => generateRecoveryWords(new Uint8Array(15))).toThrow(IdentityError);
    expect(() => generateRecoveryWords(new Uint8Array(17))).toThrow(IdentityError);
  });

  it("gives fresh words each time by default", () => {
    expect(createPerson().words).not.toBe(createPerson().words);
  });

  it("round-trips any entropy: words → check → same person", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (entropy) => {
        const p = createPerson({ entropy });
        expect(checkRecoveryWords(p.words)).toBe(p.words);
        expect(personFromRecoveryWords(p.words.toUpperCase()).pubkey).toBe(p.pubkey);
      }),
      { numRuns: 15 },
    );
  });
});
