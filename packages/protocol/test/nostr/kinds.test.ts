import { describe, expect, it } from "vitest";
import { eventAddress, kindClass, parseAddress, replacementKey, supersedes } from "../../src/nostr/kinds.ts";

describe("kind classes (NIP-01)", () => {
  it.each([
    [0, "replaceable"],
    [1, "regular"],
    [2, "regular"],
    [3, "replaceable"],
    [4, "regular"],
    [44, "regular"],
    [45, "regular"],
    [999, "regular"],
    [1000, "regular"],
    [9999, "regular"],
    [10000, "replaceable"],
    [19999, "replaceable"],
    [20000, "ephemeral"],
    [29999, "ephemeral"],
    [30000, "addressable"],
    [39999, "addressable"],
    [40000, "regular"],
    [65535, "regular"],
  ])("kind %i is %s", (kind, cls) => {
    expect(kindClass(kind)).toBe(cls);
  });

  it("keys replaceable and addressable events", () => {
    expect(replacementKey({ kind: 0, tags: [["d", "ignored"]] })).toEqual({ kind: 0, d: "" });
    expect(
      replacementKey({
        kind: 30023,
        tags: [
          ["d", "x"],
          ["d", "y"],
        ],
      }),
    ).toEqual({ kind: 30023, d: "x" });
    expect(replacementKey({ kind: 30023, tags: [] })).toEqual({ kind: 30023, d: "" });
    expect(replacementKey({ kind: 1, tags: [] })).toBeUndefined();
    expect(replacementKey({ kind: 20000, tags: [] })).toBeUndefined();
  });

  it("breaks ties: newer wins, then the lower id", () => {
    expect(supersedes({ created_at: 2, id: "b" }, { created_at: 1, id: "a" })).toBe(true);
    expect(supersedes({ created_at: 1, id: "a" }, { created_at: 2, id: "b" })).toBe(false);
    expect(supersedes({ created_at: 1, id: "a" }, { created_at: 1, id: "b" })).toBe(true);
    expect(supersedes({ created_at: 1, id: "b" }, { created_at: 1, id: "a" })).toBe(false);
  });

  it("parses and builds addresses", () => {
    const pk = "a".repeat(64);
    expect(parseAddress(`30023:${pk}:my:slug`)).toEqual({ kind: 30023, pubkey: pk, d: "my:slug" });
    expect(parseAddress(`0:${pk}:`)).toEqual({ kind: 0, pubkey: pk, d: "" });
    for (const bad of ["", "1:2", `x:${pk}:d`, `1:${pk.slice(1)}:d`, `70000:${pk}:d`])
      expect(parseAddress(bad)).toBeUndefined();
    expect(eventAddress({ kind: 30023, pubkey: pk as never, tags: [["d", "s"]] })).toBe(`30023:${pk}:s`);
    expect(eventAddress({ kind: 10002, pubkey: pk as never, tags: [["d", "s"]] })).toBe(`10002:${pk}:`);
  });
});
