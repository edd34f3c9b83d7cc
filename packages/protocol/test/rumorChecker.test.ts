/**
 * One rumor checker (nostr/rumor.ts) behind both layers: the wire's `checkRumor` (what a device
 * decodes from a group message, a welcome or a join request) and the app's `parseRumor` (what the
 * reducer folds) accept and refuse the same rumors. The wire adds only its transport rules (exactly
 * six fields, an author on the curve) and each layer its own size caps; those are stated below too.
 */
import { getEventHash } from "nostr-tools/pure";
import { describe, expect, test } from "vitest";
import { parseRumor } from "../src/app/index.ts";
import { generatePerson } from "../src/identity/index.ts";
import { checkRumorShape } from "../src/nostr/index.ts";
import { checkRumor } from "../src/wire/eventShape.ts";
import { MarmotError } from "../src/wire/index.ts";

const alice = generatePerson();

/** A rumor with a correct id, from the fields given over a plain chat message. */
function rumor(over: Record<string, unknown> = {}): Record<string, unknown> {
  const body = { pubkey: alice.pubkey, created_at: 1_750_000_000, kind: 9, tags: [], content: "hi", ...over };
  let id = "00".repeat(32);
  try {
    id = getEventHash(body as never);
  } catch {
    // nostr-tools cannot hash a misshapen body; the shape alone must refuse it.
  }
  return { id, ...body };
}

/** The same with fields replaced after the id was computed (the id no longer matches, or is bad). */
function patched(over: Record<string, unknown>): Record<string, unknown> {
  return { ...rumor(), ...over };
}

function wire(value: unknown): "accept" | "refuse" {
  try {
    checkRumor(value, "message");
    return "accept";
  } catch (e) {
    expect(e).toBeInstanceOf(MarmotError);
    return "refuse";
  }
}

const app = (value: unknown): "accept" | "refuse" => (parseRumor(value).ok ? "accept" : "refuse");

const good: [string, unknown][] = [
  ["a chat message", rumor()],
  [
    "tags with several items",
    rumor({
      tags: [
        ["e", "ab".repeat(32), "", "reply"],
        ["t", "x"],
      ],
    }),
  ],
  ["empty content", rumor({ content: "" })],
  ["unicode content", rumor({ content: "Réunion ce soir 🌱" })],
  ["kind 0", rumor({ kind: 0 })],
  ["kind 65535", rumor({ kind: 65535 })],
  ["created_at 0", rumor({ created_at: 0 })],
  ["created_at at the largest safe integer", rumor({ created_at: Number.MAX_SAFE_INTEGER })],
  ["a tag with only a name", rumor({ tags: [["t"]] })],
];

const bad: [string, unknown][] = [
  ["null", null],
  ["an array", [rumor()]],
  ["a string", "rumor"],
  ["a number", 9],
  ["an uppercase id", patched({ id: "AB".repeat(32) })],
  ["a short id", patched({ id: "ab".repeat(31) })],
  ["an id that is not the hash", patched({ content: "changed" })],
  ["an uppercase pubkey", rumor({ pubkey: alice.pubkey.toUpperCase() })],
  ["a short pubkey", rumor({ pubkey: alice.pubkey.slice(2) })],
  ["a numeric pubkey", patched({ pubkey: 5 })],
  ["a negative created_at", rumor({ created_at: -1 })],
  ["a fractional created_at", rumor({ created_at: 1.5 })],
  ["a created_at as text", rumor({ created_at: "1750000000" })],
  ["a created_at beyond the safe integers", rumor({ created_at: Number.MAX_SAFE_INTEGER + 1 })],
  ["a negative kind", rumor({ kind: -1 })],
  ["kind 65536", rumor({ kind: 65536 })],
  ["a fractional kind", rumor({ kind: 9.5 })],
  ["a kind as text", rumor({ kind: "9" })],
  ["content as a number", rumor({ content: 5 })],
  ["content null", rumor({ content: null })],
  ["tags as an object", rumor({ tags: {} })],
  ["tags as text", rumor({ tags: "t" })],
  ["an empty tag", rumor({ tags: [[]] })],
  ["a tag that is text", rumor({ tags: ["t"] })],
  ["a tag with a number", rumor({ tags: [["t", 1]] })],
  ["a tag with null", rumor({ tags: [["t", null]] })],
  ["a missing field", (({ content: _c, ...rest }) => rest)(rumor())],
];

describe("one rumor checker for the wire and the app", () => {
  test.each(good)("both accept %s, with the same six fields", (_name, value) => {
    expect(wire(value)).toBe("accept");
    expect(app(value)).toBe("accept");
    const fromApp = parseRumor(value);
    expect(fromApp.ok && fromApp.value).toEqual(checkRumor(value, "message"));
    expect(fromApp.ok && fromApp.value).toEqual(value);
  });

  test.each(bad)("both refuse %s", (_name, value) => {
    expect(wire(value)).toBe("refuse");
    expect(app(value)).toBe("refuse");
    expect(checkRumorShape(value).ok).toBe(false);
  });

  test("an id that is not the hash is told apart from a bad shape, on both sides", () => {
    const value = patched({ content: "changed" });
    const shared = checkRumorShape(value);
    expect(!shared.ok && shared.error.problem).toBe("id");
    expect(() => checkRumor(value, "message")).toThrow(expect.objectContaining({ code: "bad-signature" }));
    expect(parseRumor(value)).toEqual({ ok: false, error: "rumor id does not match its contents" });
    const misshaped = checkRumorShape(rumor({ kind: -1 }));
    expect(!misshaped.ok && misshaped.error.problem).toBe("shape");
    expect(() => checkRumor(rumor({ kind: -1 }), "message")).toThrow(
      expect.objectContaining({ code: "malformed" }),
    );
  });

  test("the wire's own rules: exactly six fields, and an author that is a point on the curve", () => {
    // The app reads a stored or sealed rumor's six fields and drops the rest; the wire refuses a
    // rumor that could be published as a signed event.
    for (const extra of [{ sig: "00".repeat(64) }, { extra: 1 }]) {
      const value = { ...rumor(), ...extra };
      expect(wire(value)).toBe("refuse");
      expect(app(value)).toBe("accept");
    }
    let offCurve = "";
    for (let i = 1; !offCurve; i++) {
      const x = i.toString(16).padStart(64, "0");
      if (wire(rumor({ pubkey: x })) === "refuse") offCurve = x;
    }
    // The app's checker reads shape only: such an author never matches an MLS sender anyway.
    expect(app(rumor({ pubkey: offCurve }))).toBe("accept");
  });

  test("each layer's size caps: the app's for one inner message, the wire's for signed-event tags", () => {
    const wideTag = rumor({ tags: [Array.from({ length: 17 }, () => "x")] });
    expect(app(wideTag)).toBe("refuse");
    expect(wire(wideTag)).toBe("accept");
    const manyTags = rumor({ tags: Array.from({ length: 2001 }, () => ["t"]) });
    expect(app(manyTags)).toBe("refuse");
    expect(wire(manyTags)).toBe("refuse");
  });
});
