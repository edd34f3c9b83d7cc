import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { NostrEvent } from "../../src/nostr/event.ts";
import {
  compareNewestFirst,
  type Filter,
  isEmptyFilter,
  matchFilter,
  matchFilters,
  parseFilter,
  tagConditions,
} from "../../src/nostr/filter.ts";

const ev = (over: Partial<NostrEvent> = {}): NostrEvent =>
  ({
    id: "a".repeat(64),
    pubkey: "b".repeat(64),
    created_at: 100,
    kind: 1,
    tags: [["e", "x"], ["p", "y", "relay"], ["t"], ["expiration", "5"]],
    content: "",
    sig: "c".repeat(128),
    ...over,
  }) as NostrEvent;

describe("parseFilter", () => {
  it("accepts every NIP-01 field", () => {
    const f = {
      ids: ["a".repeat(64)],
      authors: ["b".repeat(64)],
      kinds: [0, 65535],
      since: 0,
      until: 5,
      limit: 10,
      "#e": ["x"],
      "#T": [],
    };
    expect(parseFilter(f)).toEqual({ ok: true, value: f });
    expect(parseFilter({})).toEqual({ ok: true, value: {} });
  });

  it.each([
    [[]],
    ["x"],
    [null],
    [{ ids: "x" }],
    [{ ids: ["abc"] }],
    [{ authors: ["B".repeat(64)] }],
    [{ kinds: [1.5] }],
    [{ kinds: [65536] }],
    [{ kinds: ["1"] }],
    [{ since: -1 }],
    [{ until: "now" }],
    [{ limit: 1.2 }],
    [{ "#ee": ["x"] }],
    [{ "#": ["x"] }],
    [{ "#e": "x" }],
    [{ "#e": [1] }],
    [{ search: "x" }],
  ])("refuses %j", (f) => {
    expect(parseFilter(f).ok).toBe(false);
  });

  it("caps list sizes: n passes, n+1 fails", () => {
    const limits = { maxValues: 3, maxTagValueLength: 4 };
    expect(parseFilter({ kinds: [1, 2, 3] }, limits).ok).toBe(true);
    expect(parseFilter({ kinds: [1, 2, 3, 4] }, limits).ok).toBe(false);
    expect(parseFilter({ "#t": ["abcd"] }, limits).ok).toBe(true);
    expect(parseFilter({ "#t": ["abcde"] }, limits).ok).toBe(false);
  });

  it("never throws on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        parseFilter(v);
      }),
    );
  });
});

describe("matchFilter", () => {
  it.each<[Filter, boolean]>([
    [{}, true],
    [{ ids: ["a".repeat(64)] }, true],
    [{ ids: ["d".repeat(64)] }, false],
    [{ authors: ["b".repeat(64)] }, true],
    [{ kinds: [1, 2] }, true],
    [{ kinds: [2] }, false],
    [{ since: 100 }, true],
    [{ since: 101 }, false],
    [{ until: 100 }, true],
    [{ until: 99 }, false],
    [{ "#e": ["x", "z"] }, true],
    [{ "#p": ["y"] }, true],
    [{ "#p": ["relay"] }, false],
    [{ "#t": [""] }, false],
    [{ "#E": ["x"] }, false],
    [{ "#e": ["x"], kinds: [2] }, false],
    [{ "#e": [] }, false],
    [{ limit: 0 }, true],
  ])("%j → %s", (f, want) => {
    expect(matchFilter(f, ev())).toBe(want);
  });

  it("matches a list of filters when any matches", () => {
    expect(matchFilters([{ kinds: [2] }, { kinds: [1] }], ev())).toBe(true);
    expect(matchFilters([], ev())).toBe(false);
  });

  it("knows filters that match nothing", () => {
    expect(isEmptyFilter({ ids: [] })).toBe(true);
    expect(isEmptyFilter({ "#h": [] })).toBe(true);
    expect(isEmptyFilter({ since: 5, until: 4 })).toBe(true);
    expect(isEmptyFilter({ since: 5, until: 5 })).toBe(false);
    expect(tagConditions({ "#a": ["1"], kinds: [1] })).toEqual([["a", ["1"]]]);
  });
});

describe("compareNewestFirst", () => {
  it("orders newest first and ties by lowest id (NIP-01)", () => {
    const e = (created_at: number, c: string) => ({ created_at, id: c.repeat(64) });
    const sorted = [e(1, "b"), e(3, "a"), e(2, "c"), e(3, "0"), e(2, "a")].sort(compareNewestFirst);
    expect(sorted).toEqual([e(3, "0"), e(3, "a"), e(2, "a"), e(2, "c"), e(1, "b")]);
    expect(compareNewestFirst(e(5, "a"), e(5, "a"))).toBe(0);
  });
});
