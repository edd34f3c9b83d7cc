import fc from "fast-check";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { computeEventId, eventToJson, firstTagValue, parseEvent, tagValues } from "../../src/nostr/event.ts";

const sk = generateSecretKey();
const signed = finalizeEvent(
  {
    kind: 1,
    created_at: 1_700_000_000,
    tags: [
      ["p", "x"],
      ["p", "y"],
    ],
    content: "hi",
  },
  sk,
);
const good = JSON.parse(JSON.stringify(signed)) as Record<string, unknown>;

describe("parseEvent", () => {
  it("accepts a signed event and keeps only NIP-01 fields", () => {
    const r = parseEvent({ ...good, extra: "dropped" });
    expect(r.ok).toBe(true);
    if (r.ok)
      expect(Object.keys(r.value).sort()).toEqual([
        "content",
        "created_at",
        "id",
        "kind",
        "pubkey",
        "sig",
        "tags",
      ]);
  });

  it.each([
    ["not an object", "x"],
    ["an array", []],
    ["null", null],
    ["missing id", { ...good, id: undefined }],
    ["short id", { ...good, id: "ab" }],
    ["uppercase id", { ...good, id: (good.id as string).toUpperCase() }],
    ["non-hex pubkey", { ...good, pubkey: "z".repeat(64) }],
    ["short sig", { ...good, sig: "00" }],
    ["string kind", { ...good, kind: "1" }],
    ["kind above 65535", { ...good, kind: 65536 }],
    ["negative kind", { ...good, kind: -1 }],
    ["fractional created_at", { ...good, created_at: 1.5 }],
    ["negative created_at", { ...good, created_at: -1 }],
    ["huge created_at", { ...good, created_at: 2 ** 60 }],
    ["content not a string", { ...good, content: 1 }],
    ["tags not an array", { ...good, tags: {} }],
    ["a tag not an array", { ...good, tags: ["p"] }],
    ["a tag element not a string", { ...good, tags: [["p", 1]] }],
  ])("refuses %s", (_name, value) => {
    const r = parseEvent(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.length).toBeGreaterThan(5);
  });

  it("caps tags at the limit: n-1 and n pass, n+1 fails", () => {
    const limits = { maxTags: 3, maxTagElements: 2 };
    const withTags = (n: number) => ({ ...good, tags: Array.from({ length: n }, () => ["t", "x"]) });
    expect(parseEvent(withTags(2), limits).ok).toBe(true);
    expect(parseEvent(withTags(3), limits).ok).toBe(true);
    expect(parseEvent(withTags(4), limits).ok).toBe(false);
    expect(parseEvent({ ...good, tags: [["a", "b", "c"]] }, limits).ok).toBe(false);
  });

  it("never throws on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        parseEvent(v);
      }),
    );
  });
});

describe("ids and JSON", () => {
  it("computes the NIP-01 id that nostr-tools signs", () => {
    expect(computeEventId(signed as never)).toBe(signed.id);
    expect(computeEventId({ ...signed, content: "changed" } as never)).not.toBe(signed.id);
  });

  it("serializes with fields in a fixed order and round-trips", () => {
    const r = parseEvent(good);
    if (!r.ok) throw new Error(r.error);
    const json = eventToJson(r.value);
    expect(json.startsWith('{"id":')).toBe(true);
    expect(JSON.parse(json)).toEqual(good);
  });

  it("reads tag values", () => {
    expect(firstTagValue(signed, "p")).toBe("x");
    expect(firstTagValue(signed, "e")).toBeUndefined();
    expect(tagValues(signed, "p")).toEqual(["x", "y"]);
  });
});
