import fc from "fast-check";
import { getEventHash } from "nostr-tools/pure";
import { describe, expect, test } from "vitest";
import {
  compareByTimeThenId,
  InvalidInputError,
  isNewer,
  MAX_CONTENT_LENGTH,
  MAX_TAG_ITEM_LENGTH,
  MAX_TAG_ITEMS,
  MAX_TAGS,
  makeRumor,
  parseRumor,
} from "../../src/app/index.ts";
import { alice } from "./people.ts";

const base = () =>
  makeRumor({ pubkey: alice.pk, createdAt: 1700000000, kind: 9, tags: [["t", "x"]], content: "hi" });

describe("rumors", () => {
  test("makeRumor computes the NIP-01 id", () => {
    const r = base();
    const { id, ...rest } = r;
    expect(id).toBe(getEventHash(rest));
    expect(parseRumor(r)).toEqual({ ok: true, value: r });
  });

  test("parseRumor drops unknown fields such as sig", () => {
    const r = base();
    const parsed = parseRumor({ ...r, sig: "00", extra: 1 });
    expect(parsed.ok && Object.keys(parsed.value).sort()).toEqual([
      "content",
      "created_at",
      "id",
      "kind",
      "pubkey",
      "tags",
    ]);
  });

  test.each([
    ["not an object", null, "not an object"],
    ["array", [], "not an object"],
    ["bad id", { id: "xyz" }, "id must be"],
    ["uppercase pubkey", { pubkey: "A".repeat(64) }, "pubkey must be"],
    ["negative created_at", { created_at: -1 }, "created_at"],
    ["fractional created_at", { created_at: 1.5 }, "created_at"],
    ["kind too large", { kind: 65536 }, "kind must be"],
    ["content not string", { content: 5 }, "content must be"],
    ["tags not array", { tags: {} }, "tags must be"],
    ["empty tag", { tags: [[]] }, "each tag"],
    ["tag with number", { tags: [["t", 1]] }, "tag items"],
  ])("refuses %s", (_name, patch, message) => {
    const value = patch === null || Array.isArray(patch) ? patch : { ...base(), ...patch };
    const parsed = parseRumor(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });

  test("refuses a rumor whose id does not match its contents", () => {
    const r = base();
    const parsed = parseRumor({ ...r, content: "changed" });
    expect(parsed).toEqual({ ok: false, error: "rumor id does not match its contents" });
  });

  test("size caps hold at n and fail at n+1", () => {
    const make = (tags: string[][], content = "") => parseRumor(rumorWith(tags, content));
    const rumorWith = (tags: string[][], content: string) => {
      const body = { pubkey: alice.pk, created_at: 1, kind: 9, tags, content };
      return { id: getEventHash(body), ...body };
    };
    expect(make(Array.from({ length: MAX_TAGS }, () => ["t", "x"])).ok).toBe(true);
    expect(make(Array.from({ length: MAX_TAGS + 1 }, () => ["t", "x"])).ok).toBe(false);
    expect(make([Array.from({ length: MAX_TAG_ITEMS }, () => "x")]).ok).toBe(true);
    expect(make([Array.from({ length: MAX_TAG_ITEMS + 1 }, () => "x")]).ok).toBe(false);
    expect(make([["t", "x".repeat(MAX_TAG_ITEM_LENGTH)]]).ok).toBe(true);
    expect(make([["t", "x".repeat(MAX_TAG_ITEM_LENGTH + 1)]]).ok).toBe(false);
    expect(make([], "x".repeat(MAX_CONTENT_LENGTH)).ok).toBe(true);
    expect(make([], "x".repeat(MAX_CONTENT_LENGTH + 1)).ok).toBe(false);
  });

  test("makeRumor throws InvalidInputError on bad author or time", () => {
    expect(() => makeRumor({ pubkey: "nope", createdAt: 1, kind: 9, tags: [], content: "" })).toThrow(
      InvalidInputError,
    );
    expect(() => makeRumor({ pubkey: alice.pk, createdAt: -5, kind: 9, tags: [], content: "" })).toThrow(
      /createdAt/,
    );
  });

  test("parseRumor never throws on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = parseRumor(value);
        expect(typeof parsed.ok).toBe("boolean");
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.record({
          id: fc.oneof(fc.string(), fc.constant("a".repeat(64))),
          pubkey: fc.oneof(fc.string(), fc.constant(alice.pk)),
          created_at: fc.oneof(fc.integer(), fc.double(), fc.string()),
          kind: fc.oneof(fc.integer(), fc.string()),
          tags: fc.oneof(fc.array(fc.array(fc.oneof(fc.string(), fc.integer()))), fc.string()),
          content: fc.oneof(fc.string(), fc.integer()),
        }),
        (value) => {
          expect(parseRumor(value).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("tie-break order: created_at, then lowest id", () => {
    const a = { created_at: 5, id: "b" };
    const b = { created_at: 5, id: "a" };
    const c = { created_at: 6, id: "0" };
    expect([a, c, b].sort(compareByTimeThenId)).toEqual([b, a, c]);
    expect(isNewer(c, a)).toBe(true);
    expect(isNewer(b, a)).toBe(true);
    expect(isNewer(a, b)).toBe(false);
  });

  test("within one second the author's milliseconds decide before the id", () => {
    const first = { created_at: 5, id: "0a", tags: [["ms", "100"]] };
    const second = { created_at: 5, id: "ff", tags: [["ms", "200"]] };
    expect(isNewer(second, first)).toBe(true);
    expect(isNewer(first, second)).toBe(false);
    // A bad or missing tag counts as 0: it never outranks a real later millisecond, never leaves its second.
    const bad = { created_at: 5, id: "00", tags: [["ms", "9999"]] };
    expect(isNewer(first, bad)).toBe(true);
    expect(isNewer({ created_at: 6, id: "ff" }, second)).toBe(true);
    // Equal milliseconds: lowest id, as before.
    expect(isNewer({ ...second, id: "01" }, second)).toBe(true);
  });
});
