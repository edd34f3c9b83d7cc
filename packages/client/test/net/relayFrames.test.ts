import fc from "fast-check";
import { finalizeEvent, generateSecretKey } from "nostr-tools/pure";
import { describe, expect, it } from "vitest";
import { MAX_FRAME_CHARS, messagePrefix, parseRelayFrame } from "../../src/net/relayFrames.ts";

const sk = generateSecretKey();
const event = finalizeEvent({ kind: 1, created_at: 1_700_000_000, tags: [["t", "x"]], content: "hi" }, sk);
const plain = JSON.parse(JSON.stringify(event));
const id = event.id;

describe("parseRelayFrame", () => {
  it("reads every NIP-01 / NIP-42 relay frame", () => {
    expect(parseRelayFrame(JSON.stringify(["EVENT", "s1", plain]))).toEqual({
      ok: true,
      frame: { type: "EVENT", subId: "s1", event: plain },
    });
    expect(parseRelayFrame(JSON.stringify(["OK", id, true, ""]))).toEqual({
      ok: true,
      frame: { type: "OK", eventId: id, ok: true, message: "" },
    });
    expect(parseRelayFrame(JSON.stringify(["OK", id, false, "blocked: no"]))).toMatchObject({
      frame: { ok: false, message: "blocked: no" },
    });
    expect(parseRelayFrame('["EOSE","s1"]')).toEqual({ ok: true, frame: { type: "EOSE", subId: "s1" } });
    expect(parseRelayFrame('["CLOSED","s1","auth-required: x"]')).toEqual({
      ok: true,
      frame: { type: "CLOSED", subId: "s1", message: "auth-required: x" },
    });
    expect(parseRelayFrame('["CLOSED","s1"]')).toMatchObject({ frame: { message: "" } });
    expect(parseRelayFrame('["NOTICE","hello"]')).toEqual({
      ok: true,
      frame: { type: "NOTICE", message: "hello" },
    });
    expect(parseRelayFrame('["AUTH","chal"]')).toEqual({
      ok: true,
      frame: { type: "AUTH", challenge: "chal" },
    });
    expect(parseRelayFrame('["COUNT","s1",{"count":3}]')).toEqual({
      ok: true,
      frame: { type: "COUNT", subId: "s1", count: 3 },
    });
  });

  it("drops what is not exactly a frame, with a reason", () => {
    const bad: [unknown, RegExp][] = [
      [new Uint8Array([1]), /binary/],
      ["not json", /not JSON/],
      ["{}", /not an array/],
      ["[]", /not an array/],
      ["[1,2]", /not an array/],
      ['["WHAT","x"]', /unknown relay message type/],
      ['["EVENT","s1"]', /3 elements/],
      [JSON.stringify(["EVENT", "", plain]), /subscription id/],
      [JSON.stringify(["EVENT", "x".repeat(65), plain]), /subscription id/],
      [JSON.stringify(["EVENT", "s", { ...plain, id: "ab" }]), /id must be 64 lowercase hex/],
      [
        JSON.stringify(["EVENT", "s", { ...plain, id: plain.id.toUpperCase() }]),
        /id must be 64 lowercase hex/,
      ],
      [JSON.stringify(["EVENT", "s", { ...plain, pubkey: 5 }]), /pubkey/],
      [JSON.stringify(["EVENT", "s", { ...plain, sig: "00" }]), /sig/],
      [JSON.stringify(["EVENT", "s", { ...plain, kind: 70000 }]), /kind/],
      [JSON.stringify(["EVENT", "s", { ...plain, kind: 1.5 }]), /kind/],
      [JSON.stringify(["EVENT", "s", { ...plain, created_at: -1 }]), /created_at/],
      [JSON.stringify(["EVENT", "s", { ...plain, content: null }]), /content/],
      [JSON.stringify(["EVENT", "s", { ...plain, tags: [["t", 1]] }]), /tag/],
      [JSON.stringify(["EVENT", "s", { ...plain, tags: {} }]), /tags/],
      [JSON.stringify(["EVENT", "s", [plain]]), /must be a JSON object/],
      [JSON.stringify(["OK", "zz", true, ""]), /event id/],
      [JSON.stringify(["OK", id, "true", ""]), /boolean/],
      [JSON.stringify(["OK", id, true]), /4 elements/],
      [JSON.stringify(["OK", id, true, 5]), /text is not a string/],
      ['["EOSE"]', /EOSE/],
      ['["EOSE",5]', /EOSE/],
      ['["CLOSED","s",5]', /CLOSED/],
      ['["NOTICE"]', /NOTICE/],
      ['["AUTH",""]', /AUTH/],
      ['["AUTH",{}]', /AUTH/],
      ['["COUNT","s",{"count":-1}]', /COUNT/],
      ['["COUNT","s",null]', /COUNT/],
      ['["COUNT","s",{"count":1.5}]', /COUNT/],
      ['["EOSE","s","extra"]', /EOSE/],
      [JSON.stringify(["AUTH", "c".repeat(2049)]), /AUTH/],
    ];
    for (const [data, reason] of bad) {
      const r = parseRelayFrame(data);
      expect(r.ok, String(data)).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    }
  });

  it("keeps relay messages short, and takes events whatever their tag count", () => {
    const long = "x".repeat(3000);
    expect(parseRelayFrame(JSON.stringify(["NOTICE", long]))).toEqual({
      ok: true,
      frame: { type: "NOTICE", message: long.slice(0, 2048) },
    });
    expect(parseRelayFrame(JSON.stringify(["OK", id, false, long]))).toMatchObject({
      frame: { message: long.slice(0, 2048) },
    });
    const tagged = { ...plain, tags: Array.from({ length: 3000 }, () => ["t", "x"]) };
    expect(parseRelayFrame(JSON.stringify(["EVENT", "s", tagged]))).toMatchObject({ ok: true });
  });

  it("drops frames over the size limit without parsing them, at n+1 and not at n", () => {
    const frame = `["NOTICE","${"x".repeat(100)}"]`;
    expect(parseRelayFrame(frame, frame.length).ok).toBe(true);
    expect(parseRelayFrame(frame, frame.length - 1)).toEqual({
      ok: false,
      reason: `frame of ${frame.length} characters is over the ${frame.length - 1} limit`,
    });
    expect(MAX_FRAME_CHARS).toBeGreaterThan(256 * 1024);
  });

  it("never throws, whatever arrives", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(["EVENT", "s", v])),
        ),
        (s) => {
          const r = parseRelayFrame(s);
          expect(typeof r.ok).toBe("boolean");
        },
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom("EVENT", "OK", "EOSE", "CLOSED", "NOTICE", "AUTH", "COUNT"),
        fc.array(fc.jsonValue(), { maxLength: 4 }),
        (type, rest) => {
          const r = parseRelayFrame(JSON.stringify([type, ...rest]));
          expect(typeof r.ok).toBe("boolean");
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("messagePrefix", () => {
  it("reads NIP-01's machine-readable prefixes", () => {
    expect(messagePrefix("invalid: bad sig")).toBe("invalid");
    expect(messagePrefix("blocked: you are banned")).toBe("blocked");
    expect(messagePrefix("rate-limited: slow down")).toBe("rate-limited");
    expect(messagePrefix("auth-required: who are you")).toBe("auth-required");
    expect(messagePrefix("duplicate: have it")).toBe("duplicate");
    expect(messagePrefix("restricted: no")).toBe("restricted");
    expect(messagePrefix("error: disk")).toBe("error");
    expect(messagePrefix("")).toBe("");
    expect(messagePrefix("no prefix here")).toBe("");
    expect(messagePrefix("made-up: thing")).toBe("");
    expect(messagePrefix(": empty")).toBe("");
  });
});
