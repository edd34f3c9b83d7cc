/**
 * One error base: whatever layer refuses, the caller gets a `ProtocolError` that names its layer and
 * a code, so the client maps by `layer` and `code` and never by class name. Each case makes its layer
 * refuse for real (no hand-built errors).
 */
import { describe, expect, test } from "vitest";
import { checkText, InvalidInputError, makeRumor, TextInputError } from "../src/app/index.ts";
import { isProtocolError, ProtocolError, type ProtocolLayer } from "../src/errors.ts";
import { IcsError, icsToEvents } from "../src/ics/index.ts";
import { IdentityError, parsePubkey } from "../src/identity/index.ts";
import { decodeGroupData, MlsEngineError } from "../src/mls/index.ts";
import { decodeInnerRumor, MarmotError } from "../src/wire/index.ts";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a refusal");
}

const cases: [string, () => unknown, ProtocolLayer, string, string, new (...a: never[]) => Error][] = [
  ["identity", () => parsePubkey("npub1nothing"), "identity", "bad-pubkey", "IdentityError", IdentityError],
  [
    "wire",
    () => decodeInnerRumor(new TextEncoder().encode("{not json")),
    "wire",
    "bad-encoding",
    "MarmotError",
    MarmotError,
  ],
  ["mls", () => decodeGroupData(Uint8Array.of(9)), "mls", "bad-group-data", "MlsEngineError", MlsEngineError],
  [
    "app",
    () => makeRumor({ pubkey: "nope", createdAt: 1, kind: 9, tags: [], content: "" }),
    "app",
    "bad-input",
    "InvalidInputError",
    InvalidInputError,
  ],
  [
    "app (text)",
    () => checkText("text", " ", { what: "The message", max: 10 }),
    "app",
    "bad-text",
    "InvalidInputError",
    TextInputError,
  ],
  ["ics", () => icsToEvents("hello"), "ics", "not-a-calendar", "IcsError", IcsError],
];

describe("ProtocolError", () => {
  test.each(cases)(
    "%s: a refusal is a ProtocolError with its layer and code",
    (_l, fn, layer, code, name, cls) => {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(ProtocolError);
      expect(e).toBeInstanceOf(cls);
      expect(e).toBeInstanceOf(Error);
      const pe = e as ProtocolError;
      expect(pe.layer).toBe(layer);
      expect(pe.code).toBe(code);
      // The class names callers and tests already know are kept.
      expect(pe.name).toBe(name);
      expect(pe.message.length).toBeGreaterThan(0);
      expect(isProtocolError(e)).toBe(true);
      expect(isProtocolError(e, layer)).toBe(true);
      expect(isProtocolError(e, layer, code)).toBe(true);
      expect(isProtocolError(e, layer, "some-other-code")).toBe(false);
      expect(isProtocolError(e, layer === "wire" ? "mls" : "wire")).toBe(false);
    },
  );

  test("other errors are not protocol errors", () => {
    expect(isProtocolError(new Error("x"))).toBe(false);
    expect(isProtocolError({ name: "MarmotError", layer: "wire", code: "malformed" })).toBe(false);
    expect(isProtocolError(undefined)).toBe(false);
  });

  test("an engine error keeps the library error it wraps as its cause", () => {
    const cause = new Error("inner");
    const e = new MlsEngineError("internal", "Unexpected failure.", { cause });
    expect(e.cause).toBe(cause);
    expect(e.layer).toBe("mls");
  });
});
