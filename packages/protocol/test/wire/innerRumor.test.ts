import fc from "fast-check";
import { getEventHash } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { generatePerson } from "../../src/identity/index.ts";
import {
  checkRumorSender,
  createInnerRumor,
  decodeInnerRumor,
  encodeInnerRumor,
  INNER_KINDS,
  MAX_INNER_RUMOR_BYTES,
  MarmotError,
} from "../../src/wire/index.ts";
import { codeOf } from "./helpers.ts";

const alice = generatePerson();
const bob = generatePerson();
const enc = new TextEncoder();

function raw(value: unknown): Uint8Array {
  return enc.encode(JSON.stringify(value));
}

function rumorObject(over: Record<string, unknown> = {}, rehash = true): Record<string, unknown> {
  const body: Record<string, unknown> = {
    pubkey: alice.pubkey,
    created_at: 1_750_000_000,
    kind: 9,
    tags: [],
    content: "hi",
    ...over,
  };
  return { id: rehash ? getEventHash(body as never) : "00".repeat(32), ...body };
}

describe("inner messages", () => {
  it("allows the group kinds and nothing else", () => {
    expect([...INNER_KINDS].sort((a, b) => a - b)).toEqual([
      5, 7, 9, 1018, 1068, 1925, 1926, 1927, 1928, 1929, 31922, 31923, 31925,
    ]);
    for (const kind of INNER_KINDS) {
      expect(
        decodeInnerRumor(encodeInnerRumor(createInnerRumor({ pubkey: alice.pubkey, kind, content: "x" })))
          .kind,
      ).toBe(kind);
    }
    expect(codeOf(() => createInnerRumor({ pubkey: alice.pubkey, kind: 1 }))).toBe("kind-not-allowed");
    expect(codeOf(() => decodeInnerRumor(raw(rumorObject({ kind: 4 }))))).toBe("kind-not-allowed");
    // A caller may widen the set for its own purposes.
    expect(decodeInnerRumor(raw(rumorObject({ kind: 1 })), new Set([1])).kind).toBe(1);
  });

  it("round-trips with a NIP-01 id, replies and unicode intact", () => {
    const rumor = createInnerRumor({
      pubkey: alice.pubkey,
      kind: 9,
      tags: [["e", "ab".repeat(32), "", "reply"]],
      content: "Réunion ce soir 🌱 <script>alert(1)</script>",
      now: 1_700_000_000,
    });
    expect(rumor.id).toBe(getEventHash(rumor));
    const decoded = decodeInnerRumor(encodeInnerRumor(rumor));
    expect(decoded).toEqual(rumor);
  });

  it("refuses signed rumors, extra or missing fields, bad ids and h tags", () => {
    expect(codeOf(() => decodeInnerRumor(raw({ ...rumorObject(), sig: "00".repeat(64) })))).toBe("malformed");
    expect(codeOf(() => decodeInnerRumor(raw({ ...rumorObject(), extra: 1 })))).toBe("malformed");
    const { content: _c, ...missing } = rumorObject();
    expect(codeOf(() => decodeInnerRumor(raw(missing)))).toBe("malformed");
    expect(codeOf(() => decodeInnerRumor(raw(rumorObject({}, false))))).toBe("bad-signature");
    expect(codeOf(() => decodeInnerRumor(raw(rumorObject({ tags: [["h", "ab".repeat(32)]] }))))).toBe(
      "bad-tag",
    );
    expect(codeOf(() => decodeInnerRumor(raw(rumorObject({ tags: [["e", 5]] }, false))))).toBe("malformed");
    expect(codeOf(() => decodeInnerRumor(raw(rumorObject({ tags: [[]] }, false))))).toBe("malformed");
    expect(codeOf(() => decodeInnerRumor(raw(rumorObject({ created_at: -1 }, false))))).toBe("malformed");
    expect(codeOf(() => decodeInnerRumor(raw(rumorObject({ created_at: 1.5 }, false))))).toBe("malformed");
    expect(
      codeOf(() => decodeInnerRumor(raw(rumorObject({ pubkey: alice.pubkey.toUpperCase() }, false)))),
    ).toBe("malformed");
    expect(codeOf(() => decodeInnerRumor(raw([rumorObject()])))).toBe("malformed");
  });

  it("refuses invalid UTF-8, non-JSON and non-bytes", () => {
    expect(codeOf(() => decodeInnerRumor(Uint8Array.of(0x7b, 0xff, 0x7d)))).toBe("bad-encoding");
    expect(codeOf(() => decodeInnerRumor(enc.encode("{not json")))).toBe("bad-encoding");
    expect(codeOf(() => decodeInnerRumor("text" as never))).toBe("bad-parameter");
  });

  it("holds 64 KiB and refuses one byte more", () => {
    const base = raw(rumorObject({ content: "" })).length;
    const fit = rumorObject({ content: "a".repeat(MAX_INNER_RUMOR_BYTES - base) });
    expect(raw(fit).length).toBe(MAX_INNER_RUMOR_BYTES);
    expect(decodeInnerRumor(raw(fit)).content.length).toBe(MAX_INNER_RUMOR_BYTES - base);
    const over = rumorObject({ content: "a".repeat(MAX_INNER_RUMOR_BYTES - base + 1) });
    expect(codeOf(() => decodeInnerRumor(raw(over)))).toBe("too-large");
    expect(
      codeOf(() =>
        createInnerRumor({ pubkey: alice.pubkey, kind: 9, content: "a".repeat(MAX_INNER_RUMOR_BYTES) }),
      ),
    ).toBe("too-large");
  });

  it("binds the author to the MLS sender", () => {
    const rumor = createInnerRumor({ pubkey: alice.pubkey, kind: 9, content: "hello" });
    expect(() => checkRumorSender(rumor, alice.pubkey)).not.toThrow();
    expect(codeOf(() => checkRumorSender(rumor, bob.pubkey))).toBe("sender-mismatch");
    expect(codeOf(() => createInnerRumor({ pubkey: "nope", kind: 9 }))).toBe("bad-parameter");
  });

  it("never throws anything but MarmotError on arbitrary bytes or JSON (fuzz)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(() => decodeInnerRumor(bytes)).toThrow(MarmotError);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(() => decodeInnerRumor(raw(value))).toThrow(MarmotError);
      }),
      { numRuns: 300 },
    );
  });
});
